/** What became of students after a day: the outcomes a backtest compares flags with. */
import { dayOf, type Database } from "../../prisma/index.ts";

/**
 * Students with a recorded outcome of withdrawal or failure after the as-of day. A student who was
 * evaluated on the day (so enrolled then) and whose record says withdrawn now withdrew later.
 */
export async function withdrewOrFailed(db: Database, asOfDay: number): Promise<{ bad: Set<number>; anyOutcome: boolean }> {
  const day = (column: string) => dayOf(db.sql, column);
  const rows = await db.sql.query<{ studentId: number }>(
    `SELECT me."studentId" FROM "ModuleEnrolment" me
      WHERE LOWER(me."finalResult") IN ('withdrawn', 'fail') OR (me."withdrawnAt" IS NOT NULL AND ${day(`me."withdrawnAt"`)} > ${asOfDay})
     UNION
     SELECT pe."studentId" FROM "ProgrammeEnrolment" pe
      WHERE pe."status" = 'withdrawn' AND pe."endDate" IS NOT NULL AND ${day(`pe."endDate"`)} > ${asOfDay}
     UNION
     SELECT s."id" FROM "Student" s WHERE s."enrolmentStatus" = 'withdrawn'`,
  );
  const [any] = await db.sql.query<{ n: number | string }>(
    `SELECT (SELECT COUNT(*) FROM "ModuleEnrolment" WHERE "finalResult" IS NOT NULL OR "withdrawnAt" IS NOT NULL)
          + (SELECT COUNT(*) FROM "ProgrammeEnrolment" WHERE "status" <> 'active')
          + (SELECT COUNT(*) FROM "Student" WHERE "enrolmentStatus" = 'withdrawn') AS n`,
  );
  return { bad: new Set(rows.map((r) => Number(r.studentId))), anyOutcome: Number(any?.n ?? 0) > 0 };
}
