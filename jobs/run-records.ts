/**
 * Run records (`JobRun`): one row per job and slot, unique on (job, scheduledFor), so a slot runs
 * at most once however many instances reach it. The summary holds the trigger and the job's figures.
 */
import type { Db } from "../prisma/index.ts";
import { isUniqueViolation } from "../prisma/index.ts";
import type { JobFigures, JobTrigger } from "./types.ts";

export type RunStatus = "running" | "succeeded" | "failed" | "skipped";

export interface JobRunRecord {
  id: number;
  job: string;
  scheduledFor: Date;
  owner: string;
  status: RunStatus;
  trigger: JobTrigger | null;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
  figures: JobFigures;
}

type Row = Awaited<ReturnType<Db["jobRun"]["findFirstOrThrow"]>>;

function toRecord(row: Row): JobRunRecord {
  const { trigger = null, ...figures } = (row.summary ?? {}) as JobFigures & { trigger?: JobTrigger };
  return {
    id: row.id,
    job: row.job,
    scheduledFor: row.scheduledFor,
    owner: row.owner,
    status: row.status,
    trigger,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    error: row.error,
    figures,
  };
}

/** JSON-safe copy of a job's figures (Dates become ISO text, undefined is dropped). */
function asJson(value: JobFigures): object {
  return JSON.parse(JSON.stringify(value)) as object;
}

/** Records the start of a run for a slot; null when the slot already has a run (here or elsewhere). */
export async function claimSlot(prisma: Db, claim: { job: string; scheduledFor: Date; owner: string; trigger: JobTrigger }): Promise<JobRunRecord | null> {
  try {
    const row = await prisma.jobRun.create({
      data: {
        job: claim.job,
        scheduledFor: claim.scheduledFor,
        owner: claim.owner,
        status: "running",
        startedAt: new Date(),
        summary: { trigger: claim.trigger },
      },
    });
    return toRecord(row);
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}

export async function finishRun(
  prisma: Db,
  run: JobRunRecord,
  outcome: { status: Exclude<RunStatus, "running">; error?: string; figures?: JobFigures },
): Promise<JobRunRecord> {
  const summary = asJson({ trigger: run.trigger, ...outcome.figures });
  const finishedAt = new Date();
  // Our own run, with what really happened: a run a later holder presumed abandoned (its lease
  // lapsed while it worked on) still records its real outcome when it does finish.
  await prisma.jobRun.updateMany({
    where: { id: run.id, owner: run.owner },
    data: { status: outcome.status, finishedAt, error: outcome.error ?? null, summary },
  });
  return toRecord(await prisma.jobRun.findUniqueOrThrow({ where: { id: run.id } }));
}

/**
 * Marks runs of the job still "running" under another owner as failed. Called by the lease
 * holder: while we hold the lease nobody else can be running the job, so such a run's process
 * stopped without finishing (crash, kill -9, lost lease).
 */
export async function failAbandonedRuns(prisma: Db, job: string, owner: string): Promise<number> {
  const marked = await prisma.jobRun.updateMany({
    where: { job, status: "running", owner: { not: owner } },
    data: { status: "failed", finishedAt: new Date(), error: "abandoned: the instance running it stopped before it finished (its lease expired)" },
  });
  return marked.count;
}

export async function runForSlot(prisma: Db, job: string, scheduledFor: Date): Promise<JobRunRecord | null> {
  const row = await prisma.jobRun.findUnique({ where: { job_scheduledFor: { job, scheduledFor } } });
  return row ? toRecord(row) : null;
}

/** The job's most recently started run. */
export async function lastRun(prisma: Db, job: string): Promise<JobRunRecord | null> {
  const row = await prisma.jobRun.findFirst({ where: { job }, orderBy: [{ startedAt: "desc" }, { id: "desc" }] });
  return row ? toRecord(row) : null;
}

/** Runs of a job, latest first (tests and reports). */
export async function runsOf(prisma: Db, job: string): Promise<JobRunRecord[]> {
  const rows = await prisma.jobRun.findMany({ where: { job }, orderBy: [{ scheduledFor: "desc" }, { id: "desc" }] });
  return rows.map(toRecord);
}
