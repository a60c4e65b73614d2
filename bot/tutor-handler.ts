/**
 * Staff in their 1:1 chat with the bot: "my tutees", "student <name or id>", "digest now", "help",
 * and the buttons on a digest card. Each is one use case in digest/ (which asks the access gate
 * and audits); this file only reads the words and sends the card.
 */
import type { TurnContext } from "botbuilder";
import type { App } from "../app/index.ts";
import { ADMIN_HELP, answerAdminMessage, mayEditRules } from "./admin-handler.ts";
import { answerQuestion, mayAskQuestions, QUESTION_HELP } from "./centre-handler.ts";
import { sendCard } from "./send-card.ts";
import { STAFF_HELP } from "./staff-commands.ts";
import { refreshIds, type StaffPerson } from "./staff-person.ts";

/** `institutionTimezone`: NUDGE_TIMEZONE, for what "yesterday" means in rules commands. */
export async function answerStaffMessage(nudge: App, context: TurnContext, staff: StaffPerson, institutionTimezone: string): Promise<void> {
  const text = (context.activity.text ?? "").replace(/<at>.*?<\/at>/g, "").trim();
  if (/^(help|\?|hi|hello)\b/i.test(text) || !text) {
    await context.sendActivity(await staffHelp(nudge, staff));
    return;
  }
  if (/^my tutees\b/i.test(text)) return sendCard(context, await nudge.digest.tuteesCardFor(staff));
  if (/^digest( now)?$/i.test(text)) {
    const card = await nudge.digest.digestNow(staff, refreshIds(context));
    if (card) await sendCard(context, card);
    else await context.sendActivity("Nothing is waiting for you: no tutee has a recent flag, a suggestion to decide on or an unseen reply.");
    return;
  }
  const asked = /^student\s+(.+)$/i.exec(text);
  if (asked) return sendCard(context, await nudge.digest.studentLookupCard(staff, asked[1]!.trim()));
  // Rules commands, for admins (anyone else is told politely that rules are for admins).
  if (await answerAdminMessage(nudge, context, staff, text, institutionTimezone)) return;
  // Anything else is a question about groups of students, for those whose role allows it.
  if (await mayAskQuestions(nudge, staff)) return answerQuestion(nudge, context, staff, text);
  await context.sendActivity(`Sorry, I didn't understand "${text.slice(0, 80)}".\n\n${await staffHelp(nudge, staff)}`);
}

/** What this person can say: the staff commands, and the lines for what their roles add. Read only when shown. */
async function staffHelp(nudge: App, staff: StaffPerson): Promise<string> {
  const [asks, edits] = await Promise.all([mayAskQuestions(nudge, staff), mayEditRules(nudge, staff)]);
  return [STAFF_HELP, ...(asks ? [QUESTION_HELP] : []), ...(edits ? [ADMIN_HELP] : [])].join("\n");
}
