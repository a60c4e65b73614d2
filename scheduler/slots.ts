/**
 * Cron slots before and after a moment. node-cron fires the jobs but cannot look backwards, which
 * catch-up needs; croner computes both directions. Day-of-month and day-of-week are combined with
 * AND, as node-cron matches them, so both libraries agree on every slot.
 */
import { Cron } from "croner";

function pattern(schedule: string, timezone: string): Cron {
  return new Cron(schedule, { timezone, paused: true, domAndDow: true });
}

/** The latest slot strictly before `before`, or null when there is none. */
export function previousSlot(schedule: string, timezone: string, before: Date): Date | null {
  return pattern(schedule, timezone).previousRuns(1, before)[0] ?? null;
}

/** The first slot strictly after `after`, or null when there is none. */
export function nextSlot(schedule: string, timezone: string, after: Date): Date | null {
  return pattern(schedule, timezone).nextRun(after);
}
