/**
 * Reading the audit log: what happened to a student's data, or what one person did. Reading it
 * is itself recorded (the log shows who looked at whose history).
 */
import { NudgeError } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { writeAudit, type AuditActor } from "../audit/index.ts";
import { authorise } from "../access/index.ts";

export interface AuditQuery {
  /** A student number: entries about that student. */
  student?: string;
  /** A staff number, student number or system component: entries by them. */
  actor?: string;
  since?: Date;
  limit: number;
}

export interface AuditTrailEntry {
  at: Date;
  actorKind: string;
  actorId: string;
  action: string;
  target: string | null;
  details: unknown;
}

export class AuditQueryError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "audit_query_invalid";
}

export async function readAuditTrail(db: Database, query: AuditQuery, reader: AuditActor): Promise<{ entries: AuditTrailEntry[]; more: boolean }> {
  if (!query.student === !query.actor) throw new AuditQueryError("give exactly one of --student and --actor");
  let studentId: number | undefined;
  if (query.student) {
    const student = await db.prisma.student.findUnique({ where: { studentNumber: query.student }, select: { id: true } });
    if (!student) throw new AuditQueryError(`no student ${query.student}`, { kind: "not_found" });
    studentId = student.id;
  }
  const rows = await db.prisma.auditLog.findMany({
    where: { ...(studentId !== undefined ? { studentId } : { actorId: query.actor }), ...(query.since ? { at: { gte: query.since } } : {}) },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  await writeAudit(db.prisma, {
    actor: reader,
    action: "audit.view",
    targetType: query.student ? "student" : "actor",
    targetId: query.student ?? query.actor,
    studentId,
    details: { since: query.since?.toISOString() ?? null, entries: Math.min(rows.length, query.limit) },
  });
  return {
    entries: rows.slice(0, query.limit).map((r) => ({
      at: r.at,
      actorKind: r.actorKind,
      actorId: r.actorId,
      action: r.action,
      target: r.targetType ? `${r.targetType}:${r.targetId ?? ""}` : null,
      details: r.details,
    })),
    more: rows.length > query.limit,
  };
}

/** The trail for a member of staff allowed to read the audit log (a refusal is audited by the gate). */
export async function auditTrailFor(db: Database, query: AuditQuery, staffNumber: string): Promise<{ entries: AuditTrailEntry[]; more: boolean }> {
  const reader = await authorise(db, staffNumber, "audit.read");
  return readAuditTrail(db, query, { kind: "staff", staffNumber: reader.staffNumber });
}
