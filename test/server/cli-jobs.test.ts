import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../prisma/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { runNudge as nudge } from "../helpers/processes.ts";

const onlyJsonObject = (stdout: string) => {
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
};

describe("nudge jobs", () => {
  let testDb: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = { DATABASE_URL: testDb.url, NUDGE_DROP_FOLDER: mkdtempSync(join(tmpdir(), "nudge-drop-")), NUDGE_TIMEZONE: "Europe/London" };
  });
  afterAll(async () => {
    await testDb.drop();
  });

  it("has --help for list and run", async () => {
    for (const command of ["list", "run"]) {
      const help = await nudge(["jobs", command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: nudge jobs ${command}`);
      expect(help.stdout).toContain("--json");
    }
  });

  it("lists every job with its schedule, timezone and next run, none run yet", async () => {
    const run = await nudge(["jobs", "list", "--json"], env);
    expect(run.code).toBe(0);
    const result = onlyJsonObject(run.stdout);
    expect(result.timezone).toBe("Europe/London");
    expect(result.jobs.map((j: { name: string }) => j.name)).toEqual([
      "ingest-drop-folder",
      "xapi-statement-retention",
      "rules-run",
      "outbox-dispatch",
      "retention",
      "subject-access",
      "tutor-digest",
      "meeting-notices",
      "safeguarding-escalation",
      "referral-reminders",
    ]);
    expect(result.jobs[1]).toMatchObject({ schedule: "15 3 * * *", timezone: "Europe/London", catchUp: true, lastRun: null, lease: null });
    expect(Date.parse(result.jobs[1].nextRun)).toBeGreaterThan(Date.now());
  });

  it("runs a job now through a run record, and the list shows it as the last run", async () => {
    const run = await nudge(["jobs", "run", "ingest-drop-folder", "--json"], env);
    expect(run.code).toBe(0);
    expect(onlyJsonObject(run.stdout)).toMatchObject({
      job: "ingest-drop-folder",
      outcome: "ran",
      run: { status: "succeeded", trigger: "manual", figures: { processed: 0, failed: 0 } },
    });

    const listed = await nudge(["jobs", "list"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ingest-drop-folder: /m);
    expect(listed.stdout).toMatch(/ {2}last run {2}\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? \(manual\): succeeded in \d+ ms: failed 0, processed 0/);
    expect(listed.stdout).toMatch(/xapi-statement-retention[\s\S]*last run {2}never/);
  });

  it("exits 1 when the job fails, with the error recorded", async () => {
    // A settled file arrives, but where files go after ingest is blocked by a file: the run fails.
    const folder = mkdtempSync(join(tmpdir(), "nudge-drop-"));
    mkdirSync(join(folder, "nudge-csv"));
    writeFileSync(join(folder, "nudge-csv", "student_contact.csv"), "STUDENT_ID,MOBILE\n");
    utimesSync(join(folder, "nudge-csv", "student_contact.csv"), new Date(Date.now() - 600_000), new Date(Date.now() - 600_000));
    for (const blocked of ["processed", "failed"]) writeFileSync(join(folder, blocked), "");
    const run = await nudge(["jobs", "run", "ingest-drop-folder", "--json"], { ...env, NUDGE_DROP_FOLDER: folder });
    expect(run.code).toBe(1);
    expect(onlyJsonObject(run.stdout)).toMatchObject({
      outcome: "ran",
      run: { status: "failed", trigger: "manual", error: expect.stringContaining("ENOTDIR") },
    });
  });

  it("exits 1 and says so when another instance is running the job", async () => {
    const db = await openDatabase(testDb.url);
    await db.prisma.jobLease.create({
      data: { job: "xapi-statement-retention", owner: "nudge-2:4242:abcdef", acquiredAt: new Date(), leaseUntil: new Date(Date.now() + 60_000) },
    });
    await db.close();
    const run = await nudge(["jobs", "run", "xapi-statement-retention"], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/not run: another instance is running it \(lease held by nudge-2:4242:abcdef until /);
    const listed = onlyJsonObject((await nudge(["jobs", "list", "--json"], env)).stdout);
    expect(listed.jobs[1]).toMatchObject({ lastRun: null, lease: { owner: "nudge-2:4242:abcdef" } });
  });

  it("exits 2 for an unknown job, naming the jobs there are", async () => {
    const run = await nudge(["jobs", "run", "rules-nightly", "--json"], env);
    expect(run.code).toBe(2);
    expect(onlyJsonObject(run.stdout)).toMatchObject({
      jobs: [
        "ingest-drop-folder",
        "xapi-statement-retention",
        "rules-run",
        "outbox-dispatch",
        "retention",
        "subject-access",
        "tutor-digest",
        "meeting-notices",
        "safeguarding-escalation",
        "referral-reminders",
      ],
    });
    expect(run.stderr).toContain(
      "no job named 'rules-nightly'; the jobs are: ingest-drop-folder, xapi-statement-retention, rules-run, outbox-dispatch, retention, subject-access, tutor-digest, meeting-notices, safeguarding-escalation, referral-reminders",
    );
  });
});
