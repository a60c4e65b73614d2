/** What `nudge jobs list` shows of each job: its schedule, next slot, last run and current lease. */
import type { Database } from "../prisma/index.ts";
import type { ScheduledJob } from "./jobs.ts";
import { currentLeases, type Lease } from "./leases.ts";
import { lastRun, type JobRunRecord } from "./run-records.ts";
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

export async function jobStatuses(db: Database, jobs: readonly ScheduledJob[], timezone: string, now = new Date()): Promise<JobStatus[]> {
  const leases = await currentLeases(db.prisma, now);
  return Promise.all(
    jobs.map(async (job) => ({
      name: job.name,
      description: job.description,
      schedule: job.schedule,
      timezone,
      catchUp: job.catchUp,
      nextRun: nextSlot(job.schedule, timezone, now),
      lastRun: await lastRun(db.prisma, job.name),
      lease: leases.get(job.name) ?? null,
    })),
  );
}
