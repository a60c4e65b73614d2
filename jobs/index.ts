/**
 * Scheduled work as the domain sees it: what a job is and what a run returns, and where leases
 * and run records are kept. The scheduler (scheduler/) decides when; each module defines its jobs.
 */
export { JobSkipped, type JobContext, type JobFigures, type JobTrigger, type ScheduledJob } from "./types.ts";
export { createJobStore, type JobStore } from "./store.ts";
export { newOwnerId, type Lease } from "./leases.ts";
export type { JobRunRecord, RunStatus } from "./run-records.ts";
export { whileHoldingLease, type Exclusive } from "./exclusive.ts";

import { createJobStore as store } from "./store.ts";

/** What the edges may ask of jobs (app/ binds the database): the store of leases and run records. */
export const useCases = { store };
