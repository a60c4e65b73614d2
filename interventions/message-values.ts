/**
 * The values a rule's message templates are filled with, and the plain-words explanation a student
 * gets when they ask "why did I get this?". Both come from the flag's evidence, so the message and
 * its explanation can never disagree.
 */
import { sourceActivity } from "../core/index.ts";
import type { FlagEvidence } from "../rules/index.ts";

const DAY_MONTH = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", timeZone: "UTC" });
const DAY_MONTH_YEAR = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

/** "2026-11-03" -> "3 November". */
export function dayInWords(isoDay: string, withYear = false): string {
  const date = new Date(`${isoDay}T00:00:00Z`);
  return (withYear ? DAY_MONTH_YEAR : DAY_MONTH).format(date);
}

export function sourcesInWords(sources: readonly string[]): string {
  const words = sources.map((s) => sourceActivity(s));
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

export interface Recipient {
  givenName: string | null;
  preferredName: string | null;
}

export function firstName(student: Recipient): string {
  return student.preferredName?.trim() || student.givenName?.trim() || "there";
}

/** "Sam Okoro" as staff see it (the preferred name first), or "" when no name is held. */
export function fullName(student: Recipient & { familyName: string | null }): string {
  return [student.preferredName?.trim() || student.givenName?.trim(), student.familyName?.trim()].filter(Boolean).join(" ");
}

/** Placeholder values (see rules/templates.ts PLACEHOLDERS) plus each metric the rule used. */
export function messageValues(evidence: FlagEvidence, student: Recipient, tutorName: string | null): Record<string, string | number> {
  const values: Record<string, string | number> = {
    first_name: firstName(student),
    tutor_name: tutorName ?? "your personal tutor",
    as_of_date: dayInWords(evidence.asOf),
    sources: sourcesInWords(Object.keys(evidence.sources)),
    rule_title: evidence.rule.title,
    last_vle_date: evidence.lastVleDate ? dayInWords(evidence.lastVleDate) : "some time ago",
  };
  for (const [name, metric] of Object.entries(evidence.metrics)) values[name] = metric.value ?? "unknown";
  return values;
}

/**
 * "Why did I get this?" in plain words: the rule, what it looked at, up to which day each source
 * had data. Metric values are included only where `withFigures` (Teams, inside the university's
 * tenant); SMS and email providers are processors and get the minimum (POLICY P13).
 */
export function explainEvidence(evidence: readonly FlagEvidence[], options: { withFigures: boolean }): string {
  if (evidence.length === 0) return "This message was not based on your engagement data: it was sent by a member of staff or in answer to you.";
  const parts = evidence.map((e) => {
    const lines = [`"${e.rule.title}" (looked at data up to ${dayInWords(e.asOf, true)}).`];
    const sources = Object.entries(e.sources).map(([source, state]) =>
      state.lastDataDay ? `${sourceActivity(source)} up to ${dayInWords(state.lastDataDay)}` : `${sourceActivity(source)} (none recorded)`,
    );
    if (sources.length) lines.push(`Data used: ${sources.join("; ")}.`);
    if (e.lastVleDate) lines.push(`Your last VLE activity we have is from ${dayInWords(e.lastVleDate)}.`);
    if (options.withFigures) {
      const figures = Object.values(e.metrics).map((m) => `${m.description}: ${m.value ?? "not known"}${m.unit && m.unit !== "count" ? ` ${m.unit}` : ""}`);
      if (figures.length) lines.push(`Figures: ${figures.join("; ")}.`);
    }
    return lines.join(" ");
  });
  return [
    `You got this message because of ${evidence.length === 1 ? "this check" : "these checks"}: ${parts.join(" ")}`,
    'It is an automatic check, not a judgement; data can be incomplete. Your personal tutor can talk it through, and you can reply "what data do you hold" for a copy of everything we keep.',
  ].join("\n");
}
