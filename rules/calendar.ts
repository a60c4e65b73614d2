/**
 * The academic calendar: named sets of dates (teaching, reading-weeks, holidays …) that rules
 * name in `activePeriods` and `skipPeriods`, so term dates are written once a year, not per rule.
 */
import { dayOfDate } from "../ingest/index.ts";

export interface PeriodRange {
  label?: string;
  from: string;
  to: string;
}

export interface CalendarDocument {
  calendar: string;
  description?: string;
  periods: Record<string, PeriodRange[]>;
}

export type PeriodRef = string | PeriodRange;

interface DayRange {
  label: string;
  from: number;
  to: number;
}

/** Problems with a range's dates: unreal dates, or ending before it starts. */
export function rangeProblem(range: PeriodRange): string | null {
  const from = dayOfDate(range.from);
  const to = dayOfDate(range.to);
  if (from === null) return `${range.from} is not a real date`;
  if (to === null) return `${range.to} is not a real date`;
  if (to < from) return `ends (${range.to}) before it starts (${range.from})`;
  return null;
}

/** The names a rule refers to that the calendar does not define. */
export function unknownPeriodNames(refs: readonly PeriodRef[] | undefined, calendar: CalendarDocument | null): string[] {
  return (refs ?? []).filter((ref): ref is string => typeof ref === "string" && !calendar?.periods[ref]);
}

function toDayRanges(refs: readonly PeriodRef[], calendar: CalendarDocument | null): DayRange[] {
  const ranges: DayRange[] = [];
  for (const ref of refs) {
    const list = typeof ref === "string" ? (calendar?.periods[ref] ?? []) : [ref];
    for (const range of list) {
      ranges.push({
        label: range.label ?? (typeof ref === "string" ? ref : `${range.from} to ${range.to}`),
        from: dayOfDate(range.from)!,
        to: dayOfDate(range.to)!,
      });
    }
  }
  return ranges;
}

export interface Activity {
  active: boolean;
  /** Why not, in words for the run report. */
  reason?: string;
}

/** Whether a rule with these periods runs on `day`. */
export function activeOn(
  periods: { activePeriods?: readonly PeriodRef[]; skipPeriods?: readonly PeriodRef[] },
  calendar: CalendarDocument | null,
  day: number,
): Activity {
  if (periods.activePeriods?.length) {
    const active = toDayRanges(periods.activePeriods, calendar);
    if (!active.some((r) => r.from <= day && day <= r.to)) {
      const names = periods.activePeriods.map((ref) => (typeof ref === "string" ? ref : (ref.label ?? `${ref.from} to ${ref.to}`)));
      return { active: false, reason: `outside its active periods (${names.join(", ")})` };
    }
  }
  const skip = toDayRanges(periods.skipPeriods ?? [], calendar).find((r) => r.from <= day && day <= r.to);
  if (skip) return { active: false, reason: `in a skipped period (${skip.label})` };
  return { active: true };
}

/** The first and last day any of a calendar's periods cover, or null when it has none. */
export function calendarSpan(calendar: CalendarDocument): { from: number; to: number } | null {
  let from = Infinity;
  let to = -Infinity;
  for (const ranges of Object.values(calendar.periods ?? {})) {
    for (const range of ranges) {
      const start = dayOfDate(range.from);
      const end = dayOfDate(range.to);
      if (start !== null) from = Math.min(from, start);
      if (end !== null) to = Math.max(to, end);
    }
  }
  return from <= to ? { from, to } : null;
}
