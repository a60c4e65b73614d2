/**
 * Field validation shared by the parsers. Each check throws a `RowError` whose message names the
 * field and the value, so a parser can report "line 12: START_DATE '2017-13-12' is not a date".
 */
import { NudgeError, DAY_MS } from "../core/index.ts";

/** A bad value in one row; the parser reports it against the row's line and moves on. */
export class RowError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "row_invalid";
  constructor(message: string) {
    super(message);
  }
}

/** Shown in messages: long values are cut so one bad row cannot flood a report. */
export function shown(value: string): string {
  const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return `'${text}'`;
}

/** Blank, or OULAD's `?`, means "not recorded". */
export function isMissing(value: string | undefined, questionMarkMeansMissing = false): boolean {
  if (value === undefined) return true;
  const text = value.trim();
  return text === "" || (questionMarkMeansMissing && text === "?");
}

export function required(value: string | undefined, field: string): string {
  if (value === undefined || value.trim() === "") throw new RowError(`${field} is required`);
  return value.trim();
}

export function optional(value: string | undefined, questionMarkMeansMissing = false): string | null {
  return isMissing(value, questionMarkMeansMissing) ? null : value!.trim();
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number (days since 1970-01-01) of a calendar date, or null when it is not a real date. */
export function dayOfDate(text: string): number | null {
  const match = DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  // Date.UTC rolls 2017-13-12 over into 2018-01-12; a real date survives the round trip.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return ms / DAY_MS;
}

/** A calendar date (YYYY-MM-DD) as its day number. */
export function dateField(value: string | undefined, field: string): number {
  const text = required(value, field);
  const day = dayOfDate(text);
  if (day === null) throw new RowError(`${field} ${shown(text)} is not a date (YYYY-MM-DD)`);
  return day;
}

export function optionalDateField(value: string | undefined, field: string): number | null {
  return isMissing(value) ? null : dateField(value, field);
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A date or date-time (ISO 8601); one without an offset is taken as UTC. */
export function dateTimeField(value: string | undefined, field: string): Date {
  const text = required(value, field);
  if (!DATE_TIME.test(text) || dayOfDate(text.slice(0, 10)) === null) {
    throw new RowError(`${field} ${shown(text)} is not a date or date-time (ISO 8601)`);
  }
  const normalised = text.length === 10 ? `${text}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text.replace(" ", "T") : `${text.replace(" ", "T")}Z`;
  const date = new Date(normalised);
  if (Number.isNaN(date.getTime())) throw new RowError(`${field} ${shown(text)} is not a date or date-time (ISO 8601)`);
  return date;
}

export function integerField(value: string | undefined, field: string, range: { min?: number; max?: number } = {}): number {
  const text = required(value, field);
  if (!/^[+-]?\d+$/.test(text)) throw new RowError(`${field} ${shown(text)} is not a whole number`);
  const number = Number(text);
  if (range.min !== undefined && number < range.min) {
    throw new RowError(range.min === 0 ? `${field} ${shown(text)} is negative` : `${field} ${shown(text)} is below ${range.min}`);
  }
  if (range.max !== undefined && number > range.max) throw new RowError(`${field} ${shown(text)} is above ${range.max}`);
  return number;
}

export function numberField(value: string | undefined, field: string): number {
  const text = required(value, field);
  const number = Number(text);
  if (!Number.isFinite(number) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new RowError(`${field} ${shown(text)} is not a number`);
  }
  return number;
}

/** One of a code list; `codes` maps accepted codes (case-insensitive) to stored values. */
export function codeField<T>(value: string | undefined, field: string, codes: ReadonlyMap<string, T>, listName?: string): T {
  const text = required(value, field);
  const found = codes.get(text.toUpperCase());
  if (found === undefined) {
    const accepted = [...codes.keys()].slice(0, 12).join(", ");
    throw new RowError(`${field} ${shown(text)} is not in the ${listName ?? field} code list (${accepted}${codes.size > 12 ? ", ..." : ""})`);
  }
  return found;
}

/** The instant at 00:00 UTC of a day number (how date-only values are stored as DateTime). */
export function dateOfDay(day: number): Date {
  return new Date(day * DAY_MS);
}

export function dayOfInstant(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day an instant falls on in `timezone` (an 00:30 BST log-in counts for that day). */
export function localDayOf(date: Date, timezone: string): number {
  let format = dayFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timezone, format);
  }
  return dayOfDate(format.format(date))!;
}

export function isoDateOfDay(day: number): string {
  return dateOfDay(day).toISOString().slice(0, 10);
}
