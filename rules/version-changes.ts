/**
 * What rolling a rule back would change, in plain lines for the admin confirming it: the
 * condition, who it looks at, what it sends and how, from the current version to the earlier one.
 */
import type { PeriodRef } from "./calendar.ts";
import type { RuleDocument } from "./validate.ts";

const CHANNEL_NAMES: Record<string, string> = { teams: "Teams", sms: "SMS", email: "email" };
const INTERVENTION_NAMES: Record<string, string> = {
  nudge: "a nudge to the student",
  invitation_to_talk: "an invitation to talk",
  referral: "a referral",
  escalation: "an escalation",
  staff_message: "a message to staff",
};

const quoted = (text: string) => `“${text.replace(/\s+/g, " ").trim()}”`;
const listed = (items: readonly string[]) => (items.length ? items.join(", ") : "none");

function cohortWords(cohort: RuleDocument["cohort"]): string {
  const parts: string[] = [];
  if (cohort?.programmes?.length) parts.push(`programmes ${cohort.programmes.join(", ")}`);
  if (cohort?.years?.length) parts.push(`year ${cohort.years.join(", ")}`);
  if (cohort?.modules?.length) parts.push(`modules ${cohort.modules.join(", ")}`);
  if (cohort?.tutorGroups?.length) parts.push(`tutor groups ${cohort.tutorGroups.join(", ")}`);
  if (cohort?.newStudents === true) parts.push("new students");
  else if (cohort?.newStudents) parts.push(`students who started in the last ${cohort.newStudents.withinDays} days`);
  return parts.length ? parts.join("; ") : "every student";
}

function periodWords(periods: readonly PeriodRef[] | undefined): string {
  return listed((periods ?? []).map((p) => (typeof p === "string" ? p : `${p.from} to ${p.to}`)));
}

function messageWords(messages: RuleDocument["messages"], channel: "teams" | "sms" | "email"): string {
  if (channel === "email") return messages.email ? `${quoted(messages.email.subject)}: ${quoted(messages.email.body)}` : "none";
  const text = messages[channel];
  return text ? quoted(text) : "none";
}

/**
 * One line per thing that differs between `current` and `restored` ("Condition: now `a`; after
 * the rollback `b`."), or a single line saying they are the same.
 */
export function versionChanges(current: RuleDocument, restored: RuleDocument): string[] {
  const lines: string[] = [];
  const compare = (label: string, now: string, after: string) => {
    if (now !== after) lines.push(`${label}: now ${now}; after the rollback ${after}.`);
  };
  compare("Title", quoted(current.title), quoted(restored.title));
  compare("Condition", `\`${current.condition}\``, `\`${restored.condition}\``);
  compare("Students it looks at", cohortWords(current.cohort), cohortWords(restored.cohort));
  compare(
    "What it does",
    `${current.significance === "nudge" ? "sends" : "suggests to tutors"} ${INTERVENTION_NAMES[current.intervention] ?? current.intervention}`,
    `${restored.significance === "nudge" ? "sends" : "suggests to tutors"} ${INTERVENTION_NAMES[restored.intervention] ?? restored.intervention}`,
  );
  compare("Channels", listed(current.channels.map((c) => CHANNEL_NAMES[c] ?? c)), listed(restored.channels.map((c) => CHANNEL_NAMES[c] ?? c)));
  for (const channel of ["teams", "sms", "email"] as const)
    compare(`${CHANNEL_NAMES[channel]!.replace(/^e/, "E")} message`, messageWords(current.messages, channel), messageWords(restored.messages, channel));
  compare("Cooldown", `${current.cooldownDays} days`, `${restored.cooldownDays} days`);
  compare("Active in", periodWords(current.activePeriods), periodWords(restored.activePeriods));
  compare("Skipped in", periodWords(current.skipPeriods), periodWords(restored.skipPeriods));
  compare("Description", quoted(current.description), quoted(restored.description));
  return lines.length ? lines : ["The two versions say the same thing: only the version number changes."];
}
