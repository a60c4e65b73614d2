import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest, type FileReport, type IngestReport } from "../../ingest/index.ts";
import { nudgeCsvFormat } from "../../ingest/nudge-csv.ts";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { createTestDatabase, useMigratedDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

const FIXTURES = new URL("../fixtures/ingest/", import.meta.url).pathname;
const CONTACTS = `${FIXTURES}nudge-csv`;
const OPTIONS = { timezone: "Europe/London", now: () => new Date("2026-11-23T12:00:00Z") };
const ENTRA_ADA = "7d1c0b9e-4f2a-4c51-9a63-2f0e8b6d41a7";

let testDb: TestDatabase;
let db: Database;
let first: IngestReport;

const load = (path: string, strict = false) => ingest(db, "nudge-csv", { path, strict, options: OPTIONS });
const fileOf = (report: IngestReport, name: string): FileReport => report.files.find((f) => f.file === name)!;
const counts = (file: FileReport) => ({ status: file.status, read: file.read, loaded: file.loaded, rejected: file.rejected, duplicates: file.duplicates });

const students = () =>
  db.sql.query(`SELECT "studentNumber", "mobile", "email", "entraObjectId", "preferredChannel", "timezone" FROM "Student" ORDER BY "studentNumber"`);
const staff = () => db.sql.query(`SELECT "staffNumber", "displayName", "entraObjectId", "timezone" FROM "Staff" ORDER BY "staffNumber"`);

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase(testDb.url, { migrate: true });
  // People come from UDD; these files only add how to reach them.
  for (const file of ["student.tsv", "staff.tsv"]) await ingest(db, "udd", { path: `${FIXTURES}udd/${file}`, options: OPTIONS });
  first = await load(CONTACTS);
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe("nudge-csv files", () => {
  it("loads student_contact before staff_contact and points staff records to UDD", () => {
    expect(first.files.map((f) => [f.file, f.status])).toEqual([
      ["staff.csv", "skipped"],
      ["student_contact.csv", "partial"],
      ["staff_contact.tsv", "partial"],
    ]);
    expect(fileOf(first, "staff.csv").notes).toEqual([expect.stringContaining("staff records are UDD's: load staff.tsv with --format udd")]);
    expect(nudgeCsvFormat.entityOf("/x/personal_tutor.csv")).toEqual({ error: expect.stringContaining("UDD staff_link rows") });
    expect(nudgeCsvFormat.entityOf("/x/student_contact.tsv")).toEqual({ entity: "student_contact" });
  });

  it("rejects bad contact values with line, field and value", () => {
    expect(counts(fileOf(first, "student_contact.csv"))).toEqual({ status: "partial", read: 10, loaded: 3, rejected: 6, duplicates: 1 });
    expect(first.errors.filter((e) => e.file === "student_contact.csv").map((e) => `${e.line}: ${e.message}`)).toEqual([
      "3: MOBILE '07700 900102' is not an E.164 number (like +447700900123)",
      "4: TIMEZONE 'Mars/Olympus_Mons' is not an IANA timezone (like Europe/London)",
      "5: STUDENT_ID 'S999' is not a known student (load UDD student.tsv first)",
      expect.stringMatching(/^6: ENTRA_OBJECT_ID 'not-a-guid' is not a GUID/),
      expect.stringMatching(/^7: PREFERRED_CHANNEL 'pigeon' is not in the channel code list \(TEAMS, SMS, EMAIL\)/),
      `8: ENTRA_OBJECT_ID '${ENTRA_ADA}' already belongs to another student`,
    ]);
    expect(counts(fileOf(first, "staff_contact.tsv"))).toEqual({ status: "partial", read: 3, loaded: 2, rejected: 1, duplicates: 0 });
    expect(first.errors.filter((e) => e.file === "staff_contact.tsv").map((e) => `${e.line}: ${e.message}`)).toEqual([
      "4: STAFF_ID 'T99' is not a known staff member (load UDD staff.tsv first)",
    ]);
  });

  it("stores Teams identity, channel and timezone; a blank value keeps what UDD gave", async () => {
    expect(await students()).toEqual([
      {
        studentNumber: "S001",
        mobile: "+447700900101",
        email: "ada.lovelace@example.com",
        entraObjectId: ENTRA_ADA,
        preferredChannel: "teams",
        timezone: "Europe/London",
      },
      // MOBILE blank: the UDD mobile stays.
      {
        studentNumber: "S002",
        mobile: "+447700900002",
        email: "alan.turing@example.com",
        entraObjectId: null,
        preferredChannel: "sms",
        timezone: "Asia/Kolkata",
      },
      { studentNumber: "S003", mobile: "+447700900103", email: null, entraObjectId: null, preferredChannel: "email", timezone: "Europe/London" },
      {
        studentNumber: "S006",
        mobile: "+447700900006",
        email: "mary@student.example.ac.uk",
        entraObjectId: null,
        preferredChannel: null,
        timezone: "Europe/London",
      },
    ]);
    expect(await staff()).toEqual([
      { staffNumber: "T01", displayName: "Dr Katherine Johnson", entraObjectId: "0f8fad5b-d9cb-469f-a165-70867728950e", timezone: "Europe/London" },
      { staffNumber: "T02", displayName: "Prof Tim Berners-Lee", entraObjectId: null, timezone: "America/New_York" },
    ]);
  });

  it("changes nothing when the same files are ingested again", async () => {
    const before = [await students(), await staff()];
    const again = await load(CONTACTS);
    expect(again.loaded).toBe(0);
    expect(counts(fileOf(again, "student_contact.csv"))).toEqual({ status: "partial", read: 10, loaded: 0, rejected: 6, duplicates: 4 });
    expect(counts(fileOf(again, "staff_contact.tsv"))).toEqual({ status: "partial", read: 3, loaded: 0, rejected: 1, duplicates: 2 });
    expect([await students(), await staff()]).toEqual(before);
  });

  it("a later file updates only the values it gives", async () => {
    const report = await load(`${FIXTURES}nudge-csv-later`);
    expect(counts(report.files[0]!)).toEqual({ status: "completed", read: 2, loaded: 2, rejected: 0, duplicates: 0 });
    const [ada, , grace] = (await students()) as Record<string, unknown>[];
    expect(ada).toMatchObject({ mobile: "+447700900101", entraObjectId: ENTRA_ADA, preferredChannel: "sms" });
    expect(grace).toMatchObject({ mobile: "+447700900113", preferredChannel: "email" });
  });

  it("strict mode loads nothing from a file with a bad row", async () => {
    const before = await students();
    const report = await load(`${CONTACTS}/student_contact.csv`, true);
    expect(counts(report.files[0]!)).toMatchObject({ status: "rejected", loaded: 0, rejected: 6 });
    expect(await students()).toEqual(before);
  });
});

describe.each(databaseKindsUnderTest())("bad bytes in a nudge-csv file on %s: a row error naming line and field, never stored", (kind) => {
  const target = useMigratedDatabase(kind);
  const dir = mkdtempSync(join(tmpdir(), "nudge-csv-bytes-"));
  const write = (content: string | Buffer) => {
    const path = join(dir, "student_contact.csv");
    writeFileSync(path, content);
    return path;
  };
  const loadInto = (path: string, strict: boolean) => ingest(target.db, "nudge-csv", { path, strict, options: OPTIONS });
  const lines = (report: IngestReport) => report.errors.map((e) => [e.file, e.line, e.message]);
  const emails = async () =>
    (await target.db.sql.query<{ studentNumber: string; email: string | null }>(`SELECT "studentNumber", "email" FROM "Student" ORDER BY 1`)).map((r) => [
      r.studentNumber,
      r.email,
    ]);

  beforeAll(async () => {
    await ingest(target.db, "udd", { path: `${FIXTURES}udd/student.tsv`, options: OPTIONS });
  });

  it("refuses a NUL in EMAIL and a line break in a quoted STUDENT_ID; strict loads nothing", async () => {
    const before = await emails();
    const path = write('STUDENT_ID,EMAIL\nS001,ada\u0000@example.com\n"S0\n02",alan@example.com\nS003,grace@example.com\n');
    const strict = await loadInto(path, true);
    expect(strict.files[0]).toMatchObject({ status: "rejected", loaded: 0, rejected: 2 });
    expect(lines(strict)).toEqual([
      ["student_contact.csv", 2, "EMAIL 'ada\\u0000@example.com' contains control character U+0000 (NUL)"],
      ["student_contact.csv", 3, "STUDENT_ID 'S0\\u000A02' contains control character U+000A"],
    ]);
    expect(await emails()).toEqual(before);
    expect((await loadInto(path, false)).files[0]).toMatchObject({ status: "partial", loaded: 1, rejected: 2 });
    expect((await emails()).find(([number]) => number === "S003")).toEqual(["S003", "grace@example.com"]);
  });

  it("refuses a file whose header names a column twice, at line 1, with the column", async () => {
    const before = await emails();
    const report = await loadInto(write("STUDENT_ID,EMAIL,Email\nS001,a@example.com,b@example.com\n"), false);
    expect(report.files[0]).toMatchObject({ status: "rejected", loaded: 0 });
    expect(lines(report)).toEqual([["student_contact.csv", 1, "the header has column Email twice (columns 2 and 3)"]]);
    expect(await emails()).toEqual(before);
  });

  it("rejects the line with bytes that are not UTF-8, naming the field", async () => {
    const before = await emails();
    const path = write(
      Buffer.concat([Buffer.from("STUDENT_ID,EMAIL,TIMEZONE\nS001,ada@example.com,Europe/L"), Buffer.from([0xe2, 0x82]), Buffer.from("ondon\n")]),
    );
    const report = await loadInto(path, true);
    expect(report.files[0]).toMatchObject({ status: "rejected", loaded: 0, rejected: 1 });
    expect(lines(report)).toEqual([["student_contact.csv", 2, "TIMEZONE is not valid UTF-8 (byte 0xE2): export the file as UTF-8"]]);
    expect(await emails()).toEqual(before);
  });
});
