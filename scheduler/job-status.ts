/** What `nudge jobs list` shows of each job: its schedule, next slot, last run and current lease. */
import type { JobRunRecord, JobStore, Lease, ScheduledJob } from "../jobs/index.ts";
import { nextSlot } from "./slots.ts";

export interface JobStatus {
  name: string;
  description: string;
  schedule: string;
  timezone: string;
  catchUp: boolean;
  nextRun: Date | null;
  lastRun: JobRunRecord | null;
  /** Set while an instance holds the job's lease (it is running the job). */
  lease: Lease | null;
}

export async function jobStatuses(store: JobStore, jobs: readonly ScheduledJob[], timezone: string, now = new Date()): Promise<JobStatus[]> {
  const leases = await store.currentLeases(now);
  return Promise.all(
    jobs.map(async (job) => ({
      name: job.name,
      description: job.description,
      schedule: job.schedule,
      timezone,
      catchUp: job.catchUp,
      nextRun: nextSlot(job.schedule, timezone, now),
      lastRun: await store.lastRun(job.name),
      lease: leases.get(job.name) ?? null,
    })),
  );
}
