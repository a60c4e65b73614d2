/** The SQL the audit log needs beyond Prisma Client: many entries in one insert, inside the caller's transaction. */
import { placeholders, rawRows, type DatabaseKind, type RawClient } from "../prisma/index.ts";

export interface AuditRow {
  at: Date;
  actorKind: "staff" | "student" | "system";
  actorId: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  studentId: number | null;
  details: object | undefined;
}

/** Inserts the rows in one statement (append-only: nothing here updates or deletes). */
export async function insertAuditRows(tx: RawClient, kind: DatabaseKind, rows: readonly AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  const pg = kind === "postgresql";
  const params: unknown[] = [];
  const values = rows.map((row) => {
    const first = params.length + 1;
    params.push(
      row.at,
      row.actorKind,
      row.actorId,
      row.action,
      row.targetType,
      row.targetId,
      row.studentId,
      row.details === undefined ? null : JSON.stringify(row.details),
    );
    const [at, actorKind, ...rest] = placeholders(first, 8).split(", ");
    const details = rest.pop()!;
    return `(${at}, ${actorKind}${pg ? `::"ActorKind"` : ""}, ${rest.join(", ")}, ${details}${pg ? "::jsonb" : ""})`;
  });
  await rawRows(
    tx,
    kind,
    `INSERT INTO "AuditLog" ("at", "actorKind", "actorId", "action", "targetType", "targetId", "studentId", "details") VALUES ${values.join(", ")}`,
    params,
  );
}
