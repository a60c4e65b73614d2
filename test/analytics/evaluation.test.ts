/**
 * The evaluation set (evaluation-questions.ts): the share of natural questions read as the measure
 * and filters they mean, and that none is answered as something it does not mean. The share is
 * reported; the test holds it at or above what the parser reaches now, so it can only go up.
 */
import { describe, expect, it } from "vitest";
import { parseQuestion, type Vocabulary } from "../../analytics/index.ts";
import { EVALUATION, EVALUATION_PROGRAMMES } from "./evaluation-questions.ts";

const VOCABULARY: Vocabulary = { programmes: EVALUATION_PROGRAMMES };
/** Raise as the question set grows; the issue's target is 0.85. */
const THRESHOLD = 0.85;

describe("the evaluation set", () => {
  const outcomes = EVALUATION.map(([question, expected]) => {
    const parsed = parseQuestion(question, VOCABULARY);
    if (!parsed.ok) return { question, outcome: "refused" in expected || "unsupported" in expected ? "right-refusal" : "not answered", got: parsed.error };
    const same = JSON.stringify(parsed.query) === JSON.stringify(expected) || isEqual(parsed.query, expected);
    return { question, outcome: same ? "right" : "wrong", got: JSON.stringify(parsed.query) };
  });

  it("has at least 150 questions, none of them twice", () => {
    expect(EVALUATION.length).toBeGreaterThanOrEqual(150);
    expect(new Set(EVALUATION.map(([q]) => q.toLowerCase())).size).toBe(EVALUATION.length);
  });

  it("answers nothing with a wrong interpretation", () => {
    expect(outcomes.filter((o) => o.outcome === "wrong")).toEqual([]);
  });

  it(`answers at least ${THRESHOLD * 100}% of the questions with the measure and filters they mean`, () => {
    // A question whose measure the set lacks counts against the share even though refusing it is right.
    const right = outcomes.filter((o) => o.outcome === "right").length;
    const share = right / outcomes.length;
    const refusals = outcomes.filter((o) => o.outcome === "right-refusal").length;
    console.info(
      `evaluation set: ${right} of ${outcomes.length} (${(share * 100).toFixed(1)}%) answered as meant; ${refusals} rightly not answered (no such measure yet); not answered:\n${outcomes
        .filter((o) => o.outcome === "not answered")
        .map((o) => `  ${o.question} (${o.got})`)
        .join("\n")}`,
    );
    expect(share).toBeGreaterThanOrEqual(THRESHOLD);
  });
});

function isEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => isEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
