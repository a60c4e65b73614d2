/**
 * Rule conditions: what may be written, and that nothing written can run away. A condition is
 * arithmetic, comparison and logic over metrics and numbers; anything else (text, methods such as
 * `matches` with a catastrophic pattern, comprehensions, indexing) is refused with a message, so
 * evaluation costs at most one step per node of a tree of at most 500.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostileRuns } from "../hostile/budget.ts";
import { compileCondition } from "../../rules/condition.ts";

const refusal = (expression: string) => {
  const result = compileCondition(expression);
  expect(result.ok, expression).toBe(false);
  return result.ok ? "" : result.problems.map((p) => p.message).join("; ");
};

describe("rule conditions", () => {
  it("refuses the catastrophic regular expression that used to hang a dry run, naming what is not allowed", () => {
    expect(refusal(`"${"a".repeat(40)}!".matches("^(a+)+$")`)).toMatch(/\.matches\(\) is not available in a rule condition/);
  });

  it.each([
    ["[1.0, 2.0].all(x, x > vle_days_since_last)", /\.all\(\) is not available/],
    ["[1.0, 2.0].exists(x, [1.0, 2.0].all(y, y > x)) || vle_days_since_last > 1.0", /\.exists\(\) is not available/],
    ['size("abc") > vle_days_since_last', /size\(\) is not available/],
    ['"x" == "x" || vle_days_since_last > 1.0', /text is not allowed/],
    ['b"x" == b"x" || vle_days_since_last > 1.0', /not allowed in a condition/],
    ["timestamp(vle_days_since_last) > 1.0", /timestamp\(\) is not available/],
  ])("refuses %s", (expression, message) => {
    expect(refusal(expression)).toMatch(message);
  });

  it("still accepts every kind of condition the rules need", () => {
    for (const expression of [
      "vle_days_since_last >= 10",
      "attendance_rate_14d < 0.5 && sessions_expected_14d >= 4 && vle_events_14d < 10",
      "!(vle_change_14d > 0.5) || consecutive_absences >= 4",
      "-vle_change_14d > 0.25 ? true : false",
      "int(vle_days_since_last) in [10, 11, 12]",
      "double(submissions_missed_7d) * 2.0 + 1.0 >= 3.0",
    ]) {
      const result = compileCondition(expression);
      expect(result.ok, `${expression}: ${JSON.stringify(result.ok ? null : result.problems)}`).toBe(true);
    }
  });

  it("never throws, and anything it accepts evaluates to true, false or undecided, for any text", () => {
    const pieces = fc.constantFrom(
      "vle_days_since_last",
      "attendance_rate_14d",
      "1",
      "0.5",
      "-",
      "+",
      "*",
      "/",
      "%",
      ">=",
      "<",
      "==",
      "&&",
      "||",
      "!",
      "(",
      ")",
      "?",
      ":",
      "[",
      "]",
      ",",
      ".",
      "in",
      "int(",
      "double(",
      '"a"',
      "matches(",
      "all(x,",
      "size(",
      " ",
    );
    const expressions = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.array(pieces, { maxLength: 40 }).map((p) => p.join("")),
    );
    const values = fc.record({
      vle_days_since_last: fc.option(fc.double({ noNaN: false }), { nil: null }),
      attendance_rate_14d: fc.option(fc.double(), { nil: null }),
    });
    fc.assert(
      fc.property(expressions, values, (expression, metricValues) => {
        const result = compileCondition(expression);
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const problem of result.problems) expect(problem.message.length).toBeGreaterThan(0);
          return;
        }
        expect([true, false, null]).toContain(result.condition.evaluate(metricValues));
      }),
      { numRuns: hostileRuns(300) },
    );
  });
});
