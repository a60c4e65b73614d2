import { beforeAll, describe, expect, it } from "vitest";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, saveAll, setEnabled } from "../../rules/index.ts";
import { DEFAULT_POLICY } from "../../interventions/index.ts";
import { rulesJobs } from "../../interventions/jobs.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";
import { createJobStore } from "../../jobs/index.ts";
import { startScheduler } from "../../scheduler/index.ts";
import { createLogger } from "../../core/index.ts";
import { buildWorld, D, except, healthy } from "../rules/world.ts";

describe("the rules-run job", () => {
  const database = useMigratedDatabase();

  beforeAll(async () => {
    const world = await buildWorld(database.db, [
      { number: "A", programme: "XA", year: 2, activity: except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual)) },
    ]);
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(database.db, world.adminNumber))!;
    await saveAll(database.db, { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(database.db, "no-vle-10-days", true, author);
  });

  it("evaluates the day before its slot, in the institution's timezone, proposes interventions and reports figures", async () => {
    const [job] = rulesJobs(database.db, { schedule: "0 6 * * *", timezone: "Europe/London", policy: DEFAULT_POLICY, channels: ["teams", "email"] });
    expect(job).toMatchObject({ name: "rules-run", catchUp: true });
    // The 06:00 slot on Saturday 21 November (London = UTC in November), caught up at 09:00.
    const figures = await job!.run({ scheduledFor: new Date("2026-11-21T06:00:00Z"), trigger: "catch_up" });
    expect(figures).toMatchObject({ asOf: "2026-11-20", unchanged: false, studentsEvaluated: 1, flagsWritten: 1, rulesRun: 1, rulesSkipped: 0 });
    const run = await database.db.prisma.ruleRun.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(run).toMatchObject({ trigger: "catch_up", asOfDay: D, status: "succeeded" });
    // The rule's nudge is approved by the system and queued on its first enabled channel.
    expect(figures).toMatchObject({ interventionsCreated: 1, autoApproved: 1, awaitingApproval: 0 });
    const intervention = await database.db.prisma.intervention.findFirstOrThrow({ include: { deliveries: true } });
    expect(intervention).toMatchObject({ kind: "nudge", state: "queued", proposedBy: "rule:no-vle-10-days@1" });
    expect(intervention.deliveries.map((d) => [d.channel, d.state])).toEqual([["teams", "pending"]]);
    expect(await database.db.prisma.flag.findFirstOrThrow()).toMatchObject({ state: "actioned" });
  });

  it("runs through `nudge jobs run rules-run`: today the feeds are stale, so the rule is skipped and nobody flagged", async () => {
    const run = await runNudge(["jobs", "run", "rules-run", "--json"], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(JSON.stringify(result)).toContain('"rulesSkipped":1');
    expect(await database.db.prisma.flag.count()).toBe(1);
    const runs = await database.db.prisma.jobRun.findMany({ where: { job: "rules-run" } });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe("succeeded");
  });
});

describe("the rules-run job on a database with nothing to evaluate", () => {
  const database = useMigratedDatabase();

  it("catches up the missed slot at a first start as skipped, with the reason, and writes no rule run", async () => {
    const jobs = rulesJobs(database.db, { schedule: "0 6 * * *", timezone: "Europe/London", policy: DEFAULT_POLICY, channels: ["teams", "email"] });
    const scheduler = startScheduler(jobs, { store: createJobStore(database.db), timezone: "Europe/London", logger: createLogger("silent") });
    const caughtUp = await scheduler.caughtUp;
    await scheduler.stop();
    expect(caughtUp).toHaveLength(1);
    const runs = await database.db.prisma.jobRun.findMany({ where: { job: "rules-run" } });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "skipped", summary: { trigger: "catch_up", skipped: "no rule is enabled" } });
    expect(await database.db.prisma.ruleRun.count()).toBe(0);
  });

  it("says which is missing: students, then a feed, once a rule is enabled", async () => {
    const [job] = rulesJobs(database.db, { schedule: "0 6 * * *", timezone: "Europe/London", policy: DEFAULT_POLICY, channels: ["teams"] });
    const admin = await database.db.prisma.staff.create({ data: { staffNumber: "A1", displayName: "Admin" } });
    const checked = checkFiles("rules/library", null);
    await saveAll(database.db, { calendar: checked.calendar, rules: checked.rules }, (await staffByNumber(database.db, admin.staffNumber))!);
    await database.db.prisma.rule.update({ where: { id: "no-vle-10-days" }, data: { enabled: true } });
    const slot = { scheduledFor: new Date("2026-11-21T06:00:00Z"), trigger: "manual" as const };
    expect(await job!.run(slot)).toMatchObject({ reason: "no students have been loaded" });
    await database.db.prisma.student.create({ data: { studentNumber: "S1", givenName: "Sam", familyName: "One" } });
    expect(await job!.run(slot)).toMatchObject({ reason: "no engagement feed has been loaded" });
    expect(await database.db.prisma.ruleRun.count()).toBe(0);
  });
});
