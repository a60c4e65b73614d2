/**
 * The hostile-input suite's budget: a short run in CI, a long one by `npm run test:hostile`
 * (NUDGE_HOSTILE_RUNS sets the number of generated cases per property). With NUDGE_HOSTILE_REPORT
 * set to a file, each property appends how many cases it took, for the record of a long run.
 */
import { appendFileSync } from "node:fs";
import fc from "fast-check";

/** Generated cases per property: NUDGE_HOSTILE_RUNS, else the short CI budget given. */
export function hostileRuns(ciBudget = 100): number {
  const configured = Number(process.env.NUDGE_HOSTILE_RUNS);
  return Number.isInteger(configured) && configured > 0 ? configured : ciBudget;
}

/** Notes a property's case count in the NUDGE_HOSTILE_REPORT file, when one is asked for. */
export function reportCases(parser: string, property: string, cases: number): void {
  const file = process.env.NUDGE_HOSTILE_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ parser, property, cases })}\n`);
}

/**
 * Checks a property over the hostile budget and records how many cases it took. Async properties
 * (those touching the database or HTTP) get a smaller share of the budget: each case costs a round trip.
 */
export async function checkHostile<T>(
  parser: string,
  property: string,
  arbitrary: fc.Arbitrary<T>,
  /** Throws (an expect) or returns false when the property does not hold. */
  predicate: (value: T) => unknown,
  options: { ciBudget?: number; share?: number } = {},
): Promise<void> {
  const numRuns = Math.max(1, Math.round(hostileRuns(options.ciBudget ?? 100) * (options.share ?? 1)));
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => (await predicate(value)) !== false),
    { numRuns },
  );
  reportCases(parser, property, numRuns);
}
