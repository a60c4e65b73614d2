/**
 * "I'm handling this": a person takes a concern on. Staff must hold `safeguarding.respond` for
 * the student (safeguarding staff, the personal tutor and those above them), checked by the
 * privacy gate; a contact outside the staff records proves themselves with the signed link the
 * alert email carried. Acknowledging stops the escalation and withdraws alerts not yet sent;
 * recording extenuating circumstances acknowledges too. Every step is audited.
 */
import { NudgeError, type ErrorKind } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { authorise } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import type { AlertRecipientId } from "./acknowledge-links.ts";

export class ConcernError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "concern_invalid";

  /** Written for the member of staff who pressed the button: shown to them as it is. */
  constructor(message: string, options: { kind?: ErrorKind } = {}) {
    super(message, { ...options, plain: message });
  }
}

export interface AcknowledgeResult {
  concernId: number;
  studentId: number;
  /** Someone had acknowledged it already: nothing changed. */
  already: boolean;
  acknowledgedBy: string;
  acknowledgedAt: Date;
}

/** Who acknowledges: staff identified by the bot or the CLI, or the recipient a signed link names. */
export type Acknowledger = { kind: "staff"; staffNumber: string } | { kind: "link"; recipient: AlertRecipientId };

export async function acknowledgeConcern(db: Database, concernId: number, by: Acknowledger, now = new Date()): Promise<AcknowledgeResult> {
  const concern = Number.isSafeInteger(concernId)
    ? await db.prisma.safeguardingConcern.findUnique({
        where: { id: concernId },
        select: { id: true, studentId: true, state: true, acknowledgedAt: true, acknowledgedBy: true },
      })
    : null;
  if (!concern) throw new ConcernError("That alert no longer exists.", { kind: "not_found" });
  const staffNumber = by.kind === "staff" ? by.staffNumber : by.recipient.kind === "staff" ? by.recipient.staffNumber : null;
  // A person on the staff records is checked by the gate (a refusal is audited there), even with a link.
  if (staffNumber) await authorise(db, staffNumber, "safeguarding.respond", { studentId: concern.studentId });
  const name = staffNumber ?? (by.kind === "link" && by.recipient.kind === "email" ? by.recipient.address : "unknown");
  if (concern.state === "acknowledged") {
    return {
      concernId,
      studentId: concern.studentId,
      already: true,
      acknowledgedBy: concern.acknowledgedBy ?? "someone",
      acknowledgedAt: concern.acknowledgedAt ?? now,
    };
  }
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.safeguardingConcern.updateMany({
      where: { id: concernId, state: "open" },
      data: { state: "acknowledged", acknowledgedAt: now, acknowledgedBy: name },
    });
    if (count === 0) {
      const current = await tx.safeguardingConcern.findUniqueOrThrow({ where: { id: concernId }, select: { acknowledgedAt: true, acknowledgedBy: true } });
      return {
        concernId,
        studentId: concern.studentId,
        already: true,
        acknowledgedBy: current.acknowledgedBy ?? "someone",
        acknowledgedAt: current.acknowledgedAt ?? now,
      };
    }
    // Alerts still waiting (a distress notice before working hours, an escalation) are no longer needed.
    const { count: withdrawn } = await tx.staffMessage.updateMany({
      where: { concernId, state: "pending" },
      data: { state: "cancelled", lastError: `acknowledged by ${name}` },
    });
    await writeAudit(tx, {
      actor: staffNumber ? { kind: "staff", staffNumber } : { kind: "system", component: `safeguarding-link:${name}` },
      action: "safeguarding.acknowledged",
      targetType: "concern",
      targetId: String(concernId),
      studentId: concern.studentId,
      details: { via: by.kind === "link" ? "email link" : "staff", withdrawnAlerts: withdrawn },
    });
    return { concernId, studentId: concern.studentId, already: false, acknowledgedBy: name, acknowledgedAt: now };
  });
}

/**
 * Records an extenuating circumstance (the dates only, never the reason: rules do not nudge about
 * work in that window) for the student of a concern, and acknowledges the concern.
 */
export async function recordCircumstances(
  db: Database,
  concernId: number,
  staffNumber: string,
  from: string,
  to: string,
  now = new Date(),
): Promise<AcknowledgeResult> {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(from) || Number.isNaN(Date.parse(`${from}T00:00:00Z`)))
    throw new ConcernError(`Please give the first day as a date (you gave "${from.slice(0, 20)}").`);
  if (!day.test(to) || Number.isNaN(Date.parse(`${to}T00:00:00Z`)))
    throw new ConcernError(`Please give the last day as a date (you gave "${to.slice(0, 20)}").`);
  if (to < from) throw new ConcernError("The last day is before the first day: please check the dates.");
  const concern = Number.isSafeInteger(concernId)
    ? await db.prisma.safeguardingConcern.findUnique({ where: { id: concernId }, select: { studentId: true } })
    : null;
  if (!concern) throw new ConcernError("That alert no longer exists.", { kind: "not_found" });
  await authorise(db, staffNumber, "safeguarding.respond", { studentId: concern.studentId });
  const circumstance = await db.prisma.extenuatingCircumstance.create({
    data: { studentId: concern.studentId, fromDate: new Date(`${from}T00:00:00Z`), toDate: new Date(`${to}T23:59:59Z`), recordedAt: now },
    select: { id: true },
  });
  await writeAudit(db.prisma, {
    actor: { kind: "staff", staffNumber },
    action: "extenuating.recorded",
    targetType: "extenuating_circumstance",
    targetId: String(circumstance.id),
    studentId: concern.studentId,
    details: { from, to, concernId },
  });
  return acknowledgeConcern(db, concernId, { kind: "staff", staffNumber }, now);
}
