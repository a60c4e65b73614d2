import { createJobStore } from "../../jobs/index.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { startScheduler, type SlotTimer } from "../../scheduler/index.ts";
import type { ScheduledJob } from "../../jobs/index.ts";
import { runsOf } from "../../jobs/run-records.ts";
import { previousSlot } from "../../scheduler/slots.ts";
import { createLogger } from "../../core/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

const logger = createLogger("silent");
const timezone = "Europe/London";

/** A clock the test drives: each slot it fires reaches every scheduler started on it, at once. */
function manualClock() {
  const listeners: ((slot: Date) => Promise<void>)[] = [];
  const timer: SlotTimer = (_job, _timezone, onSlot) => {
    listeners.push(onSlot);
    return { stop: () => void listeners.splice(listeners.indexOf(onSlot), 1) };
  };
  return { timer, fire: (slot: Date) => Promise.all(listeners.map((onSlot) => onSlot(slot))) };
}

describe.each(databaseKindsUnderTest())("the scheduler on %s", (kind) => {
  const database = useMigratedDatabase(kind);

  it("runs each slot once when two schedulers race for it", async () => {
    const ran: Array<{ slot: string; owner: string }> = [];
    const tick = (owner: string): ScheduledJob => ({
      name: "tick",
      description: "every second (test)",
      schedule: "* * * * * *",
      catchUp: false,
      async run({ scheduledFor }) {
        ran.push({ slot: scheduledFor.toISOString(), owner });
        // Long enough that the other scheduler's attempt at the slot comes while this one runs.
        await sleep(50);
        return { owner };
      },
    });
    const clock = manualClock();
    const a = startScheduler([tick("a")], { store: createJobStore(database.db), timezone, logger, owner: "a", timer: clock.timer });
    const b = startScheduler([tick("b")], { store: createJobStore(database.db), timezone, logger, owner: "b", timer: clock.timer });
    const slots = ["2026-12-07T09:00:01.000Z", "2026-12-07T09:00:02.000Z", "2026-12-07T09:00:03.000Z"];
    for (const slot of slots) await clock.fire(new Date(slot));
    await Promise.all([a.stop(), b.stop()]);

    expect(ran.map((r) => r.slot)).toEqual(slots);
    const records = await runsOf(database.db.prisma, "tick");
    expect(records.map((r) => r.scheduledFor.toISOString()).sort()).toEqual(slots);
    expect(records.every((r) => r.status === "succeeded" && r.trigger === "schedule" && r.owner.startsWith(`${String(r.figures.owner)}/`))).toBe(true);
    // A slot fired after both stopped runs nowhere.
    await clock.fire(new Date("2026-12-07T09:00:04.000Z"));
    expect(ran).toHaveLength(3);
  });

  it("catches up a missed slot once at start: a second start does not run it again", async () => {
    const calls: Date[] = [];
    const daily: ScheduledJob = {
      name: "daily-at-seven",
      description: "daily (test)",
      schedule: "0 7 * * *",
      catchUp: true,
      async run({ scheduledFor }) {
        calls.push(scheduledFor);
        return { asOf: scheduledFor.toISOString() };
      },
    };
    const missed = previousSlot(daily.schedule, timezone, new Date())!;

    const first = startScheduler([daily], { store: createJobStore(database.db), timezone, logger });
    const caughtUp = await first.caughtUp;
    await first.stop();
    expect(caughtUp).toMatchObject([{ job: "daily-at-seven", scheduledFor: missed, result: { outcome: "ran" } }]);
    expect(calls).toEqual([missed]);
    expect(await runsOf(database.db.prisma, "daily-at-seven")).toMatchObject([
      { scheduledFor: missed, trigger: "catch_up", status: "succeeded", figures: { asOf: missed.toISOString() } },
    ]);

    // Two instances starting together, and a restart: the slot has its run, nothing more happens.
    const again = [
      startScheduler([daily], { store: createJobStore(database.db), timezone, logger }),
      startScheduler([daily], { store: createJobStore(database.db), timezone, logger }),
    ];
    expect(await Promise.all(again.map((s) => s.caughtUp))).toEqual([[], []]);
    await Promise.all(again.map((s) => s.stop()));
    expect(calls).toHaveLength(1);
  });

  it("leaves jobs that do not opt in, and slots older than the catch-up window, to their next slot", async () => {
    let calls = 0;
    const job = (name: string, catchUp: boolean): ScheduledJob => ({
      name,
      description: "(test)",
      schedule: "0 7 * * *",
      catchUp,
      run: async () => (calls++, {}),
    });
    const noCatchUp = startScheduler([job("no-catch-up", false)], { store: createJobStore(database.db), timezone, logger });
    expect(await noCatchUp.caughtUp).toEqual([]);
    await noCatchUp.stop();
    const narrow = startScheduler([job("old-slot", true)], { store: createJobStore(database.db), timezone, logger, catchUpWithinMs: 1 });
    expect(await narrow.caughtUp).toEqual([]);
    await narrow.stop();
    expect(calls).toBe(0);
    expect(await runsOf(database.db.prisma, "old-slot")).toEqual([]);
  });

  it("catches up a failed job's slot as failed, with its error, and does not retry it on the next start", async () => {
    let calls = 0;
    const failing: ScheduledJob = {
      name: "failing-daily",
      description: "(test)",
      schedule: "30 6 * * *",
      catchUp: true,
      async run() {
        calls++;
        throw new Error("digest template missing");
      },
    };
    const first = startScheduler([failing], { store: createJobStore(database.db), timezone, logger });
    await first.caughtUp;
    await first.stop();
    const second = startScheduler([failing], { store: createJobStore(database.db), timezone, logger });
    await second.caughtUp;
    await second.stop();
    expect(calls).toBe(1);
    expect(await runsOf(database.db.prisma, "failing-daily")).toMatchObject([{ status: "failed", error: "digest template missing", trigger: "catch_up" }]);
  });

  it("refuses two jobs with the same name", () => {
    const job: ScheduledJob = { name: "twice", description: "(test)", schedule: "0 7 * * *", catchUp: false, run: async () => ({}) };
    expect(() => startScheduler([job, job], { store: createJobStore(database.db), timezone, logger })).toThrow(/twice/);
  });
});
