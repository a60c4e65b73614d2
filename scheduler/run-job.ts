/**
 * One run of one job, the same way for every trigger (schedule, catch-up, manual): take the lease,
 * claim the slot's run record, run while renewing the lease, record the outcome, release.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "../core/index.ts";
import { JobSkipped, type JobRunRecord, type JobStore, type JobTrigger, type Lease, type ScheduledJob } from "../jobs/index.ts";

export interface RunnerSettings {
  /** This scheduler's name in leases and run records (`newOwnerId()`). */
  owner: string;
  /** How long a lease lasts without renewal: a crashed holder blocks the job this long at most. */
  leaseTtlMs: number;
  logger: Logger;
}

// Long enough that an event loop busy for a while (a large synchronous SQLite load) does not lose
// the lease between renewals; short enough that a crashed holder blocks its job only briefly.
export const DEFAULT_LEASE_TTL_MS = 120_000;

export type RunOutcome =
  /** It ran; the record says how it went. */
  | { outcome: "ran"; run: JobRunRecord }
  /** Another instance holds the lease: it is running this job now. */
  | { outcome: "busy"; lease: Lease | null }
  /** The slot already has a run record (another instance ran it, or a catch-up did). */
  | { outcome: "already-ran"; run: JobRunRecord | null };

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runJob(
  store: JobStore,
  job: ScheduledJob,
  slot: { scheduledFor: Date; trigger: JobTrigger },
  settings: RunnerSettings,
): Promise<RunOutcome> {
  const { leaseTtlMs, logger } = settings;
  // Each run holds the lease in its own name: a second run of the job in this same instance (a
  // slot firing while the catch-up of an earlier one still runs) finds it busy, like any other.
  const owner = `${settings.owner}/${randomBytes(3).toString("hex")}`;
  if (!(await store.acquireLease(job.name, owner, leaseTtlMs))) {
    return { outcome: "busy", lease: (await store.currentLeases()).get(job.name) ?? null };
  }
  // Renew at a third of the lease, so two renewals can fail before the lease runs out.
  const heartbeat = setInterval(
    () => {
      store.renewLease(job.name, owner, leaseTtlMs).then(
        (renewed) => renewed || logger.warn({ job: job.name }, "job lease lost: another instance may start this job"),
        (error: unknown) => logger.warn({ job: job.name, err: error }, "job lease renewal failed"),
      );
    },
    Math.max(1, Math.floor(leaseTtlMs / 3)),
  );
  heartbeat.unref();
  try {
    const abandoned = await store.failAbandonedRuns(job.name, owner);
    if (abandoned) logger.warn({ job: job.name, abandoned }, "earlier runs left unfinished by a stopped instance marked failed");
    const run = await store.claimSlot({ job: job.name, scheduledFor: slot.scheduledFor, owner, trigger: slot.trigger });
    if (!run) return { outcome: "already-ran", run: await store.runForSlot(job.name, slot.scheduledFor) };

    logger.info({ job: job.name, scheduledFor: slot.scheduledFor, trigger: slot.trigger }, "job started");
    let finished: JobRunRecord;
    try {
      const result = await job.run({ scheduledFor: slot.scheduledFor, trigger: slot.trigger });
      finished =
        result instanceof JobSkipped
          ? await store.finishRun(run, { status: "skipped", figures: { ...result.figures, skipped: result.reason } })
          : await store.finishRun(run, { status: "succeeded", figures: result });
    } catch (error) {
      logger.error({ job: job.name, err: error }, "job failed");
      finished = await store.finishRun(run, { status: "failed", error: errorText(error) });
    }
    const ms = finished.finishedAt ? finished.finishedAt.getTime() - finished.startedAt.getTime() : undefined;
    logger.info({ job: job.name, status: finished.status, ms, figures: finished.figures }, "job finished");
    return { outcome: "ran", run: finished };
  } finally {
    clearInterval(heartbeat);
    await store.releaseLease(job.name, owner).catch((error: unknown) => logger.warn({ job: job.name, err: error }, "job lease release failed"));
  }
}
