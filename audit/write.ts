/**
 * The audit log writer (POLICY: every read of an individual by staff, every approval, rule change,
 * message, export, consent change and retention action). Append-only: this module is the only
 * writer, and it has no update or delete. Callers pass their transaction so the entry commits
 * with the action it records, or not at all.
 */
import type { Db, DatabaseKind, RawClient } from "../prisma/index.ts";
import { insertAuditRows } from "./queries.ts";

export type AuditActor =
  | { kind: "staff"; staffNumber: string }
  | { kind: "student"; studentNumber: string }
  /** A component of the system, e.g. "rules" or "retention". */
  | { kind: "system"; component: string };

export interface AuditEntry {
  actor: AuditActor;
  /** Dotted verb, e.g. "rule.enable", "student.view". */
  action: string;
  targetType?: string;
  targetId?: string;
  /** The student the entry concerns, so "who accessed my record" can be answered. */
  studentId?: number;
  details?: Record<string, unknown>;
}

/** What can write: the Prisma client, or the client of an interactive transaction. */
export type AuditWriter = Pick<Db, "auditLog">;

function actorColumns(actor: AuditActor): { actorKind: "staff" | "student" | "system"; actorId: string } {
  switch (actor.kind) {
    case "staff":
      return { actorKind: "staff", actorId: actor.staffNumber };
    case "student":
      return { actorKind: "student", actorId: actor.studentNumber };
    case "system":
      return { actorKind: "system", actorId: actor.component };
  }
}

const NUL = /\u0000/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Details as both databases can keep them: PostgreSQL's JSON refuses NUL and half a surrogate
 * pair, which people's text (a question, a message) can hold. Kept visible, not dropped: the log
 * should show what was sent.
 */
function storable(value: unknown): unknown {
  if (typeof value === "string") return value.replace(NUL, "\\u0000").replace(LONE_SURROGATE, "\uFFFD");
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storable(key) as string, storable(inner)]));
  }
  return value;
}

function rowOf(entry: AuditEntry) {
  return {
    ...actorColumns(entry.actor),
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId === undefined ? null : (storable(entry.targetId) as string),
    studentId: entry.studentId ?? null,
    details: entry.details === undefined ? undefined : (storable(entry.details) as object),
  };
}

export async function writeAudit(db: AuditWriter, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({ data: rowOf(entry) });
}

/** Entries per insert: one statement each, short enough not to hold the connection for long. */
const AUDIT_BATCH = 500;

/**
 * Many entries at once (a rules run's held-out flags): a few multi-row inserts instead of a round
 * trip each. A thousand single inserts inside one transaction held SQLite's connection, and so
 * /readyz and every other query, for about two seconds.
 */
export async function writeAudits(db: AuditWriter, entries: readonly AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += AUDIT_BATCH) await db.auditLog.createMany({ data: entries.slice(i, i + AUDIT_BATCH).map(rowOf) });
}

/**
 * Many entries in one statement inside the caller's transaction, for a hot path (the outbox
 * records each group of sends with their entries): the entries writeAudits would write, with
 * one raw insert instead of Prisma Client's createMany, which costs several times the CPU.
 */
export async function writeAuditBatch(tx: RawClient, kind: DatabaseKind, entries: readonly AuditEntry[], at: Date = new Date()): Promise<void> {
  for (let i = 0; i < entries.length; i += AUDIT_BATCH) {
    await insertAuditRows(
      tx,
      kind,
      entries.slice(i, i + AUDIT_BATCH).map((entry) => {
        const row = rowOf(entry);
        return { ...row, at, details: row.details };
      }),
    );
  }
}
