/** The outbox at a glance, counts only (no personal data): for operators and `nudge outbox status`. */
import type { Database } from "../prisma/index.ts";

export interface OutboxStatus {
  deliveries: { state: string; channel: string; count: number }[];
  waiting: { reason: string | null; count: number }[];
  nextDue: Date | null;
}

export async function outboxStatus(db: Database): Promise<OutboxStatus> {
  const [byState, held, oldest] = await Promise.all([
    db.prisma.delivery.groupBy({ by: ["state", "channel"], _count: { _all: true } }),
    db.prisma.delivery.groupBy({ by: ["heldReason"], where: { state: "pending", heldReason: { not: null } }, _count: { _all: true } }),
    db.prisma.delivery.findFirst({ where: { state: "pending" }, orderBy: { dueAt: "asc" }, select: { dueAt: true } }),
  ]);
  return {
    deliveries: byState.map((r) => ({ state: r.state, channel: r.channel, count: r._count._all })),
    waiting: held.map((r) => ({ reason: r.heldReason, count: r._count._all })),
    nextDue: oldest?.dueAt ?? null,
  };
}
