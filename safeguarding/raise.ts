/**
 * A student's message that could be a crisis or distress becomes a concern, and people are told
 * in the same transaction as the message is recorded, so neither can exist without the other:
 *
 * - crisis: the safeguarding contacts at once, in Teams and by email (top priority: quiet hours,
 *   caps and pauses are for students and never hold a staff alert), and the personal tutor too.
 *   Unacknowledged after `escalateMinutes`, it goes to the escalation contacts (escalate.ts).
 * - distress: the personal tutor within working hours (now, or at the start of the next working
 *   day), Teams first and email when Teams cannot reach them.
 *
 * Nobody to tell is not an option: without a tutor the safeguarding contacts are told; without
 * contacts, tutors (outside production); without either, every member of staff holding the
 * safeguarding role. The audit entry names who was told, never what the student wrote.
 */
import { nextWorkingInstant, DEFAULT_TIMEZONE } from "../core/index.ts";
import { dateLabel, timeLabel } from "../core/index.ts";
import type { Channel } from "../prisma/index.ts";
import { PRIORITY, queueStaffNotice, type StaffRecipient } from "../notices/index.ts";
import type { Tx } from "../prisma/index.ts";
import { writeAudit } from "../audit/index.ts";
import { acknowledgeUrl, type AlertRecipientId } from "./acknowledge-links.ts";
import { alertCard, alertEmail, type AlertFacts } from "./alert-content.ts";
import type { SafeguardingContact, SafeguardingSettings } from "./settings.ts";

export interface NewConcern {
  studentId: number;
  replyId: number;
  level: "crisis" | "distress";
  reasons: readonly string[];
  text: string;
  channel: Channel;
  receivedAt: Date;
  /** What the student was told, in a line for staff. */
  told: string;
}

export interface RaisedConcern {
  concernId: number;
  /** Who was told, for the student's answer: the safeguarding team, their tutor, or (misconfigured) nobody. */
  told: "safeguarding" | "tutor" | "nobody";
  /** When the first person is told (now for a crisis; the working hour for distress). */
  dueAt: Date;
  recipients: number;
}

interface Person {
  staffId: number;
  staffNumber: string;
  displayName: string;
}

export async function personalTutors(tx: Tx, studentId: number, now: Date): Promise<Person[]> {
  const rows = await tx.tutorAssignment.findMany({
    where: { studentId, role: "personal_tutor", startDate: { lte: now }, OR: [{ endDate: null }, { endDate: { gt: now } }], staff: { active: true } },
    orderBy: { startDate: "desc" },
    select: { staff: { select: { id: true, staffNumber: true, displayName: true } } },
  });
  return rows.map((r) => ({ staffId: r.staff.id, staffNumber: r.staff.staffNumber, displayName: r.staff.displayName }));
}

/** Configured contacts as recipients: staff numbers that are active staff, and mailboxes. Unknown numbers are reported. */
async function resolveContacts(tx: Tx, contacts: readonly SafeguardingContact[]): Promise<{ people: Person[]; mailboxes: string[]; unknown: string[] }> {
  const numbers = contacts.filter((c) => c.kind === "staff").map((c) => c.staffNumber);
  const staff = numbers.length
    ? await tx.staff.findMany({ where: { staffNumber: { in: numbers }, active: true }, select: { id: true, staffNumber: true, displayName: true } })
    : [];
  const found = new Set(staff.map((s) => s.staffNumber));
  return {
    people: staff.map((s) => ({ staffId: s.id, staffNumber: s.staffNumber, displayName: s.displayName })),
    mailboxes: contacts.filter((c) => c.kind === "email").map((c) => c.address),
    unknown: numbers.filter((n) => !found.has(n)),
  };
}

async function safeguardingRoleHolders(tx: Tx): Promise<Person[]> {
  const staff = await tx.staff.findMany({
    where: { active: true, roles: { some: { role: "safeguarding" } } },
    select: { id: true, staffNumber: true, displayName: true },
  });
  return staff.map((s) => ({ staffId: s.id, staffNumber: s.staffNumber, displayName: s.displayName }));
}

/** The facts every alert about this concern shows. */
export async function alertFacts(tx: Tx, concernId: number, now: Date, timeZone = DEFAULT_TIMEZONE): Promise<AlertFacts> {
  const concern = await tx.safeguardingConcern.findUniqueOrThrow({
    where: { id: concernId },
    select: {
      id: true,
      level: true,
      reasons: true,
      acknowledgedAt: true,
      acknowledgedBy: true,
      reply: { select: { text: true, channel: true, receivedAt: true } },
      toldStudent: true,
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
  const s = concern.student;
  const enrolment = s.programmeEnrolments[0];
  const tutors = await personalTutors(tx, s.id, now);
  const name = [s.preferredName?.trim() || s.givenName?.trim(), s.familyName?.trim()].filter(Boolean).join(" ") || s.studentNumber;
  return {
    concernId: concern.id,
    level: concern.level === "crisis" ? "crisis" : "distress",
    reasons: Array.isArray(concern.reasons) ? (concern.reasons as string[]) : [],
    student: {
      name,
      number: s.studentNumber,
      programme: enrolment ? `${enrolment.programme.title}, year ${enrolment.yearOfStudy}` : null,
      tutor: tutors.map((t) => t.displayName).join(", ") || null,
      mobile: s.mobile,
      email: s.email,
    },
    message: concern.reply.text,
    channel: concern.reply.channel,
    receivedAt: concern.reply.receivedAt,
    told: concern.toldStudent ?? "",
    acknowledged: concern.acknowledgedAt
      ? `Acknowledged by ${await acknowledgerName(tx, concern.acknowledgedBy)} at ${timeLabel(concern.acknowledgedAt, timeZone)}, ${dateLabel(concern.acknowledgedAt, timeZone)}`
      : null,
  };
}

async function acknowledgerName(tx: Tx, by: string | null): Promise<string> {
  if (!by) return "someone";
  const staff = await tx.staff.findUnique({ where: { staffNumber: by }, select: { displayName: true } });
  return staff?.displayName ?? by;
}

/** Queues the alert for each recipient: Teams card and email, each email with its own acknowledgement link. */
export async function alertPeople(
  tx: Tx,
  facts: AlertFacts,
  recipients: { people: readonly Person[]; mailboxes: readonly string[] },
  how: { priority: number; route: "both" | "teams-then-email"; dueAt: Date },
  settings: SafeguardingSettings,
  studentId: number,
): Promise<number> {
  const card = alertCard(facts, settings.timezone);
  const link = (recipient: AlertRecipientId) =>
    settings.publicBaseUrl ? acknowledgeUrl(settings.publicBaseUrl, settings.linkSecret, facts.concernId, recipient) : null;
  const kind = facts.level === "crisis" ? "safeguarding_alert" : "distress_notice";
  const queue = async (recipient: StaffRecipient, id: AlertRecipientId) => {
    const email = alertEmail(facts, settings.timezone, link(id));
    await queueStaffNotice(tx, recipient, {
      kind,
      priority: how.priority,
      studentId,
      concernId: facts.concernId,
      subject: email.subject,
      text: email.text,
      card,
      route: how.route,
      dueAt: how.dueAt,
    });
  };
  for (const person of recipients.people) await queue({ staffId: person.staffId }, { kind: "staff", staffNumber: person.staffNumber });
  for (const address of recipients.mailboxes) await queue({ address }, { kind: "email", address });
  return recipients.people.length + recipients.mailboxes.length;
}

export async function raiseConcern(tx: Tx, concern: NewConcern, settings: SafeguardingSettings, now: Date): Promise<RaisedConcern> {
  const crisis = concern.level === "crisis";
  const created = await tx.safeguardingConcern.create({
    data: {
      studentId: concern.studentId,
      replyId: concern.replyId,
      level: concern.level,
      reasons: [...concern.reasons],
      raisedAt: now,
      escalateAt: crisis ? new Date(now.getTime() + settings.escalateMinutes * 60_000) : null,
      toldStudent: concern.told,
    },
    select: { id: true },
  });
  const facts = await alertFacts(tx, created.id, now, settings.timezone);
  const tutors = await personalTutors(tx, concern.studentId, now);
  const contacts = await resolveContacts(tx, settings.contacts);
  const haveContacts = contacts.people.length + contacts.mailboxes.length > 0;

  let told: RaisedConcern["told"];
  let dueAt: Date;
  let recipients = 0;
  if (crisis) {
    dueAt = now;
    const first = haveContacts ? contacts : { people: tutors.length ? tutors : await safeguardingRoleHolders(tx), mailboxes: [] };
    recipients += await alertPeople(tx, facts, first, { priority: PRIORITY.urgent, route: "both", dueAt }, settings, concern.studentId);
    // The tutor is told too, unless they were the first line.
    if (haveContacts && tutors.length)
      recipients += await alertPeople(
        tx,
        facts,
        { people: tutors, mailboxes: [] },
        { priority: PRIORITY.urgent, route: "teams-then-email", dueAt },
        settings,
        concern.studentId,
      );
    told = haveContacts || !tutors.length ? "safeguarding" : "tutor";
  } else {
    dueAt = nextWorkingInstant(now, settings.timezone, settings.workingHours);
    const first = tutors.length ? { people: tutors, mailboxes: [] } : haveContacts ? contacts : { people: await safeguardingRoleHolders(tx), mailboxes: [] };
    recipients += await alertPeople(tx, facts, first, { priority: PRIORITY.soon, route: "teams-then-email", dueAt }, settings, concern.studentId);
    told = tutors.length ? "tutor" : "safeguarding";
  }
  if (recipients === 0) told = "nobody";
  const student = await tx.student.findUniqueOrThrow({ where: { id: concern.studentId }, select: { studentNumber: true } });
  await writeAudit(tx, {
    actor: { kind: "system", component: "safeguarding" },
    action: "safeguarding.raised",
    targetType: "concern",
    targetId: String(created.id),
    studentId: concern.studentId,
    details: {
      level: concern.level,
      reasons: [...concern.reasons],
      channel: concern.channel,
      recipients,
      told,
      dueAt: dueAt.toISOString(),
      ...(contacts.unknown.length ? { unknownContacts: contacts.unknown } : {}),
      studentNumber: student.studentNumber,
    },
  });
  return { concernId: created.id, told, dueAt, recipients };
}
