/**
 * Stopping what has not yet reached a student: interventions not yet sent are cancelled through
 * the intervention state machine, with their waiting deliveries. A send already handed to a
 * provider (a delivery claimed and still within its lease) is left to finish. Erasure, retention
 * and a withdrawal of consent share it.
 */
import type { InterventionState } from "../prisma/index.ts";
import { IllegalTransition, transition } from "../interventions/index.ts";
import type { Tx } from "../prisma/index.ts";
import type { AuditActor } from "../audit/index.ts";

export const NOT_SENT: InterventionState[] = ["proposed", "awaiting_approval", "approved", "queued"];

export interface CancelOptions {
  /** False: count what would be cancelled, change nothing (a dry run). */
  apply?: boolean;
  /** Keep answers to the student's own messages (a withdrawal of consent is itself answered). */
  keepAnswers?: boolean;
}

export async function cancelUnsent(
  tx: Tx,
  studentId: number,
  actor: AuditActor,
  reason: string,
  now: Date,
  options: CancelOptions = {},
): Promise<{ interventionsCancelled: number; deliveriesCancelled: number }> {
  const apply = options.apply ?? true;
  const stopped = { interventionsCancelled: 0, deliveriesCancelled: 0 };
  const waiting = await tx.intervention.findMany({
    where: { studentId, state: { in: NOT_SENT }, ...(options.keepAnswers ? { kind: { not: "reply" as const } } : {}) },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  for (const { id } of waiting) {
    // Waiting rows, and rows whose sender's claim ran out; a send in progress is left to finish.
    const cancellable = {
      interventionId: id,
      OR: [{ state: "pending" as const }, { state: "sending" as const, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] }],
    };
    stopped.deliveriesCancelled += apply
      ? (await tx.delivery.updateMany({ where: cancellable, data: { state: "cancelled", leaseOwner: null, leaseUntil: null, heldReason: reason } })).count
      : await tx.delivery.count({ where: cancellable });
    if ((await tx.delivery.count({ where: { interventionId: id, state: "sending", leaseUntil: { gte: now } } })) > 0) continue;
    if (!apply) {
      stopped.interventionsCancelled++;
      continue;
    }
    try {
      await transition(tx, { interventionId: id, to: "cancelled", actor, details: { reason } });
      stopped.interventionsCancelled++;
    } catch (error) {
      // It moved on meanwhile (sent, or decided by someone): nothing to cancel.
      if (!(error instanceof IllegalTransition)) throw error;
    }
  }
  return stopped;
}
