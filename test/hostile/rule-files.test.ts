/**
 * Generated rule files through parsing and validation, as `rules validate` and the rules studio
 * take them: the library's rules with lines replaced, dropped, doubled or garbled, values of every
 * type in every field, YAML alias games and deep nesting, and plain garbage. Validation never
 * throws, every problem names the file and where, and it answers in bounded time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSource } from "../../rules/document.ts";
import { validateRule, type Problem } from "../../rules/index.ts";
import type { CalendarDocument } from "../../rules/calendar.ts";
import { checkHostile } from "./budget.ts";
import { HANG_BOUND_MS } from "./service.ts";

const CALENDAR: CalendarDocument = { calendar: "2026-27", periods: { teaching: [{ from: "2026-09-21", to: "2026-12-11" }] } };
const LIBRARY = readdirSync("rules/library")
  .filter((name) => name.endsWith(".yaml") && name !== "calendar.yaml")
  .map((name) => readFileSync(join("rules/library", name), "utf8"));

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 80 }),
  fc.constantFrom("&a [1, 2]", "*a", "!!binary AAAA", "!!js/function 'x'", "{{constructor}}", "'{{{first_name}}}'", "1e308", "-0", ".nan", "~", "|", ">-"),
  fc.constantFrom('"x".matches("^(a+)+$")', "vle_days_since_last >= 10 && size('a') > 0", "[1][0] == 1", `${"(".repeat(60)}1${")".repeat(60)}`),
);
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("replace" as const), line: fc.nat(), text: fc.string({ maxLength: 100 }) }),
  fc.record({ kind: fc.constant("value" as const), line: fc.nat(), value }),
  fc.record({ kind: fc.constant("drop" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("double" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("indent" as const), line: fc.nat(), spaces: fc.integer({ min: 1, max: 7 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, mutations: Mutation[]): string {
  const lines = text.split("\n");
  for (const m of mutations) {
    const i = m.line % Math.max(1, lines.length);
    if (m.kind === "replace") lines[i] = m.text;
    else if (m.kind === "value") lines[i] = `${(lines[i] ?? "").split(":")[0] || "x"}: ${m.value}`;
    else if (m.kind === "drop") lines.splice(i, 1);
    else if (m.kind === "double") lines.splice(i, 0, lines[i] ?? "");
    else lines[i] = `${" ".repeat(m.spaces)}${lines[i] ?? ""}`;
  }
  return lines.join("\n");
}

function validate(text: string): Problem[] {
  const parsed = parseSource("rule.yaml", text);
  if (!parsed.ok) return parsed.problems;
  return validateRule(parsed.source.data, { calendar: CALENDAR, source: parsed.source }).problems;
}

function expectProblemsSayWhere(problems: Problem[]): void {
  for (const problem of problems) {
    expect(problem.file).toBe("rule.yaml");
    expect(problem.message.length).toBeGreaterThan(0);
    if (problem.severity === "error") expect(problem.line !== undefined || problem.field !== "", JSON.stringify(problem)).toBe(true);
  }
}

describe("hostile rule files", () => {
  it("validates mutated library rules without throwing, naming where, in bounded time", async () => {
    await checkHostile(
      "rule YAML and CEL",
      "mutated library rules",
      fc.tuple(fc.constantFrom(...LIBRARY), fc.array(mutation, { minLength: 1, maxLength: 4 })),
      ([text, mutations]) => {
        const started = performance.now();
        const problems = validate(mutate(text, mutations));
        expect(performance.now() - started).toBeLessThan(HANG_BOUND_MS);
        expectProblemsSayWhere(problems);
      },
      { ciBudget: 300 },
    );
  });

  it("refuses garbage, deep nesting and alias games with a problem, never an exception", async () => {
    const garbage = fc.oneof(
      fc.string({ unit: "binary", maxLength: 400 }),
      fc.integer({ min: 1, max: 3_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
      fc.integer({ min: 1, max: 3_000 }).map((n) => `${"a: ".repeat(1)}${"{b: ".repeat(n)}1${"}".repeat(n)}`),
      fc.integer({ min: 2, max: 12 }).map((levels) =>
        Array.from({ length: levels }, (_, i) =>
          i === 0
            ? "l0: &l0 [x, x, x, x, x, x, x, x]"
            : `l${i}: &l${i} [${Array(8)
                .fill(`*l${i - 1}`)
                .join(", ")}]`,
        ).join("\n"),
      ),
    );
    await checkHostile(
      "rule YAML and CEL",
      "garbage, nesting, aliases",
      garbage,
      (text) => {
        const started = performance.now();
        const problems = validate(text);
        expect(performance.now() - started).toBeLessThan(HANG_BOUND_MS);
        expect(problems.filter((p) => p.severity === "error").length).toBeGreaterThan(0);
        expectProblemsSayWhere(problems);
      },
      { ciBudget: 200 },
    );
  });
});
