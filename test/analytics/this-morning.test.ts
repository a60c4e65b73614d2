/**
 * Centre answers agree with what staff saw that morning: on a Monday, the flags the 06:00 run
 * raised (dated by the data day, Sunday) count in "this week" and in "the last 7 days", and
 * verdicts tutors gave an hour ago count in "rule feedback from tutors". On the analytics world
 * (world.ts, D = Friday 20 November 2026), two days on: Monday 23 November, 10:00 London.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { askQuestion, type Answer } from "../../analytics/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildAnalyticsWorld, COHORTS, D, DAY_MS, RULES, type AnalyticsWorld } from "./world.ts";

const SUNDAY = D + 2;
const MONDAY = D + 3;
const MONDAY_RUN = new Date(MONDAY * DAY_MS + 6 * 3_600_000);
const MONDAY_10 = new Date(MONDAY * DAY_MS + 10 * 3_600_000);

describe("answers on a Monday include that morning's run and today's verdicts", () => {
  const t = useMigratedDatabase();
  let world: AnalyticsWorld;
  const ask = async (question: string): Promise<Answer> => {
    // Each as a first question: figures already shown over a nested period would be banded.
    await t.db.prisma.analyticsRelease.deleteMany();
    const result = await askQuestion(t.db, world.staff.centre, question, MONDAY_10);
    if (result.kind !== "answer") throw new Error(`${question}: ${JSON.stringify(result)}`);
    return result.answer;
  };

  beforeAll(async () => {
    world = await buildAnalyticsWorld(t.db);
    const id = (number: string) => world.ids.get(number)!;
    // Monday's 06:00 run flags six Law first-years (never flagged before) for Sunday's data.
    for (const number of COHORTS.LAW1!.slice(0, 6))
      await t.db.prisma.flag.create({
        data: { studentId: id(number), ruleId: RULES.noVle.id, ruleVersion: 1, periodKey: "2026-11-22", day: SUNDAY, evidence: {}, raisedAt: MONDAY_RUN },
      });
    // At 09:00 a tutor finds five of the missed-submission flags useful.
    const tutor = await t.db.prisma.staff.findUniqueOrThrow({ where: { staffNumber: world.staff.tutor } });
    for (let i = 0; i < 5; i++)
      await t.db.prisma.ruleFeedback.create({
        data: { ruleId: RULES.missed.id, staffId: tutor.id, verdict: "useful", createdAt: new Date(MONDAY * DAY_MS + 9 * 3_600_000) },
      });
  });

  it('"how many students were flagged this week?" counts the six flagged this morning, and only them', async () => {
    const answer = await ask("how many students were flagged this week?");
    expect(answer.period).toEqual({ from: "2026-11-23", to: "2026-11-23" });
    expect(answer.rows.map((r) => [r.label, r.value])).toEqual([["Students", 6]]);
  });

  it('"which rules flagged most students this week?" names the rule that flagged them this morning', async () => {
    const answer = await ask("which rules flagged most students this week?");
    expect(answer.rows.map((r) => [r.label, r.value])).toEqual([["No VLE activity for 14 days", 6]]);
  });

  it('"the last 7 days" of flags ends today: this morning\'s six, beside the week before', async () => {
    const answer = await ask("how many students in Law were flagged in the last 7 days?");
    expect(answer.period).toEqual({ from: "2026-11-17", to: "2026-11-23" });
    // Law: this morning's six first-years, and Friday's and Saturday's five third-years (world.ts).
    expect(answer.rows.map((r) => [r.label, r.value])).toEqual([["Students in LLB Law", 11]]);
  });

  it('"rule feedback from tutors" counts the verdicts given this morning', async () => {
    const answer = await ask("rule feedback from tutors");
    expect(answer.period.to).toBe("2026-11-23");
    const missed = answer.rows.find((r) => r.label === "Missed submission")!;
    // One useful verdict from Thursday (world.ts) and five from this morning.
    expect([missed.value, missed.figures]).toEqual([6, { "not useful": 0, "wrong data": 0 }]);
  });
});
