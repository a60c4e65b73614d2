/**
 * Periods as calendar days in the institution's timezone. Day numbers are days since 1970-01-01,
 * as stored in EngagementDaily and Flag.day; instants (for DateTime columns) are the local
 * midnights that bound those days.
 *
 * "In the last N days" of engagement data is the N whole days before today: feeds arrive
 * overnight, so today has no data yet. Things Nudge and staff do (flags raised, messages sent,
 * meetings, tutors' verdicts) count on the day they happened, and their "last N days" ends today
 * (`resolveEventPeriod`): this morning's rules run and a verdict given an hour ago are already
 * recorded. "This week" (Monday first) and "this month" run to today for both.
 */
import { DAY_MS } from "../core/index.ts";
import { localDay } from "../rules/index.ts";
import type { Period } from "./questions.ts";

export { DAY_MS };

/** Inclusive range of day numbers. */
export interface DayRange {
  from: number;
  to: number;
}

export const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** "16 Nov" (the year when it is not `thisYear`). */
export function shortDay(day: number, withYear = false): string {
  const date = new Date(day * DAY_MS);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}${withYear ? ` ${date.getUTCFullYear()}` : ""}`;
}

/** Monday of the week holding `day` (1970-01-05 was a Monday). */
export const mondayOf = (day: number) => day - ((((day - 4) % 7) + 7) % 7);

function firstOfMonth(day: number, monthsBack = 0): number {
  const date = new Date(day * DAY_MS);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - monthsBack, 1) / DAY_MS;
}

/** The same day of the month `months` earlier (clamped to that month's length). */
function monthsBefore(day: number, months: number): number {
  const date = new Date(day * DAY_MS);
  const first = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, 1);
  const length = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months + 1, 0)).getUTCDate();
  return (first + (Math.min(date.getUTCDate(), length) - 1) * DAY_MS) / DAY_MS;
}

/**
 * The lengths, in days, that "the last N days / weeks / months" are rounded to in answers that
 * count students: with any N, two neighbouring periods (5 and 6 days) differ by the few students
 * last active on one day, and their difference singles them out. On this grid, nearby questions
 * get the same period, and the few that still nest are handled by releases.ts.
 */
export const PERIOD_GRID = [7, 14, 28, 56, 91, 182, 364] as const;

/** The period on the grid nearest to `period` (ties go to the longer); calendar periods and "the last day" are kept. */
export function snapPeriod(period: Period): Period {
  const days =
    period.kind === "last_days"
      ? period.days
      : period.kind === "last_weeks"
        ? 7 * period.weeks
        : period.kind === "last_months"
          ? Math.round((period.months * 365.25) / 12)
          : null;
  // The last day is yesterday, a calendar period anyway.
  if (days === null || days === 1) return period;
  let best: number = PERIOD_GRID[0];
  for (const length of PERIOD_GRID) if (Math.abs(length - days) <= Math.abs(best - days)) best = length;
  if (best === days && period.kind !== "last_months") return period;
  return period.kind === "last_days" ? { kind: "last_days", days: best } : { kind: "last_weeks", weeks: best / 7 };
}

/**
 * Terms, oldest first: the academic calendar's teaching periods (`teaching`, or `terms` /
 * `semesters` when it names them so), each from its first to its last day. Empty when there is no
 * calendar or it names none: then terms are fixed months (autumn August–December, spring
 * January–March, summer April–July), the same terms the holdout draws by.
 */
export type Terms = readonly DayRange[];

export function termsOf(calendar: { periods: Record<string, readonly { from: string; to: string }[]> } | null): DayRange[] {
  const named = calendar ? (calendar.periods.teaching ?? calendar.periods.terms ?? calendar.periods.semesters ?? []) : [];
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
  return named
    .map((r) => ({ from: day(r.from), to: day(r.to) }))
    .filter((r) => Number.isInteger(r.from) && Number.isInteger(r.to) && r.from <= r.to)
    .sort((a, b) => a.from - b.from);
}

/** The fixed-month term holding `day`. */
function fixedTerm(day: number): DayRange {
  const date = new Date(day * DAY_MS);
  const [year, month] = [date.getUTCFullYear(), date.getUTCMonth()];
  const [start, end] = month >= 7 ? [7, 12] : month >= 3 ? [3, 7] : [0, 3];
  return { from: Date.UTC(year, start, 1) / DAY_MS, to: Date.UTC(year, end, 1) / DAY_MS - 1 };
}

/**
 * "This term": from the start of the term holding today (or, between terms, the last one) to today
 * or the term's end; "last term": the whole term before it.
 */
function termPeriod(kind: "this_term" | "last_term", today: number, terms: Terms): DayRange {
  const started = terms.filter((t) => t.from <= today);
  if (started.length) {
    const current = started[started.length - 1]!;
    if (kind === "this_term") return { from: current.from, to: Math.min(today, current.to) };
    if (started.length > 1) return started[started.length - 2]!;
    return fixedTerm(current.from - 1);
  }
  const current = fixedTerm(today);
  return kind === "this_term" ? { from: current.from, to: today } : fixedTerm(current.from - 1);
}

export function resolvePeriod(period: Period, today: number, terms: Terms = []): DayRange {
  switch (period.kind) {
    case "this_term":
    case "last_term":
      return termPeriod(period.kind, today, terms);
    case "last_days":
      return { from: today - period.days, to: today - 1 };
    case "last_weeks":
      return { from: today - 7 * period.weeks, to: today - 1 };
    case "last_months":
      return { from: monthsBefore(today, period.months), to: today - 1 };
    case "today":
      return { from: today, to: today };
    case "yesterday":
      return { from: today - 1, to: today - 1 };
    case "this_week":
      return { from: mondayOf(today), to: today };
    case "last_week":
      return { from: mondayOf(today) - 7, to: mondayOf(today) - 1 };
    case "this_month":
      return { from: firstOfMonth(today), to: today };
    case "last_month":
      return { from: firstOfMonth(today, 1), to: firstOfMonth(today) - 1 };
  }
}

/**
 * The days of a period for things Nudge and staff do: a rolling period ends today rather than
 * yesterday, so that a Monday's "flagged in the last 7 days" includes that morning's run, as the
 * tutors' digests did. Calendar periods are as `resolvePeriod`.
 */
export function resolveEventPeriod(period: Period, today: number, terms: Terms = []): DayRange {
  const range = resolvePeriod(period, today, terms);
  const rolling = period.kind === "last_days" || period.kind === "last_weeks" || period.kind === "last_months";
  return rolling ? { from: range.from + 1, to: range.to + 1 } : range;
}

/** Offset of `timezone` from UTC at `at`, in ms (positive east of Greenwich). */
function offsetMs(at: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(at / 1000) * 1000;
}

/** The instant local midnight starts day `day` in `timezone`. */
export function startOfDay(day: number, timezone: string): Date {
  const guess = day * DAY_MS;
  let at = guess - offsetMs(guess, timezone);
  // Across a clock change the offset at the guess and at midnight differ: look again.
  const second = offsetMs(at, timezone);
  if (second !== offsetMs(guess, timezone)) at = guess - second;
  return new Date(at);
}

/** The instants bounding a range of days: [from, until). */
export function instants(range: DayRange, timezone: string): { from: Date; until: Date } {
  return { from: startOfDay(range.from, timezone), until: startOfDay(range.to + 1, timezone) };
}

export function today(now: Date, timezone: string): number {
  return localDay(now, timezone);
}

/**
 * Weeks are 7-day blocks counted back from the end of the period (block 0 ends on `to`), so a
 * trend over "the last 6 weeks" compares whole weeks and its newest point is as fresh as the data.
 * Only the oldest block can be short.
 */
export interface Block {
  index: number;
  from: number;
  to: number;
  days: number;
}

export function blocksOf(range: DayRange): Block[] {
  const count = Math.ceil((range.to - range.from + 1) / 7);
  const blocks: Block[] = [];
  for (let index = count - 1; index >= 0; index--) {
    const to = range.to - 7 * index;
    const from = Math.max(range.from, to - 6);
    blocks.push({ index, from, to, days: to - from + 1 });
  }
  return blocks;
}

export function blockLabel(block: Block): string {
  return `${shortDay(block.from)}–${shortDay(block.to)}`;
}

export function rangeLabel(range: DayRange): string {
  return range.from === range.to ? shortDay(range.from, true) : `${shortDay(range.from)} – ${shortDay(range.to, true)}`;
}
