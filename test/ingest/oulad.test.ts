import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodeOf, ingest, type IngestReport } from "../../ingest/index.ts";
import { dayOfDate } from "../../ingest/fields.ts";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { createTestDatabase, useMigratedDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ingest");
const AAA_START = dayOfDate("2013-10-05")!;
// 2014B has no configured start: the OU convention (B = February) gives 2014-02-01.
const BBB_START = dayOfDate("2014-02-01")!;
const options = { presentationStarts: { "2013J": "2013-10-05" } };

function file(report: IngestReport, name: string) {
  const found = report.files.find((f) => f.file === name);
  if (!found) throw new Error(`no report for ${name}: ${report.files.map((f) => f.file).join(", ")}`);
  return found;
}

async function rollups(db: Database, source: string) {
  const rows = await db.sql.query<{ studentNumber: string; day: number; moduleInstanceKey: number; count: number; late: number; presentation: string }>(
    `SELECT s."studentNumber", e."day", e."count", e."late", i."presentationCode" AS "presentation"
       FROM "EngagementDaily" e JOIN "Student" s ON s."id" = e."studentId" JOIN "ModuleInstance" i ON i."id" = e."moduleInstanceKey"
      WHERE CAST(e."source" AS TEXT) = $1 ORDER BY s."studentNumber", e."day"`,
    [source],
  );
  return rows.map((r) => ({ ...r, day: Number(r.day), count: Number(r.count), late: Number(r.late) }));
}

describe("OULAD ingest", () => {
  let testDb: TestDatabase;
  let db: Database;
  let first: IngestReport;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url, { migrate: true });
    first = await ingest(db, "oulad", { path: join(FIXTURES, "oulad"), options });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("loads the files in dependency order and skips the site catalogue with a reason", () => {
    expect(first.files.map((f) => f.entity ?? f.file)).toEqual([
      "vle.csv",
      "courses",
      "assessments",
      "studentInfo",
      "studentRegistration",
      "studentAssessment",
      "studentVle",
    ]);
    expect(file(first, "vle.csv")).toMatchObject({ status: "skipped", notes: [expect.stringContaining("site catalogue")] });
    expect(file(first, "courses.csv").notes).toContain("2014B: no start date configured; assumed 2014-02-01 from the presentation code");
  });

  it("reports each bad row with file, line and reason, and loads the rest", () => {
    expect(first.errors).toEqual(
      expect.arrayContaining([
        { file: "assessments.csv", line: 5, message: "code_module-code_presentation 'ZZZ-2013J' is not a known module presentation (load courses.csv first)" },
        { file: "studentInfo.csv", line: 5, message: "disability 'Maybe' is not Y or N" },
        { file: "studentRegistration.csv", line: 5, message: "id_student '99999' is not a known student (load studentInfo.csv first)" },
        { file: "studentAssessment.csv", line: 5, message: "id_student '55555' is not a known student (load studentInfo.csv first)" },
        { file: "studentVle.csv", line: 8, message: "code_module-code_presentation 'ZZZ-2013J' is not a known module presentation (load courses.csv first)" },
        { file: "studentVle.csv", line: 9, message: "sum_click '-3' is negative" },
        { file: "studentVle.csv", line: 10, message: "date is missing" },
        { file: "studentVle.csv", line: 11, message: "sum_click is missing" },
      ]),
    );
    expect(first.errors).toHaveLength(8);
    expect(file(first, "studentVle.csv")).toMatchObject({ status: "partial", read: 10, loaded: 6, rejected: 4 });
    expect(first).toMatchObject({ read: 2 + 4 + 4 + 4 + 4 + 10, rejected: 8 });
    expect(exitCodeOf(first)).toBe(2);
  });

  it("sums repeated (student, site, date) rows into one daily row per module, dated from the presentation start", async () => {
    expect(await rollups(db, "vle")).toEqual([
      { studentNumber: "11391", day: AAA_START - 10, count: 2, late: 0, presentation: "2013J" },
      { studentNumber: "11391", day: AAA_START, count: 7, late: 0, presentation: "2013J" },
      { studentNumber: "28400", day: AAA_START - 10, count: 16, late: 0, presentation: "2013J" },
      { studentNumber: "28400", day: BBB_START + 3, count: 5, late: 0, presentation: "2014B" },
    ]);
  });

  it("keeps one student across presentations, disability as special-category data and final_result as an outcome", async () => {
    const students = await db.sql.query<{ studentNumber: string; disability: string | null }>(
      `SELECT "studentNumber", "disability" FROM "Student" ORDER BY "studentNumber"`,
    );
    expect(students).toEqual([
      { studentNumber: "11391", disability: "N" },
      { studentNumber: "28400", disability: "Y" },
    ]);
    const enrolments = await db.sql.query<{ studentNumber: string; presentationCode: string; finalResult: string | null; withdrawnAt: unknown }>(
      `SELECT s."studentNumber", i."presentationCode", m."finalResult", m."withdrawnAt" FROM "ModuleEnrolment" m
         JOIN "Student" s ON s."id" = m."studentId" JOIN "ModuleInstance" i ON i."id" = m."moduleInstanceId" ORDER BY 1, 2`,
    );
    expect(enrolments.map((e) => [e.studentNumber, e.presentationCode, e.finalResult, e.withdrawnAt === null])).toEqual([
      ["11391", "2013J", "Pass", true],
      ["28400", "2013J", "Withdrawn", true],
      ["28400", "2014B", "Fail", false],
    ]);
  });

  it("turns submissions into on-time or late by the assessment's cut-off, and '?' scores into no score", async () => {
    const submissions = await db.sql.query<{ studentNumber: string; externalId: string; status: string; score: number | null }>(
      `SELECT s."studentNumber", a."externalId", CAST(x."status" AS TEXT) AS "status", x."score" FROM "Submission" x
         JOIN "Student" s ON s."id" = x."studentId" JOIN "Assessment" a ON a."id" = x."assessmentId" ORDER BY 1, 2`,
    );
    expect(submissions.map((s) => [s.studentNumber, s.externalId, s.status, s.score === null ? null : Number(s.score)])).toEqual([
      ["11391", "oulad-1752", "on_time", 78],
      ["28400", "oulad-15020", "on_time", 100],
      ["28400", "oulad-1752", "late", null],
    ]);
    // TMA 1752 fell due on day 19 for both registered students: a due-day row each (expected 1).
    expect(await rollups(db, "submission")).toEqual([
      { studentNumber: "11391", day: AAA_START + 18, count: 1, late: 0, presentation: "2013J" },
      { studentNumber: "11391", day: AAA_START + 19, count: 0, late: 0, presentation: "2013J" },
      { studentNumber: "28400", day: AAA_START + 19, count: 0, late: 0, presentation: "2013J" },
      { studentNumber: "28400", day: AAA_START + 22, count: 1, late: 1, presentation: "2013J" },
      { studentNumber: "28400", day: BBB_START + 5, count: 1, late: 0, presentation: "2014B" },
    ]);
  });

  it("records feed freshness and a batch per file", async () => {
    const feeds = await db.sql.query<{ feed: string; lastDataDay: number }>(`SELECT "feed", "lastDataDay" FROM "FeedFreshness" ORDER BY "feed"`);
    expect(feeds.map((f) => [f.feed, Number(f.lastDataDay)])).toEqual([
      ["submission", Math.max(AAA_START + 22, BBB_START + 5)],
      ["vle", BBB_START + 3],
    ]);
    const batches = await db.sql.query<{ entity: string; status: string; read: number; rejected: number; checksum: string }>(
      `SELECT "entity", CAST("status" AS TEXT) AS "status", "read", "rejected", "checksum" FROM "IngestBatch" ORDER BY "id"`,
    );
    expect(batches.map((b) => [b.entity, b.status, Number(b.read), Number(b.rejected)])).toEqual([
      ["courses", "completed", 2, 0],
      ["assessments", "partial", 4, 1],
      ["studentInfo", "partial", 4, 1],
      ["studentRegistration", "partial", 4, 1],
      ["studentAssessment", "partial", 4, 1],
      ["studentVle", "partial", 10, 4],
    ]);
    expect(batches.every((b) => /^[0-9a-f]{64}$/.test(b.checksum))).toBe(true);
  });

  it("changes nothing when the same folder is ingested again", async () => {
    const before = await rollups(db, "vle");
    const again = await ingest(db, "oulad", { path: join(FIXTURES, "oulad"), options });
    // A file loaded completely is recognised by its checksum and not read again.
    expect(file(again, "courses.csv")).toMatchObject({ status: "unchanged", loaded: 0, duplicates: 2 });
    // Partially loaded files are read again (what they referred to may exist now); nothing changes.
    expect(file(again, "studentVle.csv")).toMatchObject({ status: "partial", loaded: 0, duplicates: 6, rejected: 4 });
    expect(await rollups(db, "vle")).toEqual(before);
    const [counted] = await db.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "Submission"`);
    expect(Number(counted!.n)).toBe(3);
  });

  it("skips a file already loaded completely without reading it", async () => {
    const again = await ingest(db, "oulad", { path: join(FIXTURES, "oulad", "courses.csv"), options });
    expect(again.files[0]).toMatchObject({ status: "unchanged", duplicates: 2, loaded: 0, notes: [expect.stringMatching(/^identical to batch \d+ loaded /)] });
    expect(exitCodeOf(again)).toBe(0);
  });

  it("counts no activity twice when a later export overlaps the first", async () => {
    const later = await ingest(db, "oulad", { path: join(FIXTURES, "oulad-later", "studentVle.csv"), options });
    expect(later.files[0]).toMatchObject({ status: "completed", read: 5, loaded: 2, duplicates: 3 });
    expect((await rollups(db, "vle")).filter((r) => r.presentation === "2013J")).toEqual([
      { studentNumber: "11391", day: AAA_START - 10, count: 2, late: 0, presentation: "2013J" },
      { studentNumber: "11391", day: AAA_START, count: 9, late: 0, presentation: "2013J" },
      { studentNumber: "11391", day: AAA_START + 30, count: 1, late: 0, presentation: "2013J" },
      { studentNumber: "28400", day: AAA_START - 10, count: 16, late: 0, presentation: "2013J" },
    ]);
  });

  it("in strict mode loads nothing from a file with a bad row", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nudge-oulad-"));
    const path = join(dir, "studentVle.csv");
    writeFileSync(path, 'code_module,code_presentation,id_student,id_site,date,sum_click\n"AAA","2013J",11391,1,100,4\n"AAA","2013J",11391,1,101,-1\n');
    const strict = await ingest(db, "oulad", { path, strict: true, options });
    expect(strict.files[0]).toMatchObject({ status: "rejected", read: 2, loaded: 0, rejected: 1 });
    expect(strict.errors).toEqual([{ file: "studentVle.csv", line: 3, message: "sum_click '-1' is negative" }]);
    expect((await rollups(db, "vle")).some((r) => r.day === AAA_START + 100)).toBe(false);
    expect(exitCodeOf(strict)).toBe(2);
  });

  it("rejects a whole file whose header lacks a column, or whose configured start is not a date", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nudge-oulad-"));
    const vle = join(dir, "studentVle.csv");
    writeFileSync(vle, "code_module,code_presentation,id_student,id_site,date\r\nAAA,2013J,11391,1,1\r\n");
    const badHeader = await ingest(db, "oulad", { path: vle, options });
    expect(badHeader.errors[0]).toEqual({
      file: "studentVle.csv",
      line: 1,
      message: "the header lacks column sum_click (found: code_module, code_presentation, id_student, id_site, date)",
    });
    expect(badHeader.files[0]!.status).toBe("rejected");

    const courses = join(dir, "courses.csv");
    writeFileSync(courses, "code_module,code_presentation,module_presentation_length\nCCC,2015J,200\n");
    const badStart = await ingest(db, "oulad", { path: courses, options: { presentationStarts: { "2015J": "2017-13-12" } } });
    expect(badStart.errors[0]!.message).toBe("the start date configured for 2015J (2017-13-12) is not a date (YYYY-MM-DD)");
    const [counted] = await db.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "ModuleInstance" WHERE "presentationCode" = '2015J'`);
    expect(Number(counted!.n)).toBe(0);
  });

  it("names a file that is not part of OULAD", async () => {
    const report = await ingest(db, "oulad", { path: join(FIXTURES, "oulad", "vle.csv"), options });
    expect(report.files[0]).toMatchObject({ status: "failed" });
    expect(report.errors[0]!.message).toContain("site catalogue");
    expect(exitCodeOf(report)).toBe(1);
  });
});

describe.each(databaseKindsUnderTest())("bad bytes in OULAD files on %s: a row error naming line and field, never stored", (kind) => {
  const target = useMigratedDatabase(kind);
  const dir = mkdtempSync(join(tmpdir(), "nudge-oulad-bytes-"));
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const load = (path: string, strict: boolean) => ingest(target.db, "oulad", { path, strict, options });
  const lines = (report: IngestReport) => report.errors.map((e) => [e.file, e.line, e.message]);
  const count = async (table: string) => Number((await target.db.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${table}"`))[0]!.n);

  beforeAll(async () => {
    const courses = await load(write("courses.csv", 'code_module,code_presentation,module_presentation_length\n"AAA","2013J",268\n'), true);
    expect(courses.files[0]!.status).toBe("completed");
  });

  it("refuses a NUL in code_module and an id_student too large to be read exactly", async () => {
    const path = write(
      "studentInfo.csv",
      'code_module,code_presentation,id_student,disability,final_result\n"AAA","2013J",11391,"N","Pass"\n"AA\u0000A","2013J",11392,"N","Pass"\n"AAA","2013J",99999999999999999999,"N","Pass"\n',
    );
    const strict = await load(path, true);
    expect(strict.files[0]).toMatchObject({ status: "rejected", loaded: 0, rejected: 2 });
    expect(lines(strict)).toEqual([
      ["studentInfo.csv", 3, "code_module 'AA\\u0000A' contains control character U+0000 (NUL)"],
      ["studentInfo.csv", 4, "id_student '99999999999999999999' is not a whole number"],
    ]);
    expect(await count("Student")).toBe(0);
    expect((await load(path, false)).files[0]).toMatchObject({ status: "partial", loaded: 1, rejected: 2 });
    expect((await target.db.sql.query<{ studentNumber: string }>(`SELECT "studentNumber" FROM "Student"`)).map((r) => r.studentNumber)).toEqual(["11391"]);
  });

  it("rejects a day offset or length no real presentation has, on its line, instead of failing the whole file on the database", async () => {
    const report = await load(
      write("courses.csv", 'code_module,code_presentation,module_presentation_length\n"BBB","2013J",123456789012\n"CCC","2013J",269\n'),
      false,
    );
    expect(report.files[0]).toMatchObject({ status: "partial", loaded: 1, rejected: 1 });
    expect(lines(report)).toEqual([["courses.csv", 2, "module_presentation_length '123456789012' is above 2048"]]);
    const registrations = await load(
      write("studentRegistration.csv", 'code_module,code_presentation,id_student,date_registration,date_unregistration\n"AAA","2013J",11391,-99999999,\n'),
      false,
    );
    expect(lines(registrations)).toEqual([["studentRegistration.csv", 2, "date_registration -99999999 is more than 2048 days from the presentation start"]]);
  });

  it("refuses a studentVle whose header names a column twice, at line 1, with the column", async () => {
    const report = await load(
      write("studentVle.csv", 'code_module,code_presentation,id_student,id_site,date,sum_click,date\n"AAA","2013J",11391,1,3,4,5\n'),
      false,
    );
    expect(report.files[0]).toMatchObject({ status: "rejected", loaded: 0 });
    expect(lines(report)).toEqual([["studentVle.csv", 1, "the header has column date twice (columns 5 and 7)"]]);
    expect(await count("EngagementDaily")).toBe(0);
  });

  it("rejects studentVle lines with bytes that are not UTF-8 or a NUL in id_student, naming the field", async () => {
    const path = write(
      "studentVle.csv",
      Buffer.concat([
        Buffer.from('code_module,code_presentation,id_student,id_site,date,sum_click\n"AAA","2013J",11391,1,3,4\n"AAA","2013J",11391,1,'),
        Buffer.from([0xff]),
        Buffer.from('4,4\n"AAA","2013J",11391\u0000,1,5,4\n'),
      ]),
    );
    const strict = await load(path, true);
    expect(strict.files[0]).toMatchObject({ status: "rejected", loaded: 0, rejected: 2 });
    expect(lines(strict)).toEqual([
      ["studentVle.csv", 3, "date is not valid UTF-8 (byte 0xFF): export the file as UTF-8"],
      ["studentVle.csv", 4, "id_student '11391\\u0000' contains control character U+0000 (NUL)"],
    ]);
    expect(await count("EngagementDaily")).toBe(0);
    expect((await load(path, false)).files[0]).toMatchObject({ status: "partial", read: 3, loaded: 1, rejected: 2 });
    expect(await count("EngagementDaily")).toBe(1);
  });
});
