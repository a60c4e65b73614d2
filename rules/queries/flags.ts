/**
 * Writing flags and closing the open flags of students the system must stop acting on: the SQL of
 * a rules run's writes, on the bulk path (a day's run can raise tens of thousands).
 */
import { TimeSlice } from "../../core/index.ts";
import type { SqlExecutor } from "../../prisma/index.ts";
import type { RuleOutcome } from "../evaluate.ts";
import type { FlagEvidence } from "../flags.ts";
import type { HoldoutArm } from "../holdout.ts";
import { isoDay } from "../freshness.ts";
import type { Population } from "../population.ts";
import type { StudentMetrics } from "./metrics.ts";

const FLAG_COLUMNS = ["studentId", "ruleId", "ruleVersion", "periodKey", "day", "runId", "state", "evidence", "raisedAt", "arm", "armDraw"] as const;
const COLUMN_LIST = FLAG_COLUMNS.map((c) => `"${c}"`).join(", ");
const STAGE = "rules_flag_stage";
/** Student ids per statement when closing flags. */
const CHUNK = 500;

/** One flag as written: the values of FLAG_COLUMNS, evidence already JSON. */
export type FlagRow = readonly unknown[];

/**
 * The rows of a run's new flags, evidence and all, built before the write transaction and handing
 * the event loop back every few milliseconds: building evidence is the run's costliest JavaScript, and
 * SQLite's transaction is synchronous, so inside it nothing else (not /readyz, not Teams) is answered.
 */
export async function flagRowsOf(
  runId: number,
  asOfDay: number,
  outcomes: readonly RuleOutcome[],
  evidenceOf: (outcome: RuleOutcome, student: StudentMetrics) => FlagEvidence,
  now: Date,
  armOf: (outcome: RuleOutcome, studentId: number) => { arm: HoldoutArm; draw: number } | null = () => null,
): Promise<FlagRow[]> {
  const rows: FlagRow[] = [];
  const slice = new TimeSlice();
  for (const outcome of outcomes) {
    for (const student of outcome.flagged) {
      await slice.pause();
      const arm = armOf(outcome, student.studentId);
      rows.push([
        student.studentId,
        outcome.id,
        outcome.version,
        isoDay(asOfDay),
        asOfDay,
        runId,
        "open",
        JSON.stringify(evidenceOf(outcome, student)),
        now,
        arm?.arm ?? null,
        arm?.draw ?? null,
      ]);
    }
  }
  return rows;
}

/**
 * Inserts the new flags; one per (student, rule, day), so a repeated run adds none. A day's run can
 * raise tens of thousands (each with its evidence), so they take the bulk path: one prepared
 * statement on SQLite; on PostgreSQL, COPY into a temporary table and one INSERT … SELECT (about
 * three times faster than multi-row INSERTs for 23,000 flags).
 */
export async function insertFlags(tx: SqlExecutor, rows: readonly FlagRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (tx.kind === "sqlite") {
    await tx.runMany(
      `INSERT INTO "Flag" (${COLUMN_LIST}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT ("studentId", "ruleId", "periodKey") DO NOTHING`,
      rows,
    );
    return;
  }
  await tx.execScript(
    `CREATE TEMP TABLE IF NOT EXISTS ${STAGE} ("studentId" integer, "ruleId" text, "ruleVersion" integer, "periodKey" text, "day" integer, "runId" integer, "state" text, "evidence" text, "raisedAt" timestamp(3), "arm" text, "armDraw" double precision) ON COMMIT DELETE ROWS`,
  );
  await tx.bulkInsert(STAGE, FLAG_COLUMNS, rows);
  await tx.execScript(
    `INSERT INTO "Flag" (${COLUMN_LIST})
     SELECT "studentId", "ruleId", "ruleVersion", "periodKey", "day", "runId", "state"::"FlagState", "evidence"::jsonb, "raisedAt", "arm"::"HoldoutArm", "armDraw" FROM ${STAGE}
     ON CONFLICT ("studentId", "ruleId", "periodKey") DO NOTHING`,
  );
  await tx.execScript(`DELETE FROM ${STAGE}`);
}

/** Flags written by a run, per rule (what actually went in, after ON CONFLICT). */
export async function flagsWrittenBy(tx: SqlExecutor, runId: number): Promise<Map<string, number>> {
  const rows = await tx.query<{ ruleId: string; n: number | string }>(`SELECT "ruleId", COUNT(*) AS n FROM "Flag" WHERE "runId" = $1 GROUP BY "ruleId"`, [
    runId,
  ]);
  return new Map(rows.map((r) => [r.ruleId, Number(r.n)]));
}

export interface ClosedFlags {
  consent: number;
  restricted: number;
  notEnrolled: number;
}

/**
 * Open and snoozed flags of students the system must stop acting on are closed, with the reason:
 * analytics consent refused or withdrawn, processing restricted or erased, no longer enrolled.
 */
export async function closeIneligibleFlags(tx: SqlExecutor, population: Population, now: Date): Promise<ClosedFlags> {
  const closed: ClosedFlags = { consent: 0, restricted: 0, notEnrolled: 0 };
  const byReason = { consent: [] as number[], restricted: [] as number[] };
  for (const [studentId, reason] of population.excluded) if (reason !== "extenuating") byReason[reason].push(studentId);
  const close = async (where: string, params: unknown[], reason: string) => {
    const rows = await tx.query<{ id: number }>(
      `UPDATE "Flag" SET "state" = 'closed', "closedAt" = $1, "closedReason" = $2
        WHERE "state" IN ('open', 'snoozed') AND ${where} RETURNING "id"`,
      [now, reason, ...params],
    );
    return rows.length;
  };
  for (const [key, reason] of [
    ["consent", "analytics consent refused or withdrawn"],
    ["restricted", "processing restricted or record erased"],
  ] as const) {
    const ids = byReason[key];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      closed[key] += await close(`"studentId" IN (${chunk.map((_, j) => `$${j + 3}`).join(", ")})`, chunk, reason);
    }
  }
  closed.notEnrolled = await close(`"studentId" IN (SELECT "id" FROM "Student" WHERE "enrolmentStatus" <> 'active')`, [], "no longer enrolled");
  return closed;
}
