/**
 * `npm run evaluate:oulad`: the OULAD files through the ordinary ingest into a temporary database,
 * each rule run weekly through the presentation. A real child process on a small OULAD-shaped
 * fixture (one presentation of 20 students, coursework due on day 55, so eight teaching weeks),
 * every figure worked out by hand:
 *  - 1 to 16 active every day (15 and 16 failed); 17 and 18 last on the VLE on day 3 (17 withdrew
 *    after teaching, 18 failed); 19 and 20 last on day 24 (19 passed, 20 withdrew after teaching).
 *  - quiet-7-days (7 days without VLE, cooldown 14) on days 6, 13, … 55: 17 and 18 are flagged on
 *    day 13 (10 days), again on days 27, 41 and 55; 19 and 20 on day 34 (10 days) and 48.
 *    So 2 of 20 in weeks 2, 4, 5, 6, 7, 8: at most 10% a week.
 *  - Withdrew or failed: flagged 3 of 4 (75%), cohort 5 of 20 (25%): lift 3.
 *  - By week 4: flagged 17 and 18, both withdrew or failed: precision 100%, recall 2 of 5 (40%).
 *    By week 8: precision 3 of 4 (75%), recall 3 of 5 (60%).
 */
import { describe, expect, it } from "vitest";
import { spawnNode } from "../helpers/processes.ts";

const FIXTURE = new URL("../fixtures/calibration/", import.meta.url).pathname;

async function evaluate(...args: string[]) {
  const run = spawnNode(["--import", "tsx", "scripts/evaluate-oulad.ts", `${FIXTURE}oulad`, "--rules", `${FIXTURE}rules`, ...args]);
  const code = await run.exited;
  return { code, ...run.output() };
}

describe("npm run evaluate:oulad", () => {
  it("gives each rule's largest weekly flag share, lift, and precision and recall at weeks 4 and 8; a rule needing attendance says it did not run", async () => {
    const run = await evaluate("--json");
    expect(run.stderr).toContain("studentVle.csv: completed, 1214 of 1214 rows loaded");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.presentations).toEqual([{ presentation: "AAA-2013J", weeks: 8, students: 20, withdrewOrFailed: 5 }]);
    expect(report.weeklyRuns).toBe(8);
    const quiet = report.rules.find((r: { id: string }) => r.id === "quiet-7-days");
    expect(quiet).toEqual({
      id: "quiet-7-days",
      title: "No VLE activity for 7 days",
      evaluated: 20,
      flagged: 4,
      flaggedRate: 0.75,
      cohortRate: 0.25,
      lift: 3,
      maxWeeklyShare: 0.1,
      maxWeeklyShareAt: { presentation: "AAA-2013J", week: 2 },
      checkpoints: [
        { week: 4, flagged: 2, precision: 1, recall: 0.4 },
        { week: 8, flagged: 4, precision: 0.75, recall: 0.6 },
      ],
      meetsBar: true,
    });
    const attendance = report.rules.find((r: { id: string }) => r.id === "attendance-below-60");
    expect(attendance).toMatchObject({ notRun: "stale data: no attendance data has ever been loaded", evaluated: 0, meetsBar: false });
  }, 180_000);

  it("prints the table, and only the presentations asked for", async () => {
    const run = await evaluate();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Presentations: AAA-2013J (20 students, 5 withdrew or failed)");
    expect(run.stdout).toContain("| quiet-7-days | 10% | 3.00 | 75% / 25% | 100% | 40% | 75% | 60% | yes |");
    expect(run.stdout).toContain("| attendance-below-60 | not run: stale data: no attendance data has ever been loaded |");
    const missing = await evaluate("--presentations", "BBB-2013J");
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("no presentation BBB-2013J in the data (there are: AAA-2013J)");
  }, 180_000);
});
