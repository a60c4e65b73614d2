/** What became of students after a day: the outcomes a backtest compares flags with. */
import { dayOf, type Database } from "../../prisma/index.ts";

export interface Outcomes {
  /** Module enrolments (student → module instance ids) that ended in withdrawal or failure after the day. */
  badModules: Map<number, Set<number>>;
  /** Students whose course (programme enrolment or student record) ended in withdrawal. */
  badCourse: Set<number>;
  anyOutcome: boolean;
}

/**
 * Outcomes of withdrawal or failure after the as-of day, kept per enrolment: a flag about a
 * module presentation is judged by that presentation's result, not by the student's others.
 * A student who was evaluated on the day (so enrolled then) and whose record says withdrawn now
 * withdrew later.
 */
export async function withdrewOrFailed(db: Database, asOfDay: number): Promise<Outcomes> {
  const day = (column: string) => dayOf(db.sql, column);
  const modules = await db.sql.query<{ studentId: number; moduleInstanceId: number }>(
    `SELECT me."studentId", me."moduleInstanceId" FROM "ModuleEnrolment" me
      WHERE LOWER(me."finalResult") IN ('withdrawn', 'fail') OR (me."withdrawnAt" IS NOT NULL AND ${day(`me."withdrawnAt"`)} > ${asOfDay})`,
  );
  const courses = await db.sql.query<{ studentId: number }>(
    `SELECT pe."studentId" FROM "ProgrammeEnrolment" pe
      WHERE pe."status" = 'withdrawn' AND pe."endDate" IS NOT NULL AND ${day(`pe."endDate"`)} > ${asOfDay}
     UNION
     SELECT s."id" FROM "Student" s WHERE s."enrolmentStatus" = 'withdrawn'`,
  );
  const [any] = await db.sql.query<{ n: number | string }>(
    `SELECT (SELECT COUNT(*) FROM "ModuleEnrolment" WHERE "finalResult" IS NOT NULL OR "withdrawnAt" IS NOT NULL)
          + (SELECT COUNT(*) FROM "ProgrammeEnrolment" WHERE "status" <> 'active')
          + (SELECT COUNT(*) FROM "Student" WHERE "enrolmentStatus" = 'withdrawn') AS n`,
  );
  const badModules = new Map<number, Set<number>>();
  for (const row of modules) {
    const id = Number(row.studentId);
    badModules.set(id, (badModules.get(id) ?? new Set()).add(Number(row.moduleInstanceId)));
  }
  return { badModules, badCourse: new Set(courses.map((r) => Number(r.studentId))), anyOutcome: Number(any?.n ?? 0) > 0 };
}

/**
 * Whether the outcome counts against a student evaluated in cohort `groupKey`: in a module cohort
 * ("m<id>"), only that module's result; in a course cohort, the course or any of its modules.
 */
export function hadBadOutcome(outcomes: Outcomes, studentId: number, groupKey: string): boolean {
  const module = /^m(\d+)$/.exec(groupKey);
  if (module) return outcomes.badModules.get(studentId)?.has(Number(module[1])) ?? false;
  return outcomes.badCourse.has(studentId) || (outcomes.badModules.get(studentId)?.size ?? 0) > 0;
}
