/**
 * Staff in their 1:1 chat with the bot: "my tutees", "student <name or id>", "digest now", "help",
 * and the buttons on a digest card. Each is one use case in digest/ (which asks the access gate
 * and audits); this file only reads the words and sends the card.
 */
import type { TurnContext } from "botbuilder";
import { isGroupQuestion } from "../analytics/index.ts";
import type { App } from "../app/index.ts";
import { answerAdminMessage } from "./admin-handler.ts";
import { answerQuestion } from "./centre-handler.ts";
import { sendCard } from "./send-card.ts";
import { abilitiesOf, groupQuestionRefused, helpFor, STUDENTS_REFUSED } from "./staff-help.ts";
import { refreshIds, type StaffPerson } from "./staff-person.ts";

/** `institutionTimezone`: NUDGE_TIMEZONE, for what "yesterday" means in rules commands. */
export async function answerStaffMessage(nudge: App, context: TurnContext, staff: StaffPerson, institutionTimezone: string): Promise<void> {
  const text = (context.activity.text ?? "").replace(/<at>.*?<\/at>/g, "").trim();
  const can = await abilitiesOf(nudge, staff);
  if (/^(help|\?|hi|hello)\b/i.test(text) || !text) {
    await context.sendActivity(helpFor(can));
    return;
  }
  const asked = /^student\s+(.+)$/i.exec(text);
  if (/^my tutees\b/i.test(text) || /^digest( now)?$/i.test(text) || asked) {
    if (!can.students) return refuseStudents(nudge, context, staff, text, asked?.[1]?.trim());
    if (asked) return sendCard(context, await nudge.digest.studentLookupCard(staff, asked[1]!.trim()));
    if (/^my tutees\b/i.test(text)) return sendCard(context, await nudge.digest.tuteesCardFor(staff));
    const card = await nudge.digest.digestNow(staff, refreshIds(context));
    if (card) await sendCard(context, card);
    else await context.sendActivity("Nothing is waiting for you: no tutee has a recent flag, a suggestion to decide on or an unseen reply.");
    return;
  }
  // Rules commands, for admins (anyone else is told politely that rules are for admins).
  if (await answerAdminMessage(nudge, context, staff, text, institutionTimezone)) return;
  // Anything else is a question about groups of students, for those whose role allows it.
  if (can.questions) return answerQuestion(nudge, context, staff, text);
  if (isGroupQuestion(text)) {
    await context.sendActivity(groupQuestionRefused(can));
    return;
  }
  await context.sendActivity(`Sorry, I didn't understand "${text.slice(0, 80)}".\n\n${helpFor(can)}`);
}

/**
 * Someone whose roles read no student records asked for one: told plainly, the same words whether
 * or not the student exists, and the attempt kept in the audit log. A lookup still goes through
 * its use case, which records a refusal naming the student when there is one; the card it makes
 * is not shown.
 */
async function refuseStudents(nudge: App, context: TurnContext, staff: StaffPerson, text: string, student: string | undefined): Promise<void> {
  if (student !== undefined) await nudge.digest.studentLookupCard(staff, student);
  else
    await nudge.audit.record({
      actor: { kind: "staff", staffNumber: staff.staffNumber },
      action: "access.refused",
      targetType: "capability",
      targetId: "student.read",
      details: { capability: "student.read", reason: "holds no role that reads student records", command: text.toLowerCase(), via: "bot" },
    });
  await context.sendActivity(STUDENTS_REFUSED);
}
