/**
 * Subtraction attacks on the world of world.ts: each takes answers that, shown exactly, would give
 * away a hidden cell (1 to 4 students), and checks that what the answers do show still allows
 * every value from 1 to 4 for it. Then the converse: a hidden cell's true value is changed, and no
 * answer changes at all.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { askQuestion, FEWER_THAN_5, type Answer, type Figure } from "../../analytics/index.ts";
import { flagCells, inactiveCells } from "../../analytics/queries.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildAnalyticsWorld, COHORTS, D, DAY_MS, NOW, RULES, type AnalyticsWorld } from "./world.ts";

/** What a figure tells the attacker about the true count. */
function bounds(figure: Figure | undefined): [number, number] {
  if (typeof figure === "number") return [figure, figure];
  if (figure === FEWER_THAN_5) return [1, 4];
  if (figure && typeof figure === "object" && "from" in figure) return [figure.from, figure.to];
  throw new Error(`not a count: ${JSON.stringify(figure)}`);
}

/** What `whole − Σ parts` can be, given only the figures shown. */
function difference(whole: Figure | undefined, parts: (Figure | undefined)[]): [number, number] {
  const [wLow, wHigh] = bounds(whole);
  const low = parts.reduce<number>((sum, p) => sum + bounds(p)[1], 0);
  const high = parts.reduce<number>((sum, p) => sum + bounds(p)[0], 0);
  return [wLow - low, wHigh - high];
}

/** The attack learns nothing if every value 1–4 stays possible. */
function expectNothingLearnt(range: [number, number]): void {
  expect(range[0]).toBeLessThanOrEqual(1);
  expect(range[1]).toBeGreaterThanOrEqual(4);
}

describe("differencing attacks", () => {
  it("the attack helpers do catch a leak (exact figures: 8 - (5 + 0 + 0) = 3)", () => {
    expect(() => expectNothingLearnt(difference(8, [5, 0, 0]))).toThrow();
    expect(() => expectNothingLearnt(difference({ from: 6, to: 9 }, [5, 0, 0]))).not.toThrow();
  });

  const t = useMigratedDatabase();
  let world: AnalyticsWorld;
  beforeAll(async () => {
    world = await buildAnalyticsWorld(t.db);
  });

  const ask = async (text: string): Promise<Answer> => {
    const result = await askQuestion(t.db, world.staff.centre, text, NOW);
    if (result.kind !== "answer") throw new Error(`${text}: ${JSON.stringify(result)}`);
    return result.answer;
  };
  const row = (answer: Answer, label: string) => {
    const found = answer.rows.find((r) => r.label === label);
    if (!found) throw new Error(`no row ${label} in ${answer.rows.map((r) => r.label).join(", ")}`);
    return found.value;
  };
  const only = (answer: Answer) => answer.rows[0]!.value;

  it("all first-years minus first-years by programme: Computing's 3 stay hidden", async () => {
    const all = await ask("how many first-years had no VLE activity in the last 14 days?");
    const byProgramme = await ask("how many first-years had no VLE activity in the last 14 days, by programme?");
    expect(row(byProgramme, "BSc Computing")).toBe(FEWER_THAN_5);
    // Shown exactly, 8 - (5 + 0 + 0) would give 3.
    expectNothingLearnt(
      difference(
        only(all),
        ["BA History", "LLB Law", "MEng Software Engineering"].map((l) => row(byProgramme, l)),
      ),
    );
    // The card's own total is the same protected figure.
    expect(byProgramme.total!.value).toEqual(only(all));
  });

  it("Computing, all years, minus Computing by year", async () => {
    const all = await ask("how many students in Computing had no VLE activity in the last 14 days?");
    const byYear = await ask("how many students in Computing had no VLE activity in the last 14 days, by year?");
    expect(row(byYear, "Year 1")).toBe(FEWER_THAN_5);
    expectNothingLearnt(difference(only(all), [row(byYear, "Year 2"), row(byYear, "Year 3")]));
  });

  it("final-years minus third-years: the MEng fourth-years stay hidden", async () => {
    const finalYears = await ask("how many final-years had no VLE activity in the last 14 days?");
    const thirdYears = await ask("how many third-years had no VLE activity in the last 14 days?");
    const fourthYears = await ask("how many fourth-years had no VLE activity in the last 14 days?");
    expect(only(fourthYears)).toBe(FEWER_THAN_5);
    expect(only(thirdYears)).toBe(5);
    // Shown exactly, 9 - 5 would give 4.
    expectNothingLearnt(difference(only(finalYears), [only(thirdYears)]));
  });

  it("a card's total minus its rows", async () => {
    const byYear = await ask("how many students had no VLE activity in the last 14 days, by year?");
    expect(row(byYear, "Year 4")).toBe(FEWER_THAN_5);
    expectNothingLearnt(
      difference(
        byYear.total!.value,
        ["Year 1", "Year 2", "Year 3"].map((l) => row(byYear, l)),
      ),
    );
  });

  it("a rule across all programmes minus the same rule in each programme", async () => {
    const top = await ask("which rules flagged most students this week?");
    const perProgramme = await Promise.all(
      ["Computing", "History", "Law", "Software Engineering"].map((p) => ask(`how many students in ${p} were flagged this week, by rule?`)),
    );
    const noVle = perProgramme.map((a) => row(a, RULES.noVle.title));
    expect(noVle[3]).toBe(FEWER_THAN_5);
    // Shown exactly, 24 - (9 + 6 + 5) would give Software Engineering's 4.
    expectNothingLearnt(difference(row(top, RULES.noVle.title), noVle.slice(0, 3)));
  });

  it("flags by year against flags by programme (two partitions of the same students)", async () => {
    const byYear = await ask("flags by year this month");
    const byProgramme = await ask("flags by programme this month");
    expect(byYear.total!.value).toEqual(byProgramme.total!.value);
    expectNothingLearnt(
      difference(
        byYear.total!.value,
        ["BA History", "BSc Computing", "LLB Law"].map((l) => row(byProgramme, l)),
      ),
    );
    expectNothingLearnt(
      difference(
        byProgramme.total!.value,
        ["Year 1", "Year 2", "Year 3"].map((l) => row(byYear, l)),
      ),
    );
  });

  it("meetings: a programme's row minus its years", async () => {
    const all = await ask("invitations and meetings for students in History this month");
    const byYear = await ask("invitations and meetings for students this month, by year");
    expect(all.rows[0]!.figures!["no-shows"]).toBe(FEWER_THAN_5);
    expect(byYear.total!.figures!["no-shows"]).toBe(FEWER_THAN_5);
  });

  it("reply rates never give back a hidden count", async () => {
    const answer = await ask("reply rate by channel this month");
    const email = answer.rows.find((r) => r.key === "email")!;
    expect(email.value).toBe(8);
    expect(email.figures!.replied).toBe(FEWER_THAN_5);
    // 8 messaged × a rate would be the 2 who replied.
    expect(email.figures!["reply rate (%)"]).toBe("not shown");
  });

  describe("a hidden cell's true value changes no answer", () => {
    const FLAG_QUESTIONS = [
      "how many students were flagged this week?",
      "flags by programme this month",
      "flags by year in the last 30 days",
      "flags by week in the last 8 weeks",
      "which rules flagged most students this week?",
      "how many students in Computing were flagged this week, by rule?",
      "how many first-years were flagged this week?",
      "how many first-years in Computing were flagged this week, by year?",
    ];
    const INACTIVE_QUESTIONS = [
      "how many first-years in Computing had no VLE activity in the last 14 days?",
      "how many first-years had no VLE activity in the last 14 days, by programme?",
      "how many students had no VLE activity in the last 14 days, by year?",
      "how many students in Computing had no VLE activity in the last 14 days, by year?",
      "how many students had no VLE activity in the last 7 days?",
    ];
    const snapshot = async (questions: readonly string[]) => Promise.all(questions.map(async (q) => ({ ...(await ask(q)), notes: [] })));

    it("Computing first-years flagged: 3, then 4", async () => {
      const before = await snapshot(FLAG_QUESTIONS);
      const student = world.ids.get(COHORTS.COMP1![3]!)!;
      const added = await t.db.prisma.flag.create({
        data: {
          studentId: student,
          ruleId: RULES.noVle.id,
          ruleVersion: 1,
          periodKey: "2026-11-20",
          day: D,
          evidence: {},
          raisedAt: new Date((D + 1) * DAY_MS + 6 * 3_600_000),
        },
      });
      try {
        const range = { from: D - 4, to: D + 1 };
        const comp1 = (await flagCells(t.db, range, { from: new Date(range.from * DAY_MS), until: new Date((range.to + 1) * DAY_MS) }, {}, "all")).find(
          (c) => c.programme === world.programmeIds["COMP-BSC"] && c.year === 1,
        );
        expect(comp1?.n).toBe(4);
        expect(await snapshot(FLAG_QUESTIONS)).toEqual(before);
      } finally {
        await t.db.prisma.flag.delete({ where: { id: added.id } });
      }
    });

    it("Computing first-years with no VLE activity: 3, then 4", async () => {
      const before = await snapshot(INACTIVE_QUESTIONS);
      const student = world.ids.get(COHORTS.COMP1![3]!)!;
      const removed = await t.db.prisma.engagementDaily.findMany({ where: { studentId: student, source: "vle", day: { gte: D - 20 } } });
      await t.db.prisma.engagementDaily.deleteMany({ where: { studentId: student, source: "vle", day: { gte: D - 20 } } });
      try {
        const comp1 = (await inactiveCells(t.db, "vle", { from: D - 13, to: D }, {})).find(
          (c) => c.programme === world.programmeIds["COMP-BSC"] && c.year === 1,
        );
        expect(comp1?.n).toBe(4);
        expect(await snapshot(INACTIVE_QUESTIONS)).toEqual(before);
      } finally {
        await t.db.prisma.engagementDaily.createMany({ data: removed });
      }
    });
  });
});
