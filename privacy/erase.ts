/**
 * Erasure (POLICY P7, P9): a student's personal data removed from Nudge at their request, in one
 * transaction, keeping only anonymised counts.
 *
 * The story, for one student:
 * 1. Claim the record (`erasedAt`), so two erasures cannot both run, and nothing is sent from now
 *    on (the outbox re-checks `erasedAt` before every send).
 * 2. Stop what is in flight: interventions not yet sent are cancelled through the intervention
 *    state machine, by the member of staff doing the erasure, with their waiting deliveries; open
 *    and snoozed flags are closed, meetings not yet held cancelled. A send already handed to a
 *    provider is left to finish.
 * 3. Keep counts: interventions by kind and state, flags by rule, replies by classification,
 *    meetings by outcome, and the erasure itself, each per academic year, are added to
 *    `AnonymisedStatistic` (the same measures retention keeps).
 * 4. Delete what is only about the student: engagement rows (daily totals, attendance,
 *    submissions, VLE statements), extenuating-circumstance windows, enrolments, tutor
 *    assignments and the Teams conversation reference.
 * 5. Remove the texts and identifiers in the rows that stay: message texts, reply texts, flag
 *    evidence, meeting details, tutors' comments on the student's flags, consent and request notes.
 * 6. The student row keeps no name, contact detail, Teams identity, special-category field or
 *    preference; its student number becomes `erased-<id>`.
 * 7. The erasure is recorded: a data-protection request of kind "erasure", completed, and an
 *    audit entry naming the student number, so the erasure can be shown to have happened and a
 *    repeated request recognised. The audit log itself is append-only and is not rewritten.
 *
 * Erasing an erased record changes nothing and says so.
 *
 * A source system that still sends the student (the student records feed) would bring them back
 * as a new record: the feed must leave them out, which docs/admins/data-protection-requests.md says.
 */
import { clearChannelOrder } from "./queries.ts";
import { NudgeError, DEFAULT_TIMEZONE } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import type { Tx } from "../prisma/index.ts";
import { cancelUnsent } from "./cancel-unsent.ts";
import { writeAudit, type AuditActor } from "../audit/index.ts";
import type { Authorised } from "../access/index.ts";
import { anonymisedCounts, removeTexts } from "./anonymise.ts";

/** Bad input: no such student. */
export class EraseError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "erase_invalid";
}

export interface EraseResult {
  /** As asked for. */
  studentNumber: string;
  /** What the record is called now. */
  erasedNumber: string;
  alreadyErased: boolean;
  erasedAt: Date;
  interventionsCancelled: number;
  deliveriesCancelled: number;
  flagsClosed: number;
  /** Rows deleted, by table. */
  deleted: Record<string, number>;
  /** `AnonymisedStatistic` rows created or added to. */
  statistics: number;
  dataRequestId?: number;
}

const ERASED_PREFIX = "erased-";
const CANCEL_REASON = "the student's data was erased";

export function erasedNumber(studentId: number): string {
  return `${ERASED_PREFIX}${studentId}`;
}

/**
 * The record a student number names: the student with that number, or, once erased (the number
 * is gone from the record), the record the erasure's audit entry names.
 */
export async function findStudentForErasure(db: Database, studentNumber: string): Promise<{ id: number; erasedAt: Date | null } | null> {
  const student = await db.prisma.student.findUnique({ where: { studentNumber }, select: { id: true, erasedAt: true } });
  if (student) return student;
  const erasure = await db.prisma.auditLog.findFirst({
    where: { action: "student.erase", targetType: "student", targetId: studentNumber },
    orderBy: { id: "desc" },
    select: { studentId: true },
  });
  if (erasure?.studentId == null) return null;
  return db.prisma.student.findUnique({ where: { id: erasure.studentId }, select: { id: true, erasedAt: true } });
}

/** Erases one student; `staff` must already be authorised for `student.erase` on them. */
export async function eraseStudent(db: Database, studentNumber: string, staff: Authorised<"student.erase">, now: Date = new Date()): Promise<EraseResult> {
  const found = await findStudentForErasure(db, studentNumber);
  if (!found) throw new EraseError(`no student ${studentNumber}`, { kind: "not_found" });
  const already = (erasedAt: Date): EraseResult => ({
    studentNumber,
    erasedNumber: erasedNumber(found.id),
    alreadyErased: true,
    erasedAt,
    interventionsCancelled: 0,
    deliveriesCancelled: 0,
    flagsClosed: 0,
    deleted: {},
    statistics: 0,
  });
  if (found.erasedAt) return already(found.erasedAt);
  const actor: AuditActor = { kind: "staff", staffNumber: staff.staffNumber };

  return db.prisma.$transaction(
    async (prismaTx) => {
      const tx = prismaTx as unknown as Tx;
      const studentId = found.id;
      // 1. The claim: in PostgreSQL a concurrent erasure waits here, then finds nothing to claim.
      const claimed = await tx.student.updateMany({ where: { id: studentId, erasedAt: null }, data: { erasedAt: now } });
      if (claimed.count === 0) {
        const { erasedAt } = await tx.student.findUniqueOrThrow({ where: { id: studentId }, select: { erasedAt: true } });
        return already(erasedAt ?? now);
      }
      const { enrolmentStatus } = await tx.student.findUniqueOrThrow({ where: { id: studentId }, select: { enrolmentStatus: true } });

      // 2. What is in flight.
      const stopped = await stopInFlight(tx, studentId, actor, now);

      // 3. Counts, once the cancellations are in them.
      const counts = await anonymisedCounts(tx, studentId, [["students.erased", now, `status=${enrolmentStatus}`]]);
      for (const [key, value] of counts) {
        await tx.anonymisedStatistic.upsert({ where: { metric_period_dimension: key }, create: { ...key, value }, update: { value: { increment: value } } });
      }

      // 4. Rows only about the student.
      const byStudent = { where: { studentId } };
      const deleted: Record<string, number> = {
        EngagementDaily: (await tx.engagementDaily.deleteMany(byStudent)).count,
        Attendance: (await tx.attendance.deleteMany(byStudent)).count,
        Submission: (await tx.submission.deleteMany(byStudent)).count,
        ActivityStatement: (await tx.activityStatement.deleteMany(byStudent)).count,
        ExtenuatingCircumstance: (await tx.extenuatingCircumstance.deleteMany(byStudent)).count,
        ModuleEnrolment: (await tx.moduleEnrolment.deleteMany(byStudent)).count,
        ProgrammeEnrolment: (await tx.programmeEnrolment.deleteMany(byStudent)).count,
        TutorAssignment: (await tx.tutorAssignment.deleteMany(byStudent)).count,
        ConversationReference: (await tx.conversationReference.deleteMany(byStudent)).count,
      };

      // 5. Texts and identifiers in the rows that stay.
      await removeTexts(tx, studentId);

      // 6. The record itself.
      const number = erasedNumber(studentId);
      await tx.student.update({
        where: { id: studentId },
        data: {
          studentNumber: number,
          givenName: null,
          familyName: null,
          preferredName: null,
          email: null,
          mobile: null,
          photoUrl: null,
          entraObjectId: null,
          timezone: DEFAULT_TIMEZONE,
          preferredChannel: null,
          teamsOptOutAt: null,
          smsOptOutAt: null,
          emailOptOutAt: null,
          pausedUntil: null,
          restrictedAt: null,
          enrolmentEndDate: null,
          contactRemovedAt: now,
          disability: null,
          ethnicity: null,
          healthCode: null,
        },
      });
      await clearChannelOrder(tx, studentId);

      // 7. The record of the erasure.
      const open = await tx.dataRequest.findFirst({
        where: { studentId, kind: "erasure", state: { in: ["received", "in_progress"] } },
        orderBy: { id: "asc" },
        select: { id: true },
      });
      const request = open
        ? await tx.dataRequest.update({ where: { id: open.id }, data: { state: "completed", completedAt: now, handledById: staff.staffId } })
        : await tx.dataRequest.create({
            data: {
              studentId,
              kind: "erasure",
              state: "completed",
              channel: "staff",
              requestedAt: now,
              dueBy: now,
              completedAt: now,
              handledById: staff.staffId,
            },
          });
      await writeAudit(tx, {
        actor,
        action: "student.erase",
        targetType: "student",
        targetId: studentNumber,
        studentId,
        details: { erasedNumber: number, dataRequestId: request.id, ...stopped, deleted, statistics: counts.length },
      });
      return {
        studentNumber,
        erasedNumber: number,
        alreadyErased: false,
        erasedAt: now,
        ...stopped,
        deleted,
        statistics: counts.length,
        dataRequestId: request.id,
      };
    },
    { maxWait: 15_000, timeout: 120_000 },
  );
}

async function stopInFlight(
  tx: Tx,
  studentId: number,
  actor: AuditActor,
  now: Date,
): Promise<{ interventionsCancelled: number; deliveriesCancelled: number; flagsClosed: number }> {
  const stopped = { interventionsCancelled: 0, deliveriesCancelled: 0, flagsClosed: 0 };
  stopped.flagsClosed = (
    await tx.flag.updateMany({
      where: { studentId, state: { in: ["open", "snoozed"] } },
      data: { state: "closed", closedAt: now, closedReason: "record erased" },
    })
  ).count;
  await tx.meeting.updateMany({ where: { studentId, state: { in: ["proposed", "booked"] } }, data: { state: "cancelled" } });
  Object.assign(stopped, await cancelUnsent(tx, studentId, actor, CANCEL_REASON, now));
  return stopped;
}
