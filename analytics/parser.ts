/**
 * From a question in chat to a `Query`, deterministically: no language model, so the same words
 * always mean the same question, and the question set (questions.ts) stays the contract.
 *
 * How a question is read:
 *  1. words are normalised (words.ts): "1st-years" = "first years", "fourteen" = 14;
 *  2. programmes named by a phrase of two or more words or by their code are found first, so a
 *     title such as "Library Studies" is not read as the library source;
 *  3. the period, grouping ("by programme"), year of study and data sources are taken out;
 *  4. the question kind is recognised from its wording (questions.ts `detect`);
 *  5. single programme words ("Computing") are matched against programme titles; a word found in
 *     several titles means all those programmes;
 *  6. whatever is left must be filler ("how", "many", "the"...). Anything else is reported as not
 *     understood, with suggestions: the question with near-miss words corrected (when that parses)
 *     and the closest documented examples. Nothing is ever answered on a guess.
 */
import { SOURCE_WORDS } from "../core/index.ts";
import {
  ENGAGEMENT_SOURCES,
  QUESTIONS,
  TOP_RULES_DEFAULT,
  periodText,
  questionOf,
  type CohortFilter,
  type EngagementSource,
  type Grouping,
  type Period,
  type Query,
  type QuestionKind,
  type YearFilter,
} from "./questions.ts";
import { editDistance, nearestWord, tokenise, tolerance } from "./words.ts";

/** What the parser needs to know about the institution. */
export interface Vocabulary {
  programmes: readonly { code: string; title: string }[];
}

export type ParseResult =
  | { ok: true; query: Query /** Defaults applied and what words were taken to mean. */; notes: string[] }
  | { ok: false; error: string /** Whole questions that would be understood, best first. */; suggestions: string[] };

const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "how many much what whats is are was were the a an of in on for to did do does had have has been be being students student learners people " +
    "number numbers count total show me give tell please with any our we all there and or from at per each during over since i can you see it that " +
    "who get got within so far their they them as than across up out this currently now"
  ).split(" "),
);

/** Degree names and joining words: not what tells one programme from another. */
const TITLE_NOISE: ReadonlySet<string> = new Set(
  "bsc ba msc ma meng beng mres mphil phd llb llm bed med mba pgce pgdip pgcert hons honours mmath mchem mphys msci bmus and of the with in for".split(" "),
);

const SLOT_WORDS = (
  "last past previous this day days week weeks month months today yesterday so far first second third fourth fifth final foundation year years " +
  "finalists freshers by per each across broken down split rule rules programme programmes program programs course courses study channel channels " +
  "source sources feed feeds weekly vle moodle canvas blackboard virtual learning environment online attendance attended attending lecture lectures " +
  "classes library submission submissions submitted coursework assignment assignments printing printed print prints top undergraduates"
).split(" ");

interface ProgrammeWords {
  code: string;
  title: string;
  codeWords: string[];
  titleWords: string[];
  /** The title without degree names and joining words. */
  coreWords: string[];
}

function programmeWords(vocabulary: Vocabulary): ProgrammeWords[] {
  return vocabulary.programmes.map((p) => {
    const titleWords = tokenise(p.title);
    return { code: p.code, title: p.title, codeWords: tokenise(p.code), titleWords, coreWords: titleWords.filter((w) => !TITLE_NOISE.has(w)) };
  });
}

/** The words of a question, with those already read marked as used. */
class Words {
  readonly used: boolean[];
  constructor(readonly tokens: readonly string[]) {
    this.used = tokens.map(() => false);
  }

  /** Unused words as text; used ones become "#" so no pattern matches across them. */
  private text(): { text: string; starts: number[] } {
    const starts: number[] = [];
    let text = "";
    this.tokens.forEach((token, i) => {
      if (i) text += " ";
      starts.push(text.length);
      text += this.used[i] ? "#" : token;
    });
    return { text, starts };
  }

  /** Every match of `pattern` (whole words) among unused words; the matched words become used. */
  take(pattern: RegExp): RegExpExecArray[] {
    const { text, starts } = this.text();
    const global = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`);
    const matches = [...text.matchAll(global)];
    for (const match of matches) {
      const from = match.index;
      const to = from + match[0].length;
      starts.forEach((start, i) => {
        if (start >= from && start < to) this.used[i] = true;
      });
    }
    return matches as RegExpExecArray[];
  }

  /** Unused words, joined (for recognising the question kind). */
  unusedText(): string {
    return this.text().text;
  }

  /** Marks unused words in `words` as used. */
  takeWords(words: ReadonlySet<string>): void {
    this.tokens.forEach((token, i) => {
      if (!this.used[i] && words.has(token)) this.used[i] = true;
    });
  }

  /** Runs of consecutive unused words (index ranges, end exclusive). */
  runs(keep: (token: string) => boolean): [number, number][] {
    const runs: [number, number][] = [];
    let start = -1;
    for (let i = 0; i <= this.tokens.length; i++) {
      const ok = i < this.tokens.length && !this.used[i] && keep(this.tokens[i]!);
      if (ok && start < 0) start = i;
      if (!ok && start >= 0) {
        runs.push([start, i]);
        start = -1;
      }
    }
    return runs;
  }

  /** Finds `phrase` among unused words; marks it used and says whether it was there. */
  takePhrase(phrase: readonly string[]): boolean {
    if (phrase.length === 0) return false;
    outer: for (let i = 0; i + phrase.length <= this.tokens.length; i++) {
      for (let j = 0; j < phrase.length; j++) if (this.used[i + j] || this.tokens[i + j] !== phrase[j]) continue outer;
      for (let j = 0; j < phrase.length; j++) this.used[i + j] = true;
      return true;
    }
    return false;
  }

  leftovers(): string[] {
    return this.tokens.filter((token, i) => !this.used[i] && !STOPWORDS.has(token));
  }
}

class NotUnderstood extends Error {}

const PERIOD_PATTERNS: readonly [RegExp, (m: RegExpExecArray) => Period][] = [
  [/\b(?:(?:in|over|during|within|for) )?(?:the )?(?:last|past|previous) (\d+) (days?|weeks?|months?)\b/, (m) => counted(Number(m[1]), m[2]!)],
  [/\b(?:(?:in|during|over) )?the (?:last|past) (day|week|month)\b/, (m) => counted(1, m[1]!)],
  [/\b(?:(?:in|during|over) )?past (day|week|month)\b/, (m) => counted(1, m[1]!)],
  [/\b(?:(?:for|over|in) )?(\d+) (days?|weeks?)\b/, (m) => counted(Number(m[1]), m[2]!)],
  [/\b(?:so far )?(?:(?:in|during) )?this (week|month)(?: so far)?\b/, (m) => (m[1] === "week" ? { kind: "this_week" } : { kind: "this_month" })],
  [/\b(?:(?:in|during) )?last (week|month)\b/, (m) => (m[1] === "week" ? { kind: "last_week" } : { kind: "last_month" })],
  [
    /\b(?:(?:in|during|over|for) )?(?:the )?(this|current|last|previous) (?:term|semester)(?: so far)?\b/,
    (m) => (m[1] === "last" || m[1] === "previous" ? { kind: "last_term" } : { kind: "this_term" }),
  ],
  [/\bsince the (?:start|beginning) of (?:the )?(?:term|semester)\b/, () => ({ kind: "this_term" })],
  [/\btoday\b/, () => ({ kind: "today" })],
  [/\byesterday\b/, () => ({ kind: "yesterday" })],
];

const LIMITS = { days: 366, weeks: 52, months: 12 };

function counted(n: number, unit: string): Period {
  const base = unit.replace(/s$/, "");
  const plural = `${base}s` as "days" | "weeks" | "months";
  if (!Number.isInteger(n) || n < 1 || n > LIMITS[plural]) throw new NotUnderstood(`periods go from 1 to ${LIMITS[plural]} ${plural}, not ${n}`);
  return base === "day" ? { kind: "last_days", days: n } : base === "week" ? { kind: "last_weeks", weeks: n } : { kind: "last_months", months: n };
}

const YEAR_WORDS: Record<string, YearFilter> = { foundation: 0, first: 1, second: 2, third: 3, fourth: 4, fifth: 5, final: "final" };
const YEAR_PATTERNS: readonly [RegExp, (m: RegExpExecArray) => YearFilter | null][] = [
  [/\ball years\b/, () => null],
  [/\b(first|second|third|fourth|fifth|final|foundation) years?(?: students| undergraduates)?\b/, (m) => YEAR_WORDS[m[1]!]!],
  [/\byear (\d+)(?: students)?\b/, (m) => Number(m[1])],
  [/\by(\d)s?\b/, (m) => Number(m[1])],
  [/\byrs? (\d)(?: students)?\b/, (m) => Number(m[1])],
  [/\bfinalists\b/, () => "final"],
  [/\bfreshers\b/, () => 1],
];

const GROUPING_WORDS: Record<string, Grouping> = {
  rule: "rule",
  rules: "rule",
  programme: "programme",
  programmes: "programme",
  program: "programme",
  programs: "programme",
  course: "programme",
  courses: "programme",
  year: "year",
  years: "year",
  "year of study": "year",
  "years of study": "year",
  week: "week",
  weeks: "week",
  channel: "channel",
  channels: "channel",
  source: "source",
  sources: "source",
  feed: "source",
  feeds: "source",
};
const GROUPING_PATTERNS: readonly [RegExp, (m: RegExpExecArray) => Grouping][] = [
  [
    /\b(?:(?:broken down|split) )?(?:by|per|for each|each|across) (years? of study|rules?|programmes?|programs?|courses?|years?|weeks?|channels?|sources?|feeds?)\b/,
    (m) => GROUPING_WORDS[m[1]!]!,
  ],
  [/\b(?:weekly|week by week)\b/, () => "week"],
];

const SOURCE_PATTERNS: readonly [RegExp, EngagementSource][] = [
  [/\b(?:vle|moodle|canvas|blackboard|virtual learning environment|online)\b/, "vle"],
  [/\b(?:attendance|attended|attending|lectures?|classes)\b/, "attendance"],
  [/\blibrary\b/, "library"],
  [/\b(?:submissions?|submitted|coursework|assignments?)\b/, "submission"],
  [/\b(?:printing|printed|prints?)\b/, "printing"],
];

interface Slots {
  periods: Period[];
  years: YearFilter[];
  groupings: Grouping[];
  sources: EngagementSource[];
  programmes: Set<string>;
  top?: number;
  /** "what proportion of", "percentage of". */
  share?: boolean;
  /** "Nursing vs Midwifery", "compare Law and History": the programmes side by side. */
  compare?: boolean;
  notes: string[];
}

/** Programmes named by a code or a title of two words or more. */
function takeProgrammePhrases(words: Words, programmes: readonly ProgrammeWords[], slots: Slots): void {
  const phrases = new Map<string, Set<string>>();
  const add = (phrase: string[], code: string) => {
    const key = phrase.join(" ");
    if (!phrases.has(key)) phrases.set(key, new Set());
    phrases.get(key)!.add(code);
  };
  for (const p of programmes) {
    // A one-word code that is also an ordinary word ("law") is read with the titles, later.
    if (p.codeWords.length > 1 || (p.codeWords.length === 1 && !STOPWORDS.has(p.codeWords[0]!) && !SLOT_WORDS.includes(p.codeWords[0]!)))
      add(p.codeWords, p.code);
    if (p.titleWords.length > 1) add(p.titleWords, p.code);
    if (p.coreWords.length > 1) add(p.coreWords, p.code);
  }
  const ordered = [...phrases].sort((a, b) => b[0].split(" ").length - a[0].split(" ").length || a[0].localeCompare(b[0]));
  for (const [phrase, codes] of ordered) {
    while (words.takePhrase(phrase.split(" "))) for (const code of codes) slots.programmes.add(code);
  }
}

/** Programmes named by words of their titles ("Computing", "Software Engineering"). */
function takeProgrammeWords(words: Words, programmes: readonly ProgrammeWords[], slots: Slots): void {
  const known = new Set(programmes.flatMap((p) => [...p.coreWords, ...p.codeWords]));
  for (const [from, to] of words.runs((t) => known.has(t))) {
    const run = words.tokens.slice(from, to);
    const matches = programmes.filter((p) => containsRun(p.coreWords, run) || (run.length === 1 && p.codeWords.length === 1 && p.codeWords[0] === run[0]));
    if (matches.length === 0) continue;
    for (let i = from; i < to; i++) words.used[i] = true;
    for (const p of matches) slots.programmes.add(p.code);
  }
}

/** Short forms that are not the start of the word they stand for ("maths" is not a prefix of "mathematics"). */
const SHORT_FORMS: Record<string, string> = { maths: "mathematics", mgmt: "management", mgt: "management", biz: "business", chem: "chemistry" };

/** Whether `short` abbreviates `word`: its start ("mech" for "mechanical") or a known short form. */
function abbreviates(short: string, word: string): boolean {
  if (SHORT_FORMS[short] === word) return true;
  return short.length >= 3 && short.length < word.length && word.startsWith(short);
}

/**
 * Programmes named by short forms of their titles' words: "Mech Eng" (each word the start of
 * consecutive title words), "Psych" (one start of 4 letters or more). A short form that fits
 * different words ("Comp" for Computing and Computer Science) names nothing: the question is
 * then not understood, and suggestions are offered rather than a guess.
 */
function takeProgrammeShortForms(words: Words, programmes: readonly ProgrammeWords[], slots: Slots): void {
  for (const [from, to] of words.runs((t) => !STOPWORDS.has(t) && /^[a-z]+$/.test(t))) {
    for (let i = from; i < to; i++) {
      for (const length of [Math.min(3, to - i), 2, 1]) {
        if (length < 1 || i + length > to || words.used[i]) continue;
        const run = words.tokens.slice(i, i + length);
        if (length === 1 && run[0]!.length < 4 && SHORT_FORMS[run[0]!] === undefined) continue;
        const fits = new Map<string, string[]>();
        for (const p of programmes) {
          for (let k = 0; k + length <= p.coreWords.length; k++) {
            const target = p.coreWords.slice(k, k + length);
            if (run.every((w, j) => abbreviates(w, target[j]!))) {
              const key = target.join(" ");
              fits.set(key, [...(fits.get(key) ?? []), p.code]);
              break;
            }
          }
        }
        if (fits.size !== 1) continue;
        const [full, codes] = [...fits][0]!;
        for (let j = i; j < i + length; j++) words.used[j] = true;
        for (const code of codes) slots.programmes.add(code);
        slots.notes.push(`“${run.join(" ")}” read as ${full.replace(/\b\w/g, (c: string) => c.toUpperCase())}.`);
      }
    }
  }
}

function containsRun(haystack: readonly string[], run: readonly string[]): boolean {
  for (let i = 0; i + run.length <= haystack.length; i++) if (run.every((w, j) => haystack[i + j] === w)) return true;
  return false;
}

/** The question kind from its wording, or why it cannot be told. */
function recogniseKind(text: string): QuestionKind {
  const found = QUESTIONS.filter((q) => q.detect.some((re) => re.test(text)));
  const kinds = found.filter((q) => !found.some((other) => other.outranks?.includes(q.kind)));
  if (kinds.length === 1) return kinds[0]!.kind;
  if (kinds.length === 0) throw new NotUnderstood("I could not tell what this asks about");
  throw new NotUnderstood(`this mixes two questions (${kinds.map((q) => q.name.toLowerCase()).join(" and ")}): ask one at a time`);
}

function readSlots(words: Words, slots: Slots): void {
  if (words.take(/\b(?:what |which )?(?:proportion|percentage|percent|share|fraction)(?: of)?\b/).length) slots.share = true;
  if (words.take(/\b(?:vs|versus|compared (?:to|with)|compare|comparing|comparison(?: of| between)?|between)\b/).length) slots.compare = true;
  for (const [pattern, read] of PERIOD_PATTERNS) for (const m of words.take(pattern)) slots.periods.push(read(m));
  for (const [pattern, read] of GROUPING_PATTERNS) for (const m of words.take(pattern)) slots.groupings.push(read(m));
  for (const [pattern, read] of YEAR_PATTERNS) {
    for (const m of words.take(pattern)) {
      const year = read(m);
      if (year !== null) slots.years.push(year);
    }
  }
  for (const [pattern, source] of SOURCE_PATTERNS) if (words.take(pattern).length) slots.sources.push(source);
}

const describeGrouping = (g: Grouping) => (g === "none" ? "nothing" : g);

function buildQuery(kind: QuestionKind, slots: Slots): Query {
  const q = questionOf(kind);
  const unique = <T>(items: T[]) => [...new Set(items.map((i) => JSON.stringify(i)))].map((i) => JSON.parse(i) as T);
  const periods = unique(slots.periods);
  const years = unique(slots.years);
  const groupings = unique(slots.groupings);
  if (periods.length > 1) throw new NotUnderstood(`this names ${periods.length} periods (${periods.map(periodText).join(", ")}): ask about one`);
  if (years.length > 1) throw new NotUnderstood("this names more than one year of study: ask about one year, or all years");
  if (groupings.length > 1) throw new NotUnderstood(`this asks for more than one breakdown (${groupings.join(", ")}): ask for one`);
  // A comparison of programmes is the question by programme, for those programmes.
  if (slots.compare) {
    if (slots.programmes.size < 2) throw new NotUnderstood("a comparison needs two programmes or more, e.g. “Nursing vs Midwifery”");
    if (!q.groupings.includes("programme")) throw new NotUnderstood(`${q.name.toLowerCase()} cannot be compared by programme`);
    if (groupings.length && groupings[0] !== "programme") throw new NotUnderstood("a comparison of programmes is by programme");
    if (!groupings.length) groupings.push("programme");
  }
  const grouping = groupings[0] ?? q.groupings[0]!;
  if (!q.groupings.includes(grouping)) {
    const allowed = q.groupings.filter((g) => g !== "none");
    throw new NotUnderstood(
      `${q.name.toLowerCase()} can be broken down by ${allowed.length ? allowed.join(", ") : "nothing"}, not by ${describeGrouping(grouping)}`,
    );
  }
  const cohort: CohortFilter = {};
  if (slots.programmes.size) cohort.programmes = [...slots.programmes].sort();
  if (years[0] !== undefined) {
    const year = years[0];
    if (typeof year === "number" && (year < 0 || year > 7)) throw new NotUnderstood(`there is no year of study ${year}`);
    cohort.year = year;
  }
  if (!q.cohortFilters && (cohort.programmes || cohort.year !== undefined))
    throw new NotUnderstood(`${q.name.toLowerCase()} is not about groups of students, so it takes no programme or year of study`);
  const sources = ENGAGEMENT_SOURCES.filter((s) => slots.sources.includes(s));
  if (sources.length && q.sources === "none") throw new NotUnderstood(`${q.name.toLowerCase()} does not take a data source (${sources.join(", ")})`);
  if (sources.length > 1 && q.sources === "one")
    throw new NotUnderstood(`${q.name.toLowerCase()} takes one data source at a time, not ${sources.join(" and ")}`);
  let period = periods[0];
  if (period && q.defaultPeriod === null && kind !== "effect") throw new NotUnderstood(`${q.name.toLowerCase()} is about now, not a period`);
  if (!period && q.defaultPeriod) {
    period = q.defaultPeriod;
    slots.notes.push(`No period given: ${periodText(period)}.`);
  }
  if (slots.share && kind !== "inactive") throw new NotUnderstood(`proportions are answered for students with no activity, not for ${q.name.toLowerCase()}`);
  switch (kind) {
    case "inactive":
      return {
        kind,
        source: sources[0] ?? "any",
        period: period!,
        cohort,
        groupBy: grouping as "none" | "programme" | "year",
        ...(slots.share ? { share: true as const } : {}),
      };
    case "flags":
      return { kind, period: period!, cohort, groupBy: grouping as "none" | "programme" | "year" | "rule" | "week" };
    case "top_rules":
      if (slots.top !== undefined && (slots.top < 1 || slots.top > 50)) throw new NotUnderstood(`top ${slots.top}: ask for between 1 and 50 rules`);
      return { kind, period: period!, cohort, limit: slots.top ?? TOP_RULES_DEFAULT };
    case "engagement_trend":
      return { kind, sources: sources.length ? sources : "all", period: period!, cohort };
    case "reach":
      return { kind, period: period!, cohort };
    case "meetings":
      return { kind, period: period!, cohort, groupBy: grouping as "none" | "programme" | "year" };
    case "support":
      return { kind, period: period!, cohort, groupBy: grouping as "none" | "programme" | "year" };
    case "submissions":
      if (sources.some((s) => s !== "submission")) throw new NotUnderstood(`missed submissions are about coursework, not ${sources.join(" and ")}`);
      return { kind, period: period!, cohort, groupBy: grouping as "none" | "programme" | "year" };
    case "attendance_rate":
      if (sources.some((s) => s !== "attendance")) throw new NotUnderstood(`the attendance rate is about attendance, not ${sources.join(" and ")}`);
      return { kind, period: period!, cohort, groupBy: grouping as "none" | "programme" | "year" };
    case "approvals":
      return { kind, cohort, groupBy: grouping as "none" | "programme" | "year" };
    case "opt_outs":
      // Channels are always the columns: "by channel" asks for what every answer shows.
      return { kind, cohort, groupBy: grouping === "channel" ? "none" : (grouping as "none" | "programme" | "year") };
    case "freshness":
      return sources[0] ? { kind, source: sources[0] } : { kind };
    case "feedback":
      return { kind, period: period! };
    case "effect": {
      const source = sources[0];
      if (source && source !== "vle" && source !== "attendance" && source !== "submission")
        throw new NotUnderstood(`the effect of nudges is measured on VLE activity, attendance or work handed in on time, not ${source}`);
      return { kind, ...(period ? { period } : {}), ...(source ? { source } : {}) };
    }
  }
}

function attempt(tokens: readonly string[], programmes: readonly ProgrammeWords[]): { ok: true; query: Query; notes: string[] } | { ok: false; error: string } {
  try {
    if (tokens.length === 0) throw new NotUnderstood("there is no question");
    const words = new Words(tokens);
    const slots: Slots = { periods: [], years: [], groupings: [], sources: [], programmes: new Set(), notes: [] };
    takeProgrammePhrases(words, programmes, slots);
    // Recognised before the slots are taken out: "no VLE activity" needs its "VLE".
    const kind = recogniseKind(words.unusedText());
    readSlots(words, slots);
    if (kind === "top_rules") {
      const top = words.take(/\btop (\d+)\b/)[0];
      if (top) slots.top = Number(top[1]);
    }
    words.takeWords(new Set(questionOf(kind).words));
    takeProgrammeWords(words, programmes, slots);
    takeProgrammeShortForms(words, programmes, slots);
    const unknown = words.leftovers();
    if (unknown.length) throw new NotUnderstood(`I did not understand ${unknown.map((w) => `"${w}"`).join(", ")}`);
    const query = buildQuery(kind, slots);
    if (query.kind !== "freshness" && query.kind !== "feedback" && query.kind !== "effect" && query.cohort.programmes) {
      const named = programmes.filter((p) => query.cohort.programmes!.includes(p.code));
      slots.notes.push(`Programme${named.length === 1 ? "" : "s"}: ${named.map((p) => `${p.title} (${p.code})`).join(", ")}.`);
    }
    return { ok: true, query, notes: slots.notes };
  } catch (error) {
    if (error instanceof NotUnderstood) return { ok: false, error: error.message };
    throw error;
  }
}

export function parseQuestion(text: string, vocabulary: Vocabulary): ParseResult {
  const programmes = programmeWords(vocabulary);
  const tokens = tokenise(text);
  const first = attempt(tokens, programmes);
  if (first.ok) return first;
  return { ok: false, error: `${capitalise(first.error)}.`, suggestions: suggestions(tokens, programmes, vocabulary) };
}

function knownWords(programmes: readonly ProgrammeWords[]): Set<string> {
  const known = new Set<string>([...STOPWORDS, ...SLOT_WORDS]);
  for (const q of QUESTIONS) {
    for (const w of q.words) known.add(w);
    for (const example of q.examples) for (const w of tokenise(example)) known.add(w);
  }
  for (const p of programmes) for (const w of [...p.titleWords, ...p.codeWords]) known.add(w);
  return known;
}

/** Every word the question set and the institution's programmes use. */
export function vocabularyWords(vocabulary: Vocabulary): Set<string> {
  return knownWords(programmeWords(vocabulary));
}

const SUGGESTIONS = 3;

/** "Did you mean": the question with near-miss words corrected, when that parses; then the closest examples. */
function suggestions(tokens: readonly string[], programmes: readonly ProgrammeWords[], vocabulary: Vocabulary): string[] {
  const known = knownWords(programmes);
  const out: string[] = [];
  // A short form that fits several programmes ("comp"): the question for each of them.
  tokens.forEach((token, i) => {
    // A programme code's word ("comp" of COMP-BSC) may still be a short form of several titles.
    if (token.length < 3 || STOPWORDS.has(token) || programmes.some((p) => p.coreWords.includes(token))) return;
    const fits = [...new Set(programmes.flatMap((p) => p.coreWords.filter((w) => abbreviates(token, w))))].sort();
    if (fits.length < 2) return;
    for (const word of fits) {
      const retry = attempt([...tokens.slice(0, i), word, ...tokens.slice(i + 1)], programmes);
      if (retry.ok && out.length < SUGGESTIONS) out.push(phraseOf(retry.query, vocabulary));
    }
  });
  const corrected = tokens.map((t) => (known.has(t) || /^\d+$/.test(t) ? t : (nearestWord(t, known) ?? t)));
  if (corrected.some((t, i) => t !== tokens[i])) {
    const retry = attempt(corrected, programmes);
    if (retry.ok) out.push(phraseOf(retry.query, vocabulary));
  }
  const examples = QUESTIONS.flatMap((q) => q.examples)
    .map((example, order) => ({ example, order, score: similarity(tokens, tokenise(example)) }))
    .filter((e) => e.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order);
  for (const { example } of examples) {
    if (out.length >= SUGGESTIONS) break;
    if (!out.includes(example)) out.push(example);
  }
  // Nothing in common with any example: show one of each common kind, so there is a way forward.
  for (const example of [QUESTIONS[0]!.examples[0]!, questionOf("flags").examples[0]!, questionOf("reach").examples[0]!]) {
    if (out.length >= SUGGESTIONS) break;
    if (!out.includes(example)) out.push(example);
  }
  return out;
}

/** Word overlap (near misses count), ignoring filler words. */
function similarity(a: readonly string[], b: readonly string[]): number {
  const left = new Set(a.filter((w) => !STOPWORDS.has(w)));
  const right = new Set(b.filter((w) => !STOPWORDS.has(w)));
  if (!left.size || !right.size) return 0;
  let common = 0;
  for (const w of left) if ([...right].some((v) => v === w || (tolerance(w) > 0 && editDistance(v, w) <= tolerance(w)))) common++;
  return common / (left.size + right.size - common);
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function yearWords(year: YearFilter | undefined): string {
  if (year === undefined) return "students";
  if (year === "final") return "final-years";
  const named = ["foundation-year students", "first-years", "second-years", "third-years", "fourth-years", "fifth-years"][year];
  return named ?? `year ${year} students`;
}

/** Who, in words: "first-years in BSc Computing", "students". */
export function cohortWords(cohort: CohortFilter, vocabulary: Vocabulary): string {
  const titles = (cohort.programmes ?? []).map((code) => vocabulary.programmes.find((p) => p.code === code)?.title ?? code);
  return `${yearWords(cohort.year)}${titles.length ? ` in ${titles.join(" or ")}` : ""}`;
}

/** The canonical wording of a query: what "did you mean" offers, and what the parser reads back as the same query. */
export function phraseOf(query: Query, vocabulary: Vocabulary): string {
  const by = (g: string) => (g === "none" ? "" : `, by ${g}`);
  switch (query.kind) {
    case "inactive": {
      const source = query.source === "any" ? "" : `${SOURCE_WORDS[query.source].name} `;
      if (query.share)
        return `what proportion of ${cohortWords(query.cohort, vocabulary)} had no ${source}activity ${periodText(query.period)}${by(query.groupBy)}?`;
      return `how many ${cohortWords(query.cohort, vocabulary)} had no ${source}activity ${periodText(query.period)}${by(query.groupBy)}?`;
    }
    case "flags":
      return `how many ${cohortWords(query.cohort, vocabulary)} were flagged ${periodText(query.period)}${by(query.groupBy)}?`;
    case "top_rules":
      return query.limit === TOP_RULES_DEFAULT
        ? `which rules flagged the most ${cohortWords(query.cohort, vocabulary)} ${periodText(query.period)}?`
        : `top ${query.limit} rules for ${cohortWords(query.cohort, vocabulary)} ${periodText(query.period)}`;
    case "engagement_trend": {
      const sources =
        query.sources === "all" ? "engagement trend by source" : `${query.sources.map((s) => SOURCE_WORDS[s].name).join(" and ")} engagement trend`;
      return `${sources} for ${cohortWords(query.cohort, vocabulary)} ${periodText(query.period)}`;
    }
    case "reach":
      return `reply rate by channel for ${cohortWords(query.cohort, vocabulary)} ${periodText(query.period)}`;
    case "meetings":
      return `invitations and meetings for ${cohortWords(query.cohort, vocabulary)} ${periodText(query.period)}${by(query.groupBy)}`;
    case "submissions":
      return `missed and late submissions for ${cohortWords(query.cohort, vocabulary)} ${periodText(query.period)}${by(query.groupBy)}`;
    case "attendance_rate":
      return `attendance rate for ${cohortWords(query.cohort, vocabulary)} ${periodText(query.period)}${by(query.groupBy)}`;
    case "support":
      return `requests for help and referrals for ${cohortWords(query.cohort, vocabulary)} ${periodText(query.period)}${by(query.groupBy)}`;
    case "opt_outs":
      return `opt-outs and pauses for ${cohortWords(query.cohort, vocabulary)}${by(query.groupBy)}`;
    case "approvals":
      return `approvals waiting for ${cohortWords(query.cohort, vocabulary)}${by(query.groupBy)}`;
    case "freshness":
      return `how fresh is the ${query.source ? `${SOURCE_WORDS[query.source].name} ` : ""}data?`;
    case "feedback":
      return `rule feedback from tutors ${periodText(query.period)}`;
    case "effect": {
      const on = query.source === "attendance" ? " attendance" : query.source === "submission" ? " submissions" : " engagement";
      return `did nudges improve${on}${query.period ? ` ${periodText(query.period)}` : ""}?`;
    }
  }
}
