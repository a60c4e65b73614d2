/**
 * A student writing to the bot in their 1:1 chat: recorded and answered like a reply by SMS or
 * email (conversations/), the answer sent back in the same turn, with a card where one helps
 * ("my data"). "privacy" (or "what do you do with my data?") gets the privacy notice. A student's
 * first conversation starts with a short welcome that says what Nudge is and how to pause, stop
 * or get a copy of their data (POLICY P6).
 */
import type { TurnContext } from "botbuilder";
import type { AdaptiveCard } from "../adaptive-cards/index.ts";
import { receiveStudentMessage, type ConversationSettings, type ReplyOutcome } from "../conversations/index.ts";
import { say } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { asksForPrivacyNotice, noticeText, privacyNotice, welcomeText } from "../privacy/index.ts";
import { writeAudit } from "../audit/index.ts";
import { personByAadObjectId } from "../access/index.ts";
import { sendCard } from "./send-card.ts";
import { isStaffCommand } from "./tutor-handler.ts";

/** A student's message in their 1:1 chat: the privacy notice, or a message for conversations/. */
export async function answerStudentMessage(db: Database, context: TurnContext, studentId: number, settings: ConversationSettings): Promise<void> {
  const text = (context.activity.text ?? "").trim();
  if (!text) return;
  if (isStaffCommand(text)) {
    await context.sendActivity(say("staff_command_refused"));
    return;
  }
  // Before the reply handling, which would read "my data" as a question about one's own figures.
  if (asksForPrivacyNotice(text)) {
    await context.sendActivity(noticeText(privacyNotice(settings.privacy)));
    await noticeGiven(db, studentId, "asked");
    return;
  }
  const outcome = await answerStudentText(db, context, studentId, text, settings);
  if (outcome.duplicate) return;
  // A card says it all ("my data"); otherwise the answer in words.
  if (outcome.card) await sendCard(context, outcome.card as AdaptiveCard);
  else if (outcome.answer) await context.sendActivity(outcome.answer);
}

/** Recorded and classified like a reply by SMS or email. */
export async function answerStudentText(db: Database, context: TurnContext, studentId: number, text: string, settings: ConversationSettings): Promise<ReplyOutcome> {
  const activity = context.activity;
  return receiveStudentMessage(
    db,
    { studentId, channel: "teams", text, providerMessageId: activity.id ? `teams:${activity.conversation?.id}:${activity.id}` : undefined },
    { answerInline: true, settings },
  );
}

/** The first-contact welcome, if the person is a student (staff are not welcomed this way). */
export async function welcomeNewStudent(db: Database, context: TurnContext, settings: ConversationSettings): Promise<void> {
  const { studentId } = await personByAadObjectId(db, context.activity.from?.aadObjectId);
  if (studentId === null) return;
  const student = await db.prisma.student.findUnique({ where: { id: studentId }, select: { givenName: true, preferredName: true } });
  await context.sendActivity(welcomeText(settings.privacy, student?.preferredName ?? student?.givenName));
  await noticeGiven(db, studentId, "first contact");
}

/** Recorded, so the university can show the student was told (the notice is the same for everyone). */
async function noticeGiven(db: Database, studentId: number, occasion: "first contact" | "asked"): Promise<void> {
  const { studentNumber } = await db.prisma.student.findUniqueOrThrow({ where: { id: studentId }, select: { studentNumber: true } });
  await writeAudit(db.prisma, {
    actor: { kind: "system", component: "bot" },
    action: "privacy.notice",
    targetType: "student",
    targetId: studentNumber,
    studentId,
    details: { occasion, channel: "teams" },
  });
}
