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

// Unicode category Cc (C0, DEL, C1) without the tab, which a quoted CSV field may hold.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const SHOWN_CONTROLS = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const hex4 = (ch: string) => ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");

/**
 * Shown in messages: long values are cut so one bad row cannot flood a report, and control
 * characters are written as \uXXXX so a NUL or an escape sequence cannot corrupt a report or a terminal.
 */
export function shown(value: string): string {
  const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return `'${escapeControls(text)}'`;
}

/**
 * Control characters and lone surrogates as \uXXXX: for a name shown in a message without quotes,
 * and for any message kept in a batch record (PostgreSQL's JSON refuses NUL and lone surrogates).
 */
export function escapeControls(text: string): string {
  return text.replace(SHOWN_CONTROLS, (ch) => `\\u${hex4(ch)}`);
}

/**
 * What no database text can hold, or null: NUL (PostgreSQL refuses it, in text and in JSON) and
 * lone surrogates (no UTF-8 for them). Free text may hold other control characters (line breaks).
 */
export function unstorableCharacters(value: string): string | null {
  if (value.includes("\0")) return "contains control character U+0000 (NUL)";
  if (LONE_SURROGATE.test(value)) return "is not well-formed Unicode (a lone surrogate)";
  return null;
}

/**
 * Why a value may not be stored as written, or null. A control character has no place in an
 * identifier, a code or a name (PostgreSQL refuses NUL, C code stops at it, an escape sequence
 * rewrites a terminal); a lone surrogate cannot be written as UTF-8 at all.
 */
export function controlCharacterProblem(value: string, field: string): string | null {
  const reason = unfitCharacters(value);
  return reason === null ? null : `${field} ${shown(value)} ${reason}`;
}

/** What `controlCharacterProblem` says is wrong with `value` ("contains control character U+0000 (NUL)"), or null. */
export function unfitCharacters(value: string): string | null {
  const at = value.search(CONTROL);
  if (at !== -1) return `contains control character U+${hex4(value[at]!)}${value[at] === "\0" ? " (NUL)" : ""}`;
  if (LONE_SURROGATE.test(value)) return "is not well-formed Unicode (a lone surrogate)";
  return null;
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
