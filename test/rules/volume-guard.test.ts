/**
 * The volume guard: a run that would nudge 40% of a cohort in one day holds that rule's nudges,
 * alerts the admins through the staff outbox with the figures, and waits for an admin to release
 * or discard them. Ten of a cohort of 25 go quiet on the VLE at once (a feed cut short looks just
 * like this); a run where two do is left alone.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { staffByNumber } from "../../access/index.ts";
import { DEFAULT_POLICY, runRulesAndPropose } from "../../interventions/index.ts";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { checkFiles, DEFAULT_VOLUME_GUARD, discardHeld, dryRun, heldNudges, releaseHeld, saveAll, setEnabled, volumeHolds } from "../../rules/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { buildWorld, D, except, healthy, RUN_TIME, type StudentSpec, type World } from "./world.ts";

const quietAfter = (last: number) => except(healthy(), (day, usual) => (day > last ? { ...usual, vle: undefined } : usual));

function cohort(quiet: number): StudentSpec[] {
  return Array.from({ length: 25 }, (_, i) => ({
    number: `S${String(i + 1).padStart(2, "0")}`,
    programme: "XA",
    year: 2,
    activity: i < quiet ? quietAfter(D - 10) : healthy(),
  }));
}

describe("the volume guard", () => {
  let testDb: TestDatabase;
  let db: Database;
  let world: World;

  async function setUp(quiet: number) {
    world = await buildWorld(db, cohort(quiet));
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(db, world.adminNumber))!;
    await saveAll(db, { calendar: checked.calendar, rules: checked.rules.filter((r) => r.rule.document.id === "no-vle-10-days") }, author);
    await setEnabled(db, "no-vle-10-days", true, author);
  }
  const run = () => runRulesAndPropose(db, { asOfDay: D, trigger: "manual", policy: DEFAULT_POLICY, channels: ["teams", "email"], force: true }).then((r) => r);

  beforeEach(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url, { migrate: true });
  });
  afterEach(async () => {
    await db.close();
    await testDb.drop();
  });

  it("holds a rule that would flag 40% of a cohort, alerts the admins with the figures, and sends nothing until released", async () => {
    await setUp(10);
    const { report, proposed } = await run();
    expect(report.held).toEqual([
      {
        rule: "no-vle-10-days",
        version: 1,
        flags: 10,
        cohort: "XA year 2",
        cohortStudents: 25,
        cohortFlagged: 10,
        share: 0.4,
        trailingMedian: null,
        reason: "10 of 25 students in XA year 2 (40%, more than 15%) in one day",
      },
    ]);
    expect(proposed.interventionsCreated).toBe(0);
    expect(await db.prisma.intervention.count()).toBe(0);
    expect(await db.prisma.flag.count({ where: { state: "closed", closedReason: "held by the volume guard" } })).toBe(10);
    // The figures are kept with the run, as `rules run --json` prints them.
    const stored = await db.prisma.ruleRun.findUniqueOrThrow({ where: { id: report.runId } });
    expect((stored.summary as { held: { rule: string; share: number }[] }).held).toMatchObject([{ rule: "no-vle-10-days", share: 0.4 }]);

    // The admin (not the tutor) is told: Teams first, email if Teams cannot reach them.
    const admin = (await staffByNumber(db, world.adminNumber))!;
    const alerts = await db.prisma.staffMessage.findMany({ orderBy: { id: "asc" } });
    expect(alerts.map((m) => [m.staffId, m.channel, m.fallback])).toEqual([[admin.staffId, "teams", "email"]]);
    expect(alerts[0]!.text).toContain("10 of 25 students in XA year 2 (40%, more than 15%) in one day");
    expect(alerts[0]!.text).toContain("npx nudge rules release no-vle-10-days");
    const audit = await db.prisma.auditLog.findMany({ where: { action: "rule.nudges_held" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ rule: "no-vle-10-days", flags: 10, cohortStudents: 25, share: 0.4, runId: report.runId });

    expect(await heldNudges(db)).toEqual([{ rule: "no-vle-10-days", day: "2026-11-20", runId: report.runId, flags: 10 }]);
    expect(await releaseHeld(db, "no-vle-10-days", admin)).toEqual({ rule: "no-vle-10-days", flags: 10 });
    expect(await heldNudges(db)).toEqual([]);
    expect(await db.prisma.auditLog.count({ where: { action: "rule.nudges_released", actorId: world.adminNumber } })).toBe(1);
    // Released, the flags become nudges at the next proposal; the guard does not hold them again.
    const again = await run();
    expect(again.report.held).toEqual([]);
    expect(again.proposed.interventionsCreated).toBe(10);
  });

  it("the dry run says the guard would hold the rule", async () => {
    await setUp(10);
    const rule = checkFiles("rules/library", null).rules.find((r) => r.rule.document.id === "no-vle-10-days")!.rule;
    const report = await dryRun(db, rule, { asOfDay: D, now: RUN_TIME });
    expect(report.volumeGuard).toEqual({ wouldHold: true, reason: "10 of 25 students in XA year 2 (40%, more than 15%) in one day" });
  });

  it("discarded, held nudges are never sent", async () => {
    await setUp(10);
    await run();
    const admin = (await staffByNumber(db, world.adminNumber))!;
    expect(await discardHeld(db, "no-vle-10-days", admin)).toEqual({ rule: "no-vle-10-days", flags: 10 });
    await expect(releaseHeld(db, "no-vle-10-days", admin)).rejects.toThrow("No nudges from no-vle-10-days are held.");
    const again = await run();
    expect(again.proposed.interventionsCreated).toBe(0);
    expect(await db.prisma.flag.count({ where: { closedReason: "discarded after the volume guard held it" } })).toBe(10);
    expect(await db.prisma.auditLog.count({ where: { action: "rule.nudges_discarded" } })).toBe(1);
  });

  it("holds a rule flagging several times its trailing median, though a small share of its cohort", () => {
    const student = (id: number) => ({ studentId: id, groupKey: "p1y1", programmeId: 1, yearOfStudy: 1, startDay: 0, values: {} });
    const everyone = Array.from({ length: 1000 }, (_, i) => student(i + 1));
    const outcome = {
      id: "activity-halved",
      version: 2,
      title: "Activity halved",
      evaluated: 1000,
      evaluatedStudents: everyone.map((s) => s.studentId),
      matched: [],
      flagged: everyone.slice(0, 25),
      alreadyFlagged: 0,
      inCooldown: 0,
      notEvaluable: 0,
      excluded: { consent: 0, restricted: 0, extenuating: 0 },
      skippedCohorts: [],
    };
    const population = { groupLabel: () => "XA year 1" };
    const usual = new Map([["activity-halved", [2, 3, 2, 2, 3]]]);
    expect(volumeHolds([outcome], everyone, population, usual, DEFAULT_VOLUME_GUARD)).toEqual([
      {
        rule: "activity-halved",
        version: 2,
        flags: 25,
        cohort: "XA year 1",
        cohortStudents: 1000,
        cohortFlagged: 25,
        share: 0.025,
        trailingMedian: 2,
        reason: "25 new flags, more than 4 times its usual 2 a run",
      },
    ]);
    // Too little history (four runs), or a usual day: nothing held.
    expect(volumeHolds([outcome], everyone, population, new Map([["activity-halved", [2, 3, 2, 2]]]), DEFAULT_VOLUME_GUARD)).toEqual([]);
    expect(volumeHolds([outcome], everyone, population, new Map([["activity-halved", [20, 30, 22, 25, 26]]]), DEFAULT_VOLUME_GUARD)).toEqual([]);
  });

  it("leaves a run alone that flags 8% of the cohort", async () => {
    await setUp(2);
    const { report, proposed } = await run();
    expect(report.held).toEqual([]);
    expect(proposed.interventionsCreated).toBe(2);
    expect(await db.prisma.staffMessage.count()).toBe(0);
  });
});
