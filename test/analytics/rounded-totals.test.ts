/**
 * Totals over many hidden cells (disclosure rule 2): the institution-wide "how many students had no
 * VLE activity in the last 14 days?" over twenty small cohorts, seventeen of them 1 to 4. As a
 * range it was "28–79"; rounded, it is within 5 of the truth. Every truth below is counted by hand
 * from the table, not by the code under test.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { roleScopeKey } from "../../access/index.ts";
import { askQuestion, type Answer, type Figure } from "../../analytics/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { buildWorld, D, except, healthy, RUN_TIME, type DayActivity, type StudentSpec } from "../rules/world.ts";

/** [programme, year, students, of whom no VLE activity from D-20 on]. */
const COHORTS: readonly [string, number, number, number][] = [
  ["P01", 1, 6, 3],
  ["P01", 2, 6, 2],
  ["P02", 1, 5, 1],
  ["P02", 2, 7, 4],
  ["P03", 1, 8, 6],
  ["P03", 2, 5, 2],
  ["P04", 1, 5, 3],
  ["P04", 2, 5, 1],
  ["P05", 1, 9, 4],
  ["P05", 2, 5, 0],
  ["P06", 1, 6, 2],
  ["P06", 2, 6, 3],
  ["P07", 1, 5, 4],
  ["P07", 2, 7, 5],
  ["P08", 1, 5, 1],
  ["P08", 2, 5, 2],
  ["P09", 1, 6, 3],
  ["P09", 2, 5, 4],
  ["P10", 1, 5, 2],
  ["P10", 2, 8, 1],
];

const noVle = except(healthy(), (day, usual): DayActivity => (day >= D - 20 ? { ...usual, vle: undefined } : usual));

function specs(): StudentSpec[] {
  const out: StudentSpec[] = [];
  let next = 1;
  for (const [programme, year, size, inactive] of COHORTS)
    for (let i = 0; i < size; i++) out.push({ number: `S${String(next++).padStart(7, "0")}`, programme, year, activity: i < inactive ? noVle : healthy() });
  return out;
}

const within5 = (figure: Figure, truth: number) => {
  if (!figure || typeof figure !== "object" || !("about" in figure)) throw new Error(`not rounded: ${JSON.stringify(figure)}`);
  expect(Math.abs(figure.about - truth)).toBeLessThanOrEqual(5);
  expect(truth).toBeGreaterThanOrEqual(figure.from);
  expect(truth).toBeLessThanOrEqual(figure.to);
};

describe.each(databaseKindsUnderTest())("totals over many small groups on %s", (kind) => {
  const t = useMigratedDatabase(kind);
  beforeAll(async () => {
    await buildWorld(t.db, specs());
    const staff = await t.db.prisma.staff.create({ data: { staffNumber: "C0001", displayName: "Student Centre" } });
    await t.db.prisma.staffRoleAssignment.create({ data: { staffId: staff.id, role: "student_centre", scopeKey: roleScopeKey("student_centre", {}) } });
  });
  const ask = async (text: string): Promise<Answer> => {
    await t.db.prisma.analyticsRelease.deleteMany();
    const result = await askQuestion(t.db, "C0001", text, RUN_TIME);
    if (result.kind !== "answer") throw new Error(`${text}: ${JSON.stringify(result)}`);
    return result.answer;
  };

  it("the whole institution: 53 students, about 51 (not the range 28–79)", async () => {
    // Hidden cells: 3 2 1 4 · 2 3 1 4 · 2 3 4 1 · 2 3 4 2 1 = 42 over 17 cells; exact: P03 y1 6, P07 y2 5, P05 y2 0 = 11.
    // 17 hidden cells sum to 17…68 in steps 17–22, 23–27, …, 38–42, …: 42 is in 38–42, shown as 40.
    const answer = await ask("how many students had no VLE activity in the last 14 days?");
    expect(answer.rows[0]!.value).toEqual({ about: 51, from: 49, to: 53 });
    within5(answer.rows[0]!.value, 53);
  });

  it("by year: each year and the total within 5 of the truth", async () => {
    const answer = await ask("how many students had no VLE activity in the last 14 days, by year?");
    // Year 1: hidden 3 1 3 4 2 4 1 3 2 = 23 over 9 cells (steps 9–12, 13–17, 18–22, 23–27, …), exact 6: about 31; truth 29.
    // Year 2: hidden 2 4 2 1 3 2 4 1 = 19 over 8 cells (steps 8–12, 13–17, 18–22, …), exact 5: about 25; truth 24.
    expect(answer.rows.map((r) => [r.label, r.value])).toEqual([
      ["Year 1", { about: 31, from: 29, to: 33 }],
      ["Year 2", { about: 25, from: 23, to: 27 }],
    ]);
    within5(answer.rows[0]!.value, 29);
    within5(answer.rows[1]!.value, 24);
    expect(answer.total!.value).toEqual({ about: 51, from: 49, to: 53 });
  });

  it("the share of the 119 enrolled: about 43%, from the rounded figure (the truth is 44.5%)", async () => {
    const answer = await ask("what proportion of students had no VLE activity in the last 14 days?");
    const row = answer.rows[0]!;
    expect(row.figures!.enrolled).toBe(119);
    // 51 / 119 = 42.9%, 49 / 119 = 41.2%, 53 / 119 = 44.5%.
    expect(row.figures!["share (%)"]).toEqual({ about: 43, from: 41, to: 45 });
  });

  it("two or three small groups: one figure whatever their values (P01: 3 and 2, about 5)", async () => {
    const answer = await ask("how many students in P01 had no VLE activity in the last 14 days?");
    expect(answer.rows[0]!.value).toEqual({ about: 5, from: 2, to: 8 });
  });
});
