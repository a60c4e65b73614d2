/**
 * Twilio's status callbacks applied to the outbox. Callbacks arrive out of order and are replayed,
 * so a status only ever moves a delivery forward: a late "sent" never undoes "delivered", and a
 * replay changes nothing.
 *
 * A failure reported here is only recorded. The dispatcher's fallback to the next channel covers
 * failures at send time; by the time a carrier reports "undelivered" the student may have read the
 * message on another route, and a second message would be a guess.
 */
import { IllegalTransition, transition } from "../interventions/index.ts";
import type { Database } from "../prisma/index.ts";
import { writeAudit, type AuditActor } from "../audit/index.ts";

export interface SmsStatusUpdate {
  messageSid: string;
  /** Twilio's MessageStatus: queued, sending, sent, delivered, undelivered, failed, read, ... */
  status: string;
  /** Twilio's ErrorCode for undelivered/failed, e.g. "30003". */
  errorCode?: string;
  at?: Date;
}

/** unknown: no SMS delivery has this SID (nothing written); unchanged: stale, replayed or not ours to move. */
export type SmsStatusOutcome = "unknown" | "unchanged" | "updated";

type Target = "sent" | "delivered" | "failed";

/**
 * How far along each status is, and the delivery state it means. Delivered ranks above failed: a
 * delivery receipt after "undelivered" (a carrier's late retry) is proof the text arrived.
 */
const STATUSES: Readonly<Record<string, { rank: number; target: Target }>> = {
  accepted: { rank: 1, target: "sent" },
  scheduled: { rank: 1, target: "sent" },
  queued: { rank: 1, target: "sent" },
  sending: { rank: 2, target: "sent" },
  sent: { rank: 3, target: "sent" },
  canceled: { rank: 4, target: "failed" },
  undelivered: { rank: 4, target: "failed" },
  failed: { rank: 4, target: "failed" },
  delivered: { rank: 5, target: "delivered" },
  read: { rank: 6, target: "delivered" },
};

const ACTOR: AuditActor = { kind: "system", component: "sms-status" };
/** A concurrent callback for the same message changed the row first: read it again. */
const RACED = Symbol("raced");
const ATTEMPTS = 3;

function statusOf(providerStatus: string | null) {
  return providerStatus === null ? undefined : Object.hasOwn(STATUSES, providerStatus) ? STATUSES[providerStatus] : undefined;
}

/** Where a delivery stands; undefined for states callbacks do not move (pending, sending, cancelled). */
function currentRank(state: string, providerStatus: string | null): number | undefined {
  const known = statusOf(providerStatus)?.rank ?? 0;
  if (state === "sent") return known;
  if (state === "failed") return STATUSES.failed!.rank;
  if (state === "delivered") return Math.max(STATUSES.delivered!.rank, known);
  return undefined;
}

export async function applySmsStatus(db: Database, update: SmsStatusUpdate): Promise<SmsStatusOutcome> {
  const status = update.status.trim().toLowerCase();
  const next = statusOf(status);
  const at = update.at ?? new Date();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const outcome = await db.prisma.$transaction(async (tx) => {
      const delivery = await tx.delivery.findUnique({
        where: { providerMessageId: update.messageSid },
        select: { id: true, channel: true, state: true, providerStatus: true, intervention: { select: { id: true, state: true, studentId: true } } },
      });
      if (delivery?.channel !== "sms") return "unknown" as const;
      const rank = currentRank(delivery.state, delivery.providerStatus);
      if (!next || rank === undefined || next.rank <= rank) return "unchanged" as const;

      const terminal = next.target !== "sent" && delivery.state !== next.target;
      const lastError = `Twilio reported ${status}${update.errorCode ? ` (error ${update.errorCode})` : ""}`;
      const data =
        next.target === "sent" || !terminal
          ? { providerStatus: status }
          : next.target === "delivered"
            ? { providerStatus: status, state: "delivered" as const, deliveredAt: at }
            : { providerStatus: status, state: "failed" as const, failedAt: at, lastError };
      // Names what was read, so of two concurrent callbacks exactly one applies.
      const changed = await tx.delivery.updateMany({ where: { id: delivery.id, state: delivery.state, providerStatus: delivery.providerStatus }, data });
      if (changed.count !== 1) return RACED;
      if (!terminal) return "updated" as const;

      const { intervention } = delivery;
      await writeAudit(tx, {
        actor: ACTOR,
        action: `delivery.${next.target}`,
        targetType: "delivery",
        targetId: String(delivery.id),
        studentId: intervention.studentId,
        details: { channel: "sms", interventionId: intervention.id, providerStatus: status, ...(update.errorCode ? { errorCode: update.errorCode } : {}) },
      });
      if (next.target === "delivered" && intervention.state === "sent") {
        try {
          await transition(tx, { interventionId: intervention.id, to: "delivered", actor: ACTOR, details: { deliveryId: delivery.id, channel: "sms" } });
        } catch (error) {
          // Moved meanwhile (e.g. delivered on another channel): the delivery row still records the receipt.
          if (!(error instanceof IllegalTransition)) throw error;
        }
      }
      return "updated" as const;
    });
    if (outcome !== RACED) return outcome;
  }
  return "unchanged";
}
