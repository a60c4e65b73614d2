/**
 * `demo seed --effect RULE=DELTA` on a real database: the starter rule is imported and run over the
 * six weeks before the last two, and only students in the nudged arm gain VLE active days, DELTA
 * each, inside the 14 days after their first flag; held-out students' data is untouched.
 */
import { describe, expect, it } from "vitest";
import { DemoSeedError, parseEffect, seedDemo, seedEffect } from "../../demo/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";

const END = new Date("2026-11-27T00:00:00Z");
const END_DAY = Math.floor(END.getTime() / 86_400_000);

describe("demo seed --effect", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;

  it("reads RULE=DELTA and refuses anything else in plain words", () => {
    expect(parseEffect("no-vle-10-days=1.5")).toEqual({ ruleId: "no-vle-10-days", delta: 1.5 });
    expect(() => parseEffect("no-vle-10-days")).toThrow(DemoSeedError);
    expect(() => parseEffect("no-vle-10-days=-1")).toThrow("--effect must look like RULE=DELTA, e.g. no-vle-10-days=1.5 (got no-vle-10-days=-1)");
    expect(() => parseEffect("no-vle-10-days=20")).toThrow("--effect DELTA is extra active days in 14 days: from 0 to 14 (got 20)");
  });

  it("gives nudged students DELTA more active days after their first flag (fewer only where the window had no quiet days), and held-out students none", async () => {
    await seedDemo(db(), { students: 600, days: 70, seed: 5, endDate: END });
    const before = await db().prisma.engagementDaily.findMany({ where: { source: "vle" }, select: { studentId: true, day: true } });
    const report = await seedEffect(db(), { ruleId: "no-vle-10-days", delta: 2, seed: 5, endDay: END_DAY });
    expect(report.nudged).toBeGreaterThan(10);
    expect(report.heldOut).toBeGreaterThan(0);

    const flags = await db().prisma.flag.findMany({ where: { ruleId: "no-vle-10-days" }, orderBy: [{ day: "asc" }, { id: "asc" }] });
    expect(flags.every((f) => f.arm === "nudged" || f.arm === "held_out")).toBe(true);
    const first = new Map<number, { day: number; arm: string }>();
    for (const f of flags) if (!first.has(f.studentId)) first.set(f.studentId, { day: f.day, arm: f.arm! });

    const had = new Set(before.map((r) => `${r.studentId}|${r.day}`));
    const after = await db().prisma.engagementDaily.findMany({ where: { source: "vle" }, select: { studentId: true, day: true } });
    const added = after.filter((r) => !had.has(`${r.studentId}|${r.day}`));
    expect(added).toHaveLength(report.activeDaysAdded);
    const perStudent = new Map<number, number>();
    for (const row of added) {
      const flag = first.get(row.studentId);
      expect(flag?.arm).toBe("nudged");
      expect(row.day).toBeGreaterThan(flag!.day);
      expect(row.day).toBeLessThanOrEqual(flag!.day + 14);
      perStudent.set(row.studentId, (perStudent.get(row.studentId) ?? 0) + 1);
    }
    // Two each, unless a window had fewer than two quiet days.
    expect([...perStudent.values()].every((n) => n <= 2)).toBe(true);
    expect(report.activeDaysAdded).toBeGreaterThan(1.8 * report.nudged);
  }, 300_000);
});
