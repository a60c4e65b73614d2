/** The commands every member of staff has in their 1:1 chat, and how a student's message is told apart from one. */

export const STAFF_HELP = [
  "Here is what you can ask me:",
  '- "my tutees": your personal tutees and who needs a look',
  '- "student <name or student number>": a student\'s evidence and history (recorded in the audit log)',
  '- "digest now": your digest card, with what is waiting for you',
  '- "help": this list',
  "Your digest arrives each weekday morning when something is new.",
].join("\n");

/** Messages a student might send that are staff commands: answered with a polite refusal. */
export function isStaffCommand(text: string): boolean {
  return /^(my tutees|digest( now)?|student\s+\S.*)$/i.test(text.trim());
}
