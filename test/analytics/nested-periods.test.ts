/**
 * Differencing over nested periods and measures (the probe): two answers whose students nest, one
 * within the other, must not differ by a known 1 to 4. The true groups come from the world's table
 * (recency-world.ts); the figures from `askQuestion`, on each database.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { askQuestion, FEWER_THAN_5, type Answer, type Figure } from "../../analytics/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { RUN_TIME } from "../rules/world.ts";
import { buildRecencyWorld, D, inactiveIn, RECENCY } from "./recency-world.ts";

function bounds(figure: Figure): [number, number] {
  if (typeof figure === "number") return [figure, figure];
  if (figure === FEWER_THAN_5) return [1, 4];
  if (figure && typeof figure === "object" && "from" in figure) return [figure.from, figure.to];
  throw new Error(`not a count: ${JSON.stringify(figure)}`);
}

/** What the answers tell about |wider| - |narrower| when the narrower's students are among the wider's. */
function difference(narrower: Figure, wider: Figure): [number, number] {
  const [nLow, nHigh] = bounds(narrower);
  const [wLow, wHigh] = bounds(wider);
  return [Math.max(0, wLow - nHigh), wHigh - nLow];
}

/** A group of 1 to 4 is singled out when the answers pin it down more closely than "fewer than 5". */
const singlesOut = ([low, high]: [number, number]) => low >= 1 && high <= 4 && (low > 1 || high < 4);

describe("the helpers", () => {
  it("catch the probe's leak: 17 and 16 single out one student; 17 and 15–19 do not", () => {
    expect(singlesOut(difference(16, 17))).toBe(true);
    expect(singlesOut(difference({ from: 15, to: 19 }, 17))).toBe(false);
    expect(singlesOut(difference(FEWER_THAN_5, 5))).toBe(false);
  });
});

describe.each(databaseKindsUnderTest())("nested periods and measures on %s", (kind) => {
  const t = useMigratedDatabase(kind);
  let centre: string;
  beforeAll(async () => {
    centre = (await buildRecencyWorld(t.db)).centre;
  });
  // Each case starts from nothing shown, as a staff member's first questions.
  beforeEach(async () => {
    await t.db.prisma.analyticsRelease.deleteMany();
  });

  const ask = async (text: string): Promise<Answer> => {
    const result = await askQuestion(t.db, centre, text, RUN_TIME);
    if (result.kind !== "answer") throw new Error(`${text}: ${JSON.stringify(result)}`);
    return result.answer;
  };
  /** First-years in Computing with no `source` activity in the last `days` days, counted from the table. */
  const truth = (source: "library" | "any", days: number) => RECENCY.filter((s) => s.cohort === "COMP1" && inactiveIn(s, source, D - days + 1, D)).length;

  it("the world is the probe's: 17/16, 15/14 and 13/12 over 5/6, 11/12 and 15/16 days", () => {
    expect([5, 6, 11, 12, 15, 16].map((n) => truth("library", n))).toEqual([17, 16, 15, 14, 13, 12]);
    expect([truth("library", 14), truth("any", 14)]).toEqual([13, 10]);
  });

  it.each([
    [5, 6],
    [11, 12],
    [15, 16],
    [6, 5],
    [12, 11],
  ])("last %i days, then last %i days: no student singled out", async (first, second) => {
    const question = (n: number) => `how many first-years in Computing had no library activity in the last ${n} days?`;
    const a = await ask(question(first));
    const b = await ask(question(second));
    const [narrower, wider] = first > second ? [a, b] : [b, a];
    expect(singlesOut(difference(narrower.rows[0]!.value, wider.rows[0]!.value))).toBe(false);
  });

  it("says which period it used, and why", async () => {
    const answer = await ask("how many first-years in Computing had no library activity in the last 5 days?");
    expect(answer.period).toEqual({ from: "2026-11-14", to: "2026-11-20" });
    expect(answer.notes).toContain(
      "I used the last 7 days (you asked for the last 5 days): periods are rounded to 1, 2, 4, 8, 13, 26 or 52 weeks so that answers for nearby periods can't be combined to single out a student.",
    );
    expect(answer.rows[0]!.value).toBe(truth("library", 7));
  });

  it("periods on the grid that nest: the second answer is banded, and says why", async () => {
    const week = await ask("how many first-years in Computing had no library activity in the last 7 days?");
    const fortnight = await ask("how many first-years in Computing had no library activity in the last 14 days?");
    expect(week.rows[0]!.value).toBe(15);
    // 13 exactly would leave 15 - 13 = 2.
    expect(fortnight.rows[0]!.value).toEqual({ from: 10, to: 14 });
    expect(fortnight.notes).toContain(
      "Some figures are shown as a band of 5 (such as 15–19): you already have exact figures for the same students over an overlapping period or a related question, and two exact figures could be subtracted to single out a student.",
    );
    expect(singlesOut(difference(fortnight.rows[0]!.value, week.rows[0]!.value))).toBe(false);
  });

  it("a measure within another (no activity at all, within no library activity): 10 against 13 is not shown", async () => {
    const library = await ask("how many first-years in Computing had no library activity in the last 14 days?");
    const none = await ask("how many first-years in Computing had no activity in the last 14 days?");
    expect(library.rows[0]!.value).toBe(13);
    expect(singlesOut(difference(none.rows[0]!.value, library.rows[0]!.value))).toBe(false);
    expect(none.rows[0]!.value).toEqual({ from: 10, to: 14 });
  });

  it("a cohort within another over nested periods (first-years in Computing, 7 days; all of Computing, 14 days)", async () => {
    const first = await ask("how many first-years in Computing had no library activity in the last 7 days?");
    const all = await ask("how many students in Computing had no library activity in the last 14 days, by year?");
    // Computing's first-years over 14 days are within them over 7 days: that cell is banded.
    expect(first.rows[0]!.value).toBe(15);
    expect(all.rows.find((r) => r.label === "Year 1")!.value).toEqual({ from: 10, to: 14 });
  });

  it("the same question again gives the same answer", async () => {
    const question = "how many first-years in Computing had no library activity in the last 14 days?";
    const first = await ask(question);
    await ask("how many first-years in Computing had no library activity in the last 7 days?");
    expect((await ask(question)).rows).toEqual(first.rows);
  });

  it("a cohort within another over the same period stays exact (base cells protect it, disclosure.ts rule 2)", async () => {
    const first = await ask("how many first-years in Computing had no library activity in the last 14 days?");
    const all = await ask("how many students in Computing had no library activity in the last 14 days?");
    expect(first.rows[0]!.value).toBe(13);
    expect(all.rows[0]!.value).toBe(13 + RECENCY.filter((s) => s.cohort === "COMP2" && inactiveIn(s, "library", D - 13, D)).length);
  });

  it("another staff member's record is their own", async () => {
    await ask("how many first-years in Computing had no library activity in the last 7 days?");
    const result = await askQuestion(t.db, centre, "how many first-years in Computing had no library activity in the last 14 days?", RUN_TIME);
    const count = await t.db.prisma.analyticsRelease.count({ where: { staffNumber: centre } });
    expect(result.kind).toBe("answer");
    expect(count).toBe(1);
    expect(await t.db.prisma.analyticsRelease.count({ where: { NOT: { staffNumber: centre } } })).toBe(0);
  });
});
