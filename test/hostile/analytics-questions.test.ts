/**
 * Hostile questions to analytics. Two properties:
 *
 * 1. Differencing: sequences of overlapping questions (periods, sources, cohorts) asked by one
 *    staff member over a world with small groups (test/analytics/recency-world.ts). For every two
 *    answers whose students nest by construction (same or wider cells; a source within another;
 *    for "no activity", a longer period within a shorter), what the two figures say about the
 *    difference must never pin a group of 1 to 4 down more closely than "fewer than 5". The true
 *    groups are counted here from the world's table, not by the code under test, and every figure
 *    must hold its true count.
 * 2. Any text: random unicode, long pastes, SQL-looking text, huge and negative numbers, quotes:
 *    never throws, answers in one of the three kinds, within a generous time bound.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { askQuestion, FEWER_THAN_5, type Answer, type Figure } from "../../analytics/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { RUN_TIME } from "../rules/world.ts";
import { buildRecencyWorld, inactiveIn, RECENCY, type CohortKey } from "../analytics/recency-world.ts";
import { checkHostile, hostileRuns } from "./budget.ts";

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;

type Source = "library" | "vle" | "any";
const SOURCE_WORDS: Record<Source, string> = { library: "library ", vle: "VLE ", any: "" };
const COHORTS: Record<string, CohortKey[]> = {
  "first-years in Computing": ["COMP1"],
  "second-years in Computing": ["COMP2"],
  "students in Computing": ["COMP1", "COMP2"],
  "first-years": ["COMP1", "HIST1"],
  "first-years in History": ["HIST1"],
  students: ["COMP1", "COMP2", "HIST1"],
};
const PERIODS = fc.oneof(
  fc.integer({ min: 1, max: 45 }).map((n) => `in the last ${n} days`),
  fc.integer({ min: 1, max: 8 }).map((n) => `in the last ${n} weeks`),
  fc.constantFrom("this week", "last week", "yesterday", "in the last month"),
);

interface Asked {
  source: Source;
  cohort: string;
  period: string;
}
const QUESTION = fc.record({ source: fc.constantFrom<Source>("library", "vle", "any"), cohort: fc.constantFrom(...Object.keys(COHORTS)), period: PERIODS });
const textOf = (q: Asked) => `how many ${q.cohort} had no ${SOURCE_WORDS[q.source]}activity ${q.period}?`;

function bounds(figure: Figure): [number, number] {
  if (typeof figure === "number") return [figure, figure];
  if (figure === FEWER_THAN_5) return [1, 4];
  if (figure && typeof figure === "object" && "from" in figure) return [figure.from, figure.to];
  throw new Error(`not a count: ${JSON.stringify(figure)}`);
}

interface Released {
  source: Source;
  cells: CohortKey[];
  from: number;
  to: number;
  figure: Figure;
  /** The students it counts, from the world's table. */
  students: Set<string>;
}

/** Whether `a`'s students are among `b`'s by construction (what a staff member can know from the questions alone). */
function nestsWithin(a: Released, b: Released): boolean {
  const sourceWithin = a.source === b.source || a.source === "any";
  return sourceWithin && a.cells.every((c) => b.cells.includes(c)) && a.from <= b.from && a.to >= b.to;
}

const singlesOut = (low: number, high: number) => low >= 1 && high <= 4 && (low > 1 || high < 4);

describe.each(databaseKindsUnderTest())("hostile analytics questions on %s", (kind) => {
  const t = useMigratedDatabase(kind);
  let centre: string;
  beforeAll(async () => {
    centre = (await buildRecencyWorld(t.db)).centre;
  });

  it(
    "no two nested answers single out 1 to 4 students",
    async () => {
      await checkHostile(
        "analytics",
        `nested answers never single out a small group (${kind})`,
        fc.array(QUESTION, { minLength: 2, maxLength: 6 }),
        async (questions) => {
          // Each case is a staff member's first questions.
          await t.db.prisma.analyticsRelease.deleteMany();
          const released: Released[] = [];
          for (const question of questions) {
            const result = await askQuestion(t.db, centre, textOf(question), RUN_TIME);
            if (result.kind !== "answer") throw new Error(`${textOf(question)}: ${JSON.stringify(result)}`);
            const answer: Answer = result.answer;
            const from = dayOf(answer.period.from);
            const to = dayOf(answer.period.to);
            const cells = COHORTS[question.cohort]!;
            const students = new Set(RECENCY.filter((s) => cells.includes(s.cohort) && inactiveIn(s, question.source, from, to)).map((s) => s.number));
            const figure = answer.rows[0]!.value;
            // Honest: the figure holds the true count.
            const [low, high] = bounds(figure);
            expect(students.size).toBeGreaterThanOrEqual(low);
            expect(students.size).toBeLessThanOrEqual(high);
            released.push({ source: question.source, cells, from, to, figure, students });
          }
          for (const narrower of released)
            for (const wider of released) {
              if (narrower === wider || !nestsWithin(narrower, wider)) continue;
              // The model of nesting is right: the true groups do nest.
              for (const s of narrower.students) expect(wider.students.has(s)).toBe(true);
              const [nLow, nHigh] = bounds(narrower.figure);
              const [wLow, wHigh] = bounds(wider.figure);
              const low = Math.max(0, wLow - nHigh);
              const high = wHigh - nLow;
              const trueDifference = wider.students.size - narrower.students.size;
              expect(
                singlesOut(low, high),
                `${JSON.stringify(narrower.figure)} within ${JSON.stringify(wider.figure)}: ${low}–${high}, truly ${trueDifference}`,
              ).toBe(false);
            }
        },
        { ciBudget: 100, share: 0.15 },
      );
      // Each case asks up to 6 questions: allow well over a second a case.
    },
    Math.max(120_000, hostileRuns(100) * 0.15 * 3_000),
  );
});

const HOSTILE_PIECES = [
  "how many first-years in Computing had no VLE activity",
  "in the last 99999999999 days",
  "in the last -5 days",
  "in the last 0 days",
  "in the last 1e308 weeks",
  "in the last 9007199254740993 months",
  '\'; DROP TABLE "Student"; --',
  '" OR 1=1 --',
  'UNION SELECT * FROM "AuditLog"',
  '"""\'\'\'"nested "quotes" \'here\'"',
  "by programme by year by rule",
  "S0001234",
  "\u0000\u202e\ufeff",
  "𝔣𝔩𝔞𝔤𝔰 🙂 ℌ𝔦𝔰𝔱𝔬𝔯𝔶",
  "flags this week",
  "top 99999999999999999999 rules",
  "year 99999 students",
];
const HOSTILE_TEXT = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.array(fc.constantFrom(...HOSTILE_PIECES), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(" ")),
  fc
    .tuple(fc.constantFrom(...HOSTILE_PIECES), fc.integer({ min: 1_000, max: 20_000 }))
    .map(([piece, times]) => `${piece} `.repeat(Math.ceil(times / piece.length))),
  fc
    .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.constantFrom("days", "weeks", "months"))
    .map(([n, unit]) => `how many students had no library activity in the last ${n} ${unit}?`),
);

describe("hostile question text", () => {
  const t = useMigratedDatabase();
  let centre: string;
  beforeAll(async () => {
    centre = (await buildRecencyWorld(t.db)).centre;
  });

  it(
    "never throws, always answers one of the three ways, within 2 s",
    async () => {
      await checkHostile(
        "analytics",
        "any question text is answered, not understood or refused, quickly",
        HOSTILE_TEXT,
        async (text) => {
          const started = performance.now();
          const result = await askQuestion(t.db, centre, text, RUN_TIME);
          const took = performance.now() - started;
          expect(["answer", "not_understood", "refused"]).toContain(result.kind);
          if (result.kind === "not_understood") expect(result.message.length).toBeGreaterThan(0);
          expect(took, `${took.toFixed(0)} ms for ${JSON.stringify(text.slice(0, 80))}…`).toBeLessThan(2_000);
        },
        { ciBudget: 100, share: 0.4 },
      );
    },
    Math.max(120_000, hostileRuns(100) * 0.4 * 2_000),
  );
});
