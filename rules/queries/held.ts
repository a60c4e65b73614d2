/**
 * Flags held by the volume guard: written as closed with a reason that says so, which keeps them out
 * of proposals (only open flags become interventions) and inside the rule's cooldown, until an admin
 * releases (they reopen) or discards them (they stay closed, with the discard recorded).
 */
import type { Database, SqlExecutor, Tx } from "../../prisma/index.ts";

export const HELD_REASON = "held by the volume guard";
const DISCARDED_REASON = "discarded after the volume guard held it";

/** Holds the new flags of `rules` written by run `runId` (inside the run's write transaction). */
export async function holdFlags(tx: SqlExecutor, runId: number, rules: readonly string[], now: Date): Promise<void> {
  if (rules.length === 0) return;
  const list = rules.map((_, i) => `$${i + 4}`).join(", ");
  await tx.query(
    `UPDATE "Flag" SET "state" = 'closed', "closedReason" = $1, "closedAt" = $2 WHERE "runId" = $3 AND "state" = 'open' AND "ruleId" IN (${list})`,
    [HELD_REASON, now, runId, ...rules],
  );
}

export async function heldFlagGroups(db: Database): Promise<{ ruleId: string; day: number; runId: number | null; flags: number }[]> {
  const rows = await db.prisma.flag.groupBy({
    by: ["ruleId", "day", "runId"],
    where: { state: "closed", closedReason: HELD_REASON },
    _count: { _all: true },
    orderBy: [{ ruleId: "asc" }, { day: "asc" }],
  });
  return rows.map((r) => ({ ruleId: r.ruleId, day: r.day, runId: r.runId, flags: r._count._all }));
}

export async function releaseHeldFlags(tx: Tx, ruleId: string): Promise<number> {
  const { count } = await tx.flag.updateMany({
    where: { ruleId, state: "closed", closedReason: HELD_REASON },
    data: { state: "open", closedReason: null, closedAt: null },
  });
  return count;
}

export async function discardHeldFlags(tx: Tx, ruleId: string, now: Date): Promise<number> {
  const { count } = await tx.flag.updateMany({
    where: { ruleId, state: "closed", closedReason: HELD_REASON },
    data: { closedReason: DISCARDED_REASON, closedAt: now },
  });
  return count;
}
