/**
 * Wall-clock time in a named timezone (the institution's, a tutor's, a student's): what a clock
 * there reads at an instant, and the instant it reads a given time, exact across clock changes.
 * Hand-written on Intl because the few operations needed here are small and a date library would
 * bring its own timezone data to keep current; Node's ICU is updated with Node.
 */
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The institution's timezone unless NUDGE_TIMEZONE says otherwise (the configuration's default). */
export const DEFAULT_TIMEZONE = "Europe/London";

/** Whether Intl knows the timezone (e.g. "Europe/London"). */
export function isTimeZone(timeZone: string): boolean {
  try {
    clockOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

const clocks = new Map<string, Intl.DateTimeFormat>();

function clockOf(timeZone: string): Intl.DateTimeFormat {
  let clock = clocks.get(timeZone);
  if (!clock) {
    try {
      clock = new Intl.DateTimeFormat("en-GB", {
        timeZone,
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      });
    } catch {
      throw new RangeError(`timezone: "${timeZone}" is not a known time zone (e.g. "Europe/London")`);
    }
    clocks.set(timeZone, clock);
  }
  return clock;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  /** Minutes after local midnight. */
  minutes: number;
}

export function wallClock(at: Date, timeZone: string): WallClock {
  const parts = clockOf(timeZone).formatToParts(at);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: value("year"), month: value("month"), day: value("day"), minutes: value("hour") * 60 + value("minute") };
}

/** Minutes the zone is ahead of UTC at `at`. */
function offsetMinutes(at: number, timeZone: string): number {
  const wall = wallClock(new Date(at), timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day) + wall.minutes * MINUTE_MS;
  return Math.round((asUtc - Math.floor(at / MINUTE_MS) * MINUTE_MS) / MINUTE_MS);
}

/**
 * The instant a clock in `timeZone` reads `minutes` on the given day. A time that happens twice
 * (autumn) is the first; a time that never happens (the hour skipped in spring) is read as if the
 * clock had not jumped yet, i.e. the same distance after the jump.
 */
export function zonedInstant(year: number, month: number, day: number, minutes: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day) + minutes * MINUTE_MS;
  // At most one clock change within a day either side: the offsets before and after it.
  const offsets = [...new Set([offsetMinutes(wall - DAY_MS, timeZone), offsetMinutes(wall + DAY_MS, timeZone)])];
  const candidates = offsets.map((offset) => wall - offset * MINUTE_MS);
  const exact = candidates.filter((t) => {
    const seen = wallClock(new Date(t), timeZone);
    return seen.year === year && seen.month === month && seen.day === day && seen.minutes === minutes;
  });
  if (exact.length) return new Date(Math.min(...exact));
  return new Date(wall - Math.min(...offsets) * MINUTE_MS);
}

const labelFormats = new Map<string, Intl.DateTimeFormat>();

export function partsOf(at: Date, timeZone: string): Record<"weekday" | "day" | "month" | "hour" | "minute", string> {
  const key = timeZone;
  let format = labelFormats.get(key);
  if (!format) {
    clockOf(timeZone);
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      weekday: "long",
      day: "numeric",
      month: "long",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    labelFormats.set(key, format);
  }
  const parts = format.formatToParts(at);
  const value = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { weekday: value("weekday"), day: value("day"), month: value("month"), hour: value("hour"), minute: value("minute") };
}

/** "10:00", in the timezone. */
export function timeLabel(at: Date, timeZone: string): string {
  const p = partsOf(at, timeZone);
  return `${p.hour}:${p.minute}`;
}

/** "Tuesday 3 December", in the timezone. */
export function dateLabel(at: Date, timeZone: string): string {
  const p = partsOf(at, timeZone);
  return `${p.weekday} ${p.day} ${p.month}`;
}

/** "today at 10:00", "tomorrow at 10:00" or "on Tuesday 3 December at 10:00", as the clock in the timezone reads at `now`. */
export function whenLabel(at: Date, now: Date, timeZone: string): string {
  const [a, n] = [wallClock(at, timeZone), wallClock(now, timeZone)];
  const days = Math.round((Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(n.year, n.month - 1, n.day)) / DAY_MS);
  const time = timeLabel(at, timeZone);
  if (days === 0) return `today at ${time}`;
  if (days === 1) return `tomorrow at ${time}`;
  return `on ${dateLabel(at, timeZone)} at ${time}`;
}
