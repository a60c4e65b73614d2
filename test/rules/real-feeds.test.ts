/**
 * Rules on data shaped like a real first load (OULAD-like): module-only students, a VLE feed and
 * the student records, no attendance or library feed. One module's VLE export is missing; one of
 * its students is also on a module whose export arrived. Students register before the presentation
 * starts; one registers after the evaluated day. Two academic calendars are imported, one per year.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { roleScopeKey, staffByNumber } from "../../access/index.ts";
import { checkFiles, computeMetrics, dryRun, lookupMetric, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { D, dateOf } from "./world.ts";

const RUN_TIME = new Date(dateOf(D + 1).getTime() + 6 * 3_600_000);

describe("rules on real-shaped feeds", () => {
  const database = useMigratedDatabase();
  const ids = new Map<string, number>();

  beforeAll(async () => {
    const p = database.db.prisma;
    const admin = await p.staff.create({ data: { staffNumber: "A0001", displayName: "Admin" } });
    await p.staffRoleAssignment.create({ data: { staffId: admin.id, role: "admin", scopeKey: roleScopeKey("admin") } });
    const instance = async (code: string, presentation: string, start: number, end: number) => {
      const module = await p.module.create({ data: { code, title: code } });
      return (await p.moduleInstance.create({ data: { moduleId: module.id, presentationCode: presentation, startDate: dateOf(start), endDate: dateOf(end) } }))
        .id;
    };
    const aaa = await instance("AAA", "2026J", D - 100, D + 100);
    const ddd = await instance("DDD", "2026B", D - 90, D + 100);
    const old = await instance("OLD", "2025J", D - 400, D - 200);
    const rows: unknown[][] = [];
    const enrol = async (number: string, moduleId: number, enrolledAt: number, finalResult: string | null = null) => {
      const studentId = ids.get(number) ?? (await p.student.create({ data: { studentNumber: number, givenName: number } })).id;
      ids.set(number, studentId);
      await p.moduleEnrolment.create({ data: { studentId, moduleInstanceId: moduleId, enrolledAt: dateOf(enrolledAt), finalResult } });
      return studentId;
    };
    const vle = (studentId: number, moduleId: number, lastDay: number) => {
      for (let day = D - 100; day <= lastDay; day++) rows.push([studentId, day, "vle", moduleId, 10, 0, 0, 0]);
    };
    // AAA: six active students; Q1 silent after D-15 (fails AAA), Q2 after D-12 (passes AAA, withdrew from an old module).
    for (const n of ["A1", "A2", "A3", "A4", "A5", "A6"]) vle(await enrol(n, aaa, D - 120, "Pass"), aaa, D);
    vle(await enrol("Q1", aaa, D - 120, "Fail"), aaa, D - 15);
    vle(await enrol("Q2", aaa, D - 120, "Pass"), aaa, D - 12);
    await enrol("Q2", old, D - 420, "Withdrawn");
    // Registers for AAA five days after the evaluated day.
    await enrol("L1", aaa, D + 5);
    // DDD: no VLE rows at all (export missing). D1 is also on AAA, active there.
    for (const n of ["D1", "D2", "D3", "D4", "D5", "D6"]) await enrol(n, ddd, D - 95);
    await enrol("D1", aaa, D - 120);
    vle(ids.get("D1")!, aaa, D);
    await database.db.sql.transaction((tx) =>
      tx.bulkInsert("EngagementDaily", ["studentId", "day", "source", "moduleInstanceKey", "count", "expected", "late", "missed"], rows),
    );
    // VLE and records only: no attendance or library feed has ever been loaded.
    await p.feedFreshness.create({ data: { feed: "vle", source: "vle", lastDataDay: D, lastLoadedAt: dateOf(D + 1) } });

    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(database.db, "A0001"))!;
    const wanted = ["no-vle-10-days", "no-engagement-14-days", "no-vle-21-days"];
    await saveAll(database.db, { calendar: checked.calendar, rules: checked.rules.filter((r) => wanted.includes(r.rule.document.id)) }, author);
    for (const id of wanted) await setEnabled(database.db, id, true, author);
  });

  it("judges a module by its own VLE rows: a module with none is skipped with its reason, though a student has VLE on another module", async () => {
    const report = await runRules(database.db, { asOfDay: D, trigger: "manual", now: RUN_TIME, force: true });
    const noVle = report.rules.find((r) => r.id === "no-vle-10-days")!;
    expect(noVle.skippedCohorts).toEqual([{ cohort: "DDD 2026B", students: 6, reason: "no vle data for anyone in it in the period looked at" }]);
    // Eight AAA students evaluated (the late registrant is not); only the two quiet ones flagged.
    expect(noVle.evaluated).toBe(8);
    const flags = await database.db.prisma.flag.findMany({ where: { ruleId: "no-vle-10-days" }, include: { student: true } });
    expect(flags.map((f) => f.student.studentNumber).sort()).toEqual(["Q1", "Q2"]);
  });

  it("runs 'any engagement' rules on VLE and records alone, and says what they read", async () => {
    const report = await runRules(database.db, { asOfDay: D, trigger: "manual", now: RUN_TIME, force: true });
    expect(report.skipped.map((s) => s.id)).not.toContain("no-engagement-14-days");
    const anyRule = report.rules.find((r) => r.id === "no-engagement-14-days")!;
    expect(anyRule).toMatchObject({ evaluated: 8 });
    expect(anyRule.skippedCohorts).toEqual([{ cohort: "DDD 2026B", students: 6, reason: "no vle data for anyone in it in the period looked at" }]);
    const flags = await database.db.prisma.flag.findMany({ where: { ruleId: "no-engagement-14-days" }, include: { student: true } });
    expect(flags.map((f) => f.student.studentNumber)).toEqual(["Q1"]);
    expect(report.rules.map((r) => r.id)).toContain("no-vle-21-days");
  });

  it("counts days since start from the presentation start, and leaves out students who register after the day", async () => {
    const metric = lookupMetric("days_since_start");
    if (!("metric" in metric)) throw new Error(metric.error);
    const rows = await computeMetrics(database.db.sql, [metric.metric], D, { currentOnly: false });
    const byId = new Map(rows.map((r) => [r.studentId, r.values.days_since_start]));
    expect(byId.get(ids.get("Q1")!)).toBe(100);
    expect(byId.get(ids.get("D2")!)).toBe(90);
    expect(byId.has(ids.get("L1")!)).toBe(false);
    expect(Math.min(...rows.map((r) => r.values.days_since_start ?? 0))).toBeGreaterThanOrEqual(0);
  });

  it("the backtest counts a withdrawal or fail only on the module presentation the flag is about", async () => {
    const rule = checkFiles("rules/library", null).rules.find((r) => r.rule.document.id === "no-vle-10-days")!.rule;
    const candidate = { ...rule, document: { ...rule.document, activePeriods: undefined, skipPeriods: undefined } };
    const report = await dryRun(database.db, candidate, { asOfDay: D, backtest: true, now: RUN_TIME });
    // Q1 failed AAA; Q2 passed AAA and withdrew only from a module of the year before.
    expect(report.backtest?.flagged).toEqual({ students: 2, withOutcome: 1, rate: 0.5 });
    expect(report.backtest?.everyone).toEqual({ students: 8, withOutcome: 1, rate: 0.125 });
  });

  it("uses the calendar in force on the evaluated day when a later year's calendar was imported after it", async () => {
    const next = {
      calendar: "2027-28",
      periods: {
        welcome: [{ from: "2027-09-13", to: "2027-09-19" }],
        teaching: [{ from: "2027-09-20", to: "2027-12-10" }],
        "reading-weeks": [{ from: "2027-11-01", to: "2027-11-07" }],
        vacations: [{ from: "2027-12-11", to: "2028-01-09" }],
      },
    };
    await database.db.prisma.academicCalendar.create({ data: { name: "2027-28", document: next } });
    const report = await runRules(database.db, { asOfDay: D, trigger: "manual", now: RUN_TIME, force: true });
    expect(report.skipped).toEqual([]);
    expect(report.rules.find((r) => r.id === "no-vle-10-days")?.evaluated).toBe(8);
    // A day in the next year runs by the next year's terms: 2027-11-03 is its reading week.
    const later = await runRules(database.db, { asOfDay: D + 348, trigger: "manual", now: RUN_TIME, force: true });
    expect(later.skipped.find((s) => s.id === "no-vle-10-days")?.reason).toMatch(/^not active on 2027-11-03: in a skipped period/);
  });
});
