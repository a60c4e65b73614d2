/**
 * "What proportion of…": students with no activity beside the students enrolled, and the share,
 * shown only from two exact figures over at least 5 students (disclosure.ts, rule 3). Figures
 * worked out by hand from world.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { askQuestion, FEWER_THAN_5, NOT_SHOWN, parseQuestion, type Answer } from "../../analytics/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildAnalyticsWorld, NOW, PROGRAMMES, type AnalyticsWorld } from "./world.ts";

describe("proportions of students with no activity", () => {
  it("reads 'what proportion of', 'percentage of' and 'share of' as the share, and only for no activity", () => {
    const vocabulary = { programmes: PROGRAMMES.map((p) => ({ code: p.code, title: p.title })) };
    for (const text of [
      "what proportion of first years haven't used the library in the last 6 weeks?",
      "percentage of first-years with no library activity in the last 6 weeks",
      "share of first years who never visited the library in the past 6 weeks",
    ]) {
      const parsed = parseQuestion(text, vocabulary);
      expect(parsed.ok && parsed.query).toEqual({
        kind: "inactive",
        source: "library",
        period: { kind: "last_weeks", weeks: 6 },
        cohort: { year: 1 },
        groupBy: "none",
        share: true,
      });
    }
    const flags = parseQuestion("what proportion of students were flagged this week", vocabulary);
    expect(flags.ok).toBe(false);
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

  it("second-years in Computing: 6 of 8, 75%", async () => {
    const answer = await ask("what proportion of second years in Computing had no VLE activity in the last 14 days?");
    expect(answer.columns).toEqual(["students", "enrolled", "share (%)"]);
    expect(answer.rows).toEqual([{ label: "Second-years in BSc Computing", value: 6, figures: { enrolled: 8, "share (%)": 75 } }]);
  });

  it("by programme: a share only where both figures are exact", async () => {
    const answer = await ask("what percentage of students had no VLE activity in the last 14 days, by programme?");
    const byLabel = Object.fromEntries(answer.rows.map((r) => [r.label, [r.value, r.figures!.enrolled, r.figures!["share (%)"]]]));
    expect(byLabel).toEqual({
      // History 5 + 1 of 7 + 3: both sums include a hidden cell.
      "BA History": [{ from: 6, to: 9 }, { from: 8, to: 11 }, NOT_SHOWN],
      // Computing 3 + 6 + 0 of 12 + 8 + 6.
      "BSc Computing": [{ from: 7, to: 10 }, 26, NOT_SHOWN],
      // Law 0 + 5 of 8 + 6: 5 of 14.
      "LLB Law": [5, 14, 35.7],
      // MEng 0 + 4 of 5 + 5.
      "MEng Software Engineering": [FEWER_THAN_5, 10, NOT_SHOWN],
    });
  });
});
