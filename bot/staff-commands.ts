/** The commands every member of staff has in their 1:1 chat, and how a student's message is told apart from one. */

/** The commands of staff who look after students (personal tutors and others who read student records). */
export const TUTOR_COMMANDS = [
  '- "my tutees": your personal tutees and who needs a look',
  '- "student <name or student number>": a student\'s evidence and history (recorded in the audit log)',
  '- "digest now": your digest card, with what is waiting for you',
];
export const HELP_LINE = '- "help": this list';
export const DIGEST_NOTE = "Your digest arrives each weekday morning when something is new.";

/** A personal tutor's help. */
export const STAFF_HELP = ["Here is what you can ask me:", ...TUTOR_COMMANDS, HELP_LINE, DIGEST_NOTE].join("\n");

/** Messages a student might send that are staff commands: answered with a polite refusal. */
export function isStaffCommand(text: string): boolean {
  return /^(my tutees|digest( now)?|student\s+\S.*)$/i.test(text.trim());
}
