/**
 * Health and readiness, for operators and load balancers: aggregate counts only, never a person.
 */
import type { Database } from "./database.ts";
import { migrationStatus } from "./migrator.ts";

export interface Health {
  status: "ok" | "error";
  database: { kind: string; status: "ok" | "error"; schemaVersion: string | null; pendingMigrations: number; error?: string };
  /** Waiting for a person: interventions awaiting a decision (the tutors' suggestions). */
  counts?: { students: number; openFlags: number; awaitingDecision: number };
  uptimeSeconds: number;
}

const startedAt = Date.now();

export async function checkHealth(db: Database): Promise<Health> {
  const uptimeSeconds = Math.round((Date.now() - startedAt) / 1000);
  try {
    const [status, students, openFlags, awaitingDecision] = await Promise.all([
      // Its own read connection on SQLite: a rules run or a large push holding the writer's
      // transaction does not hold up the answer.
      migrationStatus({ kind: db.sql.kind, query: (sql, params) => db.sql.queryCommitted(sql, params) }),
      db.prisma.student.count(),
      db.prisma.flag.count({ where: { state: "open" } }),
      db.prisma.intervention.count({ where: { state: "awaiting_approval" } }),
    ]);
    const healthy = status.pending.length === 0 && status.modified.length === 0;
    return {
      status: healthy ? "ok" : "error",
      database: { kind: db.kind, status: "ok", schemaVersion: status.schemaVersion, pendingMigrations: status.pending.length },
      counts: { students, openFlags, awaitingDecision },
      uptimeSeconds,
    };
  } catch (error) {
    return {
      status: "error",
      database: { kind: db.kind, status: "error", schemaVersion: null, pendingMigrations: 0, error: (error as Error).message },
      uptimeSeconds,
    };
  }
}
