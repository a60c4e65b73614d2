/**
 * What a student's reply means, from a documented set of phrasings (README: "What you can reply").
 * Deterministic on purpose: the same words always do the same thing, a student can be told exactly
 * what works, and nothing they write leaves the service for a language model.
 */
import type { ReplyClass } from "../generated/sqlite/enums.ts";

export interface Classified {
  classification: ReplyClass;
  /** For "pause": how long, in days. */
  pauseDays?: number;
}

const PATTERNS: ReadonlyArray<[ReplyClass, RegExp]> = [
  // Order matters: "stop" and "pause" before "help" ("stop, I don't need help"), data before "why".
  ["stop", /^\s*(stop|stopall|unsubscribe|cancel|end|quit|opt[ -]?out)\b|\b(stop|don'?t|do not) (sending|messaging|texting|contacting)\b|\bno more (messages|texts|emails)\b/i],
  ["pause", /\b(pause|snooze|mute)\b|\bnot now\b/i],
  ["data_request", /\bwhat (data|information|info)\b.*\b(hold|have|keep|store)\b|\b(copy|export) of (my|the) data\b|\bsubject access\b|\bmy data\b/i],
  ["why", /\bwhy\b|\bwhat is this\b|\bhow do you know\b|\bwhat (data|is this) based on\b|\bexplain\b/i],
  ["needs_help", /\b(help|support|struggl\w*|talk to (my |a )?(tutor|someone)|speak to|book (a )?(chat|meeting)|need (a )?chat|not (ok|okay|coping)|worried|stressed|anxious)\b/i],
  ["thanks", /^\s*(thanks?|thank you|thx|ta|cheers|ok(ay)?|got it|will do|great|fine|all good|i'?m (ok|okay|fine|good))\b|\b(thanks|thank you)\b|^\s*(👍|🙏|🙂|😊)/i],
];

const UNIT_DAYS: Record<string, number> = { day: 1, days: 1, week: 7, weeks: 7, month: 30, months: 30 };
const WORD_NUMBERS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };
export const DEFAULT_PAUSE_DAYS = 14;
export const MAX_PAUSE_DAYS = 60;

/** "pause for 2 weeks" -> 14; "pause" -> the default; capped so a pause always ends. */
export function pauseDaysOf(text: string): number {
  const m = /\b(\d{1,3}|a|an|one|two|three|four|five|six)\s*(days?|weeks?|months?)\b/i.exec(text);
  if (!m) return DEFAULT_PAUSE_DAYS;
  const n = /^\d+$/.test(m[1]!) ? Number(m[1]) : WORD_NUMBERS[m[1]!.toLowerCase()]!;
  return Math.max(1, Math.min(MAX_PAUSE_DAYS, n * UNIT_DAYS[m[2]!.toLowerCase()]!));
}

/**
 * A change of analytics consent in the student's own words, checked before the classes above
 * ("opt out of analytics" is not "opt out" of one channel): withdrawn, granted, or neither.
 */
export function consentChangeOf(text: string): "withdrawn" | "granted" | null {
  if (/\b(withdraw|revoke|remove|cancel)\b.{0,20}\bconsent\b|\bopt(ing)? out of (the )?(learning )?analytics\b|\b(stop|don'?t|do not) (use|using|analy[sz]e|analy[sz]ing|track|tracking|process|processing) my (data|information)\b/i.test(text)) return "withdrawn";
  if (/\b(give|grant|restore|renew)\b.{0,20}\bconsent\b|\bopt(ing)? (back )?in(to)?( to)?( the)?( learning)? analytics\b|^\s*opt (back )?in\s*$/i.test(text)) return "granted";
  return null;
}

export function classifyReply(text: string): Classified {
  for (const [classification, pattern] of PATTERNS) {
    if (pattern.test(text)) return classification === "pause" ? { classification, pauseDays: pauseDaysOf(text) } : { classification };
  }
  return { classification: "other" };
}
