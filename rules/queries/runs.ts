/** The SQL of a rules run's bookkeeping: what its fingerprint counts, and recording it finished. */
import type { Database, SqlExecutor } from "../../prisma/index.ts";

const COUNTED = ["IngestBatch", "Consent", "Student", "ProgrammeEnrolment", "ModuleEnrolment", "TutorAssignment", "ExtenuatingCircumstance"] as const;

/** COUNT and MAX(id) of each table a run depends on, and the latest change to a student: cheap aggregates over keys. */
export async function tableCounts(db: Database): Promise<Record<string, unknown>> {
  const counts = COUNTED.map((table) => `(SELECT COUNT(*) FROM "${table}") AS "${table}", (SELECT MAX("id") FROM "${table}") AS "${table}:max"`);
  const [row] = await db.sql.query<Record<string, unknown>>(`SELECT ${counts.join(", ")}, (SELECT MAX("updatedAt") FROM "Student") AS "Student:updated"`);
  return row ?? {};
}

/** In the transaction that wrote the run's flags, so the run and its flags commit together. */
export async function finishRun(tx: SqlExecutor, runId: number, summary: unknown, finishedAt: Date): Promise<void> {
  await tx.query(`UPDATE "RuleRun" SET "status" = 'succeeded', "finishedAt" = $1, "summary" = $2${tx.kind === "postgresql" ? "::jsonb" : ""} WHERE "id" = $3`, [
    finishedAt,
    JSON.stringify(summary),
    runId,
  ]);
}
