/**
 * Restriction of processing (POLICY P7): while a student contests their data or objects, nothing
 * is done with it. Restricting stops everything at once (open flags closed, unsent messages
 * cancelled); the rules leave the student out and the outbox sends nothing until it is lifted, and
 * retention holds the record as it is. Recorded as a data-protection request and audited.
 */
import { NudgeError } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { writeAudit } from "../audit/index.ts";
import { cancelUnsent } from "./cancel-unsent.ts";
import type { Authorised } from "../access/index.ts";

export class RestrictError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "restrict_invalid";
}

export interface RestrictResult {
  studentNumber: string;
  restricted: boolean;
  /** False when it already was in that state (nothing changed). */
  changed: boolean;
  flagsClosed: number;
  interventionsCancelled: number;
  dataRequestId: number | null;
}

export async function setRestriction(
  db: Database,
  studentNumber: string,
  restrict: boolean,
  staff: Authorised<"student.rectify">,
  note?: string,
  now = new Date(),
): Promise<RestrictResult> {
  const student = await db.prisma.student.findUnique({ where: { studentNumber }, select: { id: true, restrictedAt: true, erasedAt: true } });
  if (!student || student.erasedAt) throw new RestrictError(`no student ${studentNumber}`, { kind: "not_found" });
  const unchanged = { studentNumber, restricted: restrict, changed: false, flagsClosed: 0, interventionsCancelled: 0, dataRequestId: null };
  if ((student.restrictedAt !== null) === restrict) return unchanged;
  const actor = { kind: "staff", staffNumber: staff.staffNumber } as const;
  return db.prisma.$transaction(async (tx) => {
    await tx.student.update({ where: { id: student.id }, data: { restrictedAt: restrict ? now : null } });
    let flagsClosed = 0;
    let interventionsCancelled = 0;
    let dataRequestId: number | null = null;
    if (restrict) {
      const reason = "processing restricted";
      ({ count: flagsClosed } = await tx.flag.updateMany({
        where: { studentId: student.id, state: { in: ["open", "snoozed"] } },
        data: { state: "closed", closedAt: now, closedReason: reason },
      }));
      ({ interventionsCancelled } = await cancelUnsent(tx, student.id, actor, reason, now));
      const request = await tx.dataRequest.create({
        data: {
          studentId: student.id,
          kind: "restriction",
          state: "completed",
          channel: "staff",
          dueBy: now,
          completedAt: now,
          handledById: staff.staffId,
          note: note?.trim() || null,
        },
      });
      dataRequestId = request.id;
    }
    await writeAudit(tx, {
      actor,
      action: restrict ? "student.restrict" : "student.restriction_lifted",
      targetType: "student",
      targetId: studentNumber,
      studentId: student.id,
      details: { note: note?.trim() || null, flagsClosed, interventionsCancelled, dataRequestId },
    });
    return { studentNumber, restricted: restrict, changed: true, flagsClosed, interventionsCancelled, dataRequestId };
  });
}
