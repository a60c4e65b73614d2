/**
 * The scheduler: node-cron in the institution's timezone runs each job at its slots, a lease per
 * run keeps it to one instance at a time (also across machines), a run record per slot, and a
 * missed slot is caught up once at start. What the jobs are, and where leases and records are
 * kept, belongs to jobs/ and the modules that define them.
 */
export { startScheduler, cronTimer, type Scheduler, type SchedulerSettings, type SlotTimer } from "./start-scheduler.ts";
export { runJob, DEFAULT_LEASE_TTL_MS, type RunOutcome, type RunnerSettings } from "./run-job.ts";
export type { CaughtUp } from "./catch-up.ts";
export { jobStatuses, type JobStatus } from "./job-status.ts";
