/**
 * Words as the parser sees them: lower case, punctuation gone, ordinals and numbers written one
 * way ("1st-years" and "first years" are the same words, "fourteen" is 14), and how close two
 * words are, for "did you mean".
 */

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const ORDINALS: Record<string, string> = { "1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth" };

export const NUMBER_WORDS: readonly string[] = [...Object.keys(UNITS), ...Object.keys(TENS), "fortnight", "hundred"];

/** The text as a list of normalised words. */
export function tokenise(text: string): string[] {
  const plain = text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/n't\b/g, " not")
    .replace(/'s\b/g, "")
    .replace(/'/g, "")
    .replace(/[^a-z0-9]+/g, " ");
  const words = plain
    .split(" ")
    .filter(Boolean)
    .map((w) => ORDINALS[w] ?? w);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    // "a fortnight" / "fortnight": two weeks.
    if (word === "fortnight") {
      if (out[out.length - 1] === "a") out.pop();
      out.push("2", "weeks");
      continue;
    }
    if (word in TENS) {
      const next = words[i + 1];
      const unit = next !== undefined ? UNITS[next] : undefined;
      if (unit !== undefined && unit > 0 && unit < 10) {
        out.push(String(TENS[word]! + unit));
        i++;
      } else out.push(String(TENS[word]));
      continue;
    }
    if (word in UNITS) {
      out.push(String(UNITS[word]));
      continue;
    }
    out.push(word);
  }
  return out;
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** How many edits a word of this length may be away and still be a near miss of another. */
export function tolerance(word: string): number {
  return word.length <= 2 ? 0 : word.length <= 5 ? 1 : 2;
}

/** The known word closest to `word` within tolerance, or null (ties: the alphabetically first). */
export function nearestWord(word: string, known: Iterable<string>): string | null {
  const limit = tolerance(word);
  if (limit === 0 || /^\d+$/.test(word)) return null;
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    if (Math.abs(candidate.length - word.length) > limit) continue;
    const distance = editDistance(word, candidate);
    if (distance < bestDistance || (distance === bestDistance && best !== null && candidate < best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : null;
}
