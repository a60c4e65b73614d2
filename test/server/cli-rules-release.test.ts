/**
 * `nudge rules release` goes through the same use case as the Teams button: the held flags reopen
 * and are proposed as interventions at once, not at tomorrow's run. A real child process against a
 * real database; the hold comes from a real run in which ten of a cohort of 25 went quiet at once.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { staffByNumber } from "../../access/index.ts";
import { DEFAULT_POLICY, runRulesAndPropose } from "../../interventions/index.ts";
import { checkFiles, saveAll, setEnabled, validateRule } from "../../rules/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";
import { buildWorld, D, except, healthy, type World } from "../rules/world.ts";

describe("nudge rules release", () => {
  const database = useMigratedDatabase();
  let world: World;
  const nudge = (...args: string[]) => runNudge(["rules", ...args], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });

  beforeAll(async () => {
    const db = database.db;
    world = await buildWorld(
      db,
      Array.from({ length: 25 }, (_, i) => ({
        number: `S${String(i + 1).padStart(2, "0")}`,
        programme: "XA",
        year: 2,
        activity: i < 10 ? except(healthy(), (day, usual) => (day > D - 10 ? { ...usual, vle: undefined } : usual)) : healthy(),
      })),
    );
    // The starter rule's wording and settings, with a threshold this test states itself.
    const checked = checkFiles("rules/library", null);
    const starter = checked.rules.find((r) => r.rule.document.id === "no-vle-10-days")!;
    const rule = validateRule({ ...starter.rule.document, condition: "vle_days_since_last >= 10" }, { calendar: checked.calendar!.document }).rule!;
    const author = (await staffByNumber(db, world.adminNumber))!;
    await saveAll(db, { calendar: checked.calendar, rules: [{ rule }] }, author);
    await setEnabled(db, "no-vle-10-days", true, author);
    const { report, proposed } = await runRulesAndPropose(db, {
      asOfDay: D,
      trigger: "manual",
      policy: DEFAULT_POLICY,
      channels: ["teams", "email"],
      force: true,
    });
    expect(report.held.map((h) => [h.rule, h.flags])).toEqual([["no-vle-10-days", 10]]);
    expect(proposed.interventionsCreated).toBe(0);
  });

  it("reopens the held flags and proposes their interventions at once, audited", async () => {
    const run = await nudge("release", "no-vle-10-days", "--as", world.adminNumber, "--json");
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(result).toMatchObject({ rule: "no-vle-10-days", flags: 10, proposed: { interventionsCreated: 10 } });
    expect(await database.db.prisma.intervention.count()).toBe(10);
    expect(await database.db.prisma.flag.count({ where: { closedReason: "held by the volume guard" } })).toBe(0);
    expect(await database.db.prisma.auditLog.count({ where: { action: "rule.nudges_released", actorId: world.adminNumber } })).toBe(1);
    const text = await nudge("release", "no-vle-10-days", "--as", world.adminNumber);
    expect(text.code).not.toBe(0);
    expect(text.stderr).toContain("No nudges from no-vle-10-days are held.");
  }, 180_000);
});
