/**
 * A staff member asks a question in chat; the story, top to bottom:
 *  1. may they ask aggregate questions at all? (privacy/, capability `analytics.ask`)
 *  2. is it about an individual? Then it is refused, and recorded as a refused access to a
 *     student's record;
 *  3. is it one of the questions Nudge answers? If not: what was not understood, and suggestions;
 *  4. the answer, with small groups suppressed and periods rounded (disclosure.ts), and cells this
 *     staff member already saw exactly for a nested period or measure banded (releases.ts).
 * Every question leaves an audit entry `analytics.question` with the text and the parsed query,
 * never a student id; a question about an individual leaves `access.refused` instead.
 */
import { AccessRefused, authorise } from "../access/index.ts";
import { writeAudit, type AuditActor } from "../audit/index.ts";
import type { Database } from "../prisma/index.ts";
import { INDIVIDUAL_REFUSAL, individualRequest } from "./individuals.ts";
import { parseQuestion, vocabularyWords, type Vocabulary } from "./parser.ts";
import { oneAtATime } from "./releases.ts";
import type { Query } from "./questions.ts";
import { runQuery, type Answer, type RunOptions } from "./run-query.ts";

export type AskResult =
  | { kind: "answer"; query: Query; answer: Answer }
  | { kind: "not_understood"; message: string; suggestions: string[] }
  | { kind: "refused"; message: string };

export type AskOptions = Omit<RunOptions, "staffNumber">;

/** Long pastes are cut in the audit log; what was asked stays recognisable. */
const AUDIT_TEXT_LIMIT = 500;
/**
 * Longer than any question staff ask (the longest of the 167 in the evaluation set is 89 characters):
 * a paste of thousands of characters is not read at all, so it cannot cost the parser, the
 * matchers or the database seconds per request.
 */
export const MAX_QUESTION_CHARS = 400;
const TOO_LONG =
  'That is longer than a question I can read. Please ask in a sentence or two, for example "how many first-years had no VLE activity in the last 14 days?"';

export async function loadVocabulary(db: Database): Promise<Vocabulary> {
  return { programmes: await db.prisma.programme.findMany({ select: { code: true, title: true }, orderBy: { code: "asc" } }) };
}

/**
 * Answers `text` for the staff member, as of `now`. Throws AccessRefused (already audited) when
 * they hold no role that may ask aggregate questions.
 */
export async function askQuestion(db: Database, staffNumber: string, text: string, now: Date = new Date(), options: AskOptions = {}): Promise<AskResult> {
  const actor: AuditActor = { kind: "staff", staffNumber };
  // Cut by characters, not UTF-16 units, so the cut never halves an emoji (the audit writer makes
  // any half the text already held storable).
  const question = Array.from(text.trim()).slice(0, AUDIT_TEXT_LIMIT).join("");
  const audit = (details: Record<string, unknown>, query?: Query) =>
    writeAudit(db.prisma, {
      actor,
      action: "analytics.question",
      targetType: "analytics",
      targetId: query?.kind ?? "question",
      details: { question, ...details },
    });

  try {
    await authorise(db, staffNumber, "analytics.ask");
  } catch (error) {
    // authorise recorded the refusal; this records what was asked.
    if (error instanceof AccessRefused) await audit({ outcome: "refused", reason: error.message });
    throw error;
  }

  if (Array.from(text.trim()).length > MAX_QUESTION_CHARS) {
    await audit({ outcome: "not understood", error: "too long" });
    return { kind: "not_understood", message: TOO_LONG, suggestions: [] };
  }

  const vocabulary = await loadVocabulary(db);
  const individual = await individualRequest(db, text, vocabularyWords(vocabulary));
  if (individual) {
    await writeAudit(db.prisma, {
      actor,
      action: "access.refused",
      targetType: individual.studentId ? "student" : "capability",
      targetId: individual.studentId ? String(individual.studentId) : "student.read",
      studentId: individual.studentId,
      details: { capability: "student.read", reason: "analytics answers are aggregates only", via: "analytics.ask", question, detected: individual.reason },
    });
    return { kind: "refused", message: INDIVIDUAL_REFUSAL };
  }

  const parsed = parseQuestion(text, vocabulary);
  if (!parsed.ok) {
    await audit({ outcome: "not understood", error: parsed.error, suggestions: parsed.suggestions });
    return { kind: "not_understood", message: parsed.error, suggestions: parsed.suggestions };
  }

  let answer: Answer;
  try {
    // Checked against, and added to, the record of figures this staff member was shown (releases.ts).
    answer = await oneAtATime(staffNumber, () => runQuery(db, parsed.query, now, { ...options, staffNumber }));
  } catch (error) {
    await audit({ outcome: "failed", query: parsed.query, error: (error as Error).message }, parsed.query);
    throw error;
  }
  answer = { ...answer, notes: [...parsed.notes, ...answer.notes] };
  await audit({ outcome: "answered", query: parsed.query, title: answer.title, period: answer.period }, parsed.query);
  return { kind: "answer", query: parsed.query, answer };
}
