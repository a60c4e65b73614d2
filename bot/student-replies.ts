/**
 * A student writing to the bot in their 1:1 chat: recorded and answered like a reply by SMS or
 * email (interventions/replies.ts), the answer sent back in the same turn. "help" on its own lists
 * what they can say instead of asking their tutor for a chat; "privacy" (or "what do you do with
 * my data?") gets the privacy notice. A student's first conversation starts with a short welcome
 * that says what Nudge is and how to pause, stop or get a copy of their data (POLICY P6).
 */
import type { TurnContext } from "botbuilder";
import { receiveStudentMessage } from "../interventions/index.ts";
import type { Database } from "../prisma/index.ts";
import { asksForPrivacyNotice, noticeText, privacyNotice, welcomeText, writeAudit, type PrivacyNoticeSettings } from "../privacy/index.ts";
import { personByAadObjectId } from "./people.ts";
import { isStaffCommand } from "./tutor-handler.ts";

export const STUDENT_HELP = [
  "Nudge sends you short messages when your engagement data suggests things might be getting hard. You can reply:",
  "- \"I need help\" or \"talk to my tutor\": your personal tutor is asked to arrange a chat",
  "- \"why did I get this?\": what a message was based on",
  "- \"what data do you hold about me?\": a copy of your data",
  "- \"pause for 2 weeks\": no messages for a while",
  "- \"stop\": no more messages here",
  "- \"privacy\": what Nudge does with your data, who can see it, and your rights",
].join("\n");

/** A student's message in their 1:1 chat: help, the privacy notice, or a reply to what Nudge sent. */
export async function answerStudentMessage(db: Database, context: TurnContext, studentId: number, privacy: PrivacyNoticeSettings): Promise<void> {
  const text = (context.activity.text ?? "").trim();
  if (!text) return;
  if (/^help\??$/i.test(text)) {
    await context.sendActivity(STUDENT_HELP);
    return;
  }
  if (isStaffCommand(text)) {
    await context.sendActivity("Sorry, that's something staff can ask me, so I can't help with it here. Reply \"help\" to see what you can say.");
    return;
  }
  // Before the reply handling, which reads "my data" as a request for a copy of it.
  if (asksForPrivacyNotice(text)) {
    await context.sendActivity(noticeText(privacyNotice(privacy)));
    await noticeGiven(db, studentId, "asked");
    return;
  }
  const answer = await answerStudentText(db, context, studentId, text);
  if (answer) await context.sendActivity(answer);
}

/** Recorded and classified like a reply by SMS or email; the answer to send back, if any. */
export async function answerStudentText(db: Database, context: TurnContext, studentId: number, text: string): Promise<string | undefined> {
  const activity = context.activity;
  const outcome = await receiveStudentMessage(
    db,
    { studentId, channel: "teams", text, providerMessageId: activity.id ? `teams:${activity.conversation?.id}:${activity.id}` : undefined },
    { answerInline: true },
  );
  return outcome.duplicate ? undefined : outcome.answer;
}

/** The first-contact welcome, if the person is a student (staff are not welcomed this way). */
export async function welcomeNewStudent(db: Database, context: TurnContext, privacy: PrivacyNoticeSettings): Promise<void> {
  const { studentId } = await personByAadObjectId(db, context.activity.from?.aadObjectId);
  if (studentId === null) return;
  const student = await db.prisma.student.findUnique({ where: { id: studentId }, select: { givenName: true, preferredName: true } });
  await context.sendActivity(welcomeText(privacy, student?.preferredName ?? student?.givenName));
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
