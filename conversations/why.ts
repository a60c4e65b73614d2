/**
 * "Why did I get this?" in two or three short sentences a student understands: what we noticed,
 * that it is an automatic check and not a judgement, and who to talk to. By SMS and email, which
 * pass through processors, there are no figures and no dates, and an SMS stays within two
 * segments (POLICY P13).
 */
import type { ChannelName } from "../core/index.ts";
import { say } from "../core/index.ts";

import { evidencePhrases, joinPhrases } from "../rules/index.ts";
import type { FlagEvidence } from "../rules/index.ts";
import { smsSegmentsOf } from "../rules/index.ts";
import { dayInWords } from "../interventions/index.ts";

export const MAX_WHY_SMS_SEGMENTS = 2;

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function explainWhy(evidence: readonly FlagEvidence[], channel: ChannelName, tutorName: string | null): string {
  if (evidence.length === 0) return say("why_no_evidence");
  const detailed = channel === "teams";
  const phrases = evidencePhrases(evidence, detailed ? "student" : "student-minimal");
  const closing = detailed || channel === "email" ? say("why_closing", { tutor: tutorName ?? "your personal tutor" }) : say("why_closing_sms");
  const titles = [...new Set(evidence.map((e) => e.rule.title))];
  const latest = evidence
    .map((e) => e.asOf)
    .sort()
    .at(-1)!;
  // Which check it was: by name in Teams and email (the admin's own words), with the day in Teams.
  const check =
    channel === "sms" || titles.length !== 1
      ? ""
      : ` ${detailed ? say("why_check_detailed", { title: titles[0]!, day: dayInWords(latest) }) : say("why_check", { title: titles[0]! })}`;
  const compose = (shown: readonly string[]) =>
    `${shown.length ? `We sent it because ${joinPhrases(shown)}.` : "We sent it because of a routine check of your engagement data."}${check} ${closing}`;
  if (channel !== "sms") return compose(phrases.slice(0, 3));
  // Drop the least telling phrases until the text fits in two segments.
  for (let n = Math.min(phrases.length, 2); n >= 0; n--) {
    const text = compose(phrases.slice(0, n));
    if (smsSegmentsOf(text).segments <= MAX_WHY_SMS_SEGMENTS || n === 0) return capitalised(text);
  }
  return compose([]);
}
