/**
 * What a student's message means, in three steps, safety first:
 *
 * 1. The safeguarding screen (phrases) and the intent model both look for crisis and distress;
 *    either can raise the level, neither can lower the other's. A message that could be distress
 *    is never read as anything milder: a person reads it.
 * 2. Whole-message keywords mean what carriers and students expect: STOP, UNSUBSCRIBE; on SMS also
 *    CANCEL, END and QUIT (the carrier opts the number out for those anyway); START, RESUME.
 * 3. Otherwise the model's best intent, if it is sure enough, else `other` (a person reads it).
 *    `stop` also needs a word that says stop: an unsure model never opts anyone out.
 *
 * No side effects: `nudge replies classify` and the reply path call the same function.
 */

import type { ChannelName } from "../core/index.ts";
import { intentModel, type IntentModel, type RankedIntent } from "./intent-model.ts";
import type { Intent } from "./intents.ts";
import { normalise } from "../core/index.ts";
import { higherLevel, screenMessage, type SafeguardingLevel, type Screening } from "../safeguarding/index.ts";

export interface Classification {
  text: string;
  intent: Intent;
  /** How sure the model is of the intent, 0-1 (1 for a keyword or a safeguarding phrase). */
  confidence: number;
  safeguarding: SafeguardingLevel;
  /** What the safeguarding screen recognised (for staff). */
  reasons: Screening["reasons"];
  /** For `pause`: how long, in days. */
  pauseDays?: number;
}

export interface ClassifyContext {
  /** Where the message came from; keywords differ by channel. Unset: read as any channel would. */
  channel?: ChannelName;
}

/** Below this the model's answer is not trusted and the message is `other`. */
export const MIN_CONFIDENCE = 0.5;
/** The model alone calls a crisis when this sure; any less and a crisis or distress score still means distress. */
const MODEL_CRISIS = 0.85;
const MODEL_CONCERN = 0.3;

const ALWAYS_STOP = new Set(["stop", "stopall", "stop all", "unsubscribe", "opt out", "optout"]);
/** Carrier opt-out words that are only opt-outs by SMS; in Teams "cancel" or "end" alone is unclear. */
const SMS_STOP = new Set(["cancel", "end", "quit"]);
const RESUME = new Set(["start", "unstop", "resume", "unpause", "restart", "opt in", "opt back in", "optin"]);

/** A word that says stop, needed before a message opts anyone out. */
const STOP_CUE =
  /\b(?:stop|stopall|stopiwch|unsub\w*|un subscribe|opt (?:me )?out|opted out|no more|dim mwy|(?:do not|never|not|no longer) (?:want|wish|need|like) (?:to )?(?:receive|get|hear|be contacted|be messaged|be texted|these|this|them|any|your)|rather not (?:get|receive|have)|(?:do not|never) (?:message|text|contact|email|send|call|msg)|leave me alone|remove (?:me|my (?:number|email|mobile|phone|address))|take me off|get me off|off (?:the|your|this) (?:mailing )?list|mailing list|pack it in|knock it off|cut it out|enough|quit|block|go away|cease|cancel (?:my |the |these |this |all )?(?:subscription|messages|texts|emails|notifications|alerts|reminders|nudges|these))\b/;

export async function classifyMessage(text: string, context: ClassifyContext = {}, model?: IntentModel): Promise<Classification> {
  const screening = screenMessage(text);
  const ranked = await (model ?? (await intentModel())).rank(text);
  const level = higherLevel(screening.level, modelConcern(ranked));
  const base = { text, safeguarding: level, reasons: screening.reasons };
  if (level !== "none") {
    const confidence = screening.level === level ? 1 : (scoreOf(ranked, level) ?? ranked[0]!.score);
    return { ...base, intent: level, confidence };
  }

  const bare = normalise(text)
    .replace(/[^a-z ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (ALWAYS_STOP.has(bare) || (context.channel !== "teams" && SMS_STOP.has(bare))) return { ...base, intent: "stop", confidence: 1 };
  if (RESUME.has(bare)) return { ...base, intent: "resume", confidence: 1 };

  const best = ranked[0]!;
  if (best.intent === "crisis" || best.intent === "distress" || best.score < MIN_CONFIDENCE) return { ...base, intent: "other", confidence: best.score };
  if (best.intent === "stop" && !STOP_CUE.test(normalise(text))) return { ...base, intent: "other", confidence: best.score };
  if (best.intent === "pause") return { ...base, intent: "pause", confidence: best.score, pauseDays: pauseDaysOf(text) };
  return { ...base, intent: best.intent, confidence: best.score };
}

function scoreOf(ranked: readonly RankedIntent[], intent: Intent): number | undefined {
  return ranked.find((r) => r.intent === intent)?.score;
}

/** What the model alone says about safety. */
function modelConcern(ranked: readonly RankedIntent[]): SafeguardingLevel {
  const crisis = scoreOf(ranked, "crisis") ?? 0;
  const distress = scoreOf(ranked, "distress") ?? 0;
  if (crisis >= MODEL_CRISIS) return "crisis";
  if (crisis >= MODEL_CONCERN || distress >= MODEL_CONCERN || crisis + distress >= MODEL_CONCERN + 0.1) return "distress";
  return "none";
}

const UNIT_DAYS: Record<string, number> = { day: 1, days: 1, week: 7, weeks: 7, wk: 7, wks: 7, fortnight: 14, month: 30, months: 30 };
const WORD_NUMBERS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, couple: 2, few: 3 };
export const DEFAULT_PAUSE_DAYS = 14;
export const MAX_PAUSE_DAYS = 60;

/** "pause for 2 weeks" -> 14; "pause" -> the default; capped so a pause always ends. */
export function pauseDaysOf(text: string): number {
  const m = /\b(\d{1,3}|a|an|one|two|three|four|five|six|couple(?: of)?|few)\s*(days?|weeks?|wks?|fortnight|months?)\b/i.exec(text);
  if (!m) return /\bfortnight\b/i.test(text) ? 14 : DEFAULT_PAUSE_DAYS;
  const count = m[1]!.toLowerCase().replace(/ of$/, "");
  const n = /^\d+$/.test(count) ? Number(count) : WORD_NUMBERS[count]!;
  return Math.max(1, Math.min(MAX_PAUSE_DAYS, n * UNIT_DAYS[m[2]!.toLowerCase()]!));
}
