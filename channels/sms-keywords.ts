/**
 * Twilio's standard SMS keywords. A keyword counts only as the whole message (trimmed, any case),
 * as Twilio reads it: "stop" is an opt-out, "please stop sending these" is a reply for the
 * interventions module. With Advanced Opt-Out Twilio sends its verdict as `OptOutType`, which
 * wins: it also covers the custom keywords configured there.
 */
export type SmsKeyword = "stop" | "start" | "help";

const KEYWORDS: ReadonlyMap<string, SmsKeyword> = new Map([
  ["STOP", "stop"],
  ["STOPALL", "stop"],
  ["UNSUBSCRIBE", "stop"],
  ["CANCEL", "stop"],
  ["END", "stop"],
  ["QUIT", "stop"],
  ["START", "start"],
  ["YES", "start"],
  ["UNSTOP", "start"],
  ["HELP", "help"],
  ["INFO", "help"],
]);

const OPT_OUT_TYPES: ReadonlyMap<string, SmsKeyword> = new Map([
  ["STOP", "stop"],
  ["START", "start"],
  ["HELP", "help"],
]);

export interface KeywordMatch {
  keyword: SmsKeyword;
  /** The word as the student sent it, upper-cased: recorded as the opt-out's source. */
  word: string;
  /** Twilio's Advanced Opt-Out matched it (and has sent its own configured answer). */
  viaAdvancedOptOut: boolean;
}

/** The keyword a message is, or null when it is an ordinary message. */
export function smsKeyword(body: string | undefined, optOutType?: string): KeywordMatch | null {
  const word = (body ?? "").trim().toUpperCase();
  const advanced = OPT_OUT_TYPES.get((optOutType ?? "").trim().toUpperCase());
  if (advanced) return { keyword: advanced, word: word || advanced.toUpperCase(), viaAdvancedOptOut: true };
  const keyword = KEYWORDS.get(word);
  return keyword ? { keyword, word, viaAdvancedOptOut: false } : null;
}
