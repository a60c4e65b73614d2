/** What a scheduled job is, what each run of it is told, and what it gives back. */

/** Why a run started: its cron slot came, it was missed while no instance was up, or someone asked. */
export type JobTrigger = "schedule" | "catch_up" | "manual";

export interface JobContext {
  /**
   * The slot the run is for: the cron time for scheduled and catch-up runs, the start time for
   * manual ones. A job evaluates "as of" this time, so a late catch-up does yesterday's work.
   */
  scheduledFor: Date;
  trigger: JobTrigger;
}

/** A run's figures (counts, ids; nothing personal): kept as the run record's summary. */
export type JobFigures = Record<string, unknown>;

/** Returned by a job that decided not to do its work this time (e.g. a stale feed), saying why. */
export class JobSkipped {
  constructor(
    readonly reason: string,
    readonly figures: JobFigures = {},
  ) {}
}

export interface ScheduledJob {
  /** Unique, stable: leases and run records are keyed by it. */
  name: string;
  /** One line for `nudge jobs list`. */
  description: string;
  /** Cron expression in the institution's timezone, e.g. "15 3 * * *" (6 fields: seconds first). */
  schedule: string;
  /** Whether a slot missed while the service was down is run once at start. */
  catchUp: boolean;
  run(context: JobContext): Promise<JobFigures | JobSkipped>;
}
