import { describe, expect, it } from "vitest";
import { averageOverCohorts, FEWER_THAN_5, NOT_SHOWN, rateOf, sumOfCells, type Figure } from "../../analytics/index.ts";
import { roundedSum, roundingSteps, shownSize } from "../../access/index.ts";
import { blocksOf, mondayOf, resolvePeriod, startOfDay } from "../../analytics/periods.ts";
import { D } from "../analytics/world.ts";

describe("small numbers", () => {
  it.each([
    [[0], 0],
    [[1], FEWER_THAN_5],
    [[4], FEWER_THAN_5],
    [[5], 5],
    [[], 0],
    [[0, 0, 7], 7],
  ] as [number[], Figure][])("cells %j show as %j", (cells, shown) => {
    expect(sumOfCells(cells)).toEqual(shown);
  });

  it("a sum over one hidden cell is the range the cells allow, never the exact figure", () => {
    expect(sumOfCells([3, 10, 12])).toEqual({ from: 23, to: 26 });
  });

  it("a sum over two or three hidden cells is about the middle of their whole range, whatever their values", () => {
    // Two hidden cells: 2 to 8, about 5.
    expect(sumOfCells([2, 1, 40])).toEqual({ about: 45, from: 42, to: 48 });
    expect(sumOfCells([4, 4, 40])).toEqual({ about: 45, from: 42, to: 48 });
    expect(sumOfCells([2, 3])).toEqual({ about: 5, from: 2, to: 8 });
    // Three: 3 to 12, about 8.
    expect(sumOfCells([1, 1, 1, 6])).toEqual({ about: 14, from: 9, to: 18 });
    expect(sumOfCells([4, 4, 4, 6])).toEqual({ about: 14, from: 9, to: 18 });
  });

  it("from four hidden cells, their sum is rounded in steps of 5 (HESA), the end steps widened", () => {
    // Four hidden cells: 4 to 16 in steps 4–7, 8–12, 13–16 (the ends hold 4 values each).
    expect(roundingSteps(4)).toEqual([
      { from: 4, to: 7 },
      { from: 8, to: 12 },
      { from: 13, to: 16 },
    ]);
    expect(sumOfCells([1, 1, 1, 1, 20])).toEqual({ about: 26, from: 24, to: 27 });
    expect(sumOfCells([1, 2, 3, 4, 20])).toEqual({ about: 30, from: 28, to: 32 });
    expect(sumOfCells([4, 4, 4, 4, 20])).toEqual({ about: 35, from: 33, to: 36 });
    // Nineteen hidden cells (19 to 76, where the range was "19–76"): the end steps are 19–22 and 73–76,
    // the others HESA's 23–27, 28–32, …; a sum of 49 is in 48–52, about 50.
    expect(roundingSteps(19)[0]).toEqual({ from: 19, to: 22 });
    expect(roundingSteps(19).at(-1)).toEqual({ from: 73, to: 76 });
    const nineteen = [...Array(11).fill(3), ...Array(8).fill(2)]; // 33 + 16 = 49
    expect(sumOfCells(nineteen)).toEqual({ about: 50, from: 48, to: 52 });
  });

  it("a rounded sum is within 5 of the truth, and every value 1–4 of each hidden cell stays possible within its step", () => {
    for (let hidden = 2; hidden <= 40; hidden++) {
      const steps = roundingSteps(hidden);
      expect(steps[0]!.from).toBe(hidden);
      expect(steps.at(-1)!.to).toBe(4 * hidden);
      for (const [i, step] of steps.entries()) {
        if (i > 0) expect(step.from).toBe(steps[i - 1]!.to + 1);
        // The other cells sum to hidden − 1 … 4(hidden − 1): a cell can be v if step − v meets that.
        for (const v of [1, 2, 3, 4]) expect(step.from - v <= 4 * (hidden - 1) && step.to - v >= hidden - 1).toBe(true);
      }
      for (let sum = hidden; sum <= 4 * hidden; sum++) {
        const shown = roundedSum(0, hidden, sum);
        expect(Math.abs(shown.about - sum)).toBeLessThanOrEqual(5);
        expect(sum).toBeGreaterThanOrEqual(shown.from);
        expect(sum).toBeLessThanOrEqual(shown.to);
      }
    }
  });
});

describe("rates and averages", () => {
  it("a rate needs 5 or more in the denominator and two exact figures", () => {
    expect(rateOf(6, 9)).toBe(66.7);
    expect(rateOf(0, 9)).toBe(0);
    expect(rateOf(FEWER_THAN_5, FEWER_THAN_5)).toBe(FEWER_THAN_5);
    expect(rateOf(0, FEWER_THAN_5)).toBe(FEWER_THAN_5);
    expect(rateOf(FEWER_THAN_5, 8)).toBe(NOT_SHOWN);
    expect(rateOf(6, { from: 10, to: 13 })).toBe(NOT_SHOWN);
    expect(rateOf(0, 0)).toBeNull();
  });

  it("a rate of a rounded figure is about a whole percentage, and only over 23 or more (HESA: 22.5)", () => {
    expect(rateOf({ about: 45, from: 42, to: 48 }, 200)).toEqual({ about: 23, from: 21, to: 24 });
    expect(rateOf({ about: 5, from: 2, to: 8 }, 22)).toBe(NOT_SHOWN);
    expect(rateOf({ about: 5, from: 2, to: 8 }, 23)).toEqual({ about: 22, from: 9, to: 35 });
  });

  it("averages leave out cohorts of fewer than 5 students", () => {
    expect(
      averageOverCohorts([
        { students: 10, total: 100 },
        { students: 3, total: 900 },
      ]),
    ).toEqual({ value: 10, leftOut: 1 });
    expect(averageOverCohorts([{ students: 3, total: 9 }])).toEqual({ value: FEWER_THAN_5, leftOut: 1 });
    expect(averageOverCohorts([])).toEqual({ value: null, leftOut: 0 });
  });

  it("ranks by the figure as shown", () => {
    expect([sumOfCells([4]), sumOfCells([1]), sumOfCells([6])].map(shownSize)).toEqual([1, 1, 6]);
    expect(shownSize({ from: 9, to: 12 })).toBe(9);
  });
});

/**
 * Why differencing cannot work: every answerable figure over a programme × year table (each cell,
 * each programme, each year, each programme's final year, the whole) whose cells hold 3 hidden
 * cells or fewer is the same whatever a hidden cell's true value is between 1 and 4. So no set of
 * such answers, subtracted in any way, tells them apart.
 *
 * A figure over 4 hidden cells or more cannot be both: its truth spans 3 × 4 = 12 or more, and no
 * one figure is within 5 of all of it. There, the figure follows the hidden cells' sum in steps
 * (rule 2), and what holds is that it is within 5 of the truth and that, set beside the exact
 * cells, it leaves every value 1 to 4 of every hidden cell possible.
 */
describe("differencing over every cohort filter", () => {
  type Table = number[][]; // [programme][year]
  const lengths = [3, 3, 4];
  function answers(table: Table): { cells: number[]; figure: Figure }[] {
    const out: { cells: number[]; figure: Figure }[] = [];
    const years = [0, 1, 2, 3];
    const cell = (p: number, y: number) => table[p]![y] ?? 0;
    const programmes = table.map((_, p) => p);
    const add = (cells: number[]) => out.push({ cells, figure: sumOfCells(cells) });
    for (const p of programmes) for (const y of years) add([cell(p, y)]);
    for (const p of programmes) add(years.map((y) => cell(p, y)));
    for (const y of years) add(programmes.map((p) => cell(p, y)));
    add(programmes.map((p) => cell(p, lengths[p]! - 1)));
    add(programmes.flatMap((p) => years.map((y) => cell(p, y))));
    // Unions of programmes (a title word shared by several).
    for (const [a, b] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      add([...years.map((y) => cell(a, y)), ...years.map((y) => cell(b, y))]);
      for (const y of years) add([cell(a, y), cell(b, y)]);
    }
    return out;
  }
  const hiddenIn = (cells: readonly number[]) => cells.filter((n) => n >= 1 && n <= 4).length;

  // A deterministic pseudo-random sequence, so a failure can be replayed.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const value = () => [0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30][Math.floor(random() * 11)]!;

  it("200 random tables: changing any hidden cell within 1–4 changes no answer over 3 hidden cells or fewer", () => {
    let checked = 0;
    for (let round = 0; round < 200; round++) {
      const table: Table = lengths.map((length) => Array.from({ length }, value));
      const before = answers(table);
      const invariant = before.map((a) => hiddenIn(a.cells) <= 3);
      table.forEach(
        (row, p) =>
          void row.forEach((n, y) => {
            if (n < 1 || n > 4) return;
            for (const other of [1, 2, 3, 4]) {
              const changed = table.map((r) => [...r]);
              changed[p]![y] = other;
              const after = answers(changed);
              for (const [i, answer] of after.entries()) {
                if (!invariant[i]) continue;
                expect(answer.figure).toEqual(before[i]!.figure);
                checked++;
              }
            }
          }),
      );
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it("200 random tables: an answer over 4 hidden cells or more is within 5 of the truth, and set beside the exact cells leaves each hidden cell every value 1–4", () => {
    let checked = 0;
    for (let round = 0; round < 200; round++) {
      const table: Table = lengths.map((length) => Array.from({ length }, value));
      for (const { cells, figure } of answers(table)) {
        const hidden = hiddenIn(cells);
        if (hidden < 4) continue;
        checked++;
        const truth = cells.reduce((sum, n) => sum + n, 0);
        const exact = truth - cells.filter((n) => n >= 1 && n <= 4).reduce((sum, n) => sum + n, 0);
        if (!figure || typeof figure !== "object" || !("about" in figure)) throw new Error(`not rounded: ${JSON.stringify(figure)}`);
        expect(Math.abs(figure.about - truth)).toBeLessThanOrEqual(5);
        expect(truth).toBeGreaterThanOrEqual(figure.from);
        expect(truth).toBeLessThanOrEqual(figure.to);
        // What the figure and the exact cells say about the hidden cells' sum; the others sum to hidden − 1 … 4(hidden − 1).
        const [low, high] = [figure.from - exact, figure.to - exact];
        for (const v of [1, 2, 3, 4]) expect(low - v <= 4 * (hidden - 1) && high - v >= hidden - 1).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe("periods", () => {
  const today = D + 1; // Saturday 21 November 2026

  it.each([
    [{ kind: "last_days", days: 14 }, D - 13, D],
    [{ kind: "last_weeks", weeks: 2 }, D - 13, D],
    [{ kind: "today" }, D + 1, D + 1],
    [{ kind: "yesterday" }, D, D],
    [{ kind: "this_week" }, D - 4, D + 1],
    [{ kind: "last_week" }, D - 11, D - 5],
    [{ kind: "this_month" }, D - 19, D + 1],
    [{ kind: "last_month" }, D - 50, D - 20],
    [{ kind: "last_months", months: 1 }, D - 30, D],
  ] as const)("%j", (period, from, to) => {
    expect(resolvePeriod(period, today)).toEqual({ from, to });
  });

  it("weeks start on Monday", () => {
    expect(new Date(mondayOf(today) * 86_400_000).toISOString().slice(0, 10)).toBe("2026-11-16");
    expect(mondayOf(mondayOf(today))).toBe(mondayOf(today));
  });

  it("local midnight in summer time and in winter", () => {
    const june1 = Date.UTC(2026, 5, 1) / 86_400_000;
    expect(startOfDay(june1, "Europe/London").toISOString()).toBe("2026-05-31T23:00:00.000Z");
    expect(startOfDay(D, "Europe/London").toISOString()).toBe("2026-11-20T00:00:00.000Z");
    const clocksGoForward = Date.UTC(2026, 2, 29) / 86_400_000;
    expect(startOfDay(clocksGoForward, "Europe/London").toISOString()).toBe("2026-03-29T00:00:00.000Z");
    expect(startOfDay(clocksGoForward + 1, "Europe/London").toISOString()).toBe("2026-03-29T23:00:00.000Z");
  });

  it("week blocks are counted back from the end; only the oldest can be short", () => {
    expect(blocksOf({ from: D - 9, to: D }).map((b) => [b.from, b.to, b.days])).toEqual([
      [D - 9, D - 7, 3],
      [D - 6, D, 7],
    ]);
  });
});
