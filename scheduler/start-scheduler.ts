/**
 * The scheduler of one instance: node-cron fires each job on its slots in the institution's
 * timezone, every run goes through the lease and its slot's run record (`runJob`), and missed
 * slots are caught up once at start. A job never overlaps itself in one process; the lease keeps
 * other processes and machines out.
 */
import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "../core/index.ts";
import { catchUpMissedRuns, DEFAULT_CATCH_UP_WITHIN_MS, type CaughtUp } from "./catch-up.ts";
import { newOwnerId, type JobStore, type ScheduledJob } from "../jobs/index.ts";
import { DEFAULT_LEASE_TTL_MS, runJob, type RunnerSettings } from "./run-job.ts";

export interface SchedulerSettings {
  /** Where leases and run records are kept (jobs/createJobStore). */
  store: JobStore;
  timezone: string;
  logger: Logger;
  /** Defaults to a new `newOwnerId()`. */
  owner?: string;
  leaseTtlMs?: number;
  /** How old a missed slot may be and still be caught up at start (default 24 hours). */
  catchUpWithinMs?: number;
  /** What fires each job's slots: node-cron (the default), or a test's own clock. */
  timer?: SlotTimer;
}

/**
 * Calls `onSlot` with each slot of the job's schedule as it comes, awaiting the returned promise
 * before the next (a job never overlaps itself in one process); `stop` ends it.
 */
export type SlotTimer = (job: ScheduledJob, timezone: string, onSlot: (slot: Date) => Promise<void>, logger: Logger) => { stop(): Promise<void> | void };

/** node-cron in the institution's timezone; the slot is the context's date, not when the timer fired. */
export const cronTimer: SlotTimer = (job, timezone, onSlot, logger) => {
  const task: ScheduledTask = cron.schedule(job.schedule, ({ date }) => onSlot(date), {
    name: job.name,
    timezone,
    noOverlap: true,
    logger: cronLogger(logger, job.name),
  });
  return { stop: () => task.destroy() };
};

export interface Scheduler {
  readonly owner: string;
  /** Settles when the start-up catch-up is done, with what it ran. */
  readonly caughtUp: Promise<CaughtUp[]>;
  /** No new runs start; runs in progress finish (the database is closed after this). */
  stop(): Promise<void>;
}

/** node-cron's own messages (a slot skipped because the last run is still going) as our JSON log lines. */
function cronLogger(logger: Logger, job: string) {
  const child = logger.child({ job });
  return {
    info: (message: string) => child.info(message),
    warn: (message: string) => child.warn(message),
    error: (message: string | Error, err?: Error) => child.error({ err: err ?? message }, String(message)),
    debug: (message: string | Error, err?: Error) => child.debug({ err }, String(message)),
  };
}

export function startScheduler(jobs: readonly ScheduledJob[], settings: SchedulerSettings): Scheduler {
  const { store, timezone, logger } = settings;
  const runner: RunnerSettings = { owner: settings.owner ?? newOwnerId(), leaseTtlMs: settings.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS, logger };
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`two scheduled jobs are named ${job.name}`);
    names.add(job.name);
  }

  let stopped = false;
  const inProgress = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inProgress.add(work);
    void work.finally(() => inProgress.delete(work)).catch(() => undefined);
    return work;
  };

  const timer = settings.timer ?? cronTimer;
  const tasks = jobs.map((job) => {
    const task = timer(
      job,
      timezone,
      // The slot is the run record's key.
      (slot) =>
        track(
          runJob(store, job, { scheduledFor: slot, trigger: "schedule" }, runner)
            .then((result) => {
              if (result.outcome !== "ran") logger.debug({ job: job.name, scheduledFor: slot, outcome: result.outcome }, "job run by another instance");
            })
            .catch((error: unknown) => logger.error({ job: job.name, err: error }, "job could not be run")),
        ),
      logger,
    );
    logger.info({ job: job.name, schedule: job.schedule, timezone }, "job scheduled");
    return task;
  });

  const caughtUp = track(
    catchUpMissedRuns(store, jobs, { ...runner, timezone, withinMs: settings.catchUpWithinMs ?? DEFAULT_CATCH_UP_WITHIN_MS, stopped: () => stopped }).catch(
      (error: unknown) => {
        logger.error({ err: error }, "catch-up of missed runs failed");
        return [];
      },
    ),
  );

  return {
    owner: runner.owner,
    caughtUp,
    async stop() {
      stopped = true;
      for (const task of tasks) await task.stop();
      while (inProgress.size) await Promise.allSettled(inProgress);
    },
  };
}
