/**
 * What a safeguarding contact or a tutor receives: the same facts as a Teams card (with the
 * "I'm handling this" button) and as an email (with a signed acknowledgement link). The student's
 * own words are included: the person alerted needs them to judge what to do.
 */
import { safeguardingAlertCard, type SafeguardingAlertCardData } from "../adaptive-cards/index.ts";
import type { Channel } from "../prisma/index.ts";
import { dateLabel, timeLabel } from "../core/index.ts";
import type { CrisisReason, DistressReason } from "./screen.ts";

export interface AlertFacts {
  concernId: number;
  level: "crisis" | "distress";
  reasons: readonly string[];
  student: { name: string; number: string; programme: string | null; tutor: string | null; mobile: string | null; email: string | null };
  message: string;
  channel: Channel;
  receivedAt: Date;
  told: string;
  /** "Acknowledged by … at …", once someone has. */
  acknowledged?: string | null;
  /** Sent again because nobody acknowledged it in time. */
  escalated?: boolean;
}

const REASON_WORDS: Record<CrisisReason | DistressReason, string> = {
  suicidal: "suicidal thoughts",
  self_harm: "self-harm",
  overdose: "an overdose",
  danger: "being in danger",
  abuse: "abuse or assault",
  bereavement: "a bereavement",
  mental_health: "their mental health",
  not_coping: "not coping",
  illness: "illness",
  money: "money worries",
  housing: "housing",
  caring: "caring responsibilities",
  loneliness: "loneliness or harassment",
  hard_times: "a hard time at home or in their life",
};

const CHANNEL_WORDS: Record<Channel, string> = { teams: "in Teams", sms: "by text message", email: "by email" };

function reasonsInWords(reasons: readonly string[]): string | null {
  const words = reasons.map((r) => REASON_WORDS[r as CrisisReason] ?? null).filter((w): w is string => w !== null);
  if (words.length === 0) return null;
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

export function alertTitle(facts: Pick<AlertFacts, "level" | "escalated">): string {
  const title = facts.level === "crisis" ? "Urgent: a student may be at risk" : "A student is going through a hard time";
  return facts.escalated ? `Not yet acknowledged. ${title}` : title;
}

function summaryOf(facts: AlertFacts): string {
  const about = reasonsInWords(facts.reasons);
  if (facts.level === "crisis") {
    return `${about ? `Their message suggests ${about}. ` : "Their message could mean they are at risk. "}Please contact them as soon as you can, and press "I'm handling this" so others know. If you can't reach them and think they are in danger, follow the university's emergency procedure.`;
  }
  return `${about ? `Their message mentions ${about}. ` : ""}Please get in touch with them today if you can; you can record extenuating circumstances with the card.`;
}

function receivedInWords(facts: AlertFacts, timeZone: string): string {
  return `${dateLabel(facts.receivedAt, timeZone)}, ${timeLabel(facts.receivedAt, timeZone)}, ${CHANNEL_WORDS[facts.channel]}`;
}

export function alertCardData(facts: AlertFacts, timeZone: string): SafeguardingAlertCardData {
  const notKnown = "not on record";
  return {
    concernId: facts.concernId,
    level: facts.level,
    title: alertTitle(facts),
    summary: summaryOf(facts),
    student: {
      name: facts.student.name,
      number: facts.student.number,
      programme: facts.student.programme ?? notKnown,
      tutor: facts.student.tutor ?? "none on record",
      mobile: facts.student.mobile ?? notKnown,
      email: facts.student.email ?? notKnown,
    },
    received: receivedInWords(facts, timeZone),
    message: facts.message,
    told: facts.told,
    acknowledged: facts.acknowledged ?? null,
  };
}

export function alertCard(facts: AlertFacts, timeZone: string): object {
  return safeguardingAlertCard(alertCardData(facts, timeZone));
}

/** The email: the same facts as plain text, and how to acknowledge. */
export function alertEmail(facts: AlertFacts, timeZone: string, acknowledgeUrl: string | null): { subject: string; text: string } {
  const card = alertCardData(facts, timeZone);
  const subject = `${facts.level === "crisis" ? "URGENT: " : ""}${alertTitle(facts)} (${facts.student.number})`;
  const text = [
    card.summary,
    "",
    `Student: ${card.student.name} (${card.student.number})`,
    `Course: ${card.student.programme}`,
    `Personal tutor: ${card.student.tutor}`,
    `Mobile: ${card.student.mobile}`,
    `Email: ${card.student.email}`,
    `Received: ${card.received}`,
    "",
    "What they wrote:",
    facts.message
      .split("\n")
      .map((line) => `> ${line}`)
      .join("\n"),
    "",
    `What Nudge told them: ${facts.told}`,
    "",
    acknowledgeUrl
      ? `When you are handling it, acknowledge it here so others know: ${acknowledgeUrl}`
      : "When you are handling it, acknowledge it in Teams (the Nudge app) so others know.",
    facts.level === "crisis" ? "Unacknowledged crisis alerts go to the next safeguarding contacts." : "",
  ]
    .filter((line, i, all) => !(line === "" && all[i - 1] === ""))
    .join("\n")
    .trim();
  return { subject, text };
}
