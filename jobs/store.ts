/**
 * What the scheduler keeps in the database, behind one interface bound to it: the leases that let
 * one instance at a time run each job (invariant 3), and a run record per slot.
 */
import type { Database } from "../prisma/index.ts";
import { acquireLease, currentLeases, releaseLease, renewLease, type Lease } from "./leases.ts";
import { claimSlot, failAbandonedRuns, finishRun, lastRun, runForSlot, runsOf, type JobRunRecord, type RunStatus } from "./run-records.ts";
import type { JobFigures, JobTrigger } from "./types.ts";

export interface JobStore {
  acquireLease(job: string, owner: string, ttlMs: number, now?: Date): Promise<boolean>;
  renewLease(job: string, owner: string, ttlMs: number, now?: Date): Promise<boolean>;
  releaseLease(job: string, owner: string): Promise<void>;
  currentLeases(now?: Date): Promise<Map<string, Lease>>;
  claimSlot(claim: { job: string; scheduledFor: Date; owner: string; trigger: JobTrigger }): Promise<JobRunRecord | null>;
  finishRun(run: JobRunRecord, outcome: { status: Exclude<RunStatus, "running">; error?: string; figures?: JobFigures }): Promise<JobRunRecord>;
  failAbandonedRuns(job: string, owner: string): Promise<number>;
  runForSlot(job: string, scheduledFor: Date): Promise<JobRunRecord | null>;
  lastRun(job: string): Promise<JobRunRecord | null>;
  runsOf(job: string): Promise<JobRunRecord[]>;
}

export function createJobStore(db: Database): JobStore {
  const p = db.prisma;
  return {
    acquireLease: (job, owner, ttlMs, now) => acquireLease(p, job, owner, ttlMs, now),
    renewLease: (job, owner, ttlMs, now) => renewLease(p, job, owner, ttlMs, now),
    releaseLease: (job, owner) => releaseLease(p, job, owner),
    currentLeases: (now) => currentLeases(p, now),
    claimSlot: (claim) => claimSlot(p, claim),
    finishRun: (run, outcome) => finishRun(p, run, outcome),
    failAbandonedRuns: (job, owner) => failAbandonedRuns(p, job, owner),
    runForSlot: (job, scheduledFor) => runForSlot(p, job, scheduledFor),
    lastRun: (job) => lastRun(p, job),
    runsOf: (job) => runsOf(p, job),
  };
}
