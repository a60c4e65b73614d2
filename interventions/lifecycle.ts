/**
 * The intervention state machine, in one place. Every change of state goes through `transition`,
 * which refuses moves the table does not allow, guards against a concurrent change (the update
 * names the state it expects), and writes the audit entry in the same transaction.
 *
 *   proposed -> awaiting_approval -> approved | rejected
 *   proposed -> approved            (only a rule's nudge, approved by the system: POLICY P2)
 *   approved -> queued -> sent -> delivered | failed
 *   cancelled and expired from any state before sending
 */
import { NudgeError } from "../core/index.ts";
import type { DatabaseKind, Tx } from "../prisma/index.ts";
import type { Channel, InterventionState } from "../prisma/index.ts";
import { writeAudit, writeAuditBatch, type AuditActor } from "../audit/index.ts";
import { interventionStates, moveInterventions } from "./queries.ts";

export const TRANSITIONS: Readonly<Record<InterventionState, readonly InterventionState[]>> = {
  proposed: ["awaiting_approval", "approved", "cancelled"],
  awaiting_approval: ["approved", "rejected", "cancelled", "expired"],
  approved: ["queued", "cancelled", "expired"],
  queued: ["sent", "failed", "cancelled", "expired"],
  // A provider may report a message it accepted as undelivered later (Twilio "undelivered").
  sent: ["delivered", "failed"],
  delivered: [],
  failed: [],
  rejected: [],
  cancelled: [],
  expired: [],
};

/** Who moved it: a member of staff, the student, or a part of the system (e.g. "rules:no-vle-10-days"). */
export type InterventionActor = AuditActor;

export class IllegalTransition extends NudgeError {
  static override kind = "conflict" as const;
  static override code = "illegal_transition";
  constructor(
    readonly interventionId: number,
    readonly from: InterventionState | undefined,
    readonly to: InterventionState,
  ) {
    super(
      from === undefined
        ? `intervention ${interventionId} does not exist`
        : `intervention ${interventionId} cannot go from ${from} to ${to}${TRANSITIONS[from].length ? ` (allowed: ${TRANSITIONS[from].join(", ")})` : " (it is finished)"}`,
    );
  }
}

export function canTransition(from: InterventionState, to: InterventionState): boolean {
  return TRANSITIONS[from].includes(to);
}

export type { Tx } from "../prisma/index.ts";

export interface TransitionRequest {
  interventionId: number;
  to: InterventionState;
  actor: InterventionActor;
  /** Columns changed with the state (approver, edited text, channel…). */
  changes?: Record<string, unknown>;
  /** Kept in the audit entry: reason, edit, channel. */
  details?: Record<string, unknown>;
}

/**
 * Moves one intervention; call inside the transaction of the action it belongs to. Throws
 * IllegalTransition when the move is not allowed or the state changed meanwhile.
 */
export async function transition(tx: Tx, request: TransitionRequest): Promise<{ from: InterventionState; studentId: number }> {
  const { interventionId, to, actor } = request;
  const current = await tx.intervention.findUnique({ where: { id: interventionId }, select: { state: true, studentId: true } });
  if (!current) throw new IllegalTransition(interventionId, undefined, to);
  if (!canTransition(current.state, to)) throw new IllegalTransition(interventionId, current.state, to);
  const updated = await tx.intervention.updateMany({
    where: { id: interventionId, state: current.state },
    data: { ...(request.changes ?? {}), state: to },
  });
  if (updated.count !== 1) {
    const now = await tx.intervention.findUnique({ where: { id: interventionId }, select: { state: true } });
    throw new IllegalTransition(interventionId, now?.state, to);
  }
  await writeAudit(tx, {
    actor,
    action: `intervention.${to}`,
    targetType: "intervention",
    targetId: String(interventionId),
    studentId: current.studentId,
    details: { from: current.state, to, ...(request.details ?? {}) },
  });
  return { from: current.state, studentId: current.studentId };
}

/** One move among many: the only column that may change with the state is the channel used. */
export interface BatchTransitionRequest extends Omit<TransitionRequest, "changes"> {
  changes?: { channel?: Channel };
}

/**
 * `transition` for many interventions at once (a dispatcher's batch of sends), in a few statements
 * whatever their number: one guarded update per (from, to) pair (preceded by one read of their
 * states when a target can be reached from more than one state), and the audit entries in one insert. The same table and the same guard: if any move is not allowed or
 * any state changed meanwhile, it throws IllegalTransition and the caller's transaction writes none.
 */
export async function transitionMany(
  tx: Tx,
  kind: DatabaseKind,
  requests: readonly BatchTransitionRequest[],
  at: Date = new Date(),
): Promise<Map<number, { from: InterventionState; studentId: number }>> {
  const moved = new Map<number, { from: InterventionState; studentId: number }>();
  if (requests.length === 0) return moved;
  const ids = requests.map((r) => r.interventionId);
  if (new Set(ids).size !== ids.length) throw new RangeError("transitionMany: an intervention appears twice");
  const byTarget = new Map<InterventionState, BatchTransitionRequest[]>();
  for (const request of requests) byTarget.set(request.to, [...(byTarget.get(request.to) ?? []), request]);
  for (const [to, group] of byTarget) {
    const channels = new Map<number, Channel>();
    for (const request of group) if (request.changes?.channel) channels.set(request.interventionId, request.changes.channel);
    const sources = (Object.keys(TRANSITIONS) as InterventionState[]).filter((from) => canTransition(from, to));
    if (sources.length === 1) {
      // One state it can come from (sent: only from queued): the guarded update is the check.
      const from = sources[0]!;
      const done = await moveInterventions(tx, kind, { from, to, ids: group.map((r) => r.interventionId), channels, at });
      for (const { id, studentId } of done) moved.set(id, { from, studentId });
    } else {
      const current = await interventionStates(
        tx,
        kind,
        group.map((r) => r.interventionId),
      );
      const bySource = new Map<InterventionState, number[]>();
      for (const request of group) {
        const now = current.get(request.interventionId);
        if (now && canTransition(now.state, to)) bySource.set(now.state, [...(bySource.get(now.state) ?? []), request.interventionId]);
      }
      for (const [from, fromIds] of bySource) {
        const done = await moveInterventions(tx, kind, { from, to, ids: fromIds, channels, at });
        for (const { id, studentId } of done) moved.set(id, { from, studentId });
      }
    }
    const missed = group.find((request) => !moved.has(request.interventionId));
    if (missed) {
      const [now] = (await interventionStates(tx, kind, [missed.interventionId])).values();
      throw new IllegalTransition(missed.interventionId, now?.state, to);
    }
  }
  await writeAuditBatch(
    tx,
    kind,
    requests.map((request) => {
      const { from, studentId } = moved.get(request.interventionId)!;
      return {
        actor: request.actor,
        action: `intervention.${request.to}`,
        targetType: "intervention",
        targetId: String(request.interventionId),
        studentId,
        details: { from, to: request.to, ...(request.details ?? {}) },
      };
    }),
    at,
  );
  return moved;
}

/** Creates an intervention in `proposed` and records who proposed it. */
export async function createProposed(
  tx: Tx,
  data: Parameters<Tx["intervention"]["create"]>[0]["data"] & { studentId: number },
  actor: InterventionActor,
  details: Record<string, unknown> = {},
): Promise<{ id: number }> {
  const created = await tx.intervention.create({ data: { ...data, state: "proposed" }, select: { id: true, kind: true } });
  await writeAudit(tx, {
    actor,
    action: "intervention.proposed",
    targetType: "intervention",
    targetId: String(created.id),
    studentId: data.studentId,
    details: { kind: created.kind, ...details },
  });
  return { id: created.id };
}
