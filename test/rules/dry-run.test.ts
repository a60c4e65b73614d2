/**
 * Dry run and backtest on module-only students with outcomes, as an OULAD import leaves them:
 * no programme, a module presentation each, and a final result per registration.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { roleScopeKey } from "../../access/index.ts";
import { checkFiles, discloseDryRun, dryRun } from "../../rules/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { D, dateOf } from "./world.ts";

/** Ten students on one module: four stop using the VLE after D-12; results as listed. */
const STUDENTS = [
  { number: "Q1", quiet: true, result: "Withdrawn" },
  { number: "Q2", quiet: true, result: "Fail" },
  { number: "Q3", quiet: true, result: "Withdrawn" },
  { number: "Q4", quiet: true, result: "Pass" },
  { number: "K1", quiet: false, result: "Fail" },
  { number: "K2", quiet: false, result: "Pass" },
  { number: "K3", quiet: false, result: "Distinction" },
  { number: "K4", quiet: false, result: "Pass" },
  { number: "K5", quiet: false, result: "Pass" },
  { number: "K6", quiet: false, result: "Pass" },
];

describe("dry run and backtest", () => {
  const database = useMigratedDatabase();

  beforeAll(async () => {
    const p = database.db.prisma;
    const admin = await p.staff.create({ data: { staffNumber: "A0001", displayName: "Admin" } });
    await p.staffRoleAssignment.create({ data: { staffId: admin.id, role: "admin", scopeKey: roleScopeKey("admin") } });
    const module = await p.module.create({ data: { code: "AAA", title: "AAA" } });
    const instance = await p.moduleInstance.create({
      data: { moduleId: module.id, presentationCode: "2026J", startDate: dateOf(D - 100), endDate: dateOf(D + 100) },
    });
    const rows: unknown[][] = [];
    for (const s of STUDENTS) {
      const student = await p.student.create({ data: { studentNumber: s.number } });
      await p.moduleEnrolment.create({ data: { studentId: student.id, moduleInstanceId: instance.id, enrolledAt: dateOf(D - 110), finalResult: s.result } });
      for (let day = D - 100; day <= D; day++) if (!s.quiet || day <= D - 12) rows.push([student.id, day, "vle", instance.id, 10, 0, 0, 0]);
    }
    await database.db.sql.transaction((tx) =>
      tx.bulkInsert("EngagementDaily", ["studentId", "day", "source", "moduleInstanceKey", "count", "expected", "late", "missed"], rows),
    );
    await p.feedFreshness.create({ data: { feed: "vle", source: "vle", lastDataDay: D, lastLoadedAt: dateOf(D + 1) } });
  });

  it("counts by module cohort, simulates the week's load, and compares outcomes of the flagged with everyone's", async () => {
    const checked = checkFiles("rules/library", null);
    const rule = checked.rules.find((r) => r.rule.document.id === "no-vle-10-days")!.rule;
    // The calendar is not imported: give the rule to the dry run without its period names.
    const candidate = { ...rule, document: { ...rule.document, activePeriods: undefined, skipPeriods: undefined } };
    const report = await dryRun(database.db, candidate, { asOfDay: D, backtest: true, now: dateOf(D + 1) });
    expect(report).toMatchObject({
      rule: "no-vle-10-days",
      currentVersion: null,
      evaluated: 10,
      matched: 4,
      flagged: 4,
      byCohort: [{ cohort: "AAA 2026J", students: 4 }],
    });
    expect(report.comparedWithCurrent).toBeUndefined();
    // The four cross 10 days on D-2 and are then in cooldown: 4 flags on one day of the seven.
    expect(report.load).toEqual({
      days: 7,
      flagsPerDay: { mean: 0.6, max: 4 },
      perTutorPerDay: { tutors: 0, mean: 0, max: 0 },
      reaches: "students (sent automatically)",
    });
    expect(report.backtest).toEqual({
      week: { from: "2026-11-14", to: "2026-11-20" },
      flagged: { students: 4, withOutcome: 3, rate: 0.75 },
      everyone: { students: 10, withOutcome: 4, rate: 0.4 },
      lift: 1.88,
    });
    expect(await database.db.prisma.flag.count()).toBe(0);
  });

  it("as the edges show it: counts of 1 to 4 become 'fewer than 5', and a rate over one is left out", async () => {
    const exact = {
      rule: "r",
      asOf: "2026-11-20",
      currentVersion: 2,
      evaluated: 120,
      matched: 9,
      flagged: 4,
      notEvaluable: 0,
      inCooldown: 5,
      alreadyFlagged: 1,
      byCohort: [
        { cohort: "XA year 1", students: 7 },
        { cohort: "XB year 2", students: 2 },
      ],
      comparedWithCurrent: { newlyFlagged: 3, noLongerFlagged: 0, matchedByCurrent: 6 },
      load: {
        days: 7,
        flagsPerDay: { mean: 1.3, max: 4 },
        perTutorPerDay: { tutors: 3, mean: 0.4, max: 2 },
        reaches: "students (sent automatically)" as const,
      },
      backtest: {
        week: { from: "2026-11-14", to: "2026-11-20" },
        flagged: { students: 9, withOutcome: 3, rate: 0.33 },
        everyone: { students: 120, withOutcome: 12, rate: 0.1 },
        lift: 3.3,
      },
    };
    expect(discloseDryRun(exact)).toEqual({
      ...exact,
      matched: 9,
      flagged: "fewer than 5",
      alreadyFlagged: "fewer than 5",
      byCohort: [
        { cohort: "XA year 1", students: 7 },
        { cohort: "XB year 2", students: "fewer than 5" },
      ],
      comparedWithCurrent: { newlyFlagged: "fewer than 5", noLongerFlagged: 0, matchedByCurrent: 6 },
      backtest: {
        week: { from: "2026-11-14", to: "2026-11-20" },
        flagged: { students: 9, withOutcome: "fewer than 5", rate: null },
        everyone: { students: 120, withOutcome: 12, rate: 0.1 },
        lift: null,
      },
    });
  });
});
