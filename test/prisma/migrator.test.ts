import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, migrationStatus, MigrationError, openDatabase, readMigrations, type Database } from "../../prisma/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { runNudge } from "../helpers/processes.ts";

const EXPECTED_TABLES = [
  "Student",
  "Staff",
  "StaffRoleAssignment",
  "Programme",
  "Module",
  "ModuleInstance",
  "ProgrammeEnrolment",
  "ModuleEnrolment",
  "TutorGroup",
  "TutorAssignment",
  "EngagementDaily",
  "TimetableEvent",
  "Attendance",
  "Assessment",
  "Submission",
  "ActivityStatement",
  "FeedFreshness",
  "IngestBatch",
  "Rule",
  "RuleVersion",
  "RuleRun",
  "Flag",
  "RuleFeedback",
  "Intervention",
  "Delivery",
  "Reply",
  "Meeting",
  "ConversationReference",
  "Consent",
  "DataRequest",
  "AuditLog",
  "AnonymisedStatistic",
  "JobLease",
  "JobRun",
  "ExtenuatingCircumstance",
];

async function tableNames(db: Database): Promise<string[]> {
  const sql =
    db.kind === "sqlite"
      ? `SELECT name FROM sqlite_master WHERE type = 'table'`
      : `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`;
  return (await db.sql.query<{ name: string }>(sql)).map((r) => r.name);
}

describe.each(databaseKindsUnderTest())("migrations on %s", (kind) => {
  let testDb: TestDatabase;
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
    await testDb.drop();
  });

  it("create every table of the model in an empty database and record the schema version", async () => {
    testDb = await createTestDatabase(kind);
    db = await openDatabase(testDb.url);
    expect((await migrationStatus(db.sql)).pending.length).toBe(readMigrations(kind).length);
    const applied = await migrate(db.sql);
    expect(applied).toEqual(readMigrations(kind).map((m) => m.name));
    expect(await tableNames(db)).toEqual(expect.arrayContaining([...EXPECTED_TABLES, "_prisma_migrations"]));
    const status = await migrationStatus(db.sql);
    expect(status).toMatchObject({ pending: [], modified: [], unknown: [], schemaVersion: applied.at(-1) });
  });

  it("apply nothing the second time, also when two instances start at once", async () => {
    testDb = await createTestDatabase(kind);
    const [a, b] = await Promise.all([cliMigrate(testDb.url), cliMigrate(testDb.url)]);
    expect([...a.applied, ...b.applied].sort()).toEqual(readMigrations(kind).map((m) => m.name));
    db = await openDatabase(testDb.url);
    expect(await migrate(db.sql)).toEqual([]);
    const rows = await db.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM "_prisma_migrations"`);
    expect(Number(rows[0]!.n)).toBe(readMigrations(kind).length);
  });

  it("refuse a migration that was edited after it was applied", async () => {
    testDb = await createTestDatabase(kind);
    db = await openDatabase(testDb.url, { migrate: true });
    const edited = readMigrations(kind).map((m, i) => (i === 0 ? { ...m, checksum: "0".repeat(64) } : m));
    expect((await migrationStatus(db.sql, edited)).modified).toEqual([edited[0]!.name]);
    await expect(migrate(db.sql, edited)).rejects.toThrow(/changed after it was applied/);
  });

  it("roll back a failing migration whole, leaving nothing half-applied", async () => {
    testDb = await createTestDatabase(kind);
    db = await openDatabase(testDb.url, { migrate: true });
    const broken = [
      ...readMigrations(kind),
      { name: "99999999999999_broken", checksum: "x", sql: `CREATE TABLE "Half" ("id" INTEGER);\nCREATE TABLE "Student" ("id" INTEGER);` },
    ];
    const error = await migrate(db.sql, broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/99999999999999_broken failed and was rolled back/);
    expect(await tableNames(db)).not.toContain("Half");
    expect((await migrationStatus(db.sql, broken)).pending).toEqual(["99999999999999_broken"]);
  });

  it("leave a schema Prisma Client can use, with foreign keys enforced", async () => {
    testDb = await createTestDatabase(kind);
    db = await openDatabase(testDb.url, { migrate: true });
    const student = await db.prisma.student.create({ data: { studentNumber: "S1", channelOrder: ["teams", "sms"] } });
    expect(student).toMatchObject({ timezone: "Europe/London", enrolmentStatus: "active", channelOrder: ["teams", "sms"] });
    await expect(
      db.prisma.programmeEnrolment.create({ data: { studentId: student.id, programmeId: 999, yearOfStudy: 1, startDate: new Date() } }),
    ).rejects.toThrow();
    await db.prisma.flag.create({
      data: { studentId: student.id, ruleId: await ruleId(db), ruleVersion: 1, periodKey: "2026-11-23", day: 20415, evidence: {} },
    });
    await expect(
      db.prisma.flag.create({ data: { studentId: student.id, ruleId: "r", ruleVersion: 1, periodKey: "2026-11-23", day: 20415, evidence: {} } }),
    ).rejects.toThrow(); // one flag per student, rule and period
  });
});

/** `nudge db migrate --json` in its own process, as a second service instance would run it. */
async function cliMigrate(url: string): Promise<{ applied: string[] }> {
  const run = await runNudge(["db", "migrate", "--json"], { DATABASE_URL: url });
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

async function ruleId(db: Database): Promise<string> {
  await db.prisma.rule.create({ data: { id: "r", title: "Rule" } });
  return "r";
}

describe("the recorded history is Prisma's own", () => {
  it("`prisma migrate status` reads our migrations table as up to date (SQLite)", async () => {
    const testDb = await createTestDatabase("sqlite");
    const db = await openDatabase(testDb.url, { migrate: true });
    await db.close();
    const run = spawnSync(process.execPath, ["scripts/prisma.mjs", "migrate", "status"], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: testDb.url },
    });
    await testDb.drop();
    expect(run.stdout).toContain("Database schema is up to date");
    expect(run.status).toBe(0);
  });
});
