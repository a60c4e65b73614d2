/**
 * A student writing to the bot in their 1:1 chat: recorded and answered like a reply by SMS or
 * email (interventions/replies.ts), the answer sent back in the same turn. "help" on its own lists
 * what they can say instead of asking their tutor for a chat.
 */
import type { TurnContext } from "botbuilder";
import { receiveStudentMessage } from "../interventions/index.ts";
import type { Database } from "../prisma/index.ts";
import { personByAadObjectId } from "./people.ts";

export const STUDENT_HELP = [
  "Nudge sends you short messages when your engagement data suggests things might be getting hard. You can reply:",
  "- \"I need help\" or \"talk to my tutor\": your personal tutor is asked to arrange a chat",
  "- \"why did I get this?\": what a message was based on",
  "- \"what data do you hold about me?\": a copy of your data",
  "- \"pause for 2 weeks\": no messages for a while",
  "- \"stop\": no more messages here",
].join("\n");

/** Returns false when the sender is not a known student (another audience's handler answers). */
export async function answerStudentMessage(db: Database, context: TurnContext): Promise<boolean> {
  const activity = context.activity;
  const { studentId } = await personByAadObjectId(db, activity.from?.aadObjectId);
  if (studentId === null) return false;
  const text = (activity.text ?? "").trim();
  if (!text) return true;
  if (/^help\??$/i.test(text)) {
    await context.sendActivity(STUDENT_HELP);
    return true;
  }
  const outcome = await receiveStudentMessage(
    db,
    { studentId, channel: "teams", text, providerMessageId: activity.id ? `teams:${activity.conversation?.id}:${activity.id}` : undefined },
    { answerInline: true },
  );
  if (!outcome.duplicate && outcome.answer) await context.sendActivity(outcome.answer);
  return true;
}
