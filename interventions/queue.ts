/**
 * Putting an approved intervention in the outbox: one Delivery on the first channel of its order.
 * The dispatcher falls back along the same order when a channel cannot reach the student.
 */

import type { ChannelName } from "../core/index.ts";
import type { InterventionActor, Tx } from "./lifecycle.ts";
import { transition } from "./lifecycle.ts";

export function channelOrderOf(value: unknown): ChannelName[] {
  return Array.isArray(value) ? value.filter((c): c is ChannelName => c === "teams" || c === "sms" || c === "email") : [];
}

/** approved -> queued, with the first delivery due now (send-time checks may hold it). */
export async function queueApproved(tx: Tx, interventionId: number, actor: InterventionActor, now: Date): Promise<void> {
  const intervention = await tx.intervention.findUniqueOrThrow({ where: { id: interventionId }, select: { channelOrder: true } });
  const first = channelOrderOf(intervention.channelOrder)[0];
  if (!first) {
    // Recorded all the same (POLICY P3): the intervention fails, saying why.
    await transition(tx, { interventionId, to: "queued", actor });
    await transition(tx, {
      interventionId,
      to: "failed",
      actor: { kind: "system", component: "outbox" },
      details: { reason: "no enabled channel has a message for this student" },
    });
    return;
  }
  await tx.delivery.create({ data: { interventionId, channel: first, dueAt: now } });
  await transition(tx, { interventionId, to: "queued", actor, details: { channel: first } });
}
