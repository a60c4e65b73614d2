/**
 * A rules run over time: repeated runs, cooldowns, stale and missing feeds, consent withdrawn
 * between runs. One rule (no VLE activity for 10 days) keeps the expectations obvious.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled, type RunReport } from "../../rules/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { buildWorld, D, DAY_MS, dateOf, except, healthy, RUN_TIME, type World } from "./world.ts";

const noVleAfter = (last: number) => except(healthy(), (day, usual) => (day > last ? { ...usual, vle: undefined } : usual));

async function enableOnly(db: Database, world: World, ids: string[]): Promise<void> {
  const checked = checkFiles("rules/library", null);
  const author = (await staffByNumber(db, world.adminNumber))!;
  await saveAll(db, { calendar: checked.calendar, rules: checked.rules.filter((r) => ids.includes(r.rule.document.id)) }, author);
  for (const id of ids) await setEnabled(db, id, true, author);
}

const flagged = async (db: Database) =>
  (await db.prisma.flag.findMany({ include: { student: true }, orderBy: [{ day: "asc" }, { studentId: "asc" }] })).map(
    (f) => `${f.student.studentNumber}@${f.day - D}:${f.state}`,
  );

describe("rules runs", () => {
  let testDb: TestDatabase;
  let db: Database;
  let world: World;

  beforeEach(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url, { migrate: true });
    world = await buildWorld(db, [
      { number: "A", programme: "XA", year: 2, activity: noVleAfter(D - 10) },
      { number: "B", programme: "XB", year: 2, activity: noVleAfter(D - 3) },
      { number: "C", programme: "XC", year: 2, activity: healthy() },
    ]);
    await enableOnly(db, world, ["no-vle-10-days", "attendance-below-60"]);
  });
  afterEach(async () => {
    await db.close();
    await testDb.drop();
  });

  it("a repeated run for the same day writes nothing new, and says nothing changed", async () => {
    const first = await runRules(db, { asOfDay: D, trigger: "schedule", now: RUN_TIME });
    expect(first.flagsWritten).toBe(1);
    expect(await flagged(db)).toEqual(["A@0:open"]);

    const second = await runRules(db, { asOfDay: D, trigger: "manual", now: RUN_TIME });
    expect(second).toMatchObject({ unchanged: true, sameAs: first.runId, flagsWritten: 0 });
    // Forced, it evaluates everything again and still adds nothing: one flag per student, rule and day.
    const forced = await runRules(db, { asOfDay: D, trigger: "manual", force: true, now: RUN_TIME });
    expect(forced.unchanged).toBe(false);
    expect(forced.flagsWritten).toBe(0);
    expect(forced.rules.find((r) => r.id === "no-vle-10-days")).toMatchObject({ flagsWritten: 0, alreadyFlagged: 1 });
    expect(await db.prisma.flag.count()).toBe(1);
    expect(await db.prisma.ruleRun.count()).toBe(3);
  });

  it("new data after a run means the next run for the same day evaluates again", async () => {
    await runRules(db, { asOfDay: D, trigger: "schedule", now: RUN_TIME });
    await db.prisma.ingestBatch.create({ data: { format: "xapi", origin: "push", status: "completed" } });
    const again = await runRules(db, { asOfDay: D, trigger: "manual", now: RUN_TIME });
    expect(again.unchanged).toBe(false);
    expect(again.flagsWritten).toBe(0);
  });

  it("does not flag a student again within the rule's cooldown, and does once it has passed", async () => {
    await runRules(db, { asOfDay: D, trigger: "schedule", now: RUN_TIME });
    // The feeds now say they run to D+14 and carry no activity after D: A's VLE silence goes on
    // (10 days on D, 24 on D+14), B's starts on D-2 and C's on D+1.
    await db.prisma.feedFreshness.updateMany({ data: { lastDataDay: D + 14, lastLoadedAt: new Date((D + 15) * DAY_MS) } });
    const nextDay = await runRules(db, { asOfDay: D + 1, trigger: "schedule", now: new Date((D + 15) * DAY_MS) });
    expect(nextDay.rules.find((r) => r.id === "no-vle-10-days")).toMatchObject({ flagsWritten: 0, inCooldown: 1 });

    // Cooldown is 14 days: on D+13 A is still in it, on D+14 A is flagged again.
    const d13 = await runRules(db, { asOfDay: D + 13, trigger: "schedule", now: new Date((D + 15) * DAY_MS) });
    expect(d13.rules.find((r) => r.id === "no-vle-10-days")).toMatchObject({ inCooldown: 1 });
    expect(d13.rules.find((r) => r.id === "no-vle-10-days")).toMatchObject({ flagsWritten: 2 });
    const d14 = await runRules(db, { asOfDay: D + 14, trigger: "schedule", now: new Date((D + 15) * DAY_MS) });
    // B and C, first flagged on D+13, are now in their cooldown.
    expect(d14.rules.find((r) => r.id === "no-vle-10-days")).toMatchObject({ flagsWritten: 1, inCooldown: 2 });
    expect(await flagged(db)).toEqual(["A@0:open", "B@13:open", "C@13:open", "A@14:open"]);
  });

  it("skips a rule whose feed is stale or was never loaded, and says why, flagging no one from it", async () => {
    await db.prisma.feedFreshness.update({ where: { feed: "vle" }, data: { lastDataDay: D - 5 } });
    const staleData = await runRules(db, { asOfDay: D, trigger: "schedule", now: RUN_TIME });
    expect(staleData.skipped).toEqual([{ id: "no-vle-10-days", reason: "stale data: vle data ends 2026-11-15, more than 2 day(s) before 2026-11-20" }]);
    // The attendance rule does not read the VLE and still runs.
    expect(staleData.rules.map((r) => r.id)).toEqual(["attendance-below-60"]);
    expect(await db.prisma.flag.count()).toBe(0);

    // Data up to date but the feed not loaded for 60 hours (expected every 48).
    await db.prisma.feedFreshness.update({ where: { feed: "vle" }, data: { lastDataDay: D, lastLoadedAt: new Date(RUN_TIME.getTime() - 60 * 3_600_000) } });
    const staleLoad = await runRules(db, { asOfDay: D, trigger: "schedule", now: RUN_TIME });
    expect(staleLoad.skipped[0]!.reason).toBe("stale data: vle feed last loaded 2026-11-18 18:00 UTC, 60 h ago (expected every 48 h)");

    await db.prisma.feedFreshness.delete({ where: { feed: "vle" } });
    const missing = await runRules(db, { asOfDay: D, trigger: "schedule", now: RUN_TIME });
    expect(missing.skipped[0]!.reason).toBe("stale data: no vle data has ever been loaded");
    expect(await db.prisma.flag.count()).toBe(0);
  });

  it("closes open flags when consent is withdrawn, and raises none while it stays withdrawn", async () => {
    await runRules(db, { asOfDay: D, trigger: "schedule", now: RUN_TIME });
    expect(await flagged(db)).toEqual(["A@0:open"]);
    await db.prisma.consent.create({
      data: { studentId: world.ids.get("A")!, purpose: "analytics", state: "withdrawn", source: "teams", recordedAt: RUN_TIME },
    });
    const report: RunReport = await runRules(db, { asOfDay: D, trigger: "manual", now: RUN_TIME });
    expect(report.flagsClosed).toEqual({ consent: 1, restricted: 0, notEnrolled: 0 });
    expect(report.excluded.consent).toBe(1);
    const flag = await db.prisma.flag.findFirstOrThrow();
    expect(flag).toMatchObject({ state: "closed", closedReason: "analytics consent refused or withdrawn" });
    // Granted again later: evaluated again (the existing flag for the day keeps it from a duplicate).
    await db.prisma.consent.create({
      data: { studentId: world.ids.get("A")!, purpose: "analytics", state: "granted", source: "teams", recordedAt: new Date(RUN_TIME.getTime() + 1000) },
    });
    const regranted = await runRules(db, { asOfDay: D, trigger: "manual", now: RUN_TIME });
    expect(regranted.excluded.consent).toBe(0);
    expect(await db.prisma.flag.count()).toBe(1);
  });

  it("closes open flags of a student who is no longer enrolled", async () => {
    await runRules(db, { asOfDay: D, trigger: "schedule", now: RUN_TIME });
    await db.prisma.student.update({ where: { id: world.ids.get("A")! }, data: { enrolmentStatus: "withdrawn" } });
    const report = await runRules(db, { asOfDay: D, trigger: "manual", now: RUN_TIME });
    expect(report.flagsClosed.notEnrolled).toBe(1);
    expect(await flagged(db)).toEqual(["A@0:closed"]);
  });

  it("does not run a rule outside its active periods (reading week)", async () => {
    const readingWeek = D - 15; // Thursday 5 November 2026
    await db.prisma.feedFreshness.updateMany({ data: { lastDataDay: readingWeek } });
    const report = await runRules(db, { asOfDay: readingWeek, trigger: "schedule", now: dateOf(readingWeek + 1) });
    expect(report.skipped).toContainEqual({ id: "no-vle-10-days", reason: "not active on 2026-11-05: in a skipped period (Autumn reading week)" });
  });

  it("marks a run left 'running' by a process that was killed as abandoned, at the next run", async () => {
    const killed = await db.prisma.ruleRun.create({ data: { asOfDay: D, trigger: "manual", status: "running", startedAt: new Date(Date.now() - 3_600_000) } });
    const report = await runRules(db, { asOfDay: D, trigger: "schedule", now: RUN_TIME });
    expect(report.flagsWritten).toBe(1);
    const left = await db.prisma.ruleRun.findUniqueOrThrow({ where: { id: killed.id } });
    expect(left).toMatchObject({ status: "failed", finishedAt: expect.any(Date), summary: { error: expect.stringMatching(/^abandoned/) } });
    expect(await db.prisma.ruleRun.count({ where: { status: "running" } })).toBe(0);
  });

  it("runs one at a time: a second run while one holds the lease is refused, naming when it started", async () => {
    await db.prisma.jobLease.create({
      data: { job: "rules.run", owner: "elsewhere", acquiredAt: new Date("2026-12-07T06:00:00Z"), leaseUntil: new Date(Date.now() + 60_000) },
    });
    const refused = runRules(db, { asOfDay: D, trigger: "manual", now: RUN_TIME });
    await expect(refused).rejects.toMatchObject({
      kind: "conflict",
      message: "Another rules run is in progress (started 2026-12-07 06:00 UTC); try again when it has finished.",
    });
    expect(await db.prisma.ruleRun.count()).toBe(0);
    // Once the holder's lease lapses (it was killed), the next run goes ahead.
    await db.prisma.jobLease.update({ where: { job: "rules.run" }, data: { leaseUntil: new Date(Date.now() - 1) } });
    expect((await runRules(db, { asOfDay: D, trigger: "manual", now: RUN_TIME })).flagsWritten).toBe(1);
  });
});
