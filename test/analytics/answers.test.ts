/**
 * Every documented example, asked through `askQuestion` on the hand-built world (world.ts), with
 * the figures worked out by hand from the table there. "f5" is "fewer than 5"; {from, to} a total
 * that includes a hidden cell.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { askQuestion, FEWER_THAN_5, QUESTIONS, type Answer } from "../../analytics/index.ts";
import { EXPECTED } from "./expected-answers.ts";

const f5 = FEWER_THAN_5;
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildAnalyticsWorld, NOW, type AnalyticsWorld } from "./world.ts";

const cells = (answer: Answer, row: Answer["rows"][number]) => [row.value, ...answer.columns.slice(1).map((c) => row.figures?.[c] ?? null)];

describe("answers to the documented examples", () => {
  const t = useMigratedDatabase();
  let world: AnalyticsWorld;
  beforeAll(async () => {
    world = await buildAnalyticsWorld(t.db);
  });
  // Each example is answered as a first question: nothing shown before, so nothing banded.
  beforeEach(async () => {
    await t.db.prisma.analyticsRelease.deleteMany();
  });

  const ask = async (text: string) => {
    const result = await askQuestion(t.db, world.staff.centre, text, NOW);
    if (result.kind !== "answer") throw new Error(`${text}: ${JSON.stringify(result)}`);
    return result.answer;
  };

  it("covers every example", () => {
    expect(new Set(QUESTIONS.flatMap((q) => q.examples))).toEqual(new Set(Object.keys(EXPECTED)));
  });

  it.each(Object.entries(EXPECTED))("%s", async (text, expected) => {
    const answer = await ask(text);
    expect(answer.rows.map((row) => [row.label, ...cells(answer, row)])).toEqual(expected.rows);
    if (expected.title) expect(answer.title).toBe(expected.title);
    if (expected.period) expect([answer.period.from, answer.period.to]).toEqual(expected.period);
    if (expected.columns) expect(answer.columns).toEqual(expected.columns);
    if (expected.total === null) expect(answer.total).toBeUndefined();
    else if (expected.total) expect(cells(answer, answer.total!)).toEqual(expected.total);
    if (expected.chart) expect(answer.chart.kind).toBe(expected.chart);
    // Every card says how fresh the data is.
    expect(answer.freshness).toEqual({ vle: "2026-11-20", attendance: "2026-11-20", library: "2026-11-20", submission: "2026-11-20", printing: null });
  });

  it("charts draw exact figures only", async () => {
    const answer = await ask("flags by programme this month");
    expect(answer.chart).toEqual({
      kind: "bar",
      labels: ["BA History", "BSc Computing", "LLB Law", "MEng Software Engineering"],
      series: [{ name: "students flagged", values: [null, null, 5, null] }],
    });
    const trend = await ask("VLE engagement trend for second-years over the last 8 weeks");
    expect(trend.chart.series).toEqual([{ name: "VLE", values: [140, 140, 140, 140, 140, 35, 35, 35] }]);
  });

  it("says when small cohorts are left out of averages, and a cohort too small for any is 'fewer than 5'", async () => {
    const second = await ask("VLE engagement trend for second-years over the last 8 weeks");
    expect(second.notes).toContain("Cohorts (programme and year) of fewer than 5 students are left out of the averages (1 here).");
    const tiny = await ask("VLE engagement trend for second-years in History over the last 2 weeks");
    expect(tiny.rows.map((row) => row.value)).toEqual([f5, f5]);
  });

  it("a feed that has not caught up is said, and no data is not counted as inactivity", async () => {
    await t.db.prisma.feedFreshness.update({ where: { feed: "library" }, data: { lastDataDay: 20777 - 3 } });
    try {
      const partial = await ask("how many students had no library activity in the last 7 days?");
      expect(partial.notes).toContain("Library data ends on 17 Nov 2026: the last 3 day(s) of the period have none yet.");
      const none = await ask("how many students had no printing activity in the last 7 days?");
      expect(none.rows).toEqual([{ label: "Students", value: null }]);
      expect(none.notes).toContain("No Printing data has been loaded.");
    } finally {
      await t.db.prisma.feedFreshness.update({ where: { feed: "library" }, data: { lastDataDay: 20777 } });
    }
  });

  it("students who withdrew analytics consent or restricted processing are not counted", async () => {
    // COMP2: 6 without VLE; take one out each way and 4 remain: now a hidden cell.
    const [first, second] = ["S0000013", "S0000014"].map((n) => world.ids.get(n)!);
    await t.db.prisma.consent.create({ data: { studentId: first!, purpose: "analytics", state: "withdrawn", source: "teams", recordedAt: NOW } });
    await t.db.prisma.student.update({ where: { id: second! }, data: { restrictedAt: NOW } });
    try {
      const answer = await ask("how many second-years in Computing had no VLE activity in the last 14 days?");
      expect(answer.rows[0]!.value).toBe(f5);
    } finally {
      await t.db.prisma.consent.create({
        data: { studentId: first!, purpose: "analytics", state: "granted", source: "teams", recordedAt: new Date(NOW.getTime() + 1000) },
      });
      await t.db.prisma.student.update({ where: { id: second! }, data: { restrictedAt: null } });
    }
    expect((await ask("how many second-years in Computing had no VLE activity in the last 14 days?")).rows[0]!.value).toBe(6);
  });
});
