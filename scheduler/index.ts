/**
 * Scheduled jobs on node-cron, in the institution's timezone. A job never overlaps itself in
 * one process; jobs that several instances could run at once are written to be safe anyway
 * (the drop folder claims files by rename). Database leases and run records come with the
 * rules engine's jobs.
 */
import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "../server/logger.ts";

export interface ScheduledJob {
  name: string;
  /** Cron expression, e.g. "*\/10 * * * *". */
  schedule: string;
  run(): Promise<unknown>;
}

export interface Scheduler {
  stop(): Promise<void>;
}

export function startScheduler(jobs: readonly ScheduledJob[], settings: { timezone: string; logger: Logger }): Scheduler {
  const tasks: ScheduledTask[] = [];
  const running = new Set<Promise<void>>();
  for (const job of jobs) {
    const task = cron.schedule(
      job.schedule,
      () => {
        const started = performance.now();
        const run = job
          .run()
          .then((result) => settings.logger.info({ job: job.name, ms: Math.round(performance.now() - started), result }, "job finished"))
          .catch((error: unknown) => settings.logger.error({ job: job.name, err: error }, "job failed"))
          .finally(() => running.delete(run));
        running.add(run);
        return run;
      },
      { name: job.name, timezone: settings.timezone, noOverlap: true },
    );
    tasks.push(task);
    settings.logger.info({ job: job.name, schedule: job.schedule }, "job scheduled");
  }
  return {
    /** No new runs start; runs in progress finish (the database is closed after this). */
    async stop() {
      for (const task of tasks) await task.destroy();
      await Promise.all(running);
    },
  };
}
