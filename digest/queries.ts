/**
 * The SQL digest/ needs beyond Prisma Client: what the morning job asks of every tutor's tutees, in
 * one statement instead of eight queries per tutor.
 */
import { consentWithheldSql } from "../access/index.ts";
import { sqliteDateTime, type Database } from "../prisma/index.ts";

/** What a tutee has that may need a look, and when it last happened (`optedOut` has no time). */
export type LookItem = "flag" | "woken" | "proposal" | "reply" | "decision" | "concern" | "optedOut";

export interface LookRow {
  studentId: number;
  item: LookItem;
  at: Date | null;
}

/**
 * For each current tutee of a personal tutor, the latest of each item: a flag raised since
 * `recentSince` and still open or actioned, a snoozed flag whose snooze has ended, a suggestion
 * waiting for a decision, a reply no tutor has been shown, a decision by staff among
 * `decisionActions`, an open safeguarding concern; and whether they opted out of learning analytics.
 */
export async function tuteeLookRows(db: Database, staffId: number, now: Date, recentSince: Date, decisionActions: readonly string[]): Promise<LookRow[]> {
  const pg = db.kind === "postgresql";
  const instant = (date: Date) => (pg ? date.toISOString() : sqliteDateTime(date));
  // As text in UTC on both databases (a timestamp without zone would be read in the local zone).
  const iso = (column: string) => (pg ? `to_char(MAX(${column}), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : `MAX(${column})`);
  const actions = decisionActions.map((_, i) => `$${i + 4}`).join(", ");
  const rows = await db.sql.query<{ studentId: number | string; item: LookItem; at: string | null }>(
    `WITH tutees AS (
       SELECT DISTINCT a."studentId" AS sid FROM "TutorAssignment" a
        WHERE a."staffId" = $1 AND a."role" = 'personal_tutor' AND a."startDate" <= $2 AND (a."endDate" IS NULL OR a."endDate" > $2)
     )
     SELECT f."studentId" AS "studentId", 'flag' AS item, ${iso(`f."raisedAt"`)} AS at FROM "Flag" f JOIN tutees t ON t.sid = f."studentId"
      WHERE f."state" IN ('open', 'actioned') AND f."raisedAt" >= $3 GROUP BY f."studentId"
     UNION ALL
     SELECT f."studentId", 'woken', ${iso(`f."snoozedUntil"`)} FROM "Flag" f JOIN tutees t ON t.sid = f."studentId"
      WHERE f."state" = 'snoozed' AND f."snoozedUntil" <= $2 GROUP BY f."studentId"
     UNION ALL
     SELECT i."studentId", 'proposal', ${iso(`i."createdAt"`)} FROM "Intervention" i JOIN tutees t ON t.sid = i."studentId"
      WHERE i."state" = 'awaiting_approval' GROUP BY i."studentId"
     UNION ALL
     SELECT r."studentId", 'reply', ${iso(`r."receivedAt"`)} FROM "Reply" r JOIN tutees t ON t.sid = r."studentId"
      WHERE r."seenByTutorAt" IS NULL GROUP BY r."studentId"
     UNION ALL
     SELECT l."studentId", 'decision', ${iso(`l."at"`)} FROM "AuditLog" l JOIN tutees t ON t.sid = l."studentId"
      WHERE l."actorKind" = 'staff' AND l."action" IN (${actions}) GROUP BY l."studentId"
     UNION ALL
     SELECT c."studentId", 'concern', ${iso(`c."raisedAt"`)} FROM "SafeguardingConcern" c JOIN tutees t ON t.sid = c."studentId"
      WHERE c."state" = 'open' GROUP BY c."studentId"
     UNION ALL
     SELECT s."id", 'optedOut', NULL FROM "Student" s JOIN tutees t ON t.sid = s."id" WHERE ${consentWithheldSql("s")}`,
    [staffId, instant(now), instant(recentSince), ...decisionActions],
  );
  return rows.map((r) => ({ studentId: Number(r.studentId), item: r.item, at: r.at === null ? null : new Date(r.at) }));
}

/** Events per student and day over all sources, for days `from` (inclusive) to `to` (exclusive). */
export async function eventsByDay(
  db: Database,
  studentIds: readonly number[],
  from: number,
  to: number,
): Promise<{ studentId: number; day: number; count: number }[]> {
  if (studentIds.length === 0) return [];
  const rows = await db.sql.query<{ studentId: number | string; day: number | string; count: number | string | null }>(
    `SELECT e."studentId" AS "studentId", e."day" AS "day", SUM(e."count") AS "count" FROM "EngagementDaily" e
      WHERE e."studentId" IN (${studentIds.map((_, i) => `$${i + 3}`).join(", ")}) AND e."day" >= $1 AND e."day" < $2
      GROUP BY e."studentId", e."day"`,
    [from, to, ...studentIds],
  );
  return rows.map((r) => ({ studentId: Number(r.studentId), day: Number(r.day), count: Number(r.count ?? 0) }));
}
