/**
 * What a student's message means, in three steps, safety first:
 *
 * 1. The safeguarding screen (phrases) and the intent model both look for crisis and distress;
 *    either can raise the level, neither can lower the other's. The model also reads each sentence
 *    on its own (partsOf), which again can only raise the level. A message that could be distress
 *    is never read as anything milder: a person reads it.
 * 2. Whole-message keywords mean what carriers and students expect: STOP, UNSUBSCRIBE; on SMS also
 *    CANCEL, END and QUIT (the carrier opts the number out for those anyway); START, RESUME.
 * 3. Otherwise the model's best intent, if it is sure enough and the message carries a word that
 *    says it (the cues below), else `other` (a person reads it). An unsure model never thanks,
 *    pauses, opts out or answers for the tutor.
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

/**
 * Cues: before the model's answer may close the exchange, change a setting or answer in the
 * tutor's place, the message must also carry a word or phrase that says so. The model learns from
 * about a thousand messages and is over-confident on ordinary ones unlike them ("when is the
 * deadline for the lab report?" scored 0.995 thanks, "can I get an extension" 0.94 resume), so
 * its score alone is no evidence. Without a cue the message is `other`: the tutor reads it.
 * Patterns run on normalised text (lower case, "can't" as "can not", "pls" as "please", "ty" as
 * "thanks", "u" as "you"). Where an intent has several patterns, every one must match.
 * Crisis and distress have no cue: they are decided before this and only ever raise the level.
 */
const CUES: Readonly<Partial<Record<Intent, readonly RegExp[]>>> = {
  stop: [STOP_CUE],
  // A thank-you or an acknowledgement; diolch is Welsh for thanks.
  thanks: [
    /\b(?:thanks?|thank(?:s|u|ing| you+| u)|tysm|ta|ta muchly|cheers|diolch|appreciated?|ok|okay|okie|great|grand|lovely|lush|brill(?:iant)?|sound|safe|legend|top man|nice one|cool|sweet|kind|helpful|will do|got it|noted|understood|all (?:good|fine|sorted)|i am (?:fine|good|alright|ok|okay))\b|👍|🙏|👌|❤|😊|🙂|thumbs up/,
  ],
  // Asking to hear from Nudge again; dechrau eto is Welsh for start again.
  resume: [
    /\b(?:start\w*|restart\w*|resum\w*|unpause|unmute\w*|unsnooze|unstop|undo|resubscribe|subscribe|opt (?:me )?(?:back )?in|sign me (?:back )?up|back on|put me back|i am back|(?:message\w*|text\w*|email\w*|send\w*|them|these|reminders|nudges|notifications|hear from you|contact me) (?:\w+ ){0,2}again|carry on|(?:turn|switch) (?:\w+ ){0,2}on|(?:want|like) (?:\w+ ){0,3}back|dechrau)\b/,
  ],
  // A break for a while: the verbs, "not now", or a stop with a time ("stop till the new year");
  // dim nawr is Welsh for not now.
  pause: [
    /\b(?:pause\w*|snooze\w*|mute\w*|shh+|quiet|hold (?:off|fire|on|these|them|the \w+)|break|rest|later|leave it|busy until|ask me again|not (?:now|right now|today|this week|at the moment|for a while|until|till|til|yet)|maybe in|give me (?:a |some )?(?:couple|few|\w+ weeks?|time)|(?:weeks?|days?|months?) off|temporar\w*|wait|for (?:now|a bit|a while|a few|a couple|the next|the rest)|(?:for|until|till|til) (?:a |an |\d+ |one |two |three |four )?(?:days?|weeks?|wks?|months?|fortnight)|(?:stop|message|messaging|text|texts|texting|email|emails|contact) (?:\w+ ){0,3}(?:until|till|til)|dim nawr)\b/,
  ],
  // Withdrawing from learning analytics, as opposed to a channel opt-out (stop).
  consent_withdraw: [
    /\b(?:consent\w*|permission|revoke|retract|object|track\w*|monitor\w*|watched|analytic\w*|process\w*|(?:use|using|used|collect\w*|analys\w*) (?:\w+ ){0,2}data|data (?:to be |being )?(?:used|collect\w*|analys\w*)|caniatad|caniatâd)\b/,
  ],
  // Erasure: a word that deletes and something of the student's to delete; dilëwch is Welsh for delete.
  erasure: [
    /\b(?:delet\w*|eras\w*|wipe\w*|remov\w*|forgot\w*|forget|purge|scrub|destroy|get rid|bin|clear|scrap|taken? (?:\w+ ){0,2}off|off your|dil(?:e|ë)\w*)/,
    /\b(?:forgotten|erasure|data|nata|info\w*|records?|details|me|everything|all|account|file|trace|system|database|servers?|nudge)\b/,
  ],
  // A copy of, or a look at, what is held: something held about the student and a way of asking for it.
  data_copy: [
    /\b(?:data|nata|info\w*|records?|file|details|everything|stuff|whatever|sar|dsar|subject access|access request|(?:about|on) me)\b/,
    /\b(?:copy|copi|send|sent|email|export|download|print\w*|spreadsheet|access|sar|dsar|request\w*|hold|held|holds|store|stored|keep|kept|collected|saved|know|have|got|give|see|on file)\b/,
  ],
  // The student's own figures and flags.
  my_data: [
    /\b(?:attend\w*|engag\w*|flag\w*|label\w*|tag\w*|stats|score|rated|rating|rag|risk|watch ?list|(?:some kind of|a) list|dashboard|profile|categor\w*|numbers|figures?|percentage|amber|red|missed|been to|logged|log in|login|(?:on|into|in) (?:the )?(?:vle|moodle)|moodle activity|how (?:am|is) i doing|say about me|data)\b/,
  ],
  // Who sees it, how long it is kept, whether it counts against the student, whether it is lawful.
  privacy_question: [
    /\b(?:see|sees|access|read|reads|told|tell|find out|passed|share\w*|sell|sold|copy|keep|kept|stored?|hold|data|info\w*|records?|gdpr|legal|lawful|secure|private|privacy|confidential|anonymous|affect\w*|impact|count against|compl\w*|allowed|transcript|how long|who|outside|home office|get my|(?:go|goes|get|gets|sent) to (?:my|the|your|any))\b/,
  ],
  // Why this message came, or what it is; pam is Welsh for why.
  why: [
    /\b(?:why\w*|y|how come|what is (?:this|that|a nudge)|what (?:triggered|prompted|caused|made|counts)|how (?:do|did|would) you (?:know|get)|who (?:told|flagged|decided|put|is)|whos|bas(?:ed|is|ing)|makes? you think|what info\w*|grounds|reason\w*|criteria|explain|what have i done|what do you mean|info (?:is this )?from|what information|automated|singled|picked|chosen|end up|confused|random|huh|eh|wut|pam)\b|^\?+$/,
  ],
  // A request for a person or for help; help is also a whole-message keyword by text.
  needs_help: [
    /\b(?:help\w*|support|talk\w*|speak|chat|meet\w*|book|call|ring|phone|get in touch|contact me|email me|drop me|advice|advis\w*|guidance|explain|go (?:over|through)|through it|look over|check|catch\w* up|behind|struggl\w*|hand|yes|yeah|yea|yep|go on|office hours|drop in|session|1 to 1|one to one|tutor|mentor|pat|pt|someone|anyone|siarad|sort|plan|understand|confused|not sure|do not get|how do i|who do i|extension)\b/,
  ],
};

/** A thanks that also asks something would leave the question unanswered. */
const ASKS = /\?|^(?:when|what|where|which|who|why|how|is|are|can|could|do|does|did|should|may|am)\b/;

function carriesCue(intent: Intent, normalised: string): boolean {
  if (intent === "thanks" && ASKS.test(normalised)) return false;
  return (CUES[intent] ?? []).every((cue) => cue.test(normalised));
}

export async function classifyMessage(text: string, context: ClassifyContext = {}, model?: IntentModel): Promise<Classification> {
  const screening = screenMessage(text);
  const intents = model ?? (await intentModel());
  const ranked = await intents.rank(text);
  let level = higherLevel(screening.level, modelConcern(ranked));
  let concerning = ranked;
  // "I'm really behind, could I talk to someone?" asks for a person and reaches one (needs_help);
  // one part of it alone ("I'm really behind") must not turn that into distress, only into a crisis.
  const asksForPerson = ranked[0]!.intent === "needs_help" && ranked[0]!.score >= MIN_CONFIDENCE && carriesCue("needs_help", normalise(text));
  for (const part of partsOf(text)) {
    if (level === "crisis") break;
    const partRanked = await intents.rank(part);
    const partLevel = modelConcern(partRanked);
    if (partLevel === "crisis" || (partLevel === "distress" && level === "none" && !asksForPerson)) [level, concerning] = [partLevel, partRanked];
  }
  const base = { text, safeguarding: level, reasons: screening.reasons };
  if (level !== "none") {
    const confidence = screening.level === level ? 1 : (scoreOf(concerning, level) ?? concerning[0]!.score);
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
  if (!carriesCue(best.intent, normalise(text))) return { ...base, intent: "other", confidence: best.score };
  if (best.intent === "pause") return { ...base, intent: "pause", confidence: best.score, pauseDays: pauseDaysOf(text) };
  return { ...base, intent: best.intent, confidence: best.score };
}

/**
 * The sentences and clauses of a message, each read again for crisis and distress: the model
 * weighs every word of a message together, so the words of an ordinary question ("when's the
 * coursework due") can outweigh a sign of distress beside it ("I haven't eaten in days"). A part
 * can only raise the level. The first few parts only, so a very long message stays quick (the
 * safeguarding screen reads all of it).
 */
const MAX_PARTS = 8;
function partsOf(text: string): string[] {
  const parts = text
    .slice(0, 2000)
    .split(/[.!?;,:\n]+|\s[-–—]\s|\b(?:but|and|also|though|because|cos|coz|so)\b/i)
    .map((p) => p.trim())
    .filter((p) => /\S+\s+\S+/.test(p));
  return parts.length > 1 ? parts.slice(0, MAX_PARTS) : [];
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
