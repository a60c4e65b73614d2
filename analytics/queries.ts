/**
 * The measures, as counts per base cell (programme × year of study, see disclosure.ts), computed
 * in the database: GROUP BY returns one row per cell and category, never a row per student, so a
 * question about 30,000 students moves a few hundred numbers into JavaScript.
 *
 * Raw SQL, the same text on SQLite and PostgreSQL (only `dayOf` differs), because every measure
 * joins the student's cohort (one programme enrolment per student, chosen with a window function)
 * and EngagementDaily has no relation Prisma could follow. Numbers (day numbers, ids) are written
 * into the text: they are integers computed here, never words from the question, and inlining
 * spares PostgreSQL from guessing parameter types. Instants are parameters: on PostgreSQL an ISO
 * text in UTC, which a `timestamp` column reads as the UTC wall clock Prisma stores.
 */
import { consentWithheldSql } from "../access/index.ts";
import type { Database, SqlExecutor } from "../prisma/index.ts";
import { sqliteDateTime } from "../prisma/index.ts";
import { dayOf } from "../prisma/index.ts";
import type { DayRange } from "./periods.ts";
import { ENGAGEMENT_SOURCES, type EngagementSource } from "./questions.ts";

/** Which students, resolved to ids. */
export interface ResolvedFilter {
  programmeIds?: number[];
  year?: number | "final";
}

export interface Cell {
  programme: number | null;
  year: number | null;
}

const int = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return String(n);
};
/** A source as an SQL literal; anything not in the list never reaches the text. */
function sourceLiteral(source: EngagementSource): string {
  if (!ENGAGEMENT_SOURCES.includes(source)) throw new RangeError(`not a data source: ${source}`);
  return `'${source}'`;
}
const num = (value: unknown) => Number(value ?? 0);
const idOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** A DateTime parameter as the column stores it. */
export function instant(sql: SqlExecutor, date: Date): string {
  return sql.kind === "postgresql" ? date.toISOString() : sqliteDateTime(date);
}

/**
 * Students whose data analytics may use: not erased, processing not restricted, and analytics
 * consent not refused or withdrawn in their latest record (POLICY P7, P8) — the same students
 * rules leave out.
 */
export function usable(student: string): string {
  return `${student}."erasedAt" IS NULL AND ${student}."restrictedAt" IS NULL AND NOT ${consentWithheldSql(student)}`;
}

/**
 * One row per student and their cohort: `enrolled` = actively enrolled on `day` (who is expected
 * to engage); `latest` = the latest programme enrolment started by `day`, whatever its state now
 * (who a past flag or message was about, even if they have since left).
 */
function cohortSql(sql: SqlExecutor, kind: "enrolled" | "latest", day: number): string {
  const d = int(day);
  const dayOfColumn = (column: string) => dayOf(sql, column);
  const current =
    kind === "enrolled"
      ? `AND pe."status" = 'active' AND (pe."endDate" IS NULL OR ${dayOfColumn(`pe."endDate"`)} >= ${d}) AND s."enrolmentStatus" = 'active'`
      : "";
  return `SELECT x.sid, x.programme, x.year, x.final, x.start_day FROM (
      SELECT pe."studentId" AS sid, pe."programmeId" AS programme, pe."yearOfStudy" AS year,
             CASE WHEN pe."yearOfStudy" = COALESCE(p."lengthYears", 3) THEN 1 ELSE 0 END AS final,
             ${dayOfColumn(`pe."startDate"`)} AS start_day,
             ROW_NUMBER() OVER (PARTITION BY pe."studentId" ORDER BY pe."startDate" DESC, pe."id" DESC) AS rn
        FROM "ProgrammeEnrolment" pe
        JOIN "Programme" p ON p."id" = pe."programmeId"
        JOIN "Student" s ON s."id" = pe."studentId"
       WHERE ${dayOfColumn(`pe."startDate"`)} <= ${d} ${current} AND ${usable("s")}
    ) x WHERE x.rn = 1`;
}

/** The cohort filter as SQL conditions on the cohort alias `c` (empty when everyone). */
function cohortWhere(filter: ResolvedFilter): string {
  const parts: string[] = [];
  if (filter.programmeIds) parts.push(filter.programmeIds.length ? `c.programme IN (${filter.programmeIds.map(int).join(", ")})` : "1 = 0");
  if (filter.year === "final") parts.push("c.final = 1");
  else if (filter.year !== undefined) parts.push(`c.year = ${int(filter.year)}`);
  return parts.map((p) => ` AND ${p}`).join("");
}

const cell = (row: Record<string, unknown>): Cell => ({ programme: idOrNull(row.programme), year: idOrNull(row.year) });

/**
 * Students enrolled through the whole period (started by its first day) with no activity from the
 * source on any day of it, per cell (cells where everyone was active give 0, so "0 in Law" shows). Students who started later are not counted: "no activity in 14 days"
 * means nothing for someone enrolled for three, and the rules' "days since" agrees.
 */
export async function inactiveCells(
  db: Database,
  source: EngagementSource | "any",
  range: DayRange,
  filter: ResolvedFilter,
): Promise<(Cell & { n: number; enrolled: number })[]> {
  const which = source === "any" ? "" : `AND e."source" = ${sourceLiteral(source)}`;
  const rows = await db.sql.queryReadOnly<Record<string, unknown>>(
    `WITH cohort AS (${cohortSql(db.sql, "enrolled", range.to)})
     SELECT c.programme AS programme, c.year AS year,
            SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM "EngagementDaily" e
                                       WHERE e."studentId" = c.sid ${which} AND e."day" >= ${int(range.from)} AND e."day" <= ${int(range.to)} AND e."count" > 0)
                     THEN 1 ELSE 0 END) AS n,
            COUNT(*) AS enrolled
       FROM cohort c
      WHERE c.start_day <= ${int(range.from)} ${cohortWhere(filter)}
      GROUP BY c.programme, c.year`,
  );
  return rows.map((r) => ({ ...cell(r), n: num(r.n), enrolled: num(r.enrolled) }));
}

/**
 * Distinct students flagged per cell and `key` (the rule, or "all"). A flag counts on the day it
 * was raised (`when` bounds the period's days in the institution's timezone), which is the day
 * tutors saw it: the morning's run raises flags for the day before (Flag.day), and a Monday's
 * flags belong to Monday's week.
 */
export async function flagCells(
  db: Database,
  range: DayRange,
  when: { from: Date; until: Date },
  filter: ResolvedFilter,
  by: "all" | "rule",
): Promise<(Cell & { key: string; n: number })[]> {
  const key = by === "rule" ? `f."ruleId"` : null;
  const rows = await db.sql.query<Record<string, unknown>>(
    `WITH cohort AS (${cohortSql(db.sql, "latest", range.to)})
     SELECT ${key ?? "'all'"} AS k, c.programme AS programme, c.year AS year, COUNT(DISTINCT f."studentId") AS n
       FROM "Flag" f
       JOIN "Student" s ON s."id" = f."studentId" AND ${usable("s")}
       LEFT JOIN cohort c ON c.sid = f."studentId"
      WHERE f."raisedAt" >= $1 AND f."raisedAt" < $2 ${cohortWhere(filter)}
      GROUP BY ${key ? `${key}, ` : ""}c.programme, c.year`,
    [instant(db.sql, when.from), instant(db.sql, when.until)],
  );
  return rows.map((r) => ({ ...cell(r), key: String(r.k), n: num(r.n) }));
}

/**
 * Per channel and cell: students with a nudge delivery sent in the period, and those of them who
 * replied to one of those nudges (whenever the reply came: a reply on the 1st to a nudge of the
 * 31st still answers it). Answers to students' own messages (kind `reply`) are not outreach.
 */
export async function reachCells(
  db: Database,
  range: DayRange,
  when: { from: Date; until: Date },
  filter: ResolvedFilter,
): Promise<(Cell & { channel: string; reached: number; replied: number })[]> {
  const rows = await db.sql.query<Record<string, unknown>>(
    `WITH cohort AS (${cohortSql(db.sql, "latest", range.to)}),
          answered AS (SELECT DISTINCT r."interventionId" AS iid FROM "Reply" r WHERE r."interventionId" IS NOT NULL)
     SELECT d."channel" AS channel, c.programme AS programme, c.year AS year,
            COUNT(DISTINCT i."studentId") AS reached,
            COUNT(DISTINCT CASE WHEN a.iid IS NOT NULL THEN i."studentId" END) AS replied
       FROM "Delivery" d
       JOIN "Intervention" i ON i."id" = d."interventionId"
       JOIN "Student" s ON s."id" = i."studentId" AND ${usable("s")}
       LEFT JOIN cohort c ON c.sid = i."studentId"
       LEFT JOIN answered a ON a.iid = i."id"
      WHERE i."kind" = 'nudge' AND d."sentAt" >= $1 AND d."sentAt" < $2 ${cohortWhere(filter)}
      GROUP BY d."channel", c.programme, c.year`,
    [instant(db.sql, when.from), instant(db.sql, when.until)],
  );
  return rows.map((r) => ({ ...cell(r), channel: String(r.channel), reached: num(r.reached), replied: num(r.replied) }));
}

/**
 * Per cell: students sent a nudge (any delivery sent in the period, on any channel) and those of
 * them who replied to one of those nudges: reachCells without the channel, so a student reached
 * on two channels counts once (the annual report).
 */
export async function nudgeCells(db: Database, range: DayRange, when: { from: Date; until: Date }): Promise<(Cell & { reached: number; replied: number })[]> {
  const rows = await db.sql.query<Record<string, unknown>>(
    `WITH cohort AS (${cohortSql(db.sql, "latest", range.to)}),
          answered AS (SELECT DISTINCT r."interventionId" AS iid FROM "Reply" r WHERE r."interventionId" IS NOT NULL)
     SELECT c.programme AS programme, c.year AS year,
            COUNT(DISTINCT i."studentId") AS reached,
            COUNT(DISTINCT CASE WHEN a.iid IS NOT NULL THEN i."studentId" END) AS replied
       FROM "Delivery" d
       JOIN "Intervention" i ON i."id" = d."interventionId"
       JOIN "Student" s ON s."id" = i."studentId" AND ${usable("s")}
       LEFT JOIN cohort c ON c.sid = i."studentId"
       LEFT JOIN answered a ON a.iid = i."id"
      WHERE i."kind" = 'nudge' AND d."sentAt" >= $1 AND d."sentAt" < $2
      GROUP BY c.programme, c.year`,
    [instant(db.sql, when.from), instant(db.sql, when.until)],
  );
  return rows.map((r) => ({ ...cell(r), reached: num(r.reached), replied: num(r.replied) }));
}

export interface MeetingCell extends Cell {
  invitations: number;
  booked: number;
  held: number;
  noShows: number;
}

/**
 * Per cell: invitations to talk with a delivery sent in the period, and meetings whose slot
 * started in it: booked (a slot was chosen: booked, held or no-show), held, no-shows.
 */
export async function meetingCells(db: Database, range: DayRange, when: { from: Date; until: Date }, filter: ResolvedFilter): Promise<MeetingCell[]> {
  const params = [instant(db.sql, when.from), instant(db.sql, when.until)];
  const cohort = `WITH cohort AS (${cohortSql(db.sql, "latest", range.to)})`;
  const invitations = await db.sql.query<Record<string, unknown>>(
    `${cohort}
     SELECT c.programme AS programme, c.year AS year, COUNT(*) AS n
       FROM "Intervention" i
       JOIN "Student" s ON s."id" = i."studentId" AND ${usable("s")}
       LEFT JOIN cohort c ON c.sid = i."studentId"
      WHERE i."kind" = 'invitation_to_talk'
        AND EXISTS (SELECT 1 FROM "Delivery" d WHERE d."interventionId" = i."id" AND d."sentAt" >= $1 AND d."sentAt" < $2) ${cohortWhere(filter)}
      GROUP BY c.programme, c.year`,
    params,
  );
  const meetings = await db.sql.query<Record<string, unknown>>(
    `${cohort}
     SELECT c.programme AS programme, c.year AS year,
            SUM(CASE WHEN m."state" IN ('booked', 'held', 'no_show') THEN 1 ELSE 0 END) AS booked,
            SUM(CASE WHEN m."state" = 'held' THEN 1 ELSE 0 END) AS held,
            SUM(CASE WHEN m."state" = 'no_show' THEN 1 ELSE 0 END) AS no_shows
       FROM "Meeting" m
       JOIN "Student" s ON s."id" = m."studentId" AND ${usable("s")}
       LEFT JOIN cohort c ON c.sid = m."studentId"
      WHERE m."startsAt" >= $1 AND m."startsAt" < $2 ${cohortWhere(filter)}
      GROUP BY c.programme, c.year`,
    params,
  );
  const cells = new Map<string, MeetingCell>();
  const at = (row: Record<string, unknown>) => {
    const c = cell(row);
    const key = `${c.programme}:${c.year}`;
    if (!cells.has(key)) cells.set(key, { ...c, invitations: 0, booked: 0, held: 0, noShows: 0 });
    return cells.get(key)!;
  };
  for (const row of invitations) at(row).invitations = num(row.n);
  for (const row of meetings) Object.assign(at(row), { booked: num(row.booked), held: num(row.held), noShows: num(row.no_shows) });
  return [...cells.values()];
}

export interface AttendanceCell extends Cell {
  /** Students enrolled at the period's end with sessions timetabled in it. */
  students: number;
  attended: number;
  timetabled: number;
}

/** Per cell: sessions attended and timetabled over the period, and the students they belong to. */
export async function attendanceCells(db: Database, range: DayRange, filter: ResolvedFilter): Promise<AttendanceCell[]> {
  const rows = await db.sql.queryReadOnly<Record<string, unknown>>(
    `WITH cohort AS (${cohortSql(db.sql, "enrolled", range.to)}),
          per_student AS (
            SELECT e."studentId" AS sid, SUM(e."count") AS attended, SUM(e."expected") AS timetabled
              FROM "EngagementDaily" e
             WHERE e."source" = ${sourceLiteral("attendance")} AND e."day" >= ${int(range.from)} AND e."day" <= ${int(range.to)}
             GROUP BY e."studentId"
            HAVING SUM(e."expected") > 0)
     SELECT c.programme AS programme, c.year AS year, COUNT(*) AS students, SUM(ps.attended) AS attended, SUM(ps.timetabled) AS timetabled
       FROM cohort c
       JOIN per_student ps ON ps.sid = c.sid
      WHERE 1 = 1 ${cohortWhere(filter)}
      GROUP BY c.programme, c.year`,
  );
  return rows.map((row) => ({ ...cell(row), students: num(row.students), attended: num(row.attended), timetabled: num(row.timetabled) }));
}

export interface SubmissionCell extends Cell {
  missed: number;
  late: number;
}

/** Per cell (every cell of students enrolled at the period's end): students who missed a submission, and who handed one in late, in it. */
export async function submissionCells(db: Database, range: DayRange, filter: ResolvedFilter): Promise<SubmissionCell[]> {
  const rows = await db.sql.queryReadOnly<Record<string, unknown>>(
    `WITH cohort AS (${cohortSql(db.sql, "enrolled", range.to)}),
          per_student AS (
            SELECT e."studentId" AS sid, SUM(e."missed") AS missed, SUM(e."late") AS late
              FROM "EngagementDaily" e
             WHERE e."source" = ${sourceLiteral("submission")} AND e."day" >= ${int(range.from)} AND e."day" <= ${int(range.to)}
             GROUP BY e."studentId")
     SELECT c.programme AS programme, c.year AS year,
            SUM(CASE WHEN ps.missed > 0 THEN 1 ELSE 0 END) AS missed,
            SUM(CASE WHEN ps.late > 0 THEN 1 ELSE 0 END) AS late
       FROM cohort c
       LEFT JOIN per_student ps ON ps.sid = c.sid
      WHERE 1 = 1 ${cohortWhere(filter)}
      GROUP BY c.programme, c.year`,
  );
  return rows.map((row) => ({ ...cell(row), missed: num(row.missed), late: num(row.late) }));
}

/** Interventions waiting for a person's decision now (proposed or awaiting approval), and their students. */
export interface ApprovalCell extends Cell {
  waiting: number;
  students: number;
}

/** What waits for approval now, per cell of the students' latest enrolment. */
export async function approvalCells(db: Database, day: number, filter: ResolvedFilter): Promise<ApprovalCell[]> {
  const rows = await db.sql.query<Record<string, unknown>>(
    `WITH cohort AS (${cohortSql(db.sql, "latest", day)})
     SELECT c.programme AS programme, c.year AS year, COUNT(*) AS waiting, COUNT(DISTINCT i."studentId") AS students
       FROM "Intervention" i
       JOIN "Student" s ON s."id" = i."studentId" AND ${usable("s")}
       LEFT JOIN cohort c ON c.sid = i."studentId"
      WHERE i."state" IN ('proposed', 'awaiting_approval') ${cohortWhere(filter)}
      GROUP BY c.programme, c.year`,
    [],
  );
  return rows.map((row) => ({ ...cell(row), waiting: num(row.waiting), students: num(row.students) }));
}

export interface SupportCell extends Cell {
  askedForHelp: number;
  referrals: number;
}

/** Per cell: students with a reply read as asking for help received in the period, and referrals approved in it. */
export async function supportCells(db: Database, range: DayRange, when: { from: Date; until: Date }, filter: ResolvedFilter): Promise<SupportCell[]> {
  const params = [instant(db.sql, when.from), instant(db.sql, when.until)];
  const cohort = `WITH cohort AS (${cohortSql(db.sql, "latest", range.to)})`;
  const help = await db.sql.query<Record<string, unknown>>(
    `${cohort}
     SELECT c.programme AS programme, c.year AS year, COUNT(DISTINCT r."studentId") AS n
       FROM "Reply" r
       JOIN "Student" s ON s."id" = r."studentId" AND ${usable("s")}
       LEFT JOIN cohort c ON c.sid = r."studentId"
      WHERE r."classification" = 'needs_help' AND r."receivedAt" >= $1 AND r."receivedAt" < $2 ${cohortWhere(filter)}
      GROUP BY c.programme, c.year`,
    params,
  );
  // A referral is made when it is approved (a tutor's referral is approved as it is made).
  const referrals = await db.sql.query<Record<string, unknown>>(
    `${cohort}
     SELECT c.programme AS programme, c.year AS year, COUNT(*) AS n
       FROM "Intervention" i
       JOIN "Student" s ON s."id" = i."studentId" AND ${usable("s")}
       LEFT JOIN cohort c ON c.sid = i."studentId"
      WHERE i."kind" = 'referral' AND i."approvedAt" >= $1 AND i."approvedAt" < $2 ${cohortWhere(filter)}
      GROUP BY c.programme, c.year`,
    params,
  );
  const cells = new Map<string, SupportCell>();
  const at = (row: Record<string, unknown>) => {
    const c = cell(row);
    const key = `${c.programme}:${c.year}`;
    if (!cells.has(key)) cells.set(key, { ...c, askedForHelp: 0, referrals: 0 });
    return cells.get(key)!;
  };
  for (const row of help) at(row).askedForHelp = num(row.n);
  for (const row of referrals) at(row).referrals = num(row.n);
  return [...cells.values()];
}

export interface OptOutCell extends Cell {
  any: number;
  teams: number;
  sms: number;
  email: number;
  paused: number;
}

/** Students actively enrolled on `day` who have opted out of each channel, and whose messages are paused, as of `now`. */
export async function optOutCells(db: Database, day: number, now: Date, filter: ResolvedFilter): Promise<OptOutCell[]> {
  const out = (column: string) => `(s."${column}" IS NOT NULL AND s."${column}" <= $1)`;
  const count = (condition: string) => `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  const rows = await db.sql.query<Record<string, unknown>>(
    `WITH cohort AS (${cohortSql(db.sql, "enrolled", day)})
     SELECT c.programme AS programme, c.year AS year,
            ${count(`${out("teamsOptOutAt")} OR ${out("smsOptOutAt")} OR ${out("emailOptOutAt")}`)} AS any_channel,
            ${count(out("teamsOptOutAt"))} AS teams, ${count(out("smsOptOutAt"))} AS sms, ${count(out("emailOptOutAt"))} AS email,
            ${count(`s."pausedUntil" > $1`)} AS paused
       FROM cohort c
       JOIN "Student" s ON s."id" = c.sid
      WHERE 1 = 1 ${cohortWhere(filter)}
      GROUP BY c.programme, c.year`,
    [instant(db.sql, now)],
  );
  return rows.map((row) => ({
    ...cell(row),
    any: num(row.any_channel),
    teams: num(row.teams),
    sms: num(row.sms),
    email: num(row.email),
    paused: num(row.paused),
  }));
}

export interface TrendData {
  /** Students per cell by the block they started in (-1: before the period). */
  sizes: (Cell & { startBlock: number; n: number })[];
  /** Events per cell, source and block. */
  events: (Cell & { source: EngagementSource; block: number; events: number })[];
}

/** Students enrolled at the end of the period, and their events per 7-day block and source. */
export async function trendCells(db: Database, range: DayRange, filter: ResolvedFilter, sources: readonly EngagementSource[]): Promise<TrendData> {
  const cohort = `WITH cohort AS (${cohortSql(db.sql, "enrolled", range.to)})`;
  const from = int(range.from);
  const to = int(range.to);
  const sizes = await db.sql.query<Record<string, unknown>>(
    `${cohort}
     SELECT c.programme AS programme, c.year AS year,
            CASE WHEN c.start_day <= ${from} THEN -1 ELSE (${to} - c.start_day) / 7 END AS start_block, COUNT(*) AS n
       FROM cohort c WHERE 1 = 1 ${cohortWhere(filter)}
      GROUP BY c.programme, c.year, CASE WHEN c.start_day <= ${from} THEN -1 ELSE (${to} - c.start_day) / 7 END`,
  );
  const events = sources.length
    ? await db.sql.queryReadOnly<Record<string, unknown>>(
        `${cohort}
         SELECT c.programme AS programme, c.year AS year, e."source" AS source, (${to} - e."day") / 7 AS block, SUM(e."count") AS events
           FROM cohort c JOIN "EngagementDaily" e ON e."studentId" = c.sid
          WHERE e."day" >= ${from} AND e."day" <= ${to} AND e."day" >= c.start_day
            AND e."source" IN (${sources.map(sourceLiteral).join(", ")}) ${cohortWhere(filter)}
          GROUP BY c.programme, c.year, e."source", (${to} - e."day") / 7`,
      )
    : [];
  return {
    sizes: sizes.map((r) => ({ ...cell(r), startBlock: num(r.start_block), n: num(r.n) })),
    events: events.map((r) => ({ ...cell(r), source: String(r.source) as EngagementSource, block: num(r.block), events: num(r.events) })),
  };
}
