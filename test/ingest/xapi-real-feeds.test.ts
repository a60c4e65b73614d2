/**
 * Real feeds: statements shaped as Moodle's logstore_xapi 5.x sends them (its tests' expected
 * statements) and as Blackboard Learn's xAPI building block does, UDD module_map, and statements
 * sent again without an id.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/index.ts";
import { exitCodeOf, ingest, loadVerbMap, VerbMapError, type IngestReport } from "../../ingest/index.ts";
import { pushStatements } from "../../ingest/xapi.ts";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { parseConfig } from "../../server/config.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const FIXTURES = new URL("../fixtures/ingest/", import.meta.url).pathname;
const MOODLE = `${FIXTURES}xapi-moodle5/moodle5-statements.json`;
/** Shaped as Blackboard Learn's xAPI building block sends them (the Jisc recipes' Blackboard examples). */
const BLACKBOARD = `${FIXTURES}xapi-blackboard/blackboard-statements.json`;
const NOW = new Date("2026-10-12T12:00:00Z");
const OPTIONS = { timezone: "Europe/London", now: () => NOW };

/** EngagementDaily as "student|date|source|presentation" -> [count, expected, late, missed]. */
async function daily(db: Database): Promise<Record<string, number[]>> {
  const rows = await db.sql.query<{
    student: string;
    day: number;
    source: string;
    instance: string | null;
    count: number;
    expected: number;
    late: number;
    missed: number;
  }>(
    `SELECT s."studentNumber" AS "student", e."day", e."source", i."presentationCode" AS "instance", e."count", e."expected", e."late", e."missed"
       FROM "EngagementDaily" e JOIN "Student" s ON s."id" = e."studentId" LEFT JOIN "ModuleInstance" i ON i."id" = e."moduleInstanceKey"`,
  );
  return Object.fromEntries(
    rows.map((r) => [
      `${r.student}|${new Date(Number(r.day) * 86_400_000).toISOString().slice(0, 10)}|${r.source}|${r.instance ?? "none"}`,
      [r.count, r.expected, r.late, r.missed].map(Number),
    ]),
  );
}

async function freshDatabase(): Promise<{ testDb: TestDatabase; db: Database }> {
  const testDb = await createTestDatabase();
  const db = await openDatabase(testDb.url, { migrate: true });
  await db.prisma.student.create({ data: { studentNumber: "S1001", email: "ada.lovelace@student.example.ac.uk" } });
  await db.prisma.student.create({ data: { studentNumber: "S1002", email: "alan.turing@student.example.ac.uk" } });
  return { testDb, db };
}

const loadXapi = (db: Database, path: string): Promise<IngestReport> => ingest(db, "xapi", { path, strict: false, options: OPTIONS });

describe("a Moodle feed (logstore_xapi 5.x)", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => ({ testDb, db } = await freshDatabase()));
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("counts log-ins, forum posts and replies, lesson starts and questionnaire, survey and feedback responses as VLE activity; only the assignment is a submission", async () => {
    const report = await loadXapi(db, MOODLE);
    expect(report.errors).toEqual([]);
    // 12 statements: 9 counted, a log-out and a mark recognised and not counted, a teacher skipped
    expect(report.files[0]).toMatchObject({ status: "completed", read: 12, loaded: 9, rejected: 0 });
    expect(await daily(db)).toEqual({
      "S1001|2026-10-05|vle|none": [7, 0, 0, 0],
      "S1002|2026-10-06|submission|none": [1, 0, 0, 0],
      "S1002|2026-10-06|vle|none": [1, 0, 0, 0],
    });
    expect(report.files[0]!.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^statements recognised but not counted: .*logged out.*\(1\).*mark is an outcome.*\(1\)|^statements recognised but not counted: .*mark is an outcome.*\(1\).*logged out.*\(1\)/,
        ),
      ]),
    );
  });
});

describe("a Blackboard Learn feed (xAPI building block)", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => ({ testDb, db } = await freshDatabase()));
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("counts log-ins, course and content views and test attempts as VLE activity, an assignment with its due date as a submission (late after it), and not grades", async () => {
    const report = await loadXapi(db, BLACKBOARD);
    expect(report.errors).toEqual([]);
    // 11 statements: 8 counted; graded, session timed out and logged out recognised and not counted.
    expect(report.files[0]).toMatchObject({ status: "completed", read: 11, loaded: 8, rejected: 0 });
    expect(await daily(db)).toEqual({
      // S1001: log-in, course view, content view, quiz started, quiz completed; Assignment 1 a day early.
      "S1001|2026-10-05|vle|none": [5, 0, 0, 0],
      "S1001|2026-10-05|submission|none": [1, 0, 0, 0],
      // S1002: log-in; Assignment 1 at 17:45, due at 16:00.
      "S1002|2026-10-06|vle|none": [1, 0, 0, 0],
      "S1002|2026-10-06|submission|none": [1, 0, 1, 0],
    });
    const notes = report.files[0]!.notes.join("\n");
    expect(notes).toContain("graded: a mark is an outcome, never a rule input (1)");
    expect(notes).toContain("session timed out (1)");
    expect(notes).not.toContain("have no mapping");
  });
});

describe("statements about staff or guests", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => ({ testDb, db } = await freshDatabase()));
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("are skipped and counted as 'not a student' by file ingest and by a push alike, never a partial load", async () => {
    const report = await loadXapi(db, MOODLE);
    expect(report.rejected).toBe(0);
    expect(exitCodeOf(report)).toBe(0);
    const notStudent = /^1 statement\(s\) about people who are not students here \(staff, guests\) were skipped: not a student$/;
    expect(report.files[0]!.notes).toContainEqual(expect.stringMatching(notStudent));

    const teacher = (JSON.parse(readFileSync(MOODLE, "utf8")) as Record<string, unknown>[]).at(-1)!;
    const pushed = await pushStatements(db, {
      body: [{ ...teacher, timestamp: "2026-10-08T09:00:00Z" }],
      origin: "POST /api/xapi/statements from test",
      totalBytes: 1,
      options: OPTIONS,
    });
    expect(pushed).toMatchObject({ status: "stored" });
    if (pushed.status !== "stored") return;
    expect(pushed.report?.notes).toContainEqual(expect.stringMatching(notStudent));
  });
});

describe("statements without an id", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => ({ testDb, db } = await freshDatabase()));
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("get an id derived from their content when pushed, so a resend counts once, in a file too", async () => {
    const statements = JSON.parse(readFileSync(MOODLE, "utf8")) as Record<string, unknown>[];
    const reply = statements[3]!;
    const push = () => pushStatements(db, { body: [reply], origin: "POST /api/xapi/statements from test", totalBytes: 1, options: OPTIONS });
    const first = await push();
    const again = await push();
    expect(first.status).toBe("stored");
    expect(again.status).toBe("stored");
    if (first.status !== "stored" || again.status !== "stored") return;
    expect(again.ids).toEqual(first.ids);
    expect(again.report).toMatchObject({ loaded: 0, duplicates: 1 });
    // the same statement in a file is recognised as the one pushed
    const file = await loadXapi(db, MOODLE);
    expect(file.files[0]).toMatchObject({ loaded: 8, duplicates: 1 });
    expect(await daily(db)).toMatchObject({ "S1001|2026-10-05|vle|none": [7, 0, 0, 0] });
    // two identical statements in one request are one statement, not a refused batch
    const twice = await pushStatements(db, { body: [reply, reply], origin: "POST /api/xapi/statements from test", totalBytes: 1, options: OPTIONS });
    expect(twice).toMatchObject({ status: "stored", ids: [first.ids[0], first.ids[0]] });
  });
});

describe("UDD module_map: VLE courses to module instances", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => ({ testDb, db } = await freshDatabase()));
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("loads VLE mappings and gives statements without the Jisc course extension their module from the course they happened in", async () => {
    const udd = await ingest(db, "udd", { path: `${FIXTURES}udd-module-map`, strict: false, options: OPTIONS });
    const map = udd.files.find((f) => f.file === "modulemap.tsv")!;
    expect(map).toMatchObject({ status: "partial", read: 4, loaded: 2, rejected: 1 });
    expect(udd.errors.filter((e) => e.file === "modulemap.tsv").map((e) => `${e.line}: ${e.message}`)).toEqual([
      expect.stringMatching(/^5: MOD_INSTANCE_ID 'XX999-2026-S1' is not a known module instance/),
    ]);
    expect(map.notes).toContainEqual(expect.stringMatching(/^1 mapping\(s\) to other systems than the VLE were not used: Scientia \(1\)/));

    const report = await loadXapi(db, MOODLE);
    expect(report.files[0]).toMatchObject({ status: "completed", loaded: 9 });
    expect(await daily(db)).toEqual({
      // the log-in happened on the site, in no course
      "S1001|2026-10-05|vle|none": [1, 0, 0, 0],
      // Moodle course 7 (parent activity .../course/view.php?id=7) is LA101-2026-S1
      "S1001|2026-10-05|vle|LA101-2026-S1": [6, 0, 0, 0],
      "S1002|2026-10-06|submission|LA101-2026-S1": [1, 0, 0, 0],
      // viewing the course page: the course is the object
      "S1002|2026-10-06|vle|LA101-2026-S1": [1, 0, 0, 0],
    });
  });

  it("loading the same mapping again changes nothing", async () => {
    const again = await ingest(db, "udd", { path: `${FIXTURES}udd-module-map/modulemap.tsv`, strict: false, options: OPTIONS });
    expect(again.files[0]).toMatchObject({ loaded: 0, duplicates: 2 });
  });
});

describe("an operator's xAPI verb map (NUDGE_XAPI_VERB_MAP)", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  const work = mkdtempSync(join(tmpdir(), "nudge-verb-map-"));
  const mapFile = join(work, "verbs.yaml");
  const USER = "moodle";
  const PASSWORD = "correct horse battery staple";

  beforeAll(async () => {
    writeFileSync(
      mapFile,
      [
        "# what our lecture-capture tool and Moodle send",
        "verbs:",
        "  https://capture.example.ac.uk/verbs/watched: vle",
        "  http://activitystrea.ms/submit: submission",
        "activityTypes:",
        "  http://id.tincanapi.com/activitytype/survey: ignore",
        "",
      ].join("\n"),
    );
    testDb = await createTestDatabase();
    const config = parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: testDb.url,
      LOG_LEVEL: "silent",
      NUDGE_XAPI_USERNAME: USER,
      NUDGE_XAPI_PASSWORD: PASSWORD,
      NUDGE_XAPI_VERB_MAP: mapFile,
    });
    service = await startService(config, createLogger("silent"));
    await service.db.prisma.student.create({ data: { studentNumber: "S1001", email: "ada.lovelace@student.example.ac.uk" } });
  });
  afterAll(async () => {
    await service?.stop();
    await testDb?.drop();
  });

  it("counts the verbs it names, lets an activity type outrank a verb and the built-in mappings, and still lists verbs no one maps", async () => {
    const statements = JSON.parse(readFileSync(MOODLE, "utf8")) as Record<string, unknown>[];
    const watched = {
      ...statements[0],
      verb: { id: "https://capture.example.ac.uk/verbs/watched/", display: { en: "watched" } },
      object: { objectType: "Activity", id: "https://capture.example.ac.uk/recordings/17" },
    };
    const danced = { ...statements[0], verb: { id: "https://example.org/verbs/danced" } };
    // questionnaire (activitystrea.ms/submit, survey: the type's "ignore" wins) and the log-in (built in)
    const body = JSON.stringify([watched, danced, statements[5], statements[0]]);
    const response = await fetch(`http://127.0.0.1:${service.port}/api/xapi/statements`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-experience-api-version": "1.0.3",
        authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`,
      },
    });
    expect(response.status).toBe(200);
    expect(await daily(service.db)).toEqual({ "S1001|2026-10-05|vle|none": [2, 0, 0, 0] });
    const batch = await service.db.prisma.ingestBatch.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(batch.notes).toEqual(
      expect.arrayContaining([
        "statements with verbs that have no mapping were not stored: https://example.org/verbs/danced (1)",
        "statements recognised but not counted: not counted by the xAPI verb map (NUDGE_XAPI_VERB_MAP) (1)",
      ]),
    );
  });

  it("maps a file's statements the same way", async () => {
    const statements = JSON.parse(readFileSync(MOODLE, "utf8")) as Record<string, unknown>[];
    const path = join(work, "later.json");
    // the survey response (ignored by type) and an assignment-less submit of a page: a submission by the verb
    const page = {
      ...statements[5],
      object: { objectType: "Activity", id: "https://moodle.example.ac.uk/mod/page/view.php?id=9" },
      timestamp: "2026-10-07T10:00:00Z",
    };
    writeFileSync(path, JSON.stringify([statements[6], page]));
    const report = await ingest(service.db, "xapi", { path, strict: false, options: { ...OPTIONS, verbMap: loadVerbMap(mapFile) } });
    expect(report.files[0]).toMatchObject({ status: "completed", read: 2, loaded: 1 });
    expect(await daily(service.db)).toMatchObject({ "S1001|2026-10-07|submission|none": [1, 0, 0, 0] });
  });

  it("refuses a map with a mistake at start-up, naming the file, the line and the entry", () => {
    const check = (text: string) => {
      const file = join(work, "bad.yaml");
      writeFileSync(file, text);
      try {
        parseConfig({ DATABASE_URL: testDb.url, NUDGE_XAPI_VERB_MAP: file });
      } catch (error) {
        expect(error).toBeInstanceOf(VerbMapError);
        return (error as Error).message.replace(file, "bad.yaml");
      }
      throw new Error("expected the map to be refused");
    };
    expect(check("verbs:\n  https://a.example/verbs/x: vle\n  https://a.example/verbs/y: vel\n")).toBe(
      "bad.yaml:3: verbs.https://a.example/verbs/y: 'vel' is not one of vle, library, submission, attendance, ignore",
    );
    expect(check("verbs:\n  watched: vle\n")).toBe("bad.yaml:2: verbs: 'watched' is not an http(s) IRI");
    expect(check("verb:\n  https://a.example/verbs/x: vle\n")).toBe("bad.yaml:1: 'verb' is not a section of a verb map: use verbs or activityTypes");
    expect(check('{"verbs": {"http://a.example/v": "vle", "https://a.example/v/": "library"}}')).toBe(
      "bad.yaml:1: verbs.https://a.example/v/: is given twice (http and https, and a trailing slash, name the same IRI)",
    );
    expect(check("verbs: [vle]\n")).toBe("bad.yaml:1: verbs must map each IRI to one of vle, library, submission, attendance, ignore");
    expect(check("verbs:\n  https://a.example/v: vle\n  https://a.example/v: vle\n")).toMatch(/^bad\.yaml:3: not valid YAML or JSON: /);
  });
});
