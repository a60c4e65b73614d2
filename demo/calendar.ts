/**
 * Day numbers and UK clock times. Day numbers are days since 1970-01-01 UTC, as stored in
 * EngagementDaily.day; timetables are set in UK local time, so BST is applied when converting.
 */
import { DAY_MS, HOUR_MS } from "../core/index.ts";

export { DAY_MS };

export function dayNumber(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

export function dayDate(day: number): Date {
  return new Date(day * DAY_MS);
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

export function isWeekend(day: number): boolean {
  return weekday(day) >= 5;
}

export function isoDay(day: number): string {
  return dayDate(day).toISOString().slice(0, 10);
}

/** Day number of the last Sunday of a month (BST starts and ends on those). */
function lastSunday(year: number, month: number): number {
  const last = dayNumber(new Date(Date.UTC(year, month + 1, 0)));
  return last - ((weekday(last) + 1) % 7);
}

/** British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. */
function ukOffsetMs(utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  const start = lastSunday(year, 2) * DAY_MS + HOUR_MS;
  const end = lastSunday(year, 9) * DAY_MS + HOUR_MS;
  return utcMs >= start && utcMs < end ? HOUR_MS : 0;
}

/** The UTC instant of a UK wall-clock time on a given day. */
export function ukTime(day: number, hour: number, minute = 0): Date {
  const wall = day * DAY_MS + hour * HOUR_MS + minute * 60_000;
  return new Date(wall - ukOffsetMs(wall - HOUR_MS));
}

/** UK academic years start in August/September: the year in which the one containing `day` began. */
export function academicYearStart(day: number): number {
  const date = dayDate(day);
  return date.getUTCMonth() >= 7 ? date.getUTCFullYear() : date.getUTCFullYear() - 1;
}

/** "2026-27" */
export function academicYearLabel(startYear: number): string {
  return `${startYear}-${String((startYear + 1) % 100).padStart(2, "0")}`;
}

/** The days of data: startDay..endDay inclusive. */
export interface Period {
  startDay: number;
  endDay: number;
  days: number;
}
