/**
 * What each member of staff may ask in their chat, from what their roles let them do (asked of
 * the access gate, never assumed from a role's name): their own help text, and a plain "you don't
 * have access to that" when they ask for something their roles do not give them.
 */
import type { App } from "../app/index.ts";
import { ADMIN_HELP } from "./admin-handler.ts";
import { QUESTION_HELP } from "./centre-handler.ts";
import { DIGEST_NOTE, HELP_LINE, TUTOR_COMMANDS } from "./staff-commands.ts";
import type { StaffPerson } from "./staff-person.ts";

export interface StaffAbilities {
  /** Read student records: tutee lists, a student's card, digests. */
  students: boolean;
  /** Ask aggregate questions. */
  questions: boolean;
  rules: boolean;
  operate: boolean;
}

export async function abilitiesOf(nudge: App, staff: StaffPerson): Promise<StaffAbilities> {
  const can = await nudge.access.mayDo(staff.staffId, ["student.read", "analytics.ask", "rules.edit", "system.operate"]);
  return {
    students: can["student.read"] === true,
    questions: can["analytics.ask"] === true,
    rules: can["rules.edit"] === true,
    operate: can["system.operate"] === true,
  };
}

const OPERATOR_HELP = [
  "You look after Nudge itself, so in Teams I don't show you students or answer questions about them.",
  'Runs, jobs, feeds and the outbox are on the command line: "npx nudge jobs list", "npx nudge outbox status", "npx nudge db status"; /healthz says whether the service is well.',
  HELP_LINE,
].join("\n");

const NO_ROLE_HELP =
  "You don't have a role in Nudge yet, so there is nothing I can show you here. An admin can give you one (a personal tutor's comes with their tutees).";

/** The help text for what this person's roles let them do. */
export function helpFor(can: StaffAbilities): string {
  if (!can.students && !can.questions && !can.rules) return can.operate ? OPERATOR_HELP : NO_ROLE_HELP;
  const lines = ["Here is what you can ask me:"];
  if (can.students) lines.push(...TUTOR_COMMANDS);
  if (can.questions) lines.push(QUESTION_HELP);
  if (can.rules) lines.push(ADMIN_HELP);
  lines.push(HELP_LINE);
  lines.push(can.students ? DIGEST_NOTE : "Looking up a single student is for their tutors and support staff, so it isn't in your list.");
  return lines.join("\n");
}

/** For someone whose roles do not read student records, asking for tutees, a student or a digest. */
export const STUDENTS_REFUSED =
  'You don\'t have access to individual students in Nudge: tutee lists, student records and digests are for tutors and support staff. Say "help" for what you can ask.';

/** For someone who may not ask aggregate questions, asking one. */
export function groupQuestionRefused(can: StaffAbilities): string {
  return can.students
    ? "Questions about groups of students are for Student Centre staff; you can ask about your own tutees with 'my tutees' or 'student <name>'."
    : 'Questions about groups of students are for Student Centre staff, so I can\'t answer them for you. Say "help" for what you can ask.';
}
