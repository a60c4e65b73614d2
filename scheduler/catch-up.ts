/**
 * Catch-up at start: a slot missed while no instance was up (the service was down at 07:00) runs
 * once. Only the latest missed slot of each job that opts in, and only if it is recent: a rules
 * run or a digest from three days ago is better left to the next slot. The slot's unique run
 * record makes the catch-up happen once, however many instances start.
 */
import type { JobStore, ScheduledJob } from "../jobs/index.ts";
import { runJob, type RunnerSettings, type RunOutcome } from "./run-job.ts";
import { previousSlot } from "./slots.ts";

export const DEFAULT_CATCH_UP_WITHIN_MS = 24 * 60 * 60 * 1000;

export interface CatchUpSettings extends RunnerSettings {
  timezone: string;
  /** How old a missed slot may be and still be run. */
  withinMs: number;
  /** Checked between jobs, so shutdown does not wait for every catch-up. */
  stopped?: () => boolean;
}

export interface CaughtUp {
  job: string;
  scheduledFor: Date;
  result: RunOutcome;
}

/** The job's slot to catch up now, if it has one: its latest slot, recent, and never run. */
export async function missedSlot(store: JobStore, job: ScheduledJob, timezone: string, withinMs: number, now = new Date()): Promise<Date | null> {
  if (!job.catchUp) return null;
  const slot = previousSlot(job.schedule, timezone, now);
  if (!slot || now.getTime() - slot.getTime() > withinMs) return null;
  return (await store.runForSlot(job.name, slot)) ? null : slot;
}

export async function catchUpMissedRuns(store: JobStore, jobs: readonly ScheduledJob[], settings: CatchUpSettings): Promise<CaughtUp[]> {
  const caughtUp: CaughtUp[] = [];
  for (const job of jobs) {
    if (settings.stopped?.()) break;
    const slot = await missedSlot(store, job, settings.timezone, settings.withinMs);
    if (!slot) continue;
    settings.logger.info({ job: job.name, scheduledFor: slot }, "catching up a missed run");
    caughtUp.push({ job: job.name, scheduledFor: slot, result: await runJob(store, job, { scheduledFor: slot, trigger: "catch_up" }, settings) });
  }
  return caughtUp;
}
