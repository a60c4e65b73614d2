/**
 * One SQL query computes every metric the enabled rules use, for every student enrolled on the
 * as-of day, straight from the daily rollups: the database aggregates, JavaScript only receives a
 * row of numbers per student. The query is assembled from the metrics asked for, so a run that
 * uses three metrics scans only what those three need.
 *
 * Shape:
 *   enrolled/cohort  one row per student enrolled on the day: course start, cohort (programme and
 *                    year, or the module for module-only students such as OULAD's)
 *   agg              conditional aggregates over EngagementDaily within the longest window needed
 *   streak           (only for consecutive_absences) absences after the last attended day
 *   final select     metric values, cohort percentiles (window functions)
 *
 * `latestFeedDays` is a second, small query over the same cohort: the latest day each cohort had
 * data from each feed, for the stale-data guard. Kept out of the metrics query because a per-row
 * CASE over the whole window costs more (2.4 s of 11.6 s at 32k students on PostgreSQL) than a
 * scan of the last week through the (day, source) index.
 *
 * Numbers (the as-of day, windows) are written into the SQL text: they are integers computed
 * here, never user text, and inlining spares PostgreSQL from guessing parameter types.
 */

import type { EngagementSource } from "../../core/index.ts";
import { dayOf, type SqlExecutor } from "../../prisma/index.ts";
import { BASELINE_DAYS, familyKeyOf, MAX_WINDOW_DAYS, MIN_PERCENTILE_COHORT, type Metric } from "../metrics.ts";

export interface StudentMetrics {
  studentId: number;
  /** Percentile cohort: "p<programme>y<year>" or "m<moduleInstance>". */
  groupKey: string;
  programmeId: number | null;
  yearOfStudy: number | null;
  startDay: number | null;
  /** Metric name → value (null when undefined for the student, see the catalogue). */
  values: Record<string, number | null>;
}

export interface MetricsQueryOptions {
  /** Only students whose record says they are enrolled now (live runs); backtests look at the past as it was. */
  currentOnly: boolean;
  /** One student only (a student asking for their own figures); cohort percentiles are then meaningless. */
  onlyStudent?: number;
}

const int = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return String(n);
};

const src = (source: string) => `e."source" = '${source}'`;

interface Parts {
  aggregates: Map<string, string>;
  values: Map<string, string>;
  needsStreak: boolean;
}

function addMetric(parts: Parts, metric: Metric, asOf: string): void {
  const n = metric.n === null ? 0 : metric.n;
  const N = int(n);
  const within = (days: number) => `e."day" > ${asOf} - ${int(days)}`;
  const agg = (alias: string, expression: string) => {
    parts.aggregates.set(alias, expression);
    return `a.${alias}`;
  };
  const vleIn = (alias: string, from: number, to: number) =>
    agg(alias, `SUM(CASE WHEN ${src("vle")} AND e."day" <= ${asOf} - ${int(from)} AND e."day" > ${asOf} - ${int(to)} THEN e."count" ELSE 0 END)`);
  const sumIn = (alias: string, source: string, column: string) => agg(alias, `SUM(CASE WHEN ${src(source)} AND ${within(n)} THEN e."${column}" ELSE 0 END)`);
  const percentile = (events: string) =>
    `CASE WHEN COUNT(*) OVER (PARTITION BY c.group_key) >= ${MIN_PERCENTILE_COHORT} THEN 100.0 * PERCENT_RANK() OVER (PARTITION BY c.group_key ORDER BY COALESCE(${events}, 0)) END`;
  let value: string;
  switch (familyKeyOf(metric)) {
    case "vle_days_since_last":
      value = `${asOf} - COALESCE(${agg("last_vle", `MAX(CASE WHEN ${src("vle")} AND e."count" > 0 THEN e."day" END)`)}, c.start_day)`;
      break;
    case "library_days_since_last":
      value = `${asOf} - COALESCE(${agg("last_library", `MAX(CASE WHEN ${src("library")} AND e."count" > 0 THEN e."day" END)`)}, c.start_day)`;
      break;
    case "any_days_since_last":
      value = `${asOf} - COALESCE(${agg("last_any", `MAX(CASE WHEN e."count" > 0 THEN e."day" END)`)}, c.start_day)`;
      break;
    case "vle_events":
      value = `COALESCE(${vleIn(`vle_${N}`, 0, n)}, 0)`;
      break;
    case "vle_active_days":
      value = `COALESCE(${agg(`vle_days_${N}`, `COUNT(DISTINCT CASE WHEN ${src("vle")} AND e."count" > 0 AND ${within(n)} THEN e."day" END)`)}, 0)`;
      break;
    case "vle_change": {
      const recent = vleIn(`vle_${N}`, 0, n);
      const baseline = vleIn(`vle_base_${N}`, n, n + BASELINE_DAYS);
      value = `CASE WHEN ${baseline} > 0 THEN (COALESCE(${recent}, 0) * ${int(BASELINE_DAYS)}.0) / (${baseline} * ${N}.0) END`;
      break;
    }
    case "vle_percentile":
      value = percentile(vleIn(`vle_${N}`, 0, n));
      break;
    case "vle_percentile_prev":
      value = percentile(vleIn(`vle_prev_${N}`, n, 2 * n));
      break;
    case "attendance_rate": {
      const attended = sumIn(`att_${N}`, "attendance", "count");
      const expected = sumIn(`exp_${N}`, "attendance", "expected");
      value = `CASE WHEN ${expected} > 0 THEN 1.0 * ${attended} / ${expected} END`;
      break;
    }
    case "sessions_expected":
      value = `COALESCE(${sumIn(`exp_${N}`, "attendance", "expected")}, 0)`;
      break;
    case "absences":
      value = `COALESCE(${sumIn(`abs_${N}`, "attendance", "missed")}, 0)`;
      break;
    case "consecutive_absences":
      agg("last_att", `MAX(CASE WHEN ${src("attendance")} AND e."count" > 0 THEN e."day" END)`);
      parts.needsStreak = true;
      value = `COALESCE(st.missed, 0)`;
      break;
    case "submissions_missed":
      value = `COALESCE(${sumIn(`sub_missed_${N}`, "submission", "missed")}, 0)`;
      break;
    case "submissions_late":
      value = `COALESCE(${sumIn(`sub_late_${N}`, "submission", "late")}, 0)`;
      break;
    case "submissions_due":
      value = `COALESCE(${sumIn(`sub_due_${N}`, "submission", "expected")}, 0)`;
      break;
    case "library_visits":
      value = `COALESCE(${sumIn(`lib_${N}`, "library", "count")}, 0)`;
      break;
    case "days_since_start":
      value = `${asOf} - c.start_day`;
      break;
    case "first_week_vle_events": {
      const events = agg("first_week_vle", `SUM(CASE WHEN ${src("vle")} AND e."day" >= c.start_day AND e."day" < c.start_day + 7 THEN e."count" ELSE 0 END)`);
      value = `CASE WHEN ${asOf} - c.start_day BETWEEN 7 AND 28 THEN COALESCE(${events}, 0) END`;
      break;
    }
  }
  parts.values.set(metric.name, value);
}

/** One row per student enrolled on the day: their course if they have one, else their most recent module. */
function cohortSql(sql: SqlExecutor, asOf: string, currentOnly: boolean, onlyStudent?: number): string {
  const day = (column: string) => dayOf(sql, column);
  const current = `${currentOnly ? `AND s."enrolmentStatus" = 'active'` : ""}${onlyStudent !== undefined ? ` AND s."id" = ${int(onlyStudent)}` : ""}`;
  const enrolled = `
    SELECT pe."studentId" AS sid, ${day(`pe."startDate"`)} AS start_day, 'p' || pe."programmeId" || 'y' || pe."yearOfStudy" AS group_key,
           pe."programmeId" AS programme, pe."yearOfStudy" AS year, 0 AS pref
      FROM "ProgrammeEnrolment" pe
     WHERE ${day(`pe."startDate"`)} <= ${asOf}
       AND ((pe."status" = 'active' AND (pe."endDate" IS NULL OR ${day(`pe."endDate"`)} >= ${asOf}))
            OR (pe."status" <> 'active' AND pe."endDate" IS NOT NULL AND ${day(`pe."endDate"`)} >= ${asOf}))
    UNION ALL
    SELECT me."studentId", ${day(`mi."startDate"`)}, 'm' || me."moduleInstanceId", NULL, NULL, 1
      FROM "ModuleEnrolment" me JOIN "ModuleInstance" mi ON mi."id" = me."moduleInstanceId"
     WHERE ${day(`mi."startDate"`)} <= ${asOf} AND (mi."endDate" IS NULL OR ${day(`mi."endDate"`)} >= ${asOf})
       AND (me."enrolledAt" IS NULL OR ${day(`me."enrolledAt"`)} <= ${asOf})
       AND (me."withdrawnAt" IS NULL OR ${day(`me."withdrawnAt"`)} > ${asOf})`;
  // One row per student: their course if they have one, else their most recent module.
  const cohort = `
    SELECT x.sid, x.start_day, x.group_key, x.programme, x.year FROM (
      SELECT en.*, ROW_NUMBER() OVER (PARTITION BY en.sid ORDER BY en.pref, en.start_day DESC, en.group_key) AS rn
        FROM (${enrolled}) en JOIN "Student" s ON s."id" = en.sid AND s."erasedAt" IS NULL ${current}
    ) x WHERE x.rn = 1`;
  return cohort;
}

/** The SQL text (exported for the benchmark and for reading). */
export function buildMetricsQuery(sql: SqlExecutor, metrics: readonly Metric[], asOfDay: number, options: MetricsQueryOptions): string {
  const asOf = int(asOfDay);
  const parts: Parts = { aggregates: new Map(), values: new Map(), needsStreak: false };
  for (const metric of metrics) addMetric(parts, metric, asOf);
  const lookback = Math.max(1, ...metrics.map((m) => m.lookbackDays));

  const cohort = cohortSql(sql, asOf, options.currentOnly, options.onlyStudent);
  const aggregates = [...parts.aggregates].map(([alias, expression]) => `${expression} AS ${alias}`);
  const agg = aggregates.length
    ? `, agg AS (
    SELECT c.sid, ${aggregates.join(",\n           ")}
      FROM cohort c JOIN "EngagementDaily" e ON e."studentId" = c.sid
     WHERE e."day" <= ${asOf} AND e."day" > ${asOf} - ${int(lookback)}
     GROUP BY c.sid)`
    : "";
  const streak = parts.needsStreak
    ? `, streak AS (
    SELECT a.sid, SUM(e."missed") AS missed
      FROM agg a JOIN "EngagementDaily" e ON e."studentId" = a.sid
     WHERE ${src("attendance")} AND e."day" <= ${asOf} AND e."day" > COALESCE(a.last_att, ${asOf} - ${int(MAX_WINDOW_DAYS)})
     GROUP BY a.sid)`
    : "";
  const columns = [
    `c.sid AS "studentId"`,
    `c.group_key AS "groupKey"`,
    `c.programme AS "programmeId"`,
    `c.year AS "yearOfStudy"`,
    `c.start_day AS "startDay"`,
    ...[...parts.values].map(([name, expression]) => `${expression} AS "m:${name}"`),
  ];
  return `WITH cohort AS (${cohort})${agg}${streak}
  SELECT ${columns.join(",\n         ")}
    FROM cohort c${agg ? " LEFT JOIN agg a ON a.sid = c.sid" : ""}${streak ? " LEFT JOIN streak st ON st.sid = c.sid" : ""}
   ORDER BY c.sid`;
}

const number = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export async function computeMetrics(sql: SqlExecutor, metrics: readonly Metric[], asOfDay: number, options: MetricsQueryOptions): Promise<StudentMetrics[]> {
  // Off the event loop on SQLite: at 32k students this scan takes about 20 s.
  const rows = await sql.queryReadOnly<Record<string, unknown>>(buildMetricsQuery(sql, metrics, asOfDay, options));
  return rows.map((row) => {
    const values: Record<string, number | null> = {};
    for (const metric of metrics) values[metric.name] = number(row[`m:${metric.name}`]);
    return {
      studentId: Number(row.studentId),
      groupKey: String(row.groupKey),
      programmeId: number(row.programmeId),
      yearOfStudy: number(row.yearOfStudy),
      startDay: number(row.startDay),
      values,
    };
  });
}

/**
 * Per cohort and feed, the latest day within `withinDays` of the as-of day that any student of the
 * cohort had a row from the feed (absent: none in that time). `groups` limits it to some cohorts.
 * A module cohort is judged by its own module's rows (and rows that belong to no module): its
 * students' activity on other modules says nothing about whether this module's feed arrived.
 */
export async function latestFeedDays(
  sql: SqlExecutor,
  asOfDay: number,
  feeds: readonly EngagementSource[],
  options: MetricsQueryOptions & { withinDays: number; groups?: readonly string[] },
): Promise<Map<string, Map<EngagementSource, number>>> {
  const latest = new Map<string, Map<EngagementSource, number>>();
  if (feeds.length === 0 || options.groups?.length === 0) return latest;
  const asOf = int(asOfDay);
  const params: unknown[] = [...(options.groups ?? [])];
  const inGroups = options.groups ? `AND c.group_key IN (${options.groups.map((_, i) => `$${i + 1}`).join(", ")})` : "";
  // Off the event loop on SQLite too: a scan of every cohort's recent rows (a tenth of a second or more).
  const rows = await sql.queryReadOnly<{ groupKey: string; source: EngagementSource; lastDay: number | string }>(
    `WITH cohort AS (${cohortSql(sql, asOf, options.currentOnly)})
     SELECT c.group_key AS "groupKey", e."source" AS "source", MAX(e."day") AS "lastDay"
       FROM cohort c JOIN "EngagementDaily" e ON e."studentId" = c.sid
      WHERE e."day" <= ${asOf} AND e."day" > ${asOf} - ${int(options.withinDays)}
        AND e."source" IN (${feeds.map((f) => `'${f}'`).join(", ")}) ${inGroups}
        AND (c.group_key NOT LIKE 'm%' OR e."moduleInstanceKey" = 0 OR 'm' || e."moduleInstanceKey" = c.group_key)
      GROUP BY c.group_key, e."source"`,
    params,
  );
  for (const row of rows) {
    let byFeed = latest.get(row.groupKey);
    if (!byFeed) latest.set(row.groupKey, (byFeed = new Map()));
    byFeed.set(row.source, Number(row.lastDay));
  }
  return latest;
}
