import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { DemoSeedError, seedDemo, type DemoCounts, type DemoOptions } from "../../demo/index.ts";
import { PROFILES } from "../../demo/cohort.ts";
import { buildPlan } from "../../demo/plan.ts";
import { roleScopeKey } from "../../access/role-scope.ts";
import { createTestDatabase, suiteDatabaseKind, type TestDatabase } from "../helpers/database.ts";

const OPTIONS: DemoOptions = { students: 150, days: 30, seed: 2026, endDate: new Date("2026-11-27T00:00:00Z") };
const END_DAY = Math.floor(OPTIONS.endDate.getTime() / 86_400_000);
const START_DAY = END_DAY - OPTIONS.days + 1;

/** The database the suite is not running on: the fingerprint must not depend on which one it is. */
const OTHER_KIND = suiteDatabaseKind === "sqlite" ? "postgresql" : "sqlite";

const TABLES: Record<Exclude<keyof DemoCounts, "profiles" | "startDate" | "endDate" | "fingerprint">, string> = {
  students: "Student",
  staff: "Staff",
  programmes: "Programme",
  modules: "Module",
  moduleInstances: "ModuleInstance",
  programmeEnrolments: "ProgrammeEnrolment",
  moduleEnrolments: "ModuleEnrolment",
  tutorGroups: "TutorGroup",
  tutorAssignments: "TutorAssignment",
  staffRoles: "StaffRoleAssignment",
  timetableEvents: "TimetableEvent",
  attendance: "Attendance",
  assessments: "Assessment",
  submissions: "Submission",
  engagementDays: "EngagementDaily",
  consents: "Consent",
  feeds: "FeedFreshness",
};

/** Day number of a DateTime column, in each database's own SQL. */
function dayOf(db: Database, column: string): string {
  return db.kind === "sqlite" ? `CAST(julianday(${column}) - 2440587.5 AS INTEGER)` : `CAST(FLOOR(EXTRACT(EPOCH FROM ${column}) / 86400) AS INTEGER)`;
}

/** SHA-256 over a query's rows, in the query's order. */
async function digest(db: Database, sql: string): Promise<string> {
  const rows = await db.sql.query(sql);
  const hash = createHash("sha256");
  for (const row of rows) hash.update(`${JSON.stringify(row)}\n`);
  return hash.digest("hex");
}

async function contentDigests(db: Database) {
  return {
    engagement: await digest(db, `SELECT * FROM "EngagementDaily" ORDER BY "studentId", "day", CAST("source" AS TEXT)`),
    attendance: await digest(db, `SELECT * FROM "Attendance" ORDER BY "id"`),
    submissions: await digest(db, `SELECT * FROM "Submission" ORDER BY "id"`),
    students: await digest(db, `SELECT * FROM "Student" ORDER BY "id"`),
  };
}

/**
 * pg's Pool.end() resolves before its sockets have closed; dropping the database WITH (FORCE) at
 * that moment makes a closing client report "terminating connection" as an uncaught error.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

const HISTORY_TABLES = [
  "RuleRun",
  "Flag",
  "Intervention",
  "Delivery",
  "Reply",
  "Meeting",
  "RuleFeedback",
  "AuditLog",
  "ConversationReference",
  "DataRequest",
  "IngestBatch",
  "ActivityStatement",
  "ExtenuatingCircumstance",
];

/** One row in every table that refers to students or staff, as the running service would write. */
async function addServiceHistory(db: Database): Promise<void> {
  const at = new Date("2026-11-26T09:00:00Z");
  const rows: [string, string[], unknown[]][] = [
    ["Rule", ["id", "title", "ownerId", "updatedAt"], ["no-vle-10-days", "No VLE activity for 10 days", 1, at]],
    ["RuleVersion", ["id", "ruleId", "version", "document", "authorId"], [1, "no-vle-10-days", 1, { when: "vle.daysSince >= 10" }, 1]],
    ["RuleRun", ["id", "asOfDay", "trigger"], [1, END_DAY, "manual"]],
    [
      "Flag",
      ["id", "studentId", "ruleId", "ruleVersion", "periodKey", "day", "runId", "evidence"],
      [1, 1, "no-vle-10-days", 1, "2026-11-23", END_DAY, 1, { days: 10 }],
    ],
    ["Intervention", ["id", "studentId", "flagId", "kind", "body", "proposedBy", "updatedAt"], [1, 1, 1, "nudge", "Hello", "rule:no-vle-10-days@1", at]],
    ["Delivery", ["id", "interventionId", "channel", "dueAt"], [1, 1, "teams", at]],
    ["Reply", ["id", "studentId", "interventionId", "channel", "text", "classification"], [1, 1, 1, "teams", "thanks", "thanks"]],
    ["Meeting", ["id", "interventionId", "studentId", "tutorId", "proposedSlots"], [1, 1, 1, 2, []]],
    ["RuleFeedback", ["id", "ruleId", "flagId", "staffId", "verdict"], [1, "no-vle-10-days", 1, 2, "useful"]],
    ["AuditLog", ["id", "actorKind", "actorId", "action", "studentId"], [1, "staff", "E100002", "student.view", 1]],
    [
      "ConversationReference",
      ["id", "studentId", "teamsUserId", "conversationId", "serviceUrl", "reference", "updatedAt"],
      [1, 1, "29:1", "a:1", "https://smba.example", {}, at],
    ],
    ["DataRequest", ["id", "studentId", "kind", "channel", "dueBy", "handledById"], [1, 1, "access", "teams", at, 3]],
    ["IngestBatch", ["id", "format", "origin"], [1, "xapi", "test"]],
    ["ActivityStatement", ["id", "studentId", "day", "source", "verb", "batchId"], ["6f1c1a52-0000-4000-8000-000000000001", 1, END_DAY, "vle", "viewed", 1]],
    ["ExtenuatingCircumstance", ["id", "studentId", "fromDate", "toDate"], [1, 1, at, at]],
  ];
  await db.sql.transaction(async (tx) => {
    for (const [table, columns, row] of rows) await tx.bulkInsert(table, columns, [row]);
  });
  for (const table of HISTORY_TABLES) expect({ table, rows: await count(db, table) }).toEqual({ table, rows: 1 });
}

async function count(db: Database, table: string): Promise<number> {
  const [row] = await db.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM "${table}"`);
  return Number(row?.n);
}

describe("demo cohort generator", () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let a: Database;
  let b: Database;
  let countsA: DemoCounts;
  let countsB: DemoCounts;

  beforeAll(async () => {
    first = await createTestDatabase();
    second = await createTestDatabase();
    a = await openDatabase(first.url, { migrate: true });
    b = await openDatabase(second.url, { migrate: true });
    countsA = await seedDemo(a, OPTIONS);
    countsB = await seedDemo(b, OPTIONS);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await settle();
    await first?.drop();
    await second?.drop();
  });

  it("gives identical counts, fingerprint and table contents for the same options", async () => {
    expect(countsB).toEqual(countsA);
    expect(countsA.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(countsA.startDate).toBe("2026-10-29");
    expect(countsA.endDate).toBe("2026-11-27");
    expect(await contentDigests(b)).toEqual(await contentDigests(a));
  });

  it.runIf(OTHER_KIND === "sqlite" || inject("postgresAvailable"))(`writes the same rows on ${OTHER_KIND}`, async () => {
    const target = await createTestDatabase(OTHER_KIND);
    const db = await openDatabase(target.url, { migrate: true });
    try {
      expect(await seedDemo(db, OPTIONS)).toEqual(countsA);
      // Integer and text columns only, so both drivers return the same values.
      const engagement = `SELECT * FROM "EngagementDaily" ORDER BY "studentId", "day", CAST("source" AS TEXT)`;
      expect(await digest(db, engagement)).toBe(await digest(a, engagement));
    } finally {
      await db.close();
      await settle();
      await target.drop();
    }
  });

  it("reports counts that match the tables", async () => {
    for (const [key, table] of Object.entries(TABLES)) {
      expect({ table, rows: await count(a, table) }).toEqual({ table, rows: countsA[key as keyof typeof TABLES] });
    }
    expect(countsA.students).toBe(OPTIONS.students);
    expect(countsA.feeds).toBe(4);
    expect(Object.values(countsA.profiles).reduce((x, y) => x + y, 0)).toBe(OPTIONS.students);
    expect(countsA.programmes).toBeGreaterThanOrEqual(6);
    expect(countsA.attendance).toBeGreaterThan(OPTIONS.students * 20);
  });

  it("marks every feed fresh as of the last day", async () => {
    const feeds = await a.sql.query<{ feed: string; lastDataDay: number; expectedEveryHours: number }>(
      `SELECT "feed", "lastDataDay", "expectedEveryHours" FROM "FeedFreshness" ORDER BY "feed"`,
    );
    expect(feeds.map((f) => f.feed)).toEqual(["attendance", "library", "submission", "vle"]);
    for (const feed of feeds) expect([feed.lastDataDay, feed.expectedEveryHours]).toEqual([END_DAY, 48]);
  });

  it("makes the engagement profiles visible in the data", async () => {
    const plan = buildPlan({ seed: OPTIONS.seed, students: OPTIONS.students, startDay: START_DAY, endDay: END_DAY });
    const clicks = new Map<number, number>();
    const rows = await a.sql.query<{ studentId: number; clicks: number | string }>(
      `SELECT "studentId", SUM("count") AS clicks FROM "EngagementDaily" WHERE "source" = 'vle' AND "day" > $1 GROUP BY "studentId"`,
      [END_DAY - 14],
    );
    for (const row of rows) clicks.set(row.studentId, Number(row.clicks));
    const mean = (profile: number) => {
      const ids = [];
      for (let i = 1; i <= OPTIONS.students; i++) if (plan.cohort.profile[i] === profile && plan.cohort.status[i] === 0) ids.push(i);
      expect(ids.length, PROFILES[profile]).toBeGreaterThan(0);
      return ids.reduce((sum, id) => sum + (clicks.get(id) ?? 0), 0) / ids.length;
    };
    const [steady, declining, , disengaged] = [0, 1, 2, 3].map(mean) as [number, number, number, number];
    expect(steady).toBeGreaterThan(50);
    expect(disengaged).toBeLessThan(steady * 0.2);
    expect(declining).toBeLessThan(steady * 0.6);
  });

  it("gives every student a personal tutor in their own programme", async () => {
    const [orphans] = await a.sql.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM "Student" s
        WHERE NOT EXISTS (SELECT 1 FROM "TutorAssignment" t WHERE t."studentId" = s."id" AND t."role" = 'personal_tutor')`,
    );
    expect(Number(orphans?.n)).toBe(0);
    const [mismatched] = await a.sql.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM "TutorAssignment" t
         JOIN "TutorGroup" g ON g."id" = t."tutorGroupId"
         JOIN "ProgrammeEnrolment" e ON e."studentId" = t."studentId"
        WHERE g."programmeId" <> e."programmeId" OR g."tutorId" <> t."staffId"`,
    );
    expect(Number(mismatched?.n)).toBe(0);
    const scopes = await a.sql.query<{ scopeKey: string }>(`SELECT "scopeKey" FROM "StaffRoleAssignment" WHERE "role" = 'level_tutor' ORDER BY "id"`);
    expect(scopes[0]?.scopeKey).toBe("level_tutor:p1:y1");
  });

  it("rolls attendance up into EngagementDaily exactly as the Attendance rows say", async () => {
    const detail = await a.sql.query<{
      studentId: number;
      day: number;
      count: number | string;
      expected: number | string;
      late: number | string;
      missed: number | string;
    }>(
      `SELECT a."studentId", ${dayOf(a, `e."startsAt"`)} AS day,
              SUM(CASE WHEN a."mark" IN ('present', 'late') THEN 1 ELSE 0 END) AS count,
              COUNT(*) AS expected,
              SUM(CASE WHEN a."mark" = 'late' THEN 1 ELSE 0 END) AS late,
              SUM(CASE WHEN a."mark" = 'absent' THEN 1 ELSE 0 END) AS missed
         FROM "Attendance" a JOIN "TimetableEvent" e ON e."id" = a."eventId"
        WHERE a."studentId" <= 60
        GROUP BY a."studentId", ${dayOf(a, `e."startsAt"`)}
        ORDER BY 1, 2`,
    );
    const rollup = await a.sql.query<{ studentId: number; day: number; count: number; expected: number; late: number; missed: number }>(
      `SELECT "studentId", "day", "count", "expected", "late", "missed" FROM "EngagementDaily"
        WHERE "source" = 'attendance' AND "studentId" <= 60 ORDER BY 1, 2`,
    );
    const normalise = (rows: Record<string, unknown>[]) => rows.map((row) => Object.values(row).map(Number).join(","));
    expect(rollup.length).toBeGreaterThan(500);
    expect(normalise(rollup)).toEqual(normalise(detail));
  });

  it("rolls submissions up by the day work was handed in and the day it was due", async () => {
    const submissions = await a.sql.query<{ studentId: number; status: string; submittedDay: number | null; dueDay: number }>(
      `SELECT s."studentId", s."status", ${dayOf(a, `s."submittedAt"`)} AS "submittedDay", ${dayOf(a, `x."dueAt"`)} AS "dueDay"
         FROM "Submission" s JOIN "Assessment" x ON x."id" = s."assessmentId"`,
    );
    const expected = new Map<string, number[]>();
    const bump = (student: number, day: number, slot: number) => {
      const key = `${student}:${day}`;
      const row = expected.get(key) ?? [0, 0, 0, 0];
      row[slot]!++;
      expected.set(key, row);
    };
    for (const s of submissions) {
      if (s.status === "pending" || s.status === "exempt") continue;
      bump(s.studentId, Number(s.dueDay), 1);
      if (s.status === "missing") bump(s.studentId, Number(s.dueDay), 3);
      else {
        bump(s.studentId, Number(s.submittedDay), 0);
        if (s.status === "late") bump(s.studentId, Number(s.submittedDay), 2);
      }
    }
    const rollup = await a.sql.query<{ studentId: number; day: number; count: number; expected: number; late: number; missed: number }>(
      `SELECT "studentId", "day", "count", "expected", "late", "missed" FROM "EngagementDaily" WHERE "source" = 'submission'`,
    );
    expect(rollup.length).toBe(expected.size);
    for (const row of rollup) {
      expect([row.count, row.expected, row.late, row.missed].map(Number)).toEqual(expected.get(`${row.studentId}:${row.day}`));
    }
    const scored = await a.sql.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM "Submission" WHERE ("score" IS NOT NULL) <> ("status" IN ('on_time', 'late'))`,
    );
    expect(Number(scored[0]?.n)).toBe(0);
  });

  it("refuses to seed over existing students without reset, and reseeds identically with it", async () => {
    const refusal = seedDemo(b, OPTIONS);
    await expect(refusal).rejects.toBeInstanceOf(DemoSeedError);
    await expect(refusal).rejects.toThrow(/150 students.*--reset/);

    expect(await contentDigests(b)).toEqual(await contentDigests(a));

    // Work the service did on the old cohort must go with it; rules stay, without their owner.
    await addServiceHistory(b);
    const other = await seedDemo(b, { ...OPTIONS, seed: OPTIONS.seed + 1, reset: true });
    for (const table of HISTORY_TABLES) expect({ table, rows: await count(b, table) }).toEqual({ table, rows: 0 });
    const rules = await b.sql.query<{ ownerId: number | null }>(`SELECT "ownerId" FROM "Rule"`);
    expect(rules).toEqual([{ ownerId: null }]);
    expect(other.fingerprint).not.toBe(countsA.fingerprint);
    expect(await count(b, "Student")).toBe(OPTIONS.students);

    const again = await seedDemo(b, { ...OPTIONS, reset: true });
    expect(again).toEqual(countsA);
    expect(await contentDigests(b)).toEqual(await contentDigests(a));
  });

  it("rejects impossible options", async () => {
    await expect(seedDemo(a, { ...OPTIONS, students: 0 })).rejects.toBeInstanceOf(DemoSeedError);
    await expect(seedDemo(a, { ...OPTIONS, days: 1.5 })).rejects.toBeInstanceOf(DemoSeedError);
    await expect(seedDemo(a, { ...OPTIONS, endDate: new Date("not a date") })).rejects.toBeInstanceOf(DemoSeedError);
  });
});

describe("roleScopeKey", () => {
  it("writes the canonical scope text", () => {
    expect(roleScopeKey("admin")).toBe("admin");
    expect(roleScopeKey("programme_leader", { programmeId: 3 })).toBe("programme_leader:p3");
    expect(roleScopeKey("level_tutor", { programmeId: 3, yearOfStudy: 1 })).toBe("level_tutor:p3:y1");
    expect(() => roleScopeKey("level_tutor", { programmeId: 0 })).toThrow(RangeError);
  });
});
