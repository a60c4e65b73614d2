/**
 * What followed each flag that has a holdout arm, computed on demand from the tables that already
 * hold it: engagement in the 7, 14 and 28 days after the flag's day against the 28 days up to it
 * (VLE active days, attendance, submissions), whether any rule flagged the student again within
 * 28 days, a reply or a meeting within 28 days, and withdrawal or failure once results are loaded.
 * Sums and counts only: ratios are taken in JavaScript so both databases divide the same way.
 */
import { dayOf, type SqlExecutor } from "../../prisma/index.ts";

export const WINDOWS = [7, 14, 28] as const;
export type Window = (typeof WINDOWS)[number];
export const BASELINE_DAYS = 28;

export interface FlagOutcomeRow {
  flagId: number;
  studentId: number;
  ruleId: string;
  ruleVersion: number;
  day: number;
  arm: "nudged" | "held_out";
  /** Per window (and "before" for the 28 days up to and including the flag's day). */
  vleDays: Record<Window | "before", number>;
  attended: Record<Window | "before", number>;
  sessions: Record<Window | "before", number>;
  submissionsDue: Record<Window | "before", number>;
  submissionsLateOrMissed: Record<Window | "before", number>;
  flaggedAgain28: boolean;
  replied28: boolean;
  meeting28: boolean;
  /** Null until any result or withdrawal has been loaded for the student. */
  withdrewOrFailed: boolean | null;
}

const num = (v: unknown) => Number(v ?? 0);

function windowColumns(): string {
  const ranges: [string, string][] = [["before", `e."day" > f."day" - ${BASELINE_DAYS} AND e."day" <= f."day"`]];
  for (const w of WINDOWS) ranges.push([String(w), `e."day" > f."day" AND e."day" <= f."day" + ${w}`]);
  const columns: string[] = [];
  for (const [name, range] of ranges) {
    const source = (s: string, expression: string) =>
      `(SELECT COALESCE(SUM(${expression}), 0) FROM "EngagementDaily" e WHERE e."studentId" = f."studentId" AND e."source" = '${s}' AND ${range})`;
    columns.push(
      `(SELECT COUNT(DISTINCT e."day") FROM "EngagementDaily" e WHERE e."studentId" = f."studentId" AND e."source" = 'vle' AND e."count" > 0 AND ${range}) AS "vle_${name}"`,
      `${source("attendance", `e."count"`)} AS "att_${name}"`,
      `${source("attendance", `e."expected"`)} AS "ses_${name}"`,
      `${source("submission", `e."expected"`)} AS "due_${name}"`,
      `${source("submission", `e."late" + e."missed"`)} AS "bad_${name}"`,
    );
  }
  return columns.join(",\n       ");
}

/** Flags with an arm, of one rule or all, raised on or before `lastDay` (and on or after `fromDay`). */
export async function flagOutcomes(sql: SqlExecutor, options: { ruleId?: string; lastDay: number; fromDay?: number }): Promise<FlagOutcomeRow[]> {
  const day = (column: string) => dayOf(sql, column);
  const params: unknown[] = [options.lastDay];
  if (options.ruleId) params.push(options.ruleId);
  const rows = await sql.query<Record<string, unknown>>(
    `SELECT f."id", f."studentId", f."ruleId", f."ruleVersion", f."day", f."arm",
       ${windowColumns()},
       CASE WHEN EXISTS (SELECT 1 FROM "Flag" g WHERE g."studentId" = f."studentId" AND g."day" > f."day" AND g."day" <= f."day" + 28) THEN 1 ELSE 0 END AS "again",
       CASE WHEN EXISTS (SELECT 1 FROM "Reply" r WHERE r."studentId" = f."studentId" AND ${day(`r."receivedAt"`)} > f."day" AND ${day(`r."receivedAt"`)} <= f."day" + 28) THEN 1 ELSE 0 END AS "replied",
       CASE WHEN EXISTS (SELECT 1 FROM "Meeting" m WHERE m."studentId" = f."studentId" AND ${day(`m."createdAt"`)} >= f."day" AND ${day(`m."createdAt"`)} <= f."day" + 28) THEN 1 ELSE 0 END AS "met",
       CASE WHEN EXISTS (SELECT 1 FROM "ModuleEnrolment" me WHERE me."studentId" = f."studentId"
                          AND (LOWER(me."finalResult") IN ('withdrawn', 'fail') OR (me."withdrawnAt" IS NOT NULL AND ${day(`me."withdrawnAt"`)} > f."day")))
              OR EXISTS (SELECT 1 FROM "Student" s WHERE s."id" = f."studentId" AND s."enrolmentStatus" = 'withdrawn') THEN 1
            WHEN EXISTS (SELECT 1 FROM "ModuleEnrolment" me WHERE me."studentId" = f."studentId" AND me."finalResult" IS NOT NULL) THEN 0
            ELSE NULL END AS "bad"
     FROM "Flag" f
     WHERE f."arm" IS NOT NULL AND f."day" <= $1 ${options.fromDay === undefined ? "" : `AND f."day" >= ${Math.trunc(options.fromDay)}`} ${options.ruleId ? `AND f."ruleId" = $2` : ""}
     ORDER BY f."ruleId", f."day", f."studentId"`,
    params,
  );
  const keys = ["before", ...WINDOWS] as const;
  const per = (row: Record<string, unknown>, prefix: string) =>
    Object.fromEntries(keys.map((k) => [k, num(row[`${prefix}_${k}`])])) as Record<Window | "before", number>;
  return rows.map((row) => ({
    flagId: num(row.id),
    studentId: num(row.studentId),
    ruleId: String(row.ruleId),
    ruleVersion: num(row.ruleVersion),
    day: num(row.day),
    arm: row.arm === "held_out" ? "held_out" : "nudged",
    vleDays: per(row, "vle"),
    attended: per(row, "att"),
    sessions: per(row, "ses"),
    submissionsDue: per(row, "due"),
    submissionsLateOrMissed: per(row, "bad"),
    flaggedAgain28: num(row.again) === 1,
    replied28: num(row.replied) === 1,
    meeting28: num(row.met) === 1,
    withdrewOrFailed: row.bad == null ? null : num(row.bad) === 1,
  }));
}

/** The last day any engagement data covers: outcome windows ending after it are not complete yet. */
export async function lastEngagementDay(sql: SqlExecutor): Promise<number | null> {
  const [row] = await sql.query<{ d: number | string | null }>(`SELECT MAX("day") AS d FROM "EngagementDaily"`);
  return row?.d == null ? null : Number(row.d);
}
