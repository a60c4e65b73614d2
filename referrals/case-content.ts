/**
 * What the team a case goes to receives: the same facts as a Teams card (Acknowledge, then the
 * outcome) and as an email (with a signed link where the page does the same). Who referred, the
 * student, the referrer's note and what the flags saw, in plain words; what the student was told.
 */
import { referralCaseCard, type ReferralCaseCardData } from "../adaptive-cards/index.ts";
import { dateLabel, timeLabel } from "../core/index.ts";
import type { Tx } from "../prisma/index.ts";
import { evidencePhrases, type FlagEvidence } from "../rules/index.ts";
import type { CaseKind } from "./settings.ts";

export const CASE_OUTCOMES = [
  { value: "supported", title: "Support arranged" },
  { value: "signposted", title: "Referred on to another service" },
  { value: "no_contact", title: "Could not reach the student" },
  { value: "declined", title: "The student declined help" },
  { value: "not_needed", title: "No action needed" },
] as const;
export type CaseOutcome = (typeof CASE_OUTCOMES)[number]["value"];

export function outcomeWords(outcome: string | null): string {
  return CASE_OUTCOMES.find((o) => o.value === outcome)?.title.toLowerCase() ?? "closed";
}

/** Flags looked at for the evidence: those of the last weeks, whatever the tutor did with them. */
const EVIDENCE_DAYS = 30;

export interface CaseFacts {
  caseId: number;
  kind: CaseKind;
  team: string;
  state: "open" | "acknowledged" | "closed";
  referrer: string;
  student: { name: string; number: string; programme: string | null; tutor: string | null; mobile: string | null; email: string | null };
  note: string | null;
  evidence: string[];
  told: string;
  /** "Acknowledged by … at …". */
  acknowledged: string | null;
  closed: string | null;
  createdAt: Date;
}

export async function personName(tx: Tx, by: string | null): Promise<string> {
  if (!by) return "someone";
  const staff = await tx.staff.findUnique({ where: { staffNumber: by }, select: { displayName: true } });
  return staff?.displayName ?? by;
}

const at = (when: Date, timeZone: string) => `${timeLabel(when, timeZone)}, ${dateLabel(when, timeZone)}`;

export async function caseFacts(tx: Tx, caseId: number, timeZone: string): Promise<CaseFacts> {
  const row = await tx.referralCase.findUniqueOrThrow({
    where: { id: caseId },
    select: {
      id: true,
      kind: true,
      destination: true,
      state: true,
      note: true,
      referredById: true,
      acknowledgedAt: true,
      acknowledgedBy: true,
      outcome: true,
      outcomeNote: true,
      closedAt: true,
      createdAt: true,
      intervention: { select: { body: true, approvedBy: { select: { displayName: true } } } },
      student: {
        select: {
          id: true,
          studentNumber: true,
          givenName: true,
          preferredName: true,
          familyName: true,
          mobile: true,
          email: true,
          programmeEnrolments: {
            where: { status: "active" },
            take: 1,
            orderBy: { startDate: "desc" },
            select: { yearOfStudy: true, programme: { select: { title: true } } },
          },
        },
      },
    },
  });
  const s = row.student;
  const referrer = row.referredById
    ? ((await tx.staff.findUnique({ where: { id: row.referredById }, select: { displayName: true } }))?.displayName ?? "a member of staff")
    : (row.intervention.approvedBy?.displayName ?? "a member of staff");
  const [tutors, flags] = await Promise.all([
    tx.tutorAssignment.findMany({
      where: { studentId: s.id, role: "personal_tutor", startDate: { lte: row.createdAt }, OR: [{ endDate: null }, { endDate: { gt: row.createdAt } }] },
      select: { staff: { select: { displayName: true } } },
    }),
    tx.flag.findMany({
      where: { studentId: s.id, raisedAt: { gte: new Date(row.createdAt.getTime() - EVIDENCE_DAYS * 86_400_000), lte: row.createdAt } },
      orderBy: { raisedAt: "desc" },
      select: { evidence: true },
    }),
  ]);
  const enrolment = s.programmeEnrolments[0];
  const kind: CaseKind = row.kind === "escalation" ? "escalation" : "referral";
  const name = [s.preferredName?.trim() || s.givenName?.trim(), s.familyName?.trim()].filter(Boolean).join(" ") || s.studentNumber;
  return {
    caseId: row.id,
    kind,
    team: row.destination,
    state: row.state,
    referrer,
    student: {
      name,
      number: s.studentNumber,
      programme: enrolment ? `${enrolment.programme.title}, year ${enrolment.yearOfStudy}` : null,
      tutor: tutors.map((t) => t.staff.displayName).join(", ") || null,
      mobile: s.mobile,
      email: s.email,
    },
    note: row.note,
    evidence: evidencePhrases(
      flags.map((f) => f.evidence as unknown as FlagEvidence),
      "staff",
    ),
    told:
      kind === "referral"
        ? `That ${referrer} has passed their details to ${row.destination}, who will get in touch.`
        : `The message ${referrer} approved: "${row.intervention.body}"`,
    acknowledged: row.acknowledgedAt ? `Acknowledged by ${await personName(tx, row.acknowledgedBy)} at ${at(row.acknowledgedAt, timeZone)}` : null,
    closed: row.closedAt ? `Closed at ${at(row.closedAt, timeZone)}: ${outcomeWords(row.outcome)}.${row.outcomeNote ? ` ${row.outcomeNote}` : ""}` : null,
    createdAt: row.createdAt,
  };
}

export function caseTitle(facts: Pick<CaseFacts, "kind" | "referrer">): string {
  return `${facts.kind === "referral" ? "Referral" : "Escalation"} from ${facts.referrer}`;
}

function summaryOf(facts: CaseFacts): string {
  const passed = facts.kind === "referral" ? "has passed" : "has escalated";
  return `${facts.referrer} ${passed} ${facts.student.name} to ${facts.team}. Please get in touch with them, and acknowledge this so ${facts.referrer} knows it is in hand; record the outcome when you close it.`;
}

export function caseCardData(facts: CaseFacts): ReferralCaseCardData {
  const notKnown = "not on record";
  return {
    caseId: facts.caseId,
    title: caseTitle(facts),
    summary: summaryOf(facts),
    student: {
      name: facts.student.name,
      number: facts.student.number,
      programme: facts.student.programme ?? notKnown,
      tutor: facts.student.tutor ?? "none on record",
      mobile: facts.student.mobile ?? notKnown,
      email: facts.student.email ?? notKnown,
    },
    note: facts.note ?? "No note was given.",
    evidence: facts.evidence.map((text) => ({ text })),
    told: facts.told,
    acknowledged: facts.acknowledged,
    closed: facts.closed,
    outcomes: CASE_OUTCOMES.map((o) => ({ title: o.title, value: o.value })),
  };
}

export function caseCard(facts: CaseFacts): object {
  return referralCaseCard(caseCardData(facts));
}

/** The email: the same facts as plain text, and where to acknowledge and close. */
export function caseEmail(facts: CaseFacts, link: string | null, reminder = false): { subject: string; text: string } {
  const card = caseCardData(facts);
  const subject = `${reminder ? "Reminder, not yet acknowledged: " : ""}${caseTitle(facts)} about ${facts.student.name} (${facts.student.number})`;
  const text = [
    card.summary,
    "",
    `Student: ${card.student.name} (${card.student.number})`,
    `Course: ${card.student.programme}`,
    `Personal tutor: ${card.student.tutor}`,
    `Mobile: ${card.student.mobile}`,
    `Email: ${card.student.email}`,
    "",
    `Note from ${facts.referrer}:`,
    card.note,
    "",
    ...(facts.evidence.length ? ["What Nudge saw:", ...facts.evidence.map((e) => `- ${e}`), ""] : []),
    `What the student was told: ${facts.told}`,
    "",
    link
      ? `Acknowledge it here when you take it on, and record the outcome there when you close it: ${link}`
      : "Acknowledge it in Teams (the Nudge app) when you take it on, and record the outcome there when you close it.",
  ].join("\n");
  return { subject, text };
}
