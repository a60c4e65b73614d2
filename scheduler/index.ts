/**
 * Scheduled jobs: node-cron in the institution's timezone, database leases so one instance runs
 * each job (also across machines), a run record per slot, and catch-up of a missed slot at start.
 */
export { startScheduler, type Scheduler, type SchedulerSettings } from "./start-scheduler.ts";
export { JobSkipped, type JobContext, type JobFigures, type JobTrigger, type ScheduledJob } from "./jobs.ts";
export { runJob, DEFAULT_LEASE_TTL_MS, type RunOutcome, type RunnerSettings } from "./run-job.ts";
export { newOwnerId, type Lease } from "./leases.ts";
export type { JobRunRecord, RunStatus } from "./run-records.ts";
export type { CaughtUp } from "./catch-up.ts";
export { jobStatuses, type JobStatus } from "./job-status.ts";
export { serviceJobs } from "./service-jobs.ts";
