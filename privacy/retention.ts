/**
 * Retention (POLICY P9): a student's data is there while they are enrolled; once the course ends
 * their contact details are no longer available through the system; later the record is
 * anonymised, keeping only aggregate counts.
 *
 * Two steps, each for one student in one transaction with its audit entry:
 *
 * 1. Contact removal, `contactDays` after the enrolment end date (0: the day after it): email,
 *    mobile, photo and Entra object id are cleared and the Teams conversation reference deleted;
 *    interventions not yet sent are cancelled with their waiting deliveries, and open or snoozed
 *    flags closed, so nothing new is proposed. `contactRemovedAt` records when.
 * 2. Anonymisation, `anonymiseDays` after the end date: counts are added to `AnonymisedStatistic`
 *    first (interventions by kind and outcome, flags by rule, replies by classification, meetings
 *    by outcome, students by enrolment status, each per academic year); then engagement data and
 *    extenuating-circumstance windows are deleted; flag evidence, message texts, reply texts,
 *    meeting details and free-text notes are removed; names and special-category fields are
 *    cleared and the student number becomes `anon-<id>` (the mark that the step is done).
 *
 * The enrolment end date is the course's last day: a course ending on 30 June is over on 1 July.
 * Days are calendar days in the institution's timezone, counted from the run's as-of time (the
 * scheduled slot), so a late catch-up removes what the missed run would have.
 *
 * Left alone, and reported: records under restriction of processing (POLICY P7: kept as they are
 * until the restriction is lifted), and withdrawn or completed students with no end date (retention
 * cannot start without one: the student records feed should supply it). Erased records belong to
 * the erasure process. The audit log is not rewritten: it is append-only, and its entries about a
 * student stay as written (retention's own entries name the student by record id only).
 *
 * Safe to repeat: a second run finds nothing to do and reports zeros. A dry run reads the same
 * students and counts the same figures without writing anything.
 */
import { DAY_MS } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { dayOfDate } from "../ingest/index.ts";
import type { Tx } from "../prisma/index.ts";
import { cancelUnsent, NOT_SENT } from "./cancel-unsent.ts";
import { anonymisedCounts, removeTexts, type StatisticKey } from "./anonymise.ts";
import { writeAudit, type AuditActor } from "../audit/index.ts";

export interface RetentionSettings {
  /** Days after the enrolment end date before contact details are removed (0: the day after it). */
  contactDays: number;
  /** Days after the enrolment end date before the record is anonymised. */
  anonymiseDays: number;
  /** The institution's timezone: which calendar day the run is on. */
  timezone: string;
}

export interface RetentionOptions {
  /** Count what would be done, change nothing. */
  dryRun?: boolean;
  /** The moment the run is "as of" (the job's slot); default now. */
  asOf?: Date;
}

/** A run's figures: counts only, nothing about any one student. */
export interface RetentionReport {
  dryRun: boolean;
  /** The calendar day the run counted from (YYYY-MM-DD in the institution's timezone). */
  asOf: string;
  /** Students whose contact details and Teams conversation were removed. */
  contactsRemoved: number;
  /** Students whose record was anonymised. */
  anonymised: number;
  /** Interventions not yet sent that were cancelled. */
  interventionsCancelled: number;
  /** Deliveries waiting in the outbox that were cancelled. */
  deliveriesCancelled: number;
  /** Open or snoozed flags closed. */
  flagsClosed: number;
  /** `AnonymisedStatistic` rows created or added to. */
  statisticsKept: number;
  /** Due for retention but left alone: processing is restricted. */
  heldRestricted: number;
  /** Withdrawn or completed with no enrolment end date: retention cannot start. */
  heldNoEndDate: number;
}

export const RETENTION_ACTOR: AuditActor = { kind: "system", component: "retention" };

/** What replaces a removed text. */

const ANONYMOUS_PREFIX = "anon-";
/** States before sending: an intervention in one of these can still be cancelled. */
const CANCEL_REASON = "enrolment ended: contact details removed";

/** The opaque student number an anonymised record carries. */
export function anonymousNumber(studentId: number): string {
  return `${ANONYMOUS_PREFIX}${studentId}`;
}

function localDay(at: Date, timezone: string): number {
  // en-CA formats as YYYY-MM-DD.
  return dayOfDate(new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at))!;
}

/** Contact details are still on the record (or their removal was never recorded). */
const contactDetailsLeft = [
  { contactRemovedAt: null },
  { email: { not: null } },
  { mobile: { not: null } },
  { photoUrl: { not: null } },
  { entraObjectId: { not: null } },
];

/** Something of the student's is still reachable, or still waiting to be sent or proposed. */
const contactLeft = [
  ...contactDetailsLeft,
  { conversationReference: { isNot: null } },
  { interventions: { some: { state: { in: NOT_SENT } } } },
  { flags: { some: { state: { in: ["open" as const, "snoozed" as const] } } } },
];

const notAnonymised = { NOT: { studentNumber: { startsWith: ANONYMOUS_PREFIX } } };

interface ContactOutcome {
  /** Contact details or the Teams conversation went, or the removal was first recorded. */
  removed: boolean;
  interventionsCancelled: number;
  deliveriesCancelled: number;
  flagsClosed: number;
}

export async function runRetention(db: Database, settings: RetentionSettings, options: RetentionOptions = {}): Promise<RetentionReport> {
  const dryRun = options.dryRun ?? false;
  const today = localDay(options.asOf ?? new Date(), settings.timezone);
  // An end date before the cut-off day ended at least `days` whole days ago.
  const cutoff = (days: number) => new Date((today - days) * DAY_MS);
  const report: RetentionReport = {
    dryRun,
    asOf: new Date(today * DAY_MS).toISOString().slice(0, 10),
    contactsRemoved: 0,
    anonymised: 0,
    interventionsCancelled: 0,
    deliveriesCancelled: 0,
    flagsClosed: 0,
    statisticsKept: 0,
    heldRestricted: 0,
    heldNoEndDate: 0,
  };
  const live = { erasedAt: null };
  const dueForAnonymising = { enrolmentEndDate: { lt: cutoff(settings.anonymiseDays) }, ...live, ...notAnonymised };
  const dueForContactRemoval = { enrolmentEndDate: { lt: cutoff(settings.contactDays) }, ...live, ...notAnonymised, OR: contactLeft };

  // Both lists first: a dry run changes nothing, so it must not see a student twice either.
  const toAnonymise = await db.prisma.student.findMany({ where: { ...dueForAnonymising, restrictedAt: null }, select: { id: true }, orderBy: { id: "asc" } });
  const anonymising = new Set(toAnonymise.map((s) => s.id));
  const toRemoveContact = (
    await db.prisma.student.findMany({ where: { ...dueForContactRemoval, restrictedAt: null }, select: { id: true }, orderBy: { id: "asc" } })
  ).filter((s) => !anonymising.has(s.id));
  report.heldRestricted = await db.prisma.student.count({ where: { restrictedAt: { not: null }, OR: [dueForAnonymising, dueForContactRemoval] } });
  report.heldNoEndDate = await db.prisma.student.count({
    where: { enrolmentStatus: { in: ["withdrawn", "completed"] }, enrolmentEndDate: null, ...live, ...notAnonymised },
  });

  const statistics = new Set<string>();
  const tally = (contact: ContactOutcome | null) => {
    if (!contact) return;
    if (contact.removed) report.contactsRemoved++;
    report.interventionsCancelled += contact.interventionsCancelled;
    report.deliveriesCancelled += contact.deliveriesCancelled;
    report.flagsClosed += contact.flagsClosed;
  };

  for (const { id } of toRemoveContact) {
    tally(await inStep(db, dryRun, (tx) => removeContact(tx, id, !dryRun)));
  }
  for (const { id } of toAnonymise) {
    const outcome = await inStep(db, dryRun, (tx) => anonymise(tx, id, !dryRun));
    if (!outcome) continue;
    tally(outcome.contact);
    report.anonymised++;
    for (const key of outcome.statistics) statistics.add(`${key.metric}\u0000${key.period}\u0000${key.dimension}`);
  }
  report.statisticsKept = statistics.size;
  return report;
}

/** One student's step: in its own transaction, or (dry run) read straight from the database. */
async function inStep<T>(db: Database, dryRun: boolean, step: (tx: Tx) => Promise<T>): Promise<T> {
  if (dryRun) return step(db.prisma);
  return db.prisma.$transaction((tx) => step(tx as unknown as Tx), { maxWait: 15_000, timeout: 120_000 });
}

/**
 * Step 1 for one student. `apply` false: the same reads, and counts in place of writes.
 * Returns null when another run got there first (nothing left to do).
 */
async function removeContact(tx: Tx, studentId: number, apply: boolean): Promise<ContactOutcome | null> {
  const now = new Date();
  const student = await tx.student.findUniqueOrThrow({
    where: { id: studentId },
    select: { contactRemovedAt: true, email: true, mobile: true, photoUrl: true, entraObjectId: true, conversationReference: { select: { id: true } } },
  });
  const fields = (["email", "mobile", "photoUrl", "entraObjectId"] as const).filter((f) => student[f] !== null);
  const outcome: ContactOutcome = { removed: false, interventionsCancelled: 0, deliveriesCancelled: 0, flagsClosed: 0 };

  // The student row first: in PostgreSQL a concurrent run waits here, then finds nothing to claim.
  const claim = { id: studentId, OR: contactDetailsLeft };
  const claimed = apply
    ? (
        await tx.student.updateMany({
          where: claim,
          data: { email: null, mobile: null, photoUrl: null, entraObjectId: null, contactRemovedAt: student.contactRemovedAt ?? now },
        })
      ).count
    : await tx.student.count({ where: claim });
  const conversations = apply
    ? (await tx.conversationReference.deleteMany({ where: { studentId } })).count
    : await tx.conversationReference.count({ where: { studentId } });
  outcome.removed = claimed > 0 || conversations > 0;

  const openFlags = { studentId, state: { in: ["open" as const, "snoozed" as const] } };
  outcome.flagsClosed = apply
    ? (await tx.flag.updateMany({ where: openFlags, data: { state: "closed", closedAt: now, closedReason: "enrolment ended" } })).count
    : await tx.flag.count({ where: openFlags });

  const stopped = await cancelUnsent(tx, studentId, RETENTION_ACTOR, CANCEL_REASON, now, { apply });
  outcome.interventionsCancelled += stopped.interventionsCancelled;
  outcome.deliveriesCancelled += stopped.deliveriesCancelled;

  const changed = outcome.removed || outcome.flagsClosed > 0 || outcome.interventionsCancelled > 0 || outcome.deliveriesCancelled > 0;
  if (!changed) return null;
  if (apply) {
    await writeAudit(tx, {
      actor: RETENTION_ACTOR,
      action: "student.contact_removed",
      targetType: "student",
      targetId: String(studentId),
      studentId,
      details: {
        fields,
        teamsConversation: conversations > 0,
        interventionsCancelled: outcome.interventionsCancelled,
        deliveriesCancelled: outcome.deliveriesCancelled,
        flagsClosed: outcome.flagsClosed,
      },
    });
  }
  return outcome;
}

/** Step 2 for one student (step 1 too, if it has not happened). Null when another run got there first. */
async function anonymise(tx: Tx, studentId: number, apply: boolean): Promise<{ contact: ContactOutcome | null; statistics: StatisticKey[] } | null> {
  const student = await tx.student.findUniqueOrThrow({ where: { id: studentId }, select: { enrolmentStatus: true, enrolmentEndDate: true } });
  const contact = await removeContact(tx, studentId, apply);

  // Claim the record before counting, so two runs cannot both add its counts.
  const claim = { id: studentId, ...notAnonymised };
  const identity = {
    studentNumber: anonymousNumber(studentId),
    givenName: null,
    familyName: null,
    preferredName: null,
    disability: null,
    ethnicity: null,
    healthCode: null,
  };
  const claimed = apply ? (await tx.student.updateMany({ where: claim, data: identity })).count : await tx.student.count({ where: claim });
  if (claimed === 0) return null;

  const statistics = await anonymisedCounts(tx, studentId, [["students.anonymised", student.enrolmentEndDate!, `status=${student.enrolmentStatus}`]]);
  if (apply) {
    for (const [key, value] of statistics) {
      await tx.anonymisedStatistic.upsert({
        where: { metric_period_dimension: key },
        create: { ...key, value },
        update: { value: { increment: value } },
      });
    }
  }

  const byStudent = { where: { studentId } };
  const deleted = {
    engagementDays: apply ? (await tx.engagementDaily.deleteMany(byStudent)).count : await tx.engagementDaily.count(byStudent),
    attendance: apply ? (await tx.attendance.deleteMany(byStudent)).count : await tx.attendance.count(byStudent),
    submissions: apply ? (await tx.submission.deleteMany(byStudent)).count : await tx.submission.count(byStudent),
    activityStatements: apply ? (await tx.activityStatement.deleteMany(byStudent)).count : await tx.activityStatement.count(byStudent),
    extenuatingCircumstances: apply ? (await tx.extenuatingCircumstance.deleteMany(byStudent)).count : await tx.extenuatingCircumstance.count(byStudent),
  };
  if (apply) {
    await removeTexts(tx, studentId);
    await writeAudit(tx, {
      actor: RETENTION_ACTOR,
      action: "student.anonymised",
      targetType: "student",
      targetId: String(studentId),
      studentId,
      details: { deleted, statistics: statistics.length },
    });
  }
  return { contact, statistics: statistics.map(([key]) => key) };
}
