import { describe, expect, it } from "vitest";
import { averageOverCohorts, FEWER_THAN_5, NOT_SHOWN, rateOf, sumOfCells, type Figure } from "../../analytics/index.ts";
import { shownSize } from "../../access/index.ts";
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

  it("a sum over a hidden cell is the range the cells allow, never the exact figure", () => {
    expect(sumOfCells([3, 10, 12])).toEqual({ from: 23, to: 26 });
    expect(sumOfCells([2, 1, 40])).toEqual({ from: 42, to: 48 });
    expect(sumOfCells([2, 3])).toEqual({ from: 2, to: 8 });
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
 * each programme, each year, each programme's final year, the whole) is the same whatever a hidden
 * cell's true value is between 1 and 4. So no set of answers, subtracted in any way, tells them apart.
 */
describe("differencing over every cohort filter", () => {
  type Table = number[][]; // [programme][year]
  const lengths = [3, 3, 4];
  function answers(table: Table): Figure[] {
    const out: Figure[] = [];
    const years = [0, 1, 2, 3];
    const cell = (p: number, y: number) => table[p]![y] ?? 0;
    const programmes = table.map((_, p) => p);
    for (const p of programmes) for (const y of years) out.push(sumOfCells([cell(p, y)]));
    for (const p of programmes) out.push(sumOfCells(years.map((y) => cell(p, y))));
    for (const y of years) out.push(sumOfCells(programmes.map((p) => cell(p, y))));
    out.push(sumOfCells(programmes.map((p) => cell(p, lengths[p]! - 1))));
    out.push(sumOfCells(programmes.flatMap((p) => years.map((y) => cell(p, y)))));
    // Unions of programmes (a title word shared by several).
    for (const [a, b] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      out.push(sumOfCells([...years.map((y) => cell(a, y)), ...years.map((y) => cell(b, y))]));
      for (const y of years) out.push(sumOfCells([cell(a, y), cell(b, y)]));
    }
    return out;
  }

  // A deterministic pseudo-random sequence, so a failure can be replayed.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const value = () => [0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30][Math.floor(random() * 11)]!;

  it("200 random tables: changing any hidden cell within 1–4 changes no answer", () => {
    for (let round = 0; round < 200; round++) {
      const table: Table = lengths.map((length) => Array.from({ length }, value));
      const before = answers(table);
      table.forEach(
        (row, p) =>
          void row.forEach((n, y) => {
            if (n < 1 || n > 4) return;
            for (const other of [1, 2, 3, 4]) {
              const changed = table.map((r) => [...r]);
              changed[p]![y] = other;
              expect(answers(changed)).toEqual(before);
            }
          }),
      );
    }
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
