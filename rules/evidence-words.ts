/**
 * A flag's evidence in plain words, one phrase per thing the rule looked at, for the student's
 * "why did I get this?" and the tutor's cards: "we haven't seen you on the VLE since 3 November",
 * "you've been to 2 of your last 6 sessions". No catalogue definitions, no units, no repeats (two
 * flags that looked at the same metric give one phrase).
 *
 * Three registers: `student` (Teams, inside the university: figures and dates), `student-minimal`
 * (SMS and email, which pass through processors: neither figures nor dates, POLICY P13), and
 * `staff` (short, with figures).
 */
import type { FlagEvidence } from "./flags.ts";

export type Register = "student" | "student-minimal" | "staff";

const DAY_MONTH = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", timeZone: "UTC" });
const DAY_MON = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });

function day(iso: string, short = false): string {
  return (short ? DAY_MON : DAY_MONTH).format(new Date(`${iso}T00:00:00Z`));
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** By SMS and email every VLE measure says the same: the figures and dates stay in Teams. */
const VLE_MINIMAL = "we haven't seen much of you on the VLE recently";

const FAMILY =
  /^(vle_days_since_last|library_days_since_last|any_days_since_last|consecutive_absences|days_since_start|first_week_vle_events|vle_events|vle_active_days|vle_change|vle_percentile_prev|vle_percentile|attendance_rate|sessions_expected|absences|submissions_missed|submissions_late|submissions_due|library_visits)(?:_(\d+)d)?$/;

interface Reading {
  family: string;
  n: number;
  value: number;
}

/** What one metric says, or null when it adds nothing on its own (a denominator, a start date). */
function phrase(reading: Reading, all: ReadonlyMap<string, Reading>, evidence: FlagEvidence, register: Register): string | null {
  const { family, n, value: v } = reading;
  const minimal = register === "student-minimal";
  const staff = register === "staff";
  switch (family) {
    case "vle_days_since_last":
      if (minimal) return VLE_MINIMAL;
      if (staff) return `No VLE activity for ${plural(v, "day")}${evidence.lastVleDate ? ` (last ${day(evidence.lastVleDate, true)})` : ""}`;
      return evidence.lastVleDate
        ? `we haven't seen you on the VLE since ${day(evidence.lastVleDate)}`
        : `we haven't seen you on the VLE for ${plural(v, "day")}`;
    case "any_days_since_last":
      if (minimal) return "we haven't seen much activity from you recently";
      if (staff) return `No recorded engagement for ${plural(v, "day")}`;
      return `we haven't seen any activity from you (the VLE, sessions, the library or coursework) for ${plural(v, "day")}`;
    case "library_days_since_last":
      if (minimal) return "you haven't used the library much recently";
      return staff ? `No library use for ${plural(v, "day")}` : `you haven't used the library for ${plural(v, "day")}`;
    case "vle_events":
      if (minimal) return VLE_MINIMAL;
      if (staff) return `${plural(v, "VLE event")} in ${n} days`;
      return v === 0
        ? `we haven't seen you on the VLE in the last ${plural(n, "day")}`
        : `we've seen only ${plural(v, "bit")} of activity from you on the VLE in the last ${plural(n, "day")}`;
    case "vle_active_days":
      if (minimal) return VLE_MINIMAL;
      return staff ? `On the VLE ${v} of the last ${n} days` : `you've been on the VLE on ${v} of the last ${plural(n, "day")}`;
    case "vle_change": {
      if (minimal) return VLE_MINIMAL;
      const percent = Math.round(v * 100);
      if (staff)
        return v === 0 ? `No VLE activity in the last ${plural(n, "day")} (usually active)` : `VLE activity at ${percent}% of their usual (last ${n} days)`;
      return v === 0
        ? `you haven't been on the VLE in the last ${plural(n, "day")}, when you usually are`
        : `your activity on the VLE in the last ${plural(n, "day")} is about ${percent}% of what it usually is`;
    }
    case "vle_percentile":
      if (minimal) return VLE_MINIMAL;
      return staff
        ? `VLE activity in the lowest ${Math.max(1, Math.round(v))}% of their cohort (last ${n} days)`
        : `your activity on the VLE in the last ${plural(n, "day")} is lower than most of your course-mates'`;
    case "vle_percentile_prev":
      if (all.has("vle_percentile")) return null;
      if (minimal) return VLE_MINIMAL;
      return staff
        ? `VLE activity low in the cohort the ${n} days before, too`
        : `your activity on the VLE was lower than most of your course-mates' for a while before that too`;
    case "attendance_rate": {
      if (minimal) return "you've missed some of your sessions recently";
      const expected = all.get("sessions_expected")?.value;
      if (expected !== undefined && expected > 0) {
        const attended = Math.round(v * expected);
        return staff
          ? `${attended} of ${plural(expected, "session")} attended (last ${n} days)`
          : `you've been to ${attended} of your last ${plural(expected, "session")}`;
      }
      const percent = Math.round(v * 100);
      return staff
        ? `${percent}% of sessions attended (last ${n} days)`
        : `you've been to about ${percent}% of your timetabled sessions in the last ${plural(n, "day")}`;
    }
    case "absences":
      if (minimal) return "you've missed some of your sessions recently";
      return staff ? `${plural(v, "session")} missed (last ${n} days)` : `you've missed ${plural(v, "session")} in the last ${plural(n, "day")}`;
    case "consecutive_absences":
      if (minimal) return "you've missed some of your sessions recently";
      return staff ? `Missed the last ${plural(v, "session")} in a row` : `you've missed your last ${plural(v, "session")}`;
    case "submissions_missed":
      if (minimal) return v === 1 ? "a piece of coursework hasn't been handed in yet" : "some coursework hasn't been handed in yet";
      if (staff) return `${plural(v, "assessment")} due in the last ${n} days not submitted`;
      return v === 1
        ? `a piece of coursework due in the last ${plural(n, "day")} hasn't been handed in yet`
        : `${v} pieces of coursework due in the last ${plural(n, "day")} haven't been handed in yet`;
    case "submissions_late":
      if (minimal) return "some coursework was handed in late recently";
      return staff
        ? `${plural(v, "late submission")} (last ${n} days)`
        : `${v === 1 ? "a piece of coursework was" : `${v} pieces of coursework were`} handed in late in the last ${plural(n, "day")}`;
    case "library_visits":
      if (minimal) return "you haven't used the library much recently";
      if (staff) return `${plural(v, "library visit")} in ${n} days`;
      return v === 0
        ? `you haven't used the library in the last ${plural(n, "day")}`
        : `you've used the library ${plural(v, "time")} in the last ${plural(n, "day")}`;
    case "first_week_vle_events":
      if (minimal) return VLE_MINIMAL;
      if (staff) return `${plural(v, "VLE event")} in their first week`;
      return v === 0 ? "we didn't see you on the VLE in your first week" : `we saw only ${plural(v, "bit")} of activity from you on the VLE in your first week`;
    default:
      // sessions_expected, submissions_due, days_since_start: context for another phrase.
      return null;
  }
}

/** The distinct phrases of a student's open flags, most telling first, each said once. */
export function evidencePhrases(evidence: readonly FlagEvidence[], register: Register): string[] {
  const phrases: string[] = [];
  for (const e of evidence) {
    const readings = new Map<string, Reading>();
    for (const [name, metric] of Object.entries(e.metrics)) {
      const m = FAMILY.exec(name);
      if (!m || metric.value === null || metric.value === undefined) continue;
      readings.set(m[1]!, { family: m[1]!, n: m[2] ? Number(m[2]) : 0, value: metric.value });
    }
    for (const reading of readings.values()) {
      const text = phrase(reading, readings, e, register);
      if (text && !phrases.includes(text)) phrases.push(text);
    }
  }
  return phrases;
}

/** "a, b and c". */
export function joinPhrases(phrases: readonly string[]): string {
  return phrases.length <= 1 ? (phrases[0] ?? "") : `${phrases.slice(0, -1).join(", ")} and ${phrases.at(-1)}`;
}

/** One line for staff: "No VLE activity for 12 days (last 3 Nov); 2 of 6 sessions attended (last 14 days)". */
export function staffEvidenceLine(evidence: readonly FlagEvidence[]): string {
  return evidencePhrases(evidence, "staff").join("; ");
}
