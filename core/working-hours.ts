/**
 * Staff working hours (weekdays, a window of the institution's clock): when a message that waits
 * for a person will be in front of one, and how to tell the student when that is.
 */
import { DAY_MS } from "./vocabulary.ts";
import { dateLabel, wallClock, zonedInstant } from "./zoned-time.ts";

export interface WorkingHours {
  /** Minutes after local midnight. */
  from: number;
  to: number;
}

export const DEFAULT_WORKING_HOURS: WorkingHours = { from: 9 * 60, to: 17 * 60 };

function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** `now` if it is inside working hours, else the start of the next working day's hours. */
export function nextWorkingInstant(now: Date, timeZone: string, hours: WorkingHours = DEFAULT_WORKING_HOURS): Date {
  const clock = wallClock(now, timeZone);
  for (let offset = 0; offset < 8; offset++) {
    const date = new Date(Date.UTC(clock.year, clock.month - 1, clock.day + offset));
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const day = weekday(y, m, d);
    if (day === 0 || day === 6) continue;
    if (offset === 0 && clock.minutes >= hours.to) continue;
    if (offset === 0 && clock.minutes >= hours.from) return now;
    return zonedInstant(y, m, d, hours.from, timeZone);
  }
  return now;
}

/** "today", "tomorrow" or "on Monday 7 December": when a message due at `due` is read, said at `now`. */
export function relativeDayInWords(due: Date, now: Date, timeZone: string): string {
  const [a, n] = [wallClock(due, timeZone), wallClock(now, timeZone)];
  const days = Math.round((Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(n.year, n.month - 1, n.day)) / DAY_MS);
  if (days <= 0) return "today";
  if (days === 1) return "tomorrow";
  return `on ${dateLabel(due, timeZone)}`;
}
