import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { runNudge as nudge } from "../helpers/processes.ts";

const onlyJsonObject = (stdout: string) => {
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
};

describe("nudge CLI", () => {
  const databases: TestDatabase[] = [];
  const fresh = async (kind?: TestDatabase["kind"]) => {
    const db = await createTestDatabase(kind);
    databases.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it("lists its commands with --help, and every command has --help", async () => {
    const top = await nudge(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/db\s/);
    expect(top.stdout).toMatch(/demo\s/);
    expect(top.stdout).toMatch(/ingest\s/);
    for (const name of ["jobs", "rules", "staff", "audit", "student", "outbox", "interventions"]) expect(top.stdout).toMatch(new RegExp(`\\n  ${name}\\s`));
    const commands = [
      ["db", "migrate"],
      ["db", "status"],
      ["demo", "seed"],
      ["ingest"],
      ["rules", "run"],
      ["rules", "dry-run"],
      ["staff", "grant"],
      ["audit"],
      ["outbox", "dispatch"],
      ["outbox", "status"],
      ["interventions", "approve"],
      ["interventions", "list"],
    ];
    // Three processes at a time: each `npx nudge` start loads the whole CLI.
    for (let i = 0; i < commands.length; i += 3) {
      const batch = commands.slice(i, i + 3);
      const helps = await Promise.all(batch.map((command) => nudge([...command, "--help"])));
      batch.forEach((command, k) => {
        expect(helps[k]!.code).toBe(0);
        expect(helps[k]!.stdout).toContain(`Usage: nudge ${command.join(" ")}`);
        expect(helps[k]!.stdout).toContain("--json");
      });
    }
    const exportHelp = await nudge(["student", "export", "--help"]);
    expect(exportHelp.stdout).toContain("Usage: nudge student export [options] <student-number>");
    expect(exportHelp.stdout).toContain("--out <file.json>");
    // Fourteen CLI starts, each loading the whole program: on a busy machine that passes 60 s.
  }, 180_000);

  it("reports pending migrations with exit 1, migrates, then reports up to date", async () => {
    const { url } = await fresh();
    const before = await nudge(["db", "status", "--json"], { DATABASE_URL: url });
    expect(before.code).toBe(1);
    expect(onlyJsonObject(before.stdout)).toMatchObject({ upToDate: false, applied: [], schemaVersion: null });

    const migrated = await nudge(["db", "migrate", "--json"], { DATABASE_URL: url });
    expect(migrated.code).toBe(0);
    const result = onlyJsonObject(migrated.stdout);
    expect(result.applied.length).toBeGreaterThan(0);

    const after = await nudge(["db", "status", "--json"], { DATABASE_URL: url });
    expect(after.code).toBe(0);
    expect(onlyJsonObject(after.stdout)).toMatchObject({ upToDate: true, pending: [], schemaVersion: result.schemaVersion });
  });

  it("names the option on bad usage and exits 2", async () => {
    const run = await nudge(["demo", "seed", "--students", "many", "--days", "10"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--students must be a whole number/);
    const missing = await nudge(["demo", "seed", "--days", "10"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--students/);
    const date = await nudge(["demo", "seed", "--students", "5", "--days", "10", "--end", "23/11/2026"]);
    expect(date.code).toBe(2);
    expect(date.stderr).toMatch(/YYYY-MM-DD/);
  });

  it("stops with the configuration problem by variable name, as JSON when asked", async () => {
    const run = await nudge(["db", "status", "--json"], { DATABASE_URL: "mysql://nowhere" });
    expect(run.code).toBe(1);
    expect(onlyJsonObject(run.stdout).error).toMatch(/DATABASE_URL: must be file:<path>/);
    expect(run.stderr).toMatch(/DATABASE_URL/);
  });

  it("refuses to write demo data in production, touching nothing", async () => {
    const { url } = await fresh();
    const production = {
      NODE_ENV: "production",
      DATABASE_URL: url,
      MICROSOFT_APP_ID: "00000000-0000-4000-8000-000000000001",
      MICROSOFT_APP_PASSWORD: "secret",
      MICROSOFT_APP_TENANT_ID: "00000000-0000-4000-8000-000000000002",
      NUDGE_SAFEGUARDING_CONTACTS: "duty@wellbeing.example.ac.uk",
    };
    const run = await nudge(["demo", "seed", "--students", "5", "--days", "3", "--reset", "--json"], production);
    expect(run.code).toBe(1);
    expect(onlyJsonObject(run.stdout).error).toMatch(/refused when NODE_ENV=production/);
    expect(onlyJsonObject((await nudge(["db", "status", "--json"], production)).stdout).schemaVersion).toBeNull();
  });

  it.each(databaseKindsUnderTest())("seeds a demo cohort on %s: counts in one JSON object, same seed same data, refuses to seed twice", async (kind) => {
    const args = ["demo", "seed", "--students", "120", "--days", "21", "--seed", "7", "--end", "2026-11-20", "--json"];
    const a = await fresh(kind);
    const b = await fresh(kind);
    const first = await nudge(args, { DATABASE_URL: a.url });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const counts = onlyJsonObject(first.stdout);
    expect(counts).toMatchObject({ students: 120, startDate: "2026-10-31", endDate: "2026-11-20" });
    for (const key of ["staff", "programmes", "modules", "moduleEnrolments", "tutorAssignments", "attendance", "engagementDays", "submissions"]) {
      expect(counts[key], key).toBeGreaterThan(0);
    }
    const second = onlyJsonObject((await nudge(args, { DATABASE_URL: b.url })).stdout);
    expect(second.fingerprint).toBe(counts.fingerprint);

    const again = await nudge(args, { DATABASE_URL: a.url });
    expect(again.code).toBe(2);
    expect(onlyJsonObject(again.stdout).error).toMatch(/--reset/);
    const reset = await nudge([...args, "--reset"], { DATABASE_URL: a.url });
    expect(reset.code).toBe(0);
    expect(onlyJsonObject(reset.stdout).fingerprint).toBe(counts.fingerprint);
  });
});
