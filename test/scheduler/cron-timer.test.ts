/** node-cron as the scheduler's default clock: slots in the institution's timezone, driven here by fake timers. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../core/index.ts";
import type { ScheduledJob } from "../../jobs/index.ts";
import { cronTimer } from "../../scheduler/index.ts";

const job = (schedule: string): ScheduledJob => ({ name: "t", description: "(test)", schedule, catchUp: false, run: async () => ({}) });

describe("cronTimer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives each slot of the schedule, as the slot's own time, until stopped", async () => {
    vi.useFakeTimers({ now: new Date("2026-12-07T06:59:58.000Z") });
    const slots: string[] = [];
    const timer = cronTimer(job("0 7 * * *"), "Europe/London", async (slot) => void slots.push(slot.toISOString()), createLogger("silent"));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(slots).toEqual(["2026-12-07T07:00:00.000Z"]);
    await timer.stop();
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(slots).toHaveLength(1);
  });

  it("reads the schedule in the institution's timezone (07:00 in London is 06:00 UTC in summer)", async () => {
    vi.useFakeTimers({ now: new Date("2026-07-01T05:59:58.000Z") });
    const slots: string[] = [];
    const timer = cronTimer(job("0 7 * * *"), "Europe/London", async (slot) => void slots.push(slot.toISOString()), createLogger("silent"));
    await vi.advanceTimersByTimeAsync(5_000);
    await timer.stop();
    expect(slots).toEqual(["2026-07-01T06:00:00.000Z"]);
  });
});
