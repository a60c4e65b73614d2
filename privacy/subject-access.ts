/**
 * A student's copy of their data (subject access, POLICY P7), asked for in a reply ("what data do
 * you hold about me?") or recorded by staff. It goes by email to the address on record, through
 * the outbox like every message to a student, and is built when it is sent, so it is complete up
 * to the moment it leaves. With `NUDGE_SUBJECT_ACCESS_DELIVERY=email` the service sends it on its
 * own (the request came from the student's own Teams account, number or address); otherwise staff
 * handling the request send it (`nudge requests fulfil --send`) or hand it over themselves (`--out`).
 */
import { say, NudgeError } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { writeAudit, type AuditActor } from "../audit/index.ts";
import type { Authorised } from "../access/index.ts";
import { createProposed, transition } from "../interventions/index.ts";
import { firstName } from "../interventions/index.ts";
import type { TemplateData } from "../interventions/index.ts";
import { queueApproved } from "../interventions/index.ts";

export class DataCopyError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "data_copy_invalid";
}

export const SUBJECT_ACCESS_DELIVERIES = ["staff", "email"] as const;
export type SubjectAccessDelivery = (typeof SUBJECT_ACCESS_DELIVERIES)[number];

/** One key per attempt: a copy whose email failed can be sent again by staff. */
const keyPrefix = (requestId: number) => `data-copy:${requestId}:`;

/** The request, checked: an access request still open, for a student who is still on record. */
export async function openAccessRequest(db: Database, requestId: number) {
  const request = await db.prisma.dataRequest.findUnique({
    where: { id: requestId },
    include: { student: { select: { id: true, studentNumber: true, email: true, givenName: true, preferredName: true, erasedAt: true } } },
  });
  if (!request) throw new DataCopyError(`DR-${requestId} does not exist`, { kind: "not_found" });
  if (request.kind !== "access")
    throw new DataCopyError(`DR-${requestId} is a ${request.kind} request, not a request for a copy of the data`, { kind: "conflict" });
  if (request.state === "completed" || request.state === "refused")
    throw new DataCopyError(`DR-${requestId} is already ${request.state}`, { kind: "conflict" });
  if (!request.student || request.student.erasedAt)
    throw new DataCopyError(`DR-${requestId}: the student's data has been erased; there is nothing left to send`, { kind: "conflict" });
  return { ...request, student: request.student };
}

/**
 * Queues the copy by email. `approvedById`: the member of staff sending it, or none when the
 * service sends it on its own.
 */
export async function queueDataCopy(
  db: Database,
  requestId: number,
  actor: AuditActor,
  approvedById: number | null,
  now = new Date(),
): Promise<{ interventionId: number }> {
  const request = await openAccessRequest(db, requestId);
  if (request.state === "in_progress") throw new DataCopyError(`DR-${requestId} is already on its way`, { kind: "conflict" });
  const student = request.student;
  if (!student.email)
    throw new DataCopyError(`DR-${requestId}: the student has no email address on record; hand the copy over another way (nudge requests fulfil --out)`);
  const subject = say("data_copy_email_subject");
  const body = say("data_copy_email", { student: firstName(student), reference: requestId });
  const templateData: TemplateData = { texts: { email: { subject, body } }, evidence: [], flagIds: [], subjectAccess: { requestId } };
  return db.prisma.$transaction(async (tx) => {
    const { id } = await createProposed(
      tx,
      {
        studentId: student.id,
        kind: "reply",
        channelOrder: ["email"],
        body,
        subject,
        templateData: templateData as object,
        proposedBy: "student",
        dedupeKey: `${keyPrefix(requestId)}${now.getTime()}`,
      },
      actor,
    );
    await transition(tx, {
      interventionId: id,
      to: "approved",
      actor,
      changes: { approvedAt: now, approvedById },
      details: { policy: "the student's own request for a copy of their data" },
    });
    await queueApproved(tx, id, actor, now);
    await tx.dataRequest.update({
      where: { id: requestId },
      data: { state: "in_progress", handledById: approvedById, note: `copy sent by email (intervention ${id})` },
    });
    await writeAudit(tx, {
      actor,
      action: "data_request.sending",
      targetType: "data_request",
      targetId: String(requestId),
      studentId: student.id,
      details: { interventionId: id },
    });
    return { interventionId: id };
  });
}

/** Staff handed the copy over themselves (`--out`): the request is complete. */
export async function completeAccessRequest(
  db: Database,
  requestId: number,
  staff: Authorised<"student.export">,
  how: string,
  now = new Date(),
): Promise<void> {
  const request = await openAccessRequest(db, requestId);
  await db.prisma.$transaction(async (tx) => {
    await tx.dataRequest.update({ where: { id: requestId }, data: { state: "completed", completedAt: now, handledById: staff.staffId, note: how } });
    await writeAudit(tx, {
      actor: { kind: "staff", staffNumber: staff.staffNumber },
      action: "data_request.completed",
      targetType: "data_request",
      targetId: String(requestId),
      studentId: request.student.id,
      details: { how },
    });
  });
}

export interface DataCopyFigures {
  queued: number;
  completed: number;
  failed: number;
  waitingForStaff: number;
}

/**
 * The scheduled part: requests whose copy was sent are completed, and those whose email failed go
 * back to staff; with email delivery, new requests are queued (those without an address wait).
 */
export async function deliverDataCopies(db: Database, delivery: SubjectAccessDelivery, now = new Date()): Promise<DataCopyFigures> {
  const figures: DataCopyFigures = { queued: 0, completed: 0, failed: 0, waitingForStaff: 0 };
  const system = { kind: "system", component: "subject-access" } as const;
  for (const request of await db.prisma.dataRequest.findMany({ where: { kind: "access", state: "in_progress" }, select: { id: true, studentId: true } })) {
    const copy = await db.prisma.intervention.findFirst({
      where: { dedupeKey: { startsWith: keyPrefix(request.id) } },
      orderBy: { id: "desc" },
      select: { state: true },
    });
    if (!copy || ["approved", "queued"].includes(copy.state)) continue;
    const sent = copy.state === "sent" || copy.state === "delivered";
    await db.prisma.$transaction(async (tx) => {
      await tx.dataRequest.update({
        where: { id: request.id },
        data: sent
          ? { state: "completed", completedAt: now }
          : { state: "received", note: `the email could not be sent (${copy.state}); hand the copy over another way` },
      });
      await writeAudit(tx, {
        actor: system,
        action: sent ? "data_request.completed" : "data_request.not_sent",
        targetType: "data_request",
        targetId: String(request.id),
        studentId: request.studentId ?? undefined,
        details: { by: "email", state: copy.state },
      });
    });
    if (sent) figures.completed++;
    else figures.failed++;
  }
  const received = await db.prisma.dataRequest.findMany({
    where: { kind: "access", state: "received" },
    select: { id: true, note: true, student: { select: { email: true } } },
    orderBy: { dueBy: "asc" },
  });
  for (const request of received) {
    // A copy whose email failed is left to staff, not tried again every hour.
    if (delivery !== "email" || !request.student?.email || request.note) {
      figures.waitingForStaff++;
      continue;
    }
    await queueDataCopy(db, request.id, system, null, now);
    figures.queued++;
  }
  return figures;
}
