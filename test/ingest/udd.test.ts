import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest, type FileReport, type IngestReport } from "../../ingest/index.ts";
import { uddFormat } from "../../ingest/udd.ts";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { createTestDatabase, useMigratedDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

const FIXTURES = new URL("../fixtures/ingest/", import.meta.url).pathname;
const EXPORT = `${FIXTURES}udd`;
const CORRECTED = `${FIXTURES}udd-corrected`;
const NOW = new Date("2026-11-23T12:00:00Z");
const OPTIONS = { timezone: "Europe/London", now: () => NOW };

let testDb: TestDatabase;
let db: Database;
let first: IngestReport;

const load = (path: string, strict = false, target: Database = db) => ingest(target, "udd", { path, strict, options: OPTIONS });
const iso = (value: unknown) => (value === null ? null : new Date(value as string).toISOString().slice(0, 10));
const fileOf = (report: IngestReport, name: string): FileReport => {
  const file = report.files.find((f) => f.file === name);
  if (!file) throw new Error(`no report for ${name}: ${report.files.map((f) => f.file).join(", ")}`);
  return file;
};
const errorsOf = (report: IngestReport, name: string) => report.errors.filter((e) => e.file === name).map((e) => `${e.line}: ${e.message}`);
const counts = (file: FileReport) => ({ status: file.status, read: file.read, loaded: file.loaded, rejected: file.rejected, duplicates: file.duplicates });

/** EngagementDaily as "student|date|source|module instance" -> [count, expected, late, missed]. */
async function daily(): Promise<Record<string, number[]>> {
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
      `${r.student}|${iso(Number(r.day) * 86_400_000)}|${r.source}|${r.instance ?? "none"}`,
      [r.count, r.expected, r.late, r.missed].map(Number),
    ]),
  );
}

/** Everything the UDD loader writes, for "nothing changed" comparisons. */
async function snapshot(): Promise<unknown[]> {
  const tables = [
    "Student",
    "Programme",
    "ProgrammeEnrolment",
    "Module",
    "ModuleInstance",
    "ModuleEnrolment",
    "Staff",
    "TutorAssignment",
    "TimetableEvent",
    "Attendance",
    "Assessment",
    "Submission",
  ];
  const all: unknown[] = [];
  for (const table of tables) all.push(table, await db.sql.query(`SELECT * FROM "${table}" ORDER BY "id"`));
  all.push(await daily());
  return JSON.parse(JSON.stringify(all, (key, value) => (key === "updatedAt" ? undefined : value)));
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase(testDb.url, { migrate: true });
  first = await load(EXPORT);
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe("UDD file names and load order", () => {
  it("orders files so referenced entities load first, by entity or API endpoint name", () => {
    const plan = uddFormat.plan([
      "/x/studentassessmentinstance.tsv",
      "/x/student_event.csv",
      "/x/event.tsv",
      "/x/student.tsv",
      "/x/moduleinstance.tsv",
      "/x/module.tsv",
      "/x/course.csv",
    ]);
    expect(plan.files.map((f) => f.entity)).toEqual([
      "student",
      "course",
      "module",
      "module_instance",
      "event",
      "student_event",
      "student_on_assessment_instance",
    ]);
    expect(plan.skipped).toEqual([]);
  });

  it("reports files it does not load with the reason", () => {
    const plan = uddFormat.plan(["/x/period.tsv", "/x/student.json", "/x/notes.txt", "/x/studentcourseinstance.tsv"]);
    expect(plan.files).toEqual([]);
    expect(plan.skipped.map((s) => s.reason)).toEqual([
      expect.stringContaining("UDD period is not loaded"),
      expect.stringContaining("read from TSV or CSV files only"),
      expect.stringContaining("notes.txt is not a UDD file"),
      expect.stringContaining("give YEAR_PRG on student_course_membership"),
    ]);
    expect(uddFormat.entityOf("/x/Student.TSV")).toEqual({ entity: "student" });
  });
});

describe("loading a UDD export with real-world defects", () => {
  it("loads the valid rows of every file and says what it skipped", () => {
    expect(first.files.filter((f) => f.status === "skipped").map((f) => f.file)).toEqual(["README.txt", "period.tsv"]);
    expect(first.files.filter((f) => f.status !== "skipped").map((f) => f.entity)).toEqual([
      "student",
      "course",
      "module",
      "module_instance",
      "staff",
      "student_course_membership",
      "student_on_a_module_instance",
      "staff_link",
      "event",
      "student_event",
      "assessment_instance",
      "student_on_assessment_instance",
    ]);
    expect({ read: first.read, loaded: first.loaded, rejected: first.rejected }).toEqual({ read: 49, loaded: 34, rejected: 11 });
  });

  it("student.tsv: a trailing tab on the header, a duplicate row, a code outside the list, a line split by spaces", () => {
    expect(counts(fileOf(first, "student.tsv"))).toEqual({ status: "partial", read: 7, loaded: 4, rejected: 2, duplicates: 1 });
    expect(errorsOf(first, "student.tsv")).toEqual([
      expect.stringMatching(/^5: ETHNICITY '77' is not in the UDD ETHNICITY code list/),
      expect.stringMatching(/^7: expected 12 tab-separated fields, found 1: the line looks separated by spaces, not tabs$/),
    ]);
  });

  it("rejects impossible dates, unknown references and values outside code lists, naming the field and value", () => {
    expect(errorsOf(first, "studentcoursemembership.tsv")).toEqual(["5: COURSE_JOIN_DATE '2017-13-12' is not a date (YYYY-MM-DD)"]);
    expect(errorsOf(first, "moduleinstance.tsv")).toEqual(["4: MOD_ID 'XX999' is not a known module (load module.tsv first)"]);
    expect(errorsOf(first, "student_on_a_module_instance.tsv")).toEqual([
      "5: MOD_INSTANCE_ID 'XX999-2026-S1' is not a known module instance (load module_instance.tsv first)",
      "6: STUDENT_ID 'S999' is not a known student (load student.tsv first)",
    ]);
    expect(errorsOf(first, "event.tsv")).toEqual(["5: EVENT_START is required"]);
    expect(errorsOf(first, "studentevent.tsv")).toEqual([
      expect.stringMatching(/^7: ATTENDANCE_MARK 'asleep' is not in the attendance mark code list/),
      "8: EVENT_ID 'E9' is not a known event (load event.tsv first)",
    ]);
    expect(errorsOf(first, "stafflink.tsv")).toEqual([
      expect.stringMatching(/^5: RELATIONSHIP 'programme_leader' is not in the Nudge staff_link RELATIONSHIP code list/),
    ]);
    expect(errorsOf(first, "studentassessmentinstance.tsv")).toEqual(["7: ASSESS_AGREED_MARK '120' is not a percentage (0-100)"]);
    expect(counts(fileOf(first, "course.tsv"))).toEqual({ status: "completed", read: 1, loaded: 1, rejected: 0, duplicates: 0 });
  });

  it("stores students' contact details and special-category codes, and nothing else of theirs", async () => {
    const students = await db.sql.query<Record<string, unknown>>(
      `SELECT "studentNumber", "givenName", "familyName", "email", "mobile", "photoUrl", "ethnicity", "disability" FROM "Student" ORDER BY "studentNumber"`,
    );
    expect(students).toEqual([
      {
        studentNumber: "S001",
        givenName: "Ada",
        familyName: "Lovelace",
        email: "ada@student.example.ac.uk",
        mobile: "+447700900001",
        photoUrl: "https://photos.example.ac.uk/S001.jpg",
        ethnicity: "10",
        disability: "1",
      },
      {
        studentNumber: "S002",
        givenName: "Alan",
        familyName: "Turing",
        email: "alan@student.example.ac.uk",
        mobile: "+447700900002",
        photoUrl: null,
        ethnicity: "31",
        disability: "5",
      },
      { studentNumber: "S003", givenName: "Grace", familyName: "Hopper", email: null, mobile: null, photoUrl: null, ethnicity: null, disability: null },
      // DIFFLEARN1 '02' is code 2; an international 00 prefix becomes +.
      {
        studentNumber: "S006",
        givenName: "Mary",
        familyName: "Somerville",
        email: "mary@student.example.ac.uk",
        mobile: "+447700900006",
        photoUrl: null,
        ethnicity: "10",
        disability: "2",
      },
    ]);
    // Data minimisation: date of birth, ULN and postcode were in the file and are nowhere in the row.
    const stored = JSON.stringify(await db.sql.query(`SELECT * FROM "Student"`));
    for (const value of ["2005-12-10", "1234567890", "LE1 7RH"]) expect(stored).not.toContain(value);
  });

  it("creates a programme from COURSE_ID when course.tsv lacks it, and derives enrolment status and year", async () => {
    expect(await db.sql.query(`SELECT "code", "title", "school", "level" FROM "Programme" ORDER BY "code"`)).toEqual([
      { code: "C100", title: "BSc Computer Science", school: "School of Computing", level: "UG" },
      { code: "C200", title: "C200", school: null, level: null },
    ]);
    expect(fileOf(first, "studentcoursemembership.tsv").notes).toEqual([
      expect.stringContaining("1 row(s) without YEAR_PRG"),
      expect.stringContaining("programme(s) C200 created from COURSE_ID"),
    ]);
    const enrolments = await db.sql.query<{ student: string; code: string; yearOfStudy: number; startDate: string; endDate: string | null; status: string }>(
      `SELECT s."studentNumber" AS "student", p."code", e."yearOfStudy", e."startDate", e."endDate", e."status"
         FROM "ProgrammeEnrolment" e JOIN "Student" s ON s."id" = e."studentId" JOIN "Programme" p ON p."id" = e."programmeId" ORDER BY s."studentNumber"`,
    );
    expect(enrolments.map((e) => [e.student, e.code, Number(e.yearOfStudy), iso(e.startDate), iso(e.endDate), e.status])).toEqual([
      ["S001", "C100", 1, "2026-09-21", "2029-06-30", "active"],
      // No YEAR_PRG: joined in academic year 2025/26, so year 2 in 2026/27.
      ["S002", "C100", 2, "2025-09-22", "2028-06-30", "active"],
      ["S003", "C200", 1, "2026-09-21", "2026-11-01", "withdrawn"],
    ]);
    const students = await db.sql.query<{ studentNumber: string; enrolmentStatus: string; enrolmentEndDate: string | null }>(
      `SELECT "studentNumber", "enrolmentStatus", "enrolmentEndDate" FROM "Student" WHERE "studentNumber" IN ('S001', 'S003') ORDER BY "studentNumber"`,
    );
    expect(students.map((s) => [s.studentNumber, s.enrolmentStatus, iso(s.enrolmentEndDate)])).toEqual([
      ["S001", "active", "2029-06-30"],
      ["S003", "withdrawn", "2026-11-01"],
    ]);
  });

  it("loads modules, module instances over the academic year, and module enrolments", async () => {
    const instances = await db.sql.query<{ code: string; presentationCode: string; startDate: string; endDate: string }>(
      `SELECT m."code", i."presentationCode", i."startDate", i."endDate" FROM "ModuleInstance" i JOIN "Module" m ON m."id" = i."moduleId" ORDER BY i."presentationCode"`,
    );
    expect(instances.map((i) => [i.code, i.presentationCode, iso(i.startDate), iso(i.endDate)])).toEqual([
      ["CS101", "CS101-2026-S1", "2026-08-01", "2027-07-31"],
      ["CS102", "CS102-2026-S1", "2026-08-01", "2027-07-31"],
    ]);
    expect(await db.sql.query(`SELECT "code", "title", "credits" FROM "Module" ORDER BY "code"`)).toEqual([
      { code: "CS101", title: "Programming", credits: 20 },
      { code: "CS102", title: "Databases", credits: null },
    ]);
    const enrolments = await db.sql.query<{ student: string; instance: string; enrolledAt: string | null; finalResult: string | null }>(
      `SELECT s."studentNumber" AS "student", i."presentationCode" AS "instance", e."enrolledAt", e."finalResult"
         FROM "ModuleEnrolment" e JOIN "Student" s ON s."id" = e."studentId" JOIN "ModuleInstance" i ON i."id" = e."moduleInstanceId" ORDER BY 1, 2`,
    );
    expect(enrolments.map((e) => [e.student, e.instance, iso(e.enrolledAt), e.finalResult])).toEqual([
      ["S001", "CS101-2026-S1", "2026-09-28", null],
      ["S001", "CS102-2026-S1", "2026-09-28", null],
      ["S002", "CS101-2026-S1", "2026-09-28", null],
    ]);
  });

  it("links personal tutors from staff_link in Nudge's scope only", async () => {
    expect(await db.sql.query(`SELECT "staffNumber", "displayName", "email" FROM "Staff" ORDER BY "staffNumber"`)).toEqual([
      { staffNumber: "T01", displayName: "Dr Katherine Johnson", email: "k.johnson@example.ac.uk" },
      { staffNumber: "T02", displayName: "Prof Tim Berners-Lee", email: "t.bernerslee@example.ac.uk" },
    ]);
    expect(await tutors()).toEqual([
      ["S001", "T01", "personal_tutor", "2026-09-21", null],
      // No PROVIDED_AT: the link starts on the day it was loaded.
      ["S002", "T01", "personal_tutor", "2026-11-23", null],
    ]);
    expect(fileOf(first, "stafflink.tsv").notes).toEqual([expect.stringContaining("1 row(s) for other applications' SCOPE")]);
  });

  it("records attendance marks and links events to modules through student_event", async () => {
    const events = await db.sql.query<{ externalId: string; kind: string; instance: string | null }>(
      `SELECT e."externalId", e."kind", i."presentationCode" AS "instance" FROM "TimetableEvent" e LEFT JOIN "ModuleInstance" i ON i."id" = e."moduleInstanceId" ORDER BY 1`,
    );
    expect(events.map((e) => [e.externalId, e.kind, e.instance])).toEqual([
      ["E1", "lecture", "CS101-2026-S1"],
      ["E2", "laboratory", "CS101-2026-S1"],
      // Linked by a row without a mark.
      ["E3", "seminar", "CS102-2026-S1"],
    ]);
    const marks = await db.sql.query<{ student: string; event: string; mark: string; method: string | null; recordedAt: string | null }>(
      `SELECT s."studentNumber" AS "student", e."externalId" AS "event", a."mark", a."method", a."recordedAt"
         FROM "Attendance" a JOIN "Student" s ON s."id" = a."studentId" JOIN "TimetableEvent" e ON e."id" = a."eventId" ORDER BY 2, 1`,
    );
    expect(marks.map((m) => [m.student, m.event, m.mark, m.method, m.recordedAt && new Date(m.recordedAt).toISOString()])).toEqual([
      ["S001", "E1", "present", "card", "2026-11-02T08:58:00.000Z"],
      ["S002", "E1", "late", "card", "2026-11-02T09:17:00.000Z"],
      ["S001", "E2", "absent", "register", null],
      ["S002", "E2", "authorised_absence", "register", null],
    ]);
    expect(fileOf(first, "studentevent.tsv").notes).toEqual([expect.stringContaining("1 row(s) without ATTENDANCE_MARK")]);
  });

  it("derives submission status from each student's deadline and keeps the first opportunity only", async () => {
    const submissions = await db.sql.query<{ student: string; assessment: string; status: string; submittedAt: string | null; score: number | null }>(
      `SELECT s."studentNumber" AS "student", a."externalId" AS "assessment", x."status", x."submittedAt", x."score"
         FROM "Submission" x JOIN "Student" s ON s."id" = x."studentId" JOIN "Assessment" a ON a."id" = x."assessmentId" ORDER BY 2, 1`,
    );
    expect(submissions.map((x) => [x.student, x.assessment, x.status, iso(x.submittedAt), x.score === null ? null : Number(x.score)])).toEqual([
      ["S001", "A1", "on_time", "2026-11-05", 68],
      ["S002", "A1", "late", "2026-11-09", null],
      ["S001", "A2", "pending", null, null],
      ["S001", "A3", "missing", null, null],
      // Due 2026-11-27, after the assessment's 2026-11-13: an extension still running.
      ["S002", "A3", "extension", null, null],
    ]);
    const assessments = await db.sql.query<{ externalId: string; title: string; kind: string; weight: number; dueAt: string }>(
      `SELECT "externalId", "title", "kind", "weight", "dueAt" FROM "Assessment" ORDER BY 1`,
    );
    expect(assessments.map((a) => [a.externalId, a.title, a.kind, Number(a.weight), iso(a.dueAt)])).toEqual([
      ["A1", "Programming portfolio", "coursework", 40, "2026-11-06"],
      ["A2", "Exam", "exam", 60, "2027-01-15"],
      ["A3", "Database design", "coursework", 50, "2026-11-13"],
    ]);
    expect(fileOf(first, "studentassessmentinstance.tsv").notes).toEqual([expect.stringContaining("1 reassessment row(s) (ASSESS_SEQ_ID above 1)")]);
  });

  it("keeps daily rollups of attendance and submissions per module, and feed freshness", async () => {
    expect(await daily()).toEqual({
      "S001|2026-11-02|attendance|CS101-2026-S1": [1, 1, 0, 0],
      "S002|2026-11-02|attendance|CS101-2026-S1": [1, 1, 1, 0],
      "S001|2026-11-03|attendance|CS101-2026-S1": [0, 1, 0, 1],
      // An authorised absence is timetabled but not held against the student.
      "S002|2026-11-03|attendance|CS101-2026-S1": [0, 1, 0, 0],
      "S001|2026-11-05|submission|CS101-2026-S1": [1, 0, 0, 0],
      "S001|2026-11-06|submission|CS101-2026-S1": [0, 1, 0, 0],
      "S002|2026-11-06|submission|CS101-2026-S1": [0, 1, 0, 0],
      "S002|2026-11-09|submission|CS101-2026-S1": [1, 0, 1, 0],
      "S001|2026-11-13|submission|CS102-2026-S1": [0, 1, 0, 1],
    });
    const freshness = await db.sql.query<{ feed: string; lastDataDay: number }>(`SELECT "feed", "lastDataDay" FROM "FeedFreshness" ORDER BY 1`);
    expect(freshness.map((f) => [f.feed, iso(Number(f.lastDataDay) * 86_400_000)])).toEqual([
      ["attendance", "2026-11-03"],
      ["submission", "2026-11-13"],
    ]);
  });
});

describe("loading again", () => {
  it("changes nothing when the same export is ingested twice", async () => {
    const before = await snapshot();
    const again = await load(EXPORT);
    expect(again.loaded).toBe(0);
    // Files that loaded completely are recognised by checksum; the others are re-read and found present.
    for (const name of ["course.tsv", "module.tsv", "staff.tsv", "assessmentinstance.tsv"]) expect(fileOf(again, name).status).toBe("unchanged");
    expect(counts(fileOf(again, "student.tsv"))).toEqual({ status: "partial", read: 7, loaded: 0, rejected: 2, duplicates: 5 });
    expect(counts(fileOf(again, "studentevent.tsv"))).toEqual({ status: "partial", read: 7, loaded: 0, rejected: 2, duplicates: 4 });
    expect(counts(fileOf(again, "studentassessmentinstance.tsv"))).toEqual({ status: "partial", read: 7, loaded: 0, rejected: 1, duplicates: 5 });
    expect(await snapshot()).toEqual(before);
  });

  it("a corrected later export updates rows and moves rollups without double counting", async () => {
    const report = await load(CORRECTED);
    expect(counts(fileOf(report, "event.tsv"))).toEqual({ status: "completed", read: 2, loaded: 1, rejected: 0, duplicates: 1 });
    expect(counts(fileOf(report, "studentevent.tsv"))).toEqual({ status: "completed", read: 4, loaded: 1, rejected: 0, duplicates: 3 });
    expect(counts(fileOf(report, "studentassessmentinstance.tsv"))).toEqual({ status: "completed", read: 1, loaded: 1, rejected: 0, duplicates: 0 });
    const rollups = await daily();
    // E1 moved to 3 November and S001's absence at E2 was corrected to present.
    expect(Object.keys(rollups).filter((key) => key.includes("2026-11-02"))).toEqual([]);
    expect(rollups["S001|2026-11-03|attendance|CS101-2026-S1"]).toEqual([2, 2, 0, 0]);
    expect(rollups["S002|2026-11-03|attendance|CS101-2026-S1"]).toEqual([1, 2, 1, 0]);
    // S001's missing A3 was handed in late on 16 November.
    expect(rollups["S001|2026-11-13|submission|CS102-2026-S1"]).toEqual([0, 1, 0, 0]);
    expect(rollups["S001|2026-11-16|submission|CS102-2026-S1"]).toEqual([1, 0, 1, 0]);
    const expected = Object.entries(rollups)
      .filter(([key]) => key.includes("|attendance|"))
      .reduce((sum, [, v]) => sum + v[1]!, 0);
    expect(expected).toBe(4);
  });

  it("a later staff_link naming another tutor ends the earlier assignment", async () => {
    expect(await tutors()).toEqual([
      ["S001", "T01", "personal_tutor", "2026-09-21", null],
      ["S002", "T01", "personal_tutor", "2026-11-23", "2026-11-20"],
      ["S002", "T02", "personal_tutor", "2026-11-20", null],
    ]);
  });

  it("marks stored before their event had a module, and submissions before a due date, move when one arrives", async () => {
    await load(`${FIXTURES}udd-unlinked`);
    let rollups = await daily();
    expect(rollups["S001|2026-11-10|attendance|none"]).toEqual([1, 1, 0, 0]);
    expect(rollups["S001|2026-11-10|submission|CS102-2026-S1"]).toEqual([1, 0, 0, 0]);
    expect(Object.keys(rollups).filter((key) => key.includes("2026-11-12"))).toEqual([]);

    const report = await load(`${FIXTURES}udd-linked`);
    expect(report.rejected).toBe(0);
    rollups = await daily();
    expect(rollups["S001|2026-11-10|attendance|none"]).toBeUndefined();
    expect(rollups["S001|2026-11-10|attendance|CS102-2026-S1"]).toEqual([1, 1, 0, 0]);
    expect(rollups["S002|2026-11-10|attendance|CS102-2026-S1"]).toEqual([1, 1, 1, 0]);
    // A4 takes its due date from the new file; S001's earlier submission now counts as due that day.
    expect(rollups["S001|2026-11-12|submission|CS102-2026-S1"]).toEqual([0, 1, 0, 0]);
    expect(rollups["S002|2026-11-12|submission|CS102-2026-S1"]).toEqual([0, 1, 0, 0]);
    expect(rollups["S002|2026-11-11|submission|CS102-2026-S1"]).toEqual([1, 0, 0, 0]);
  });
});

describe("strict mode", () => {
  it("loads nothing from a file with a bad row, and all of a clean one", async () => {
    const strictDb = await createTestDatabase();
    const target = await openDatabase(strictDb.url, { migrate: true });
    try {
      const bad = await load(`${EXPORT}/student.tsv`, true, target);
      expect(counts(bad.files[0]!)).toMatchObject({ status: "rejected", loaded: 0, rejected: 2 });
      expect(bad.errors.map((e) => e.line)).toEqual([5, 7]);
      expect(await target.sql.query(`SELECT "id" FROM "Student"`)).toEqual([]);
      const clean = await load(`${EXPORT}/course.tsv`, true, target);
      expect(counts(clean.files[0]!)).toEqual({ status: "completed", read: 1, loaded: 1, rejected: 0, duplicates: 0 });
    } finally {
      await target.close();
      await strictDb.drop();
    }
  });
});

describe.each(databaseKindsUnderTest())("bad bytes in a UDD file on %s: a row error naming line and field, never stored", (kind) => {
  const target = useMigratedDatabase(kind);
  const dir = mkdtempSync(join(tmpdir(), "nudge-udd-bytes-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const loadInto = (path: string, strict: boolean) => ingest(target.db, "udd", { path, strict, options: OPTIONS });
  const numbers = async () =>
    (await target.db.sql.query<{ studentNumber: string }>(`SELECT "studentNumber" FROM "Student" ORDER BY 1`)).map((r) => r.studentNumber);
  const lines = (report: IngestReport) => report.errors.map((e) => [e.file, e.line, e.message]);

  it("refuses a NUL in STUDENT_ID and an escape in FIRST_NAME; strict loads nothing, otherwise the other rows load", async () => {
    const path = write("student.tsv", "STUDENT_ID\tFIRST_NAME\nS0\u000001\tAda\nS002\tAlan\nS003\tGr\u001b[2Jace\n");
    const strict = await loadInto(path, true);
    expect(strict.files[0]).toMatchObject({ status: "rejected", loaded: 0, rejected: 2 });
    expect(lines(strict)).toEqual([
      ["student.tsv", 2, "STUDENT_ID 'S0\\u000001' contains control character U+0000 (NUL)"],
      ["student.tsv", 4, "FIRST_NAME 'Gr\\u001B[2Jace' contains control character U+001B"],
    ]);
    expect(await numbers()).toEqual([]);
    const lenient = await loadInto(path, false);
    expect(lenient.files[0]).toMatchObject({ status: "partial", loaded: 1, rejected: 2 });
    expect(await numbers()).toEqual(["S002"]);
  });

  it("refuses a file whose header names a column twice, at line 1, with the column", async () => {
    const report = await loadInto(write("student.tsv", "STUDENT_ID\tFIRST_NAME\tstudent_id\nS010\tAda\tS011\n"), false);
    expect(report.files[0]).toMatchObject({ status: "rejected", loaded: 0 });
    expect(lines(report)).toEqual([["student.tsv", 1, "the header has column student_id twice (columns 1 and 3)"]]);
    expect(await numbers()).toEqual(["S002"]);
  });

  it("rejects the line with bytes that are not UTF-8, naming the field, instead of storing U+FFFD", async () => {
    const path = write(
      "student.tsv",
      Buffer.concat([Buffer.from("STUDENT_ID\tFIRST_NAME\nS020\tAda\nS021\tAl"), Buffer.from([0xc3, 0x28]), Buffer.from("n\n")]),
    );
    const strict = await loadInto(path, true);
    expect(strict.files[0]).toMatchObject({ status: "rejected", loaded: 0, rejected: 1 });
    expect(lines(strict)).toEqual([["student.tsv", 3, "FIRST_NAME is not valid UTF-8 (byte 0xC3): export the file as UTF-8"]]);
    expect(await numbers()).toEqual(["S002"]);
    expect((await loadInto(path, false)).files[0]).toMatchObject({ status: "partial", loaded: 1, rejected: 1 });
    expect(await numbers()).toEqual(["S002", "S020"]);
  });
});

async function tutors(): Promise<unknown[][]> {
  const rows = await db.sql.query<{ student: string; staff: string; role: string; startDate: string; endDate: string | null }>(
    `SELECT s."studentNumber" AS "student", t."staffNumber" AS "staff", a."role", a."startDate", a."endDate"
       FROM "TutorAssignment" a JOIN "Student" s ON s."id" = a."studentId" JOIN "Staff" t ON t."id" = a."staffId" ORDER BY 1, 2`,
  );
  return rows.map((r) => [r.student, r.staff, r.role, iso(r.startDate), iso(r.endDate)]);
}
