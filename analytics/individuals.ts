/**
 * Questions about an individual, which analytics never answers (POLICY P5: aggregate analysis for
 * student centres; individual data only for the staff who support the student). Caught before
 * parsing, so a question such as "how many first-years in Computing, like S0001234, …" is refused
 * rather than answered with the name ignored.
 *
 * What counts: a student number (a known one, or anything shaped like one), a student's name
 * (given or preferred name followed by family name, as recorded), or wording that asks for people
 * rather than numbers ("which students", "who had…", "list the students", "names").
 */
import type { Database } from "../prisma/index.ts";
import { tokenise } from "./words.ts";

export interface IndividualRequest {
  /** Why the question was taken to be about individuals (for the audit entry, not the reply). */
  reason: string;
  /** The student it names, when one was recognised (so their "who looked at me" shows it). */
  studentId?: number;
}

const ASKS_FOR_PEOPLE: readonly [RegExp, string][] = [
  [/^(which|what) students?\b|\b(which|what) students? (had|have|has|were|was|are|is|did|got)\b/, "asks which students"],
  [/^who\b|\b(tell me|show me|list|say) who\b/, "asks who"],
  [/\b(list|show|give|send)( me)?( of)?( the| all)? students\b/, "asks for a list of students"],
  [/\bnames?\b|\bnamed\b/, "asks for names"],
  [
    /\bstudent (number|id|ids|numbers|record|records|details|email|emails)\b|\bemail addresses\b|\bcontact details\b|\bmobile numbers?\b/,
    "asks for a student's details",
  ],
  [/\b(about|on|for) (the|a|this|that) student\b/, "asks about one student"],
];

/** Anything shaped like a student number: letters then five or more digits (e.g. S0001234, 21034567). */
const NUMBER_SHAPE = /\b[a-z]{0,3}\d{5,}[a-z]?\b/;

/** Words from the text as written, for matching recorded numbers and names exactly. */
function rawWords(text: string): string[] {
  return text.split(/[^\p{L}\p{N}'-]+/u).filter(Boolean);
}

const titleCase = (word: string) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();

/**
 * Whether `text` asks about individuals. `knownWords` are words that are not people (programme
 * titles, the question set's words), so "how is Computing doing?" is not taken for a person.
 */
export async function individualRequest(db: Database, text: string, knownWords: ReadonlySet<string> = new Set()): Promise<IndividualRequest | null> {
  const normal = tokenise(text).join(" ");
  const words = rawWords(text);

  // Known student numbers first, so the audit entry can name whose record was asked about.
  const numberish = words.filter((w) => /\d/.test(w) && /[a-z]/i.test(w) && !/^\d+(st|nd|rd|th)$/i.test(w) && !/^y\d$/i.test(w));
  const digitsOnly = words.filter((w) => /^\d{5,}$/.test(w));
  const candidates = [...new Set([...numberish, ...numberish.map((w) => w.toUpperCase()), ...digitsOnly])];
  if (candidates.length) {
    const student = await db.prisma.student.findFirst({ where: { studentNumber: { in: candidates } }, select: { id: true } });
    if (student) return { reason: "names a student number", studentId: student.id };
  }
  if (NUMBER_SHAPE.test(normal)) return { reason: "contains something shaped like a student number" };

  const names = words.filter((w) => /^\p{L}[\p{L}'-]*$/u.test(w));
  const pairs: { first: string; family: string }[] = [];
  for (let i = 0; i + 1 < names.length && pairs.length < 60; i++) {
    for (const first of new Set([names[i]!, titleCase(names[i]!)]))
      for (const family of new Set([names[i + 1]!, titleCase(names[i + 1]!)])) pairs.push({ first, family });
  }
  if (pairs.length) {
    const student = await db.prisma.student.findFirst({
      where: {
        erasedAt: null,
        OR: pairs.flatMap(({ first, family }) => [
          { givenName: first, familyName: family },
          { preferredName: first, familyName: family },
        ]),
      },
      select: { id: true },
    });
    if (student) return { reason: "names a student", studentId: student.id };
  }

  for (const [pattern, reason] of ASKS_FOR_PEOPLE) if (pattern.test(normal)) return { reason };
  const doing = /\bhow (?:is|are) ((?:\w+ ){0,3}?\w+) doing\b/.exec(normal);
  if (doing && doing[1]!.split(" ").some((w) => w !== "and" && !knownWords.has(w))) return { reason: "asks how someone is doing" };
  return null;
}

export const INDIVIDUAL_REFUSAL =
  "Analytics answers are aggregates only, so I can't tell you about individual students. Ask about a group instead, e.g. “how many first-years in Computing had no VLE activity in the last 14 days?”. A student's own record is for the staff who support them (their personal tutor, level tutor or programme leader).";
