/**
 * Meeting slots from a tutor's office hours, in the tutor's own timezone. Office hours are wall
 * clock times ("Tuesdays 10:00 to 12:00"), so each day's window is turned into instants through
 * Intl for that very day: a Monday after the October clock change starts an hour later in UTC than
 * the Friday before it. Pure functions: the database side is in `meetings.ts`.
 */
import { z } from "zod/v4";
import { isTimeZone, wallClock, zonedInstant, dateLabel, timeLabel, partsOf, NudgeError } from "../core/index.ts";

export { zonedInstant, timeLabel, dateLabel, whenLabel } from "../core/index.ts";

/** A meeting-domain refusal, worded to show the person who asked. */
export class MeetingError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "meeting_invalid";
}

export interface Slot {
  start: Date;
  end: Date;
}

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One weekly window, in minutes after local midnight. */
export interface OfficeHoursWindow {
  day: Weekday;
  from: number;
  to: number;
}

export interface SlotOptions {
  /** How many slots to offer (3). */
  count?: number;
  /** Length of a meeting (30). */
  minutes?: number;
  /** No slot sooner than this many hours from now (24). */
  noticeHours?: number;
  /** No slot later than this many days from now (14). */
  horizonDays?: number;
  /** Times the tutor is not free (booked meetings). */
  busy?: readonly Slot[];
  /** Named in errors ("Dr Okafor has no office hours configured"); default "the tutor". */
  tutorName?: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** When a busy time or the notice period moves a slot, it starts on a quarter hour of the window. */
const REALIGN_MS = 15 * MINUTE_MS;

// ---------------------------------------------------------------------------------------------
// Office hours: validated, with errors naming the field
// ---------------------------------------------------------------------------------------------

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const show = (value: unknown) => (value === undefined ? "nothing" : JSON.stringify(value));
/** Minutes after midnight; NaN for anything that is not a time. */
const minutesOf = (time: unknown) => {
  const match = typeof time === "string" ? TIME.exec(time) : null;
  return match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
};
const DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
/** "tue", "Tue" or "Tuesday". */
const dayOf = (value: string): Weekday | undefined => {
  const key = value.trim().toLowerCase();
  const index = DAY_NAMES.findIndex((name) => key === name || key === name.slice(0, 3));
  return index < 0 ? undefined : WEEKDAYS[index];
};

const notATime = (issue: { input?: unknown }) =>
  issue.input === undefined ? `missing: give a time like "10:00"` : `${show(issue.input)} is not a time (HH:MM, 24-hour clock)`;
const timeSchema = z.string({ error: notATime }).regex(TIME, { error: notATime });

const windowSchema = z
  .strictObject(
    {
      day: z
        .string({
          error: (issue) => (issue.input === undefined ? `missing: give a day like "tue"` : `${show(issue.input)} is not a day (${WEEKDAYS.join(", ")})`),
        })
        .refine((d) => dayOf(d) !== undefined, { error: (issue) => `${show(issue.input)} is not a day (${WEEKDAYS.join(", ")})` }),
      from: timeSchema,
      to: timeSchema,
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} (expected day, from, to)`
          : `${show(issue.input)} is not a window of office hours like {"day":"tue","from":"10:00","to":"12:00"}`,
    },
  )
  // Checked only once both are times (a malformed one has its own message).
  .refine((w) => !(minutesOf(w.to) <= minutesOf(w.from)), {
    path: ["to"],
    error: (issue) => `${show((issue.input as { to: string }).to)} is not after "from" (${(issue.input as { from: string }).from})`,
  });

const officeHoursSchema = z.array(windowSchema, {
  error: (issue) => `${show(issue.input)} is not a list of office hours like [{"day":"tue","from":"10:00","to":"12:00"}]`,
});

function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : `${text}.${String(part)}`), "officeHours");
}

/** The tutor's office hours, checked: MeetingError naming the field ("officeHours[1].from: …"), or none configured. */
export function parseOfficeHours(value: unknown, tutorName = "the tutor"): OfficeHoursWindow[] {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
    throw new MeetingError(
      `${tutorName} has no office hours configured: set them (e.g. [{"day":"tue","from":"10:00","to":"12:00"}]) before inviting a student to talk`,
      {
        plain: `${tutorName} has no office hours set in Nudge, so there are no times to offer. Nothing was sent: ask your Nudge administrator to set them (see "Meetings" in the tutors' guide).`,
      },
    );
  }
  const parsed = officeHoursSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MeetingError(`${fieldOf(issue.path)}: ${issue.message}`, {
      plain: `The office hours Nudge has for ${tutorName} can't be read, so there are no times to offer. Nothing was sent: ask your Nudge administrator to set them again.`,
    });
  }
  return parsed.data.map((w) => ({ day: dayOf(w.day)!, from: minutesOf(w.from), to: minutesOf(w.to) }));
}

// ---------------------------------------------------------------------------------------------
// Wall clock <-> instant in an IANA timezone
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Proposing slots
// ---------------------------------------------------------------------------------------------

const overlaps = (a: Slot, b: Slot) => a.start.getTime() < b.end.getTime() && b.start.getTime() < a.end.getTime();

/** `t` moved up to the next quarter hour counted from `base`. */
const realign = (t: number, base: number) => base + Math.ceil((t - base) / REALIGN_MS) * REALIGN_MS;

/**
 * The next free slots inside the office hours: not sooner than the notice period, not later than
 * the horizon, clear of busy times; spread over different days first (one a day), then filled in
 * time order. Returned in time order.
 */
export function proposeSlots(officeHours: unknown, timezone: string, now: Date, options: SlotOptions = {}): Slot[] {
  const { count = 3, minutes = 30, noticeHours = 24, horizonDays = 14, busy = [], tutorName } = options;
  const windows = parseOfficeHours(officeHours, tutorName);
  // An unknown timezone is refused before anything else.
  if (!isTimeZone(timezone)) throw new MeetingError(`timezone: ${show(timezone)} is not a known time zone (e.g. "Europe/London")`);
  if (!Number.isInteger(count) || count < 1) throw new MeetingError(`count: ${count} is not a number of slots`);
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 24 * 60) throw new MeetingError(`minutes: ${minutes} is not a meeting length in minutes`);
  const length = minutes * MINUTE_MS;
  const earliest = now.getTime() + noticeHours * HOUR_MS;
  const latest = now.getTime() + horizonDays * DAY_MS;

  const taken: Slot[] = [...busy];
  const byDay: Slot[][] = [];
  const today = wallClock(now, timezone);
  for (let offset = 0; offset <= horizonDays + 1; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const weekday = WEEKDAYS[date.getUTCDay()]!;
    const day: Slot[] = [];
    for (const window of windows.filter((w) => w.day === weekday).sort((a, b) => a.from - b.from)) {
      const open = zonedInstant(y, m, d, window.from, timezone).getTime();
      const close = zonedInstant(y, m, d, window.to, timezone).getTime();
      let cursor = earliest > open ? realign(earliest, open) : open;
      while (cursor + length <= close && cursor < latest) {
        const slot = { start: new Date(cursor), end: new Date(cursor + length) };
        const clashes = taken.filter((b) => overlaps(b, slot));
        if (clashes.length) {
          cursor = realign(Math.max(...clashes.map((b) => b.end.getTime())), open);
          continue;
        }
        day.push(slot);
        taken.push(slot);
        cursor += length;
      }
    }
    if (day.length) byDay.push(day);
  }

  const chosen: Slot[] = [];
  for (const day of byDay) if (chosen.length < count) chosen.push(day[0]!);
  const rest = byDay.flatMap((day) => day.slice(1)).sort((a, b) => a.start.getTime() - b.start.getTime());
  for (const slot of rest) if (chosen.length < count) chosen.push(slot);
  return chosen.sort((a, b) => a.start.getTime() - b.start.getTime());
}

// ---------------------------------------------------------------------------------------------
// Slots in words
// ---------------------------------------------------------------------------------------------

/** "Tuesday 3 December, 10:00 to 10:30", in the timezone. */
export function slotLabel(slot: Slot, timeZone: string): string {
  return `${dateLabel(slot.start, timeZone)}, ${timeLabel(slot.start, timeZone)} to ${timeLabel(slot.end, timeZone)}`;
}

/** "Tue 3 Dec 10:00": short enough for an SMS. */
export function shortSlotLabel(slot: Slot, timeZone: string): string {
  const p = partsOf(slot.start, timeZone);
  return `${p.weekday.slice(0, 3)} ${p.day} ${p.month.slice(0, 3)} ${p.hour}:${p.minute}`;
}

/** "1", "1 or 2", "1, 2 or 3". */
export function choicesInWords(choices: readonly number[]): string {
  const words = choices.map(String);
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}
