/**
 * The annual report's own SQL (analytics/report/): protected-characteristic groups with their flag
 * and nudge counts, and which days each source has data for. Counts per group only, never a row
 * per student. Special-category values are read only for students whose consent for that category
 * is in force (POLICY P8); everyone else is in the group "not known".
 */
import { consentGrantedSql } from "../../access/index.ts";
import { ENGAGEMENT_SOURCES } from "../../core/index.ts";
import { dayOf, type Database } from "../../prisma/index.ts";
import type { DayRange } from "../periods.ts";
import { instant, usable } from "../queries.ts";

/** The protected-characteristic fields Nudge can hold, and the consent purpose each needs. */
export const EQUALITY_FIELDS = { disability: "special_category_disability", ethnicity: "special_category_ethnicity" } as const;
export type EqualityField = keyof typeof EQUALITY_FIELDS;

/** One combination of recorded values (null: not recorded, or no consent to use it). */
export interface EqualityRow {
  values: Record<EqualityField, string | null>;
  students: number;
  flagged: number;
  nudged: number;
}

const int = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return String(n);
};
const num = (v: unknown) => Number(v ?? 0);

/**
 * Students whose data may be used with a programme enrolment during the period, by the values of
 * each field (as consented), with how many of them were flagged and sent a nudge in the period.
 */
export async function equalityRows(db: Database, range: DayRange, when: { from: Date; until: Date }): Promise<EqualityRow[]> {
  const fields = Object.entries(EQUALITY_FIELDS) as [EqualityField, string][];
  const day = (column: string) => dayOf(db.sql, column);
  const rows = await db.sql.query<Record<string, unknown>>(
    `SELECT ${fields.map(([f]) => `x."${f}"`).join(", ")}, COUNT(*) AS students, SUM(x.flagged) AS flagged, SUM(x.nudged) AS nudged
       FROM (SELECT ${fields.map(([f, purpose]) => `CASE WHEN ${consentGrantedSql("s", purpose)} THEN s."${f}" END AS "${f}"`).join(", ")},
                    CASE WHEN EXISTS (SELECT 1 FROM "Flag" f WHERE f."studentId" = s."id" AND f."raisedAt" >= $1 AND f."raisedAt" < $2) THEN 1 ELSE 0 END AS flagged,
                    CASE WHEN EXISTS (SELECT 1 FROM "Intervention" i JOIN "Delivery" d ON d."interventionId" = i."id"
                                       WHERE i."studentId" = s."id" AND i."kind" = 'nudge' AND d."sentAt" >= $1 AND d."sentAt" < $2) THEN 1 ELSE 0 END AS nudged
               FROM "Student" s
              WHERE ${usable("s")}
                AND EXISTS (SELECT 1 FROM "ProgrammeEnrolment" pe WHERE pe."studentId" = s."id" AND ${day(`pe."startDate"`)} <= ${int(range.to)}
                              AND (pe."endDate" IS NULL OR ${day(`pe."endDate"`)} >= ${int(range.from)}))) x
      GROUP BY ${fields.map(([f]) => `x."${f}"`).join(", ")}`,
    [instant(db.sql, when.from), instant(db.sql, when.until)],
  );
  return rows.map((r) => ({
    values: Object.fromEntries(fields.map(([f]) => [f, r[f] == null ? null : String(r[f])])) as Record<EqualityField, string | null>,
    students: num(r.students),
    flagged: num(r.flagged),
    nudged: num(r.nudged),
  }));
}

/**
 * The days in the range each source has any data for: one index look-up per day and source on
 * EngagementDaily's (day, source) index, not a scan of the rows (millions at 30,000 students).
 */
export async function daysWithData(db: Database, range: DayRange): Promise<{ source: string; day: number }[]> {
  const out: { source: string; day: number }[] = [];
  for (const source of ENGAGEMENT_SOURCES) {
    const rows = await db.sql.query<Record<string, unknown>>(
      `WITH RECURSIVE d(day) AS (SELECT ${int(range.from)} UNION ALL SELECT day + 1 FROM d WHERE day < ${int(range.to)})
       SELECT d.day AS day FROM d
        WHERE EXISTS (SELECT 1 FROM "EngagementDaily" e WHERE e."day" = d.day AND e."source" = '${source}')`,
    );
    for (const r of rows) out.push({ source, day: num(r.day) });
  }
  return out;
}
