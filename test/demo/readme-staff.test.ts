/**
 * The staff numbers the README and the guides give as `--as` exist after the README's own demo
 * seed, in the role each command needs. The demo's staff are planned from the seed, the cohort
 * size and the period alone, so the plan answers without writing a database.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildPlan } from "../../demo/plan.ts";

const readme = readFileSync("README.md", "utf8");
const seedCommand = /npx nudge demo seed --students (\d+) --days (\d+) --seed (\d+)/.exec(readme);
const DAY_MS = 86_400_000;

/** Staff number to role, as the README's seed (ending today, as the command does) makes them. */
function demoStaff(): Map<string, string> {
  const [, students, days, seed] = seedCommand!.map(Number);
  const endDay = Math.floor(Date.now() / DAY_MS);
  const plan = buildPlan({ seed: seed!, students: students!, startDay: endDay - days! + 1, endDay });
  return new Map(plan.staff.map((m) => [`E${100000 + m.id}`, m.role]));
}

/** Every `--as E…` on a line of `doc` whose command matches `command`. */
function actingAs(doc: string, command: RegExp): string[] {
  return readFileSync(doc, "utf8")
    .split("\n")
    .filter((line) => command.test(line))
    .flatMap((line) => [...line.matchAll(/--as (E\d{6})/g)].map((m) => m[1]!));
}

describe("the staff numbers in the README and the guides", () => {
  it("the README gives the demo seed command the numbers come from", () => {
    expect(seedCommand).not.toBeNull();
  });

  it("each role the README names is that person's role after the seed", () => {
    const staff = demoStaff();
    const claims = [...readme.matchAll(/(E\d{6})\s+(?:is\s+)?(?:an?\s+)?(admin|personal tutor|Student Centre staff|operator)\b/g)].map(
      (m): [string, string] => [m[1]!, m[2]!],
    );
    expect(claims.length).toBeGreaterThanOrEqual(4);
    const role = { admin: "admin", "personal tutor": "personal_tutor", "Student Centre staff": "student_centre", operator: "operator" } as const;
    for (const [number, words] of claims) expect(staff.get(number), number).toBe(role[words as keyof typeof role]);
  });

  it("rule commands act as an admin, tutors' commands as a personal tutor, data requests as an admin", () => {
    const staff = demoStaff();
    const rules = [...actingAs("README.md", /nudge rules /), ...actingAs("docs/admins/rules.md", /nudge rules /)];
    const tutors = actingAs("docs/tutors.md", /nudge interventions /);
    const requests = actingAs("docs/operators/running.md", /nudge requests /);
    expect(rules.length).toBeGreaterThan(3);
    expect(tutors.length).toBeGreaterThan(0);
    expect(requests.length).toBeGreaterThan(0);
    for (const number of rules) expect(staff.get(number), number).toBe("admin");
    for (const number of tutors) expect(staff.get(number), number).toBe("personal_tutor");
    for (const number of requests) expect(staff.get(number), number).toBe("admin");
  });

  it("every staff number the operators' guide grants roles to exists", () => {
    const staff = demoStaff();
    const granted = [...readFileSync("docs/operators/running.md", "utf8").matchAll(/nudge staff (?:grant|revoke|roles) (E\d{6})/g)].map((m) => m[1]!);
    expect(granted.length).toBeGreaterThan(0);
    for (const number of granted) expect(staff.has(number), number).toBe(true);
  });
});
