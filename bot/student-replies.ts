/**
 * A student writing to the bot in their 1:1 chat: recorded and answered like a reply by SMS or
 * email (conversations/), the answer sent back in the same turn, with a card where one helps
 * ("my data"). "privacy" (or "what do you do with my data?") gets the privacy notice. A student's
 * first conversation starts with a short welcome that says what Nudge is and how to pause, stop
 * or get a copy of their data (POLICY P6).
 */
import type { TurnContext } from "botbuilder";
import type { AdaptiveCard } from "../adaptive-cards/index.ts";
import type { App } from "../app/index.ts";
import type { ConversationSettings, ReplyOutcome } from "../conversations/index.ts";
import { say } from "../core/index.ts";
import { asksForPrivacyNotice, noticeText, privacyNotice, welcomeText } from "../privacy/index.ts";
import { sendCard } from "./send-card.ts";
import { isStaffCommand } from "./staff-commands.ts";

/** A student's message in their 1:1 chat: the privacy notice, or a message for conversations/. */
export async function answerStudentMessage(nudge: App, context: TurnContext, studentId: number, settings: ConversationSettings): Promise<void> {
  const text = (context.activity.text ?? "").trim();
  if (!text) return;
  if (isStaffCommand(text)) {
    await context.sendActivity(say("staff_command_refused"));
    return;
  }
  // Before the reply handling, which would read "my data" as a question about one's own figures.
  if (asksForPrivacyNotice(text)) {
    await context.sendActivity(noticeText(privacyNotice(settings.privacy)));
    await nudge.privacy.recordNoticeGiven(studentId, "asked", "teams");
    return;
  }
  const outcome = await answerStudentText(nudge, context, studentId, text, settings);
  if (outcome.duplicate) return;
  // A card says it all ("my data"); otherwise the answer in words.
  if (outcome.card) await sendCard(context, outcome.card as AdaptiveCard);
  else if (outcome.answer) await context.sendActivity(outcome.answer);
}

/** Recorded and classified like a reply by SMS or email. */
export async function answerStudentText(
  nudge: App,
  context: TurnContext,
  studentId: number,
  text: string,
  settings: ConversationSettings,
): Promise<ReplyOutcome> {
  const activity = context.activity;
  return nudge.conversations.receiveStudentMessage(
    { studentId, channel: "teams", text, providerMessageId: activity.id ? `teams:${activity.conversation?.id}:${activity.id}` : undefined },
    { answerInline: true, settings },
  );
}

/** The first-contact welcome, if the person is a student (staff are not welcomed this way). */
export async function welcomeNewStudent(nudge: App, context: TurnContext, settings: ConversationSettings): Promise<void> {
  const person = await nudge.access.whoIs(context.activity.from?.aadObjectId);
  if (person.kind !== "student") return;
  await context.sendActivity(welcomeText(settings.privacy, person.firstName ?? undefined));
  await nudge.privacy.recordNoticeGiven(person.studentId, "first contact", "teams");
}
