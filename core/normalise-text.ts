/**
 * A student's message in one canonical spelling, so the safeguarding screen and the intent model
 * see "cant cope", "can't cope" and "CAN’T COPE!!!" as the same words. Hand-written because no
 * package expands texting shorthand the way UK students write it ("im", "rn", "ngl", "cba");
 * the list is short and each entry is a plain word swap.
 */

/** Whole-word swaps, applied after lower-casing and straightening quotes. */
const SWAPS: ReadonlyArray<[RegExp, string]> = [
  [/\bcan'?t\b|\bcannot\b|\bcnt\b|\bcant\b/g, "can not"],
  [/\bwon'?t\b/g, "will not"],
  [/\bdon'?t\b|\bdnt\b/g, "do not"],
  [/\bdoesn'?t\b/g, "does not"],
  [/\bdidn'?t\b|\bdidnt\b/g, "did not"],
  [/\bisn'?t\b/g, "is not"],
  [/\baren'?t\b/g, "are not"],
  [/\bwasn'?t\b/g, "was not"],
  [/\bweren'?t\b/g, "were not"],
  [/\bhaven'?t\b|\bhavent\b/g, "have not"],
  [/\bhasn'?t\b/g, "has not"],
  [/\bhadn'?t\b/g, "had not"],
  [/\bcouldn'?t\b|\bcouldnt\b/g, "could not"],
  [/\bshouldn'?t\b/g, "should not"],
  [/\bwouldn'?t\b/g, "would not"],
  [/\bain'?t\b/g, "is not"],
  [/\bi'?m\b|\biam\b/g, "i am"],
  [/\bi'?ve\b/g, "i have"],
  [/\bi'?ll\b/g, "i will"],
  [/\bi'd\b/g, "i would"],
  [/\bit'?s\b/g, "it is"],
  [/\bthat'?s\b/g, "that is"],
  [/\bwhat'?s\b/g, "what is"],
  [/\bthere'?s\b/g, "there is"],
  [/\byou'?re\b|\byour'e\b/g, "you are"],
  [/\bthey'?re\b/g, "they are"],
  [/\bwe'?re\b/g, "we are"],
  [/\bgonna\b/g, "going to"],
  [/\bwanna\b/g, "want to"],
  [/\bgotta\b/g, "got to"],
  [/\bdunno\b/g, "do not know"],
  [/\bidk\b/g, "i do not know"],
  [/\bcba\b/g, "can not be bothered"],
  [/\btbh\b/g, "to be honest"],
  [/\bngl\b/g, "not going to lie"],
  [/\bimo\b/g, "in my opinion"],
  [/\brn\b/g, "right now"],
  [/\batm\b/g, "at the moment"],
  [/\bu\b/g, "you"],
  [/\bur\b/g, "your"],
  [/\bpls\b|\bplz\b|\bplease+\b|\bplis\b/g, "please"],
  [/\bcoz\b|\bcuz\b|\bcos\b|\bbc\b|\bbecuase\b|\bbecasue\b|\bbeacuse\b/g, "because"],
  [/\bthx\b|\bthanx\b|\bthnx\b|\bty\b/g, "thanks"],
  [/\bmsg(s)?\b/g, "message$1"],
  [/\bmsgs\b/g, "messages"],
  [/\btxt(s)?\b/g, "text$1"],
  [/\bw\/\s*/g, "with "],
  [/\bmyslef\b|\bmyslf\b|\bmself\b/g, "myself"],
];

/** Lower case, straight quotes, no zero-width or control characters, shorthand spelt out, "sooooo" as "soo". */
export function normalise(text: string): string {
  let t = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, "")
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, " ")
    .replace(/[\u2018\u2019\u02BC\u0060\u00B4]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    // Three or more of a letter is emphasis: "sooooo" and "soo" read the same.
    .replace(/([a-z])\1{2,}/g, "$1$1");
  for (const [pattern, replacement] of SWAPS) t = t.replace(pattern, replacement);
  return t.replace(/\s+/g, " ").trim();
}

/** The words of a normalised message, without punctuation (apostrophes and digits kept). */
export function wordsOf(normalised: string): string[] {
  return normalised.split(/[^a-z0-9'&]+/).filter(Boolean);
}
