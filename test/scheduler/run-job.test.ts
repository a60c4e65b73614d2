import { createJobStore } from "../../jobs/index.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { JobSkipped, type JobContext, type ScheduledJob } from "../../jobs/index.ts";
import { runJob } from "../../scheduler/index.ts";
import { acquireLease, currentLeases } from "../../jobs/leases.ts";
import { runsOf } from "../../jobs/run-records.ts";
import { createLogger } from "../../core/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

const logger = createLogger("silent");
const runner = (owner: string, leaseTtlMs = 60_000) => ({ owner, leaseTtlMs, logger });

function job(name: string, run: ScheduledJob["run"]): ScheduledJob {
  return { name, description: `${name} (test)`, schedule: "0 7 * * *", catchUp: true, run };
}

describe.each(databaseKindsUnderTest())("a job run on %s", (kind) => {
  const database = useMigratedDatabase(kind);

  it("is recorded with its slot, trigger, owner, times and figures, and tells the job its slot", async () => {
    const seen: JobContext[] = [];
    const slot = new Date("2026-11-30T07:00:00.000Z");
    const result = await runJob(
      createJobStore(database.db),
      job("figures", async (context) => (seen.push(context), { flagged: 3, students: 120 })),
      { scheduledFor: slot, trigger: "schedule" },
      runner("a"),
    );
    expect(seen).toEqual([{ scheduledFor: slot, trigger: "schedule" }]);
    expect(result).toMatchObject({
      outcome: "ran",
      run: {
        job: "figures",
        scheduledFor: slot,
        owner: expect.stringMatching(/^a\/[0-9a-f]{6}$/),
        status: "succeeded",
        trigger: "schedule",
        error: null,
        figures: { flagged: 3, students: 120 },
      },
    });
    const [stored] = await runsOf(database.db.prisma, "figures");
    expect(stored!.finishedAt!.getTime()).toBeGreaterThanOrEqual(stored!.startedAt.getTime());
    expect((await currentLeases(database.db.prisma)).has("figures")).toBe(false);
  });

  it("records a failure with its error, and releases the lease", async () => {
    const result = await runJob(
      createJobStore(database.db),
      job("failing", async () => {
        throw new Error("feed file unreadable");
      }),
      { scheduledFor: new Date("2026-11-30T07:00:00Z"), trigger: "manual" },
      runner("a"),
    );
    expect(result).toMatchObject({ outcome: "ran", run: { status: "failed", error: "feed file unreadable", trigger: "manual" } });
    expect((await runsOf(database.db.prisma, "failing"))[0]).toMatchObject({ status: "failed", error: "feed file unreadable", finishedAt: expect.any(Date) });
    expect(await acquireLease(database.db.prisma, "failing", "b", 60_000)).toBe(true);
  });

  it("records a run the job chose to skip, with its reason", async () => {
    const result = await runJob(
      createJobStore(database.db),
      job("skipping", async () => new JobSkipped("vle feed is 3 days old", { checked: 2 })),
      { scheduledFor: new Date("2026-11-30T07:00:00Z"), trigger: "schedule" },
      runner("a"),
    );
    expect(result).toMatchObject({ outcome: "ran", run: { status: "skipped", figures: { checked: 2, skipped: "vle feed is 3 days old" } } });
  });

  it("runs a slot once however many instances race for it", async () => {
    let calls = 0;
    const counted = job("raced", async () => {
      calls++;
      return {};
    });
    for (let minute = 0; minute < 5; minute++) {
      const slot = { scheduledFor: new Date(Date.UTC(2026, 10, 30, 7, minute)), trigger: "schedule" as const };
      const results = await Promise.all(["a", "b", "c"].map((owner) => runJob(createJobStore(database.db), counted, slot, runner(owner))));
      expect(results.filter((r) => r.outcome === "ran")).toHaveLength(1);
      // The others found the lease taken, or the slot already run once it was released.
      expect(results.filter((r) => r.outcome === "busy" || r.outcome === "already-ran")).toHaveLength(2);
    }
    expect(calls).toBe(5);
    expect(await runsOf(database.db.prisma, "raced")).toHaveLength(5);
  });

  it("does not run while another instance holds the lease, and says who holds it", async () => {
    expect(await acquireLease(database.db.prisma, "held", "elsewhere", 60_000)).toBe(true);
    let ran = false;
    const result = await runJob(
      createJobStore(database.db),
      job("held", async () => ((ran = true), {})),
      { scheduledFor: new Date(), trigger: "manual" },
      runner("a"),
    );
    expect(result).toMatchObject({ outcome: "busy", lease: { owner: "elsewhere" } });
    expect(ran).toBe(false);
    expect(await runsOf(database.db.prisma, "held")).toEqual([]);
  });

  it("keeps renewing its lease during a long run, so nobody else starts the job", async () => {
    const ttl = 600;
    let finished = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const long = runJob(
      createJobStore(database.db),
      job("long", async () => {
        started();
        await sleep(3 * ttl);
        finished = true;
        return {};
      }),
      { scheduledFor: new Date(), trigger: "manual" },
      runner("a", ttl),
    );
    await running;
    const attempts: boolean[] = [];
    while (!finished) {
      attempts.push(await acquireLease(database.db.prisma, "long", "b", ttl));
      await sleep(ttl / 3);
    }
    expect(attempts.length).toBeGreaterThan(3);
    expect(attempts.slice(0, -1)).not.toContain(true);
    expect((await long).outcome).toBe("ran");
  });

  it("takes over from a crashed holder once its lease expired, marking the crashed run failed", async () => {
    const crashedSlot = new Date("2026-11-29T07:00:00Z");
    await database.db.prisma.jobLease.create({
      data: { job: "crashy", owner: "gone", acquiredAt: new Date(Date.now() - 120_000), leaseUntil: new Date(Date.now() - 60_000) },
    });
    await database.db.prisma.jobRun.create({
      data: { job: "crashy", scheduledFor: crashedSlot, owner: "gone", status: "running", summary: { trigger: "schedule" } },
    });
    const result = await runJob(
      createJobStore(database.db),
      job("crashy", async () => ({ ok: 1 })),
      { scheduledFor: new Date("2026-11-30T07:00:00Z"), trigger: "schedule" },
      runner("a"),
    );
    expect(result).toMatchObject({ outcome: "ran", run: { status: "succeeded" } });
    const crashed = (await runsOf(database.db.prisma, "crashy")).find((r) => r.owner === "gone");
    expect(crashed).toMatchObject({ status: "failed", error: expect.stringMatching(/^abandoned/), finishedAt: expect.any(Date) });
  });

  it("holds the lease per run: a second run of the job in the same instance finds it busy", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const slow = job("twice", async () => {
      calls++;
      await gate;
      return {};
    });
    const store = createJobStore(database.db);
    const first = runJob(store, slow, { scheduledFor: new Date("2026-11-30T07:00:00Z"), trigger: "catch_up" }, runner("a"));
    await sleep(100);
    const second = await runJob(store, slow, { scheduledFor: new Date("2026-12-01T07:00:00Z"), trigger: "schedule" }, runner("a"));
    expect(second).toMatchObject({ outcome: "busy", lease: { owner: expect.stringMatching(/^a\//) } });
    release();
    expect((await first).outcome).toBe("ran");
    expect(calls).toBe(1);
    expect((await runsOf(database.db.prisma, "twice")).map((r) => r.status)).toEqual(["succeeded"]);
  });

  it("records the real outcome of a run another instance presumed abandoned while it worked on", async () => {
    const ttl = 300;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = createJobStore(database.db);
    // The lease cannot be renewed (its row is taken over below), as when the database was out of reach.
    const stalled = runJob(
      store,
      job("stalled", async () => (await gate, { done: 1 })),
      { scheduledFor: new Date("2026-11-30T07:00:00Z"), trigger: "schedule" },
      runner("a", ttl),
    );
    await sleep(100);
    await database.db.prisma.jobLease.update({ where: { job: "stalled" }, data: { owner: "b", leaseUntil: new Date(Date.now() + 60_000) } });
    const other = await runJob(
      store,
      job("stalled", async () => ({})),
      { scheduledFor: new Date("2026-12-01T07:00:00Z"), trigger: "schedule" },
      runner("b"),
    );
    expect(other.outcome).toBe("busy");
    await database.db.prisma.jobLease.delete({ where: { job: "stalled" } });
    const taker = await runJob(
      store,
      job("stalled", async () => ({})),
      { scheduledFor: new Date("2026-12-01T07:00:00Z"), trigger: "schedule" },
      runner("b"),
    );
    expect(taker.outcome).toBe("ran");
    const presumed = (await runsOf(database.db.prisma, "stalled")).find((r) => r.owner.startsWith("a/"));
    expect(presumed).toMatchObject({ status: "failed", error: expect.stringMatching(/^abandoned/) });
    release();
    expect(await stalled).toMatchObject({ outcome: "ran", run: { status: "succeeded", figures: { done: 1 } } });
    const after = (await runsOf(database.db.prisma, "stalled")).find((r) => r.owner.startsWith("a/"));
    expect(after).toMatchObject({ status: "succeeded", error: null, figures: { done: 1 } });
  });
});
