/**
 * `nudge ask`: the Teams question from the command line, over a child process against the
 * analytics world (test/analytics/world.ts), answered, suggested and refused, each audited.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";
import { buildAnalyticsWorld, NOW, type AnalyticsWorld } from "../analytics/world.ts";

describe("nudge ask", () => {
  const database = useMigratedDatabase();
  const nudge = (...args: string[]) => runNudge(args, { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
  let world: AnalyticsWorld;
  beforeAll(async () => {
    world = await buildAnalyticsWorld(database.db);
  });

  it("answers with the measure, the period and the rows as shown, and audits the question", async () => {
    const question = "how many 2nd years in Computing haven't logged into Moodle in a fortnight?";
    const run = await nudge("ask", question, "--as", world.staff.centre, "--now", NOW.toISOString(), "--json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    // COMP year 2: 6 of 8 students had no VLE activity from D-20 on.
    expect(out).toMatchObject({
      status: "answered",
      measure: "inactive",
      period: { from: "2026-11-07", to: "2026-11-20" },
      rows: [{ value: 6 }],
      suggestions: [],
      reason: null,
    });
    expect(out.query).toMatchObject({ source: "vle", cohort: { programmes: ["COMP-BSC"], year: 2 } });
    const entry = await database.db.prisma.auditLog.findFirstOrThrow({
      where: { actorId: world.staff.centre, action: "analytics.question" },
      orderBy: { id: "desc" },
    });
    expect(entry.details).toMatchObject({ question, outcome: "answered" });
  });

  it("offers suggestions for what it cannot read, and answers nothing", async () => {
    const run = await nudge("ask", "how many purple students sang?", "--as", world.staff.centre, "--json");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.status).toBe("suggestions");
    expect(out.rows).toEqual([]);
    expect(out.suggestions.length).toBeGreaterThan(0);
    expect(out.reason).toBe("I could not tell what this asks about.");
  });

  it("refuses a personal tutor, and a question about one student, exiting 1", async () => {
    const tutor = await nudge("ask", "how many students were flagged this week?", "--as", world.staff.tutor, "--json");
    expect(tutor.code).toBe(1);
    expect(JSON.parse(tutor.stdout)).toMatchObject({ status: "refused", measure: null, rows: [] });
    const one = await nudge("ask", "how is student S0000001 doing?", "--as", world.staff.centre, "--json");
    expect(one.code).toBe(1);
    expect(JSON.parse(one.stdout).status).toBe("refused");
    expect(await database.db.prisma.auditLog.count({ where: { actorId: world.staff.tutor, action: "analytics.question" } })).toBe(1);
  });

  it("prints the answer for people without --json", async () => {
    const run = await nudge("ask", "how many students were flagged this week?", "--as", world.staff.centre, "--now", NOW.toISOString());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Students flagged \(2026-11-16 to 2026-11-21\)/);
  });
});
