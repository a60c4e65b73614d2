/** Calendar days as the institution sees them (day numbers, as stored). */
import { dayOfDate } from "../ingest/index.ts";

/** The day number of `date`'s calendar day in `timezone`. */
export function localDay(date: Date, timezone: string): number {
  // en-CA formats as YYYY-MM-DD.
  return dayOfDate(new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date))!;
}

/**
 * The day a run at `date` evaluates: the day before, the last one whose data is complete (feeds
 * arrive overnight).
 */
export function asOfDayFor(date: Date, timezone: string): number {
  return localDay(date, timezone) - 1;
}
