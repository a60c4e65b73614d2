import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest, type IngestReport } from "../../ingest/index.ts";
import { dayOfDate } from "../../ingest/fields.ts";
import { purgeRawStatements, pushStatements, readStatement, StatementError, xapiFormat } from "../../ingest/xapi.ts";
import { mapStatement } from "../../ingest/xapi-recipes.ts";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { createTestDatabase, useMigratedDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

const FIXTURES = new URL("../fixtures/ingest/xapi/", import.meta.url).pathname;
const NOW = new Date("2026-10-12T12:00:00Z");
const OPTIONS = { timezone: "Europe/London", now: () => NOW };
const T1 = "9f1b6d1e-0c1a-4c4e-8a59-0a0b0c0d0e01";
const T2 = "9f1b6d1e-0c1a-4c4e-8a59-0a0b0c0d0e02";
const day = (date: string) => dayOfDate(date)!;

let testDb: TestDatabase;
let db: Database;
const modules: Record<string, number> = {};
const work = mkdtempSync(join(tmpdir(), "nudge-xapi-"));

/** EngagementDaily as "student|date|source|module" -> [count, expected, late, missed]. */
async function daily(): Promise<Record<string, number[]>> {
  const rows = await db.prisma.engagementDaily.findMany();
  const numbers = new Map((await db.prisma.student.findMany()).map((s) => [s.id, s.studentNumber]));
  const moduleName = (key: number) => Object.entries(modules).find(([, id]) => id === key)?.[0] ?? String(key);
  return Object.fromEntries(
    rows.map((r) => [
      `${numbers.get(r.studentId)}|${new Date(r.day * 86_400_000).toISOString().slice(0, 10)}|${r.source}|${moduleName(r.moduleInstanceKey)}`,
      [r.count, r.expected, r.late, r.missed],
    ]),
  );
}

function load(path: string, options: Record<string, unknown> = {}, strict = false): Promise<IngestReport> {
  return ingest(db, "xapi", { path, strict, options: { ...OPTIONS, ...options } });
}

function writeWork(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

function statement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    actor: { objectType: "Agent", account: { homePage: "https://vle.example.ac.uk", name: "S1004" } },
    verb: { id: "http://id.tincanapi.com/verb/viewed", display: { en: "viewed" } },
    object: { objectType: "Activity", id: "https://vle.example.ac.uk/mod/page/view.php?id=99", definition: { type: "http://xapi.jisc.ac.uk/vle/page" } },
    timestamp: "2026-09-01T10:00:00Z",
    ...overrides,
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase(testDb.url, { migrate: true });
  const { prisma } = db;
  for (const [studentNumber, email] of [
    ["S1001", "ada.lovelace@student.example.ac.uk"],
    ["S1002", "alan.turing@student.example.ac.uk"],
    ["S1003", "grace.hopper@student.example.ac.uk"],
    ["S1004", "edsger.dijkstra@student.example.ac.uk"],
  ]) {
    await prisma.student.create({ data: { studentNumber: studentNumber!, email: email! } });
  }
  const la101 = await prisma.module.create({ data: { code: "LA101", title: "Law 101" } });
  const cs102 = await prisma.module.create({ data: { code: "CS102", title: "Programming" } });
  const instance = (moduleId: number, presentationCode: string, start: string, end: string, vleSiteId?: string) =>
    prisma.moduleInstance.create({ data: { moduleId, presentationCode, startDate: new Date(start), endDate: new Date(end), vleSiteId } });
  modules.LA101 = (await instance(la101.id, "2026S1", "2026-09-21", "2027-01-29", "https://vle.example.ac.uk/course/view.php?id=4")).id;
  modules["CS102-2025A"] = (await instance(cs102.id, "2025A", "2025-09-22", "2026-01-30")).id;
  modules["CS102-2026A"] = (await instance(cs102.id, "2026A", "2026-09-21", "2027-01-29")).id;
  modules.none = 0;
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe("xAPI statement files", () => {
  it("loads a JSON array: every Jisc recipe to its source, module and local day", async () => {
    const report = await load(join(FIXTURES, "statements-array.json"));
    expect(report).toMatchObject({ read: 9, loaded: 9, rejected: 0, duplicates: 0, errors: [] });
    expect(report.files[0]).toMatchObject({ status: "completed", entity: "statements" });
    expect(await daily()).toEqual({
      // loggedin with https and a trailing slash (Moodle's non-Jisc verb id) is the Jisc log-in
      "S1001|2026-10-05|vle|none": [1, 0, 0, 0],
      // 23:30 UTC on 5 October is 00:30 on the 6th in London (BST)
      "S1001|2026-10-06|vle|LA101": [1, 0, 0, 0],
      // courseArea uddModInstanceID "LA101-2026S1" names the presentation
      "S1001|2026-10-06|attendance|LA101": [1, 1, 1, 0],
      // https variant of "attended"; completion false is an absence
      "S1002|2026-10-06|attendance|LA101": [0, 1, 0, 1],
      // assignment "completed" after its dueDate: a late submission; module from the grouping activity (vleSiteId)
      "S1002|2026-10-10|submission|LA101": [1, 0, 1, 0],
      // a loan (actor by mbox, case-insensitive) and a library entry
      "S1003|2026-10-07|library|none": [2, 0, 0, 0],
      // of CS102's two presentations, the one running on the day
      "S1001|2026-10-07|vle|CS102-2026A": [1, 0, 0, 0],
      "S1002|2026-10-08|vle|LA101": [1, 0, 0, 0],
    });
    const stored = await db.prisma.activityStatement.findUnique({ where: { id: "6ee080c5-1626-4216-98cf-16611636b602" } });
    expect(stored).toMatchObject({ source: "vle", day: day("2026-10-06"), moduleInstanceKey: modules.LA101, count: 1, voided: false });
    expect(JSON.parse(stored!.raw!)).toMatchObject({ id: "6ee080c5-1626-4216-98cf-16611636b602", verb: { id: "http://id.tincanapi.com/verb/viewed" } });
    const freshness = Object.fromEntries((await db.prisma.feedFreshness.findMany()).map((f) => [f.feed, f.lastDataDay]));
    expect(freshness).toEqual({ vle: day("2026-10-08"), attendance: day("2026-10-06"), submission: day("2026-10-10"), library: day("2026-10-07") });
  });

  it("loads JSON lines: rejects with line numbers and reasons, skips duplicates, voids a stored statement, records an early void", async () => {
    const report = await load(join(FIXTURES, "statements.jsonl"));
    const file = report.files[0]!;
    expect(file).toMatchObject({ status: "partial", read: 15, loaded: 5, rejected: 7, duplicates: 1 });
    // line 3 (actor S9999, not a student here) is skipped and noted, as a push does
    expect(report.errors.map((e) => [e.line, e.message])).toEqual([
      [5, "verb.id 'not an iri' is not an IRI"],
      [6, expect.stringMatching(/^not valid JSON: /)],
      [7, "id 'abc' is not a UUID"],
      [8, "actor is required"],
      [12, "result.extensions.http://xapi.jisc.ac.uk/attendance_late '-1' is not 0 or 1"],
      [13, "result.extensions.http://xapi.jisc.ac.uk/attendance_late is 1 but result.completion is false: late for a session not attended"],
      [16, "id '6ee080c5-1626-4216-98cf-16611636b603' is already stored for a different statement"],
    ]);
    expect(file.notes).toEqual([
      "statements with verbs that have no mapping were not stored: http://example.com/verbs/danced (1)",
      expect.stringMatching(/^1 statement\(s\) had no id: each was given a UUID derived from its content/),
      '1 statement(s) had no timestamp: their day was taken from "stored"',
      "1 statement(s) about people who are not students here (staff, guests) were skipped: not a student",
    ]);

    const rows = await daily();
    // T1 was voided: its contribution is taken back out and the emptied row removed
    expect(rows["S1002|2026-10-08|vle|LA101"]).toBeUndefined();
    expect(await db.prisma.activityStatement.findUnique({ where: { id: T1 } })).toMatchObject({ voided: true, count: 1 });
    expect(rows["S1001|2026-10-08|vle|LA101"]).toEqual([1, 0, 0, 0]); // the statement without an id
    expect(rows["S1002|2026-10-09|vle|none"]).toEqual([1, 0, 0, 0]); // day from "stored"
    expect(rows["S1002|2026-10-05|vle|none"]).toEqual([1, 0, 0, 0]); // http:// variant of loggedin
    expect(rows["S1001|2026-10-05|vle|none"]).toEqual([1, 0, 0, 0]); // the duplicate added nothing
    expect(rows["S1001|2026-10-06|attendance|LA101"]).toEqual([1, 1, 1, 0]); // the conflicting re-use changed nothing
    const voids = await db.prisma.voidedStatement.findMany({ orderBy: { id: "asc" } });
    expect(voids.map((v) => [v.id, v.voidedById])).toEqual([
      [T1, "6ee080c5-1626-4216-98cf-16611636b710"],
      [T2, "6ee080c5-1626-4216-98cf-16611636b711"],
    ]);
  });

  it("loads Learning Locker stored documents; a statement voided before it arrived is stored voided and counts nothing", async () => {
    const report = await load(join(FIXTURES, "learning-locker.jsonl"));
    expect(report.files[0]).toMatchObject({ status: "completed", read: 3, loaded: 2, rejected: 0 });
    expect(report.files[0]!.notes).toEqual(["statements recognised but not counted: logged out (the log-in already counted the session) (1)"]);
    const target = await db.prisma.activityStatement.findUnique({ where: { id: T2 } });
    expect(target).toMatchObject({ voided: true, studentId: expect.any(Number), moduleInstanceKey: modules.LA101 });
    // Learning Locker's "&46;" in keys is decoded in what is kept
    expect(target!.raw).toContain('"http://xapi.jisc.ac.uk/courseArea"');
    expect(target!.raw).not.toContain("&46;");
    const rows = await daily();
    expect(rows["S1003|2026-10-08|vle|LA101"]).toBeUndefined();
    expect(rows["S1003|2026-10-08|vle|none"]).toEqual([1, 0, 0, 0]);
  });

  it("is idempotent on statement ids: a file with the same statements and one more adds only that one", async () => {
    const before = await daily();
    const statements = JSON.parse(readFileSync(join(FIXTURES, "statements-array.json"), "utf8")) as unknown[];
    const extra = statement({
      id: "0b0c0d0e-0000-4000-8000-000000000001",
      actor: { account: { homePage: "x", name: "S1001" } },
      timestamp: "2026-10-09T10:00:00Z",
    });
    const report = await load(writeWork("again.json", JSON.stringify([...statements, extra])));
    expect(report).toMatchObject({ read: 10, loaded: 1, duplicates: 9, rejected: 0 });
    expect(await daily()).toEqual({ ...before, "S1001|2026-10-09|vle|none": [1, 0, 0, 0] });
  });

  it("gives statements without an id the same id on every load", async () => {
    const path = writeWork("no-id.jsonl", `${JSON.stringify(statement({ timestamp: "2026-09-02T10:00:00Z" }))}\n`);
    const first = await load(path);
    expect(first).toMatchObject({ loaded: 1, duplicates: 0 });
    // the same statement in another file (different checksum) is recognised by its derived id
    const second = await load(writeWork("no-id-again.jsonl", `\n${JSON.stringify(statement({ timestamp: "2026-09-02T10:00:00Z" }))}\n`));
    expect(second).toMatchObject({ loaded: 0, duplicates: 1 });
    const rows = await daily();
    expect(rows["S1004|2026-09-02|vle|none"]).toEqual([1, 0, 0, 0]);
  });

  it("reads an array of Learning Locker documents, a StatementResult and a single pretty-printed statement", async () => {
    const envelopes = writeWork(
      "ll-array.json",
      JSON.stringify([{ _id: { $oid: "1" }, statement: statement({ id: "0b0c0d0e-0000-4000-8000-000000000010", timestamp: "2026-09-03T10:00:00Z" }) }]),
    );
    const result = writeWork(
      "result.json",
      JSON.stringify({ statements: [statement({ id: "0b0c0d0e-0000-4000-8000-000000000011", timestamp: "2026-09-04T10:00:00Z" })], more: "" }),
    );
    const single = writeWork(
      "single.json",
      JSON.stringify(statement({ id: "0b0c0d0e-0000-4000-8000-000000000012", timestamp: "2026-09-05T10:00:00Z" }), null, 2),
    );
    for (const path of [envelopes, result, single]) {
      const report = await load(path);
      expect(report.errors).toEqual([]);
      expect(report).toMatchObject({ read: 1, loaded: 1, rejected: 0 });
    }
    const rows = await daily();
    for (const date of ["2026-09-03", "2026-09-04", "2026-09-05"]) expect(rows[`S1004|${date}|vle|none`]).toEqual([1, 0, 0, 0]);
  });

  it("finds the module by UDD MOD_INSTANCE_ID (kept as the presentation code) unless several modules share it", async () => {
    const history = await db.prisma.module.create({ data: { code: "HI200", title: "History" } });
    const udd = await db.prisma.moduleInstance.create({
      data: { moduleId: history.id, presentationCode: "HI200-200-2026S1-0", startDate: new Date("2026-09-21") },
    });
    await db.prisma.moduleInstance.create({ data: { moduleId: history.id, presentationCode: "2026J", startDate: new Date("2026-10-01") } });
    const programming = await db.prisma.module.findUniqueOrThrow({ where: { code: "CS102" } });
    await db.prisma.moduleInstance.create({ data: { moduleId: programming.id, presentationCode: "2026J", startDate: new Date("2026-10-01") } });
    const area = (id: string) => ({ extensions: { "http://xapi.jisc.ac.uk/courseArea": { "http://xapi.jisc.ac.uk/uddModInstanceID": id } } });
    const path = writeWork(
      "udd-modules.jsonl",
      [
        statement({ id: "0b0c0d0e-0000-4000-8000-000000000040", timestamp: "2026-09-10T10:00:00Z", context: area("hi200-200-2026S1-0") }),
        statement({ id: "0b0c0d0e-0000-4000-8000-000000000041", timestamp: "2026-10-05T10:00:00Z", context: area("2026J") }),
      ]
        .map((s) => JSON.stringify(s))
        .join("\n"),
    );
    expect(await load(path)).toMatchObject({ loaded: 2, rejected: 0 });
    const keys = await db.prisma.activityStatement.findMany({
      where: { id: { in: ["0b0c0d0e-0000-4000-8000-000000000040", "0b0c0d0e-0000-4000-8000-000000000041"] } },
      orderBy: { id: "asc" },
    });
    expect(keys.map((k) => k.moduleInstanceKey)).toEqual([udd.id, 0]);
  });

  it("numbers errors in a JSON array by the statement's position", async () => {
    const path = writeWork(
      "positions.json",
      JSON.stringify([statement({ timestamp: "2026-09-06T10:00:00Z" }), { actor: {} }, statement({ verb: { id: "x" } })], null, 2),
    );
    const report = await load(path);
    expect(report.errors.map((e) => [e.line, e.message])).toEqual([
      [2, "actor has no identifier (account, mbox, mbox_sha1sum or openid)"],
      [3, "verb.id 'x' is not an IRI"],
    ]);
  });

  it("loads nothing from a file with a rejected statement in strict mode", async () => {
    const path = writeWork(
      "strict.jsonl",
      [statement({ id: "0b0c0d0e-0000-4000-8000-000000000020", timestamp: "2026-09-07T10:00:00Z" }), { id: "nope" }].map((s) => JSON.stringify(s)).join("\n"),
    );
    const report = await load(path, {}, true);
    expect(report.files[0]).toMatchObject({ status: "rejected", loaded: 0, rejected: 1 });
    expect(await db.prisma.activityStatement.findUnique({ where: { id: "0b0c0d0e-0000-4000-8000-000000000020" } })).toBeNull();
  });

  it("rejects an empty file and a file that is not JSON, and skips other files in a folder", async () => {
    expect((await load(writeWork("empty.json", "\n\n"))).errors[0]?.message).toBe("the file is empty (no statements)");
    expect((await load(writeWork("text.jsonl", "hello\n"))).errors[0]).toMatchObject({ line: 1, message: expect.stringMatching(/^not JSON/) });
    expect((await load(writeWork("broken.json", '[\n  {"a": 1},\n  {"b" 2}\n]'))).errors[0]).toMatchObject({
      line: 3,
      message: expect.stringMatching(/^not valid JSON/),
    });
    expect(xapiFormat.entityOf("/x/statements.csv")).toEqual({ error: expect.stringMatching(/not a statements file/) });
    expect(xapiFormat.plan(["/x/b.jsonl", "/x/a.json", "/x/notes.txt"])).toEqual({
      files: [
        { path: "/x/a.json", entity: "statements" },
        { path: "/x/b.jsonl", entity: "statements" },
      ],
      skipped: [{ path: "/x/notes.txt", reason: expect.stringMatching(/not a statements file/) }],
    });
  });

  it("keeps no statement JSON when told not to, and retention forgets it after the cutoff", async () => {
    await load(writeWork("no-raw.jsonl", JSON.stringify(statement({ id: "0b0c0d0e-0000-4000-8000-000000000030", timestamp: "2026-09-08T10:00:00Z" }))), {
      keepRawStatements: false,
    });
    expect((await db.prisma.activityStatement.findUnique({ where: { id: "0b0c0d0e-0000-4000-8000-000000000030" } }))?.raw).toBeNull();

    const withRaw = await db.prisma.activityStatement.count({ where: { raw: { not: null } } });
    expect(withRaw).toBeGreaterThan(5);
    expect(await purgeRawStatements(db.sql, new Date(NOW.getTime() - 1000))).toBe(0); // all stored at NOW
    expect(await purgeRawStatements(db.sql, new Date(NOW.getTime() + 1000))).toBe(withRaw);
    expect(await db.prisma.activityStatement.count({ where: { raw: { not: null } } })).toBe(0);
    expect(await db.prisma.activityStatement.count()).toBeGreaterThan(withRaw); // the rows stay
  });

  it("after retention, recognises a re-sent statement by what it contributed", async () => {
    const statements = JSON.parse(readFileSync(join(FIXTURES, "statements-array.json"), "utf8")) as Record<string, unknown>[];
    const resent = await load(writeWork("resent.json", JSON.stringify([statements[6]])));
    expect(resent).toMatchObject({ loaded: 0, duplicates: 1, rejected: 0 });
    const changed = await load(writeWork("changed.json", JSON.stringify([{ ...statements[6], actor: { account: { homePage: "x", name: "S1001" } } }])));
    expect(changed.errors[0]?.message).toMatch(/is already stored for a different statement/);
  });
});

describe("one statement", () => {
  const read = (value: unknown) => readStatement(value, { now: NOW });
  const errorOf = (value: unknown) => {
    try {
      read(value);
    } catch (error) {
      expect(error).toBeInstanceOf(StatementError);
      return { field: (error as StatementError).field, message: (error as Error).message };
    }
    throw new Error("expected a StatementError");
  };

  it.each([
    ["actor missing", { actor: undefined }, "actor", "actor is required"],
    [
      "a Group actor",
      { actor: { objectType: "Group", mbox: "mailto:a@b.c" } },
      "actor.objectType",
      "actor.objectType 'Group' is a Group: Nudge needs statements about one person",
    ],
    ["an mbox without mailto:", { actor: { mbox: "a@b.c" } }, "actor.mbox", "actor.mbox 'a@b.c' is not a mailto: address"],
    ["verb.id not an IRI", { verb: { id: "viewed" } }, "verb.id", "verb.id 'viewed' is not an IRI"],
    ["verb missing", { verb: undefined }, "verb", "verb is required"],
    ["object.id missing", { object: { definition: {} } }, "object.id", "object.id is required"],
    ["id not a UUID", { id: "abc" }, "id", "id 'abc' is not a UUID"],
    ["timestamp not ISO 8601", { timestamp: "yesterday" }, "timestamp", "timestamp 'yesterday' is not an ISO 8601 timestamp"],
    ["no timestamp or stored", { timestamp: undefined }, "timestamp", "timestamp is required (the statement has neither timestamp nor stored)"],
    ["a future timestamp", { timestamp: "2026-10-20T00:00:00Z" }, "timestamp", "timestamp '2026-10-20T00:00:00Z' is more than a day in the future"],
    ["result.completion not boolean", { result: { completion: "yes" } }, "result.completion", "result.completion must be true or false"],
    [
      "attendance without completion",
      { verb: { id: "http://adlnet.gov/expapi/verbs/attended" } },
      "result.completion",
      expect.stringMatching(/^result.completion is required in an attendance statement/),
    ],
    [
      "voiding without StatementRef",
      { verb: { id: "http://adlnet.gov/expapi/verbs/voided" } },
      "object.objectType",
      "object.objectType must be StatementRef in a voiding statement",
    ],
    [
      "voiding a non-UUID",
      { verb: { id: "http://adlnet.gov/expapi/verbs/voided" }, object: { objectType: "StatementRef", id: "x" } },
      "object.id",
      "object.id 'x' is not a UUID",
    ],
  ])("names the field: %s", (_name, overrides, field, message) => {
    expect(errorOf(statement(overrides))).toEqual({ field, message });
  });

  it.each([
    ["raw below min", { raw: -5, min: 0, max: 10 }, "result.score.raw", "result.score.raw '-5' is below result.score.min 0"],
    ["raw above max", { raw: 11, max: 10 }, "result.score.raw", "result.score.raw '11' is above result.score.max 10"],
    ["scaled past 1", { scaled: 1e308 }, "result.score.scaled", "result.score.scaled '1e+308' is outside -1 to 1"],
    ["min above max", { min: 10, max: 1 }, "result.score.min", "result.score.min '10' is above result.score.max 1"],
    ["a number JSON reads as Infinity", { raw: JSON.parse("1e400") }, "result.score.raw", "result.score.raw is too large for a number"],
    ["raw not a number", { raw: "high" }, "result.score.raw", "result.score.raw must be a number"],
  ])("refuses an impossible score: %s", (_name, score, field, message) => {
    expect(errorOf(statement({ result: { score } }))).toEqual({ field, message });
  });

  it("accepts a score within its bounds", () => {
    expect(read(statement({ result: { score: { raw: 7, min: 0, max: 10, scaled: 0.7 } } })).verb).toBe("http://id.tincanapi.com/verb/viewed");
  });

  it("refuses control characters and lone surrogates in what is kept or looked up", () => {
    expect(errorOf(statement({ verb: { id: "http://example.com/v\u001b" } }))).toEqual({
      field: "verb.id",
      message: "verb.id 'http://example.com/v\\u001B' contains control character U+001B",
    });
    expect(errorOf(statement({ actor: { account: { homePage: "x", name: "S10\ud80004" } } }))).toEqual({
      field: "actor.account.name",
      message: "actor.account.name 'S10\\uD80004' is not well-formed Unicode (a lone surrogate)",
    });
  });

  it("refuses a key every JavaScript object has, and a NUL or lone surrogate anywhere, instead of throwing a TypeError or failing the batch", () => {
    const odd = (value: Record<string, unknown>) =>
      JSON.parse(JSON.stringify(statement()).replace('"timestamp"', `${JSON.stringify(value).slice(1, -1)},"timestamp"`));
    expect(errorOf(odd({ result: { extensions: { constructor: null } } }))).toEqual({
      field: "result.extensions.constructor",
      message: "result.extensions.constructor is a key no statement may have: every JavaScript object has constructor",
    });
    expect(errorOf(statement({ object: { objectType: JSON.parse('{"toString": 1}') } }))).toEqual({
      field: "object.objectType.toString",
      message: "object.objectType.toString is a key no statement may have: every JavaScript object has toString",
    });
    expect(errorOf(statement({ actor: { name: "\ud800", account: { homePage: "x", name: "S1004" } } }))).toEqual({
      field: "actor.name",
      message: "actor.name '\\uD800' is not well-formed Unicode (a lone surrogate)",
    });
    expect(errorOf(statement({ context: { platform: "Moo\u0000dle" } }))).toEqual({
      field: "context.platform",
      message: "context.platform 'Moo\\u0000dle' contains control character U+0000 (NUL)",
    });
  });

  it("refuses a Learning Locker key that becomes a duplicate once '&46;' is read as '.'", () => {
    const extensions = { "http://example.com/a.b": 1, "http://example&46;com/a.b": 2 };
    expect(errorOf(statement({ context: { extensions } }))).toEqual({
      field: "http://example.com/a.b",
      message: "http://example.com/a.b is given twice once '&46;' is read as '.': a key may appear once in a JSON object",
    });
  });

  it("rejects what is not a JSON object", () => {
    expect(errorOf([1])).toEqual({ field: "statement", message: "statement must be a JSON object" });
  });

  it("rejects a statement nested deeper than any statement needs, instead of overflowing the stack", () => {
    let deep: Record<string, unknown> = {};
    const top = deep;
    for (let i = 0; i < 200_000; i++) deep = deep.x = {} as Record<string, unknown>;
    expect(errorOf({ ...statement({}), result: { extensions: { "http://example.com/deep": top } } })).toEqual({
      field: "statement",
      message: "statement nests more than 64 levels deep; no xAPI statement needs that",
    });
  });

  it("derives the same id from the same content, ignoring what an LRS may change", () => {
    const a = read(statement());
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.idGiven).toBe(false);
    expect(read(statement({ verb: { id: "http://id.tincanapi.com/verb/viewed", display: { "en-GB": "looked at" } }, stored: "2026-10-01T00:00:00Z" })).id).toBe(
      a.id,
    );
    expect(read(statement({ timestamp: "2026-09-01T11:00:00+01:00" })).id).toBe(a.id); // same instant
    expect(read(statement({ timestamp: "2026-09-01T10:00:01Z" })).id).not.toBe(a.id);
  });

  it("stores the given id in lower case", () => {
    expect(read(statement({ id: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE" })).id).toBe("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  });
});

describe("the Jisc recipes", () => {
  const when = new Date("2026-10-01T10:00:00Z");
  const map = (verb: string, rest: Record<string, unknown> = {}) =>
    mapStatement({ verb: { id: verb }, object: { id: "https://x.example/1" }, ...rest } as never, when);
  const source = (verb: string, rest?: Record<string, unknown>) => {
    const mapping = map(verb, rest);
    return mapping.kind === "counted" ? mapping.contribution.source : mapping.kind;
  };

  it("treats http and https, and a trailing slash, as the same verb", () => {
    for (const verb of [
      "http://brindlewaye.com/xAPITerms/verbs/loggedin",
      "https://brindlewaye.com/xAPITerms/verbs/loggedin/",
      "HTTPS://BRINDLEWAYE.COM/xapiterms/verbs/LOGGEDIN",
    ]) {
      expect(source(verb)).toBe("vle");
    }
  });

  it("sends e-content and library use to the library source, other views to the VLE", () => {
    const econtent = { object: { id: "https://journals.example/1", definition: { type: "http://xapi.jisc.ac.uk/activities/externalContent" } } };
    expect(source("http://id.tincanapi.com/verb/viewed", econtent)).toBe("library");
    expect(source("http://id.tincanapi.com/verb/viewed", { context: { extensions: { "https://xapi.jisc.ac.uk/recipeCat": "Library" } } })).toBe("library");
    expect(source("http://id.tincanapi.com/verb/viewed")).toBe("vle");
    expect(source("http://activitystrea.ms/schema/1.0/borrowed")).toBe("library");
    expect(
      source("http://activitystrea.ms/schema/1.0/access", { object: { id: "https://b/1", definition: { type: "http://xapi.jisc.ac.uk/activities/library" } } }),
    ).toBe("library");
  });

  it("does not count library exits, other facilities, log-outs or marks", () => {
    const exit = { context: { extensions: { "http://xapi.jisc.ac.uk/extensions/direction_of_access": "Out" } } };
    expect(map("http://activitystrea.ms/schema/1.0/access", exit)).toEqual({ kind: "ignored", reason: expect.stringMatching(/library exit/) });
    expect(
      map("http://activitystrea.ms/schema/1.0/access", { object: { id: "https://b/2", definition: { type: "http://xapi.jisc.ac.uk/activities/facility" } } }),
    ).toMatchObject({ kind: "ignored" });
    expect(map("https://brindlewaye.com/xAPITerms/verbs/loggedout")).toMatchObject({ kind: "ignored" });
    expect(map("http://adlnet.gov/expapi/verbs/scored")).toMatchObject({ kind: "ignored", reason: expect.stringMatching(/outcome/) });
    expect(map("http://example.com/verbs/danced")).toEqual({ kind: "unmapped" });
  });

  it("counts submissions (on time or late) and other completions as VLE activity", () => {
    const assignment = (due: string) => ({
      object: {
        id: "https://vle/mod/assign/view.php?id=1",
        definition: { type: "http://adlnet.gov/expapi/activities/module", extensions: { "http://xapi.jisc.ac.uk/dueDate": due } },
      },
    });
    expect(map("http://adlnet.gov/expapi/verbs/completed", assignment("2026-10-02T00:00:00Z"))).toEqual({
      kind: "counted",
      contribution: { source: "submission", count: 1, expected: 0, late: 0, missed: 0 },
    });
    expect(map("http://activitystrea.ms/schema/1.0/submit", assignment("2026-09-30T00:00:00Z"))).toEqual({
      kind: "counted",
      contribution: { source: "submission", count: 1, expected: 0, late: 1, missed: 0 },
    });
    expect(
      source("http://adlnet.gov/expapi/verbs/completed", {
        object: { id: "https://vle/mod/quiz/view.php?id=10", definition: { type: "http://xapi.jisc.ac.uk/vle/quiz" } },
      }),
    ).toBe("vle");
  });
});

describe.each(databaseKindsUnderTest())("what JSON.parse hides, in files and pushes on %s: a statement error naming line and field", (kind) => {
  const target = useMigratedDatabase(kind);
  const dir = mkdtempSync(join(tmpdir(), "nudge-xapi-bytes-"));
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const loadInto = (path: string, strict: boolean) => ingest(target.db, "xapi", { path, strict, options: OPTIONS });
  const lines = (report: IngestReport) => report.errors.map((e) => [e.file, e.line, e.message]);
  const stored = () => target.db.prisma.activityStatement.count();
  const ID1 = "0b0c0d0e-0000-4000-8000-000000000101";
  const ID2 = "0b0c0d0e-0000-4000-8000-000000000102";
  const good = JSON.stringify(statement({ id: ID1 }));
  // The same statement with actor.account.name given twice: JSON.parse would keep S1004.
  const twice = JSON.stringify(statement({ id: ID2 })).replace('"name":"S1004"', '"name":"S1003","name":"S1004"');

  beforeAll(async () => {
    await target.db.prisma.student.create({ data: { studentNumber: "S1004" } });
  });

  it("rejects a JSON line with a key given twice; strict stores nothing", async () => {
    const path = write("twice.jsonl", `${good}\n${twice}\n`);
    const strict = await loadInto(path, true);
    expect(strict.files[0]).toMatchObject({ status: "rejected", loaded: 0, rejected: 1 });
    expect(lines(strict)).toEqual([["twice.jsonl", 2, "actor.account.name is given twice: a key may appear once in a JSON object"]]);
    expect(await stored()).toBe(0);
    expect((await loadInto(path, false)).files[0]).toMatchObject({ status: "partial", loaded: 1, rejected: 1 });
    expect(await stored()).toBe(1);
  });

  it("numbers a key given twice in a JSON array by the statement's position, at any depth", async () => {
    const deep = JSON.stringify(statement({ id: ID2, context: { extensions: { "http://example.com/x": [{ a: 1 }, { b: 1 }] } } })).replace(
      '{"b":1}',
      '{"b":1,"b":2}',
    );
    const report = await loadInto(write("twice.json", `[${good},\n${deep}]`), true);
    expect(lines(report)).toEqual([["twice.json", 2, "context.extensions.http://example.com/x[1].b is given twice: a key may appear once in a JSON object"]]);
    expect(await stored()).toBe(1);
  });

  it("rejects a JSON line with bytes that are not UTF-8, naming the field, and refuses such a JSON document at its line", async () => {
    const bad = Buffer.from(JSON.stringify(statement({ id: ID2, verb: { id: "http://id.tincanapi.com/verb/viewed", display: { en: "vi#wed" } } })));
    bad[bad.indexOf("#")] = 0xff;
    const jsonl = await loadInto(write("bytes.jsonl", Buffer.concat([Buffer.from(`${good}\n`), bad, Buffer.from("\n")])), true);
    expect(jsonl.files[0]).toMatchObject({ status: "rejected", loaded: 0, rejected: 1 });
    expect(lines(jsonl)).toEqual([["bytes.jsonl", 2, "verb.display.en is not valid UTF-8 (byte 0xFF): export the file as UTF-8"]]);
    const array = await loadInto(write("bytes.json", Buffer.concat([Buffer.from(`[\n${good},\n`), bad, Buffer.from("\n]")])), false);
    expect(array.files[0]).toMatchObject({ status: "rejected", loaded: 0 });
    expect(lines(array)).toEqual([["bytes.json", 3, "[1].verb.display.en is not valid UTF-8 (byte 0xFF): export the file as UTF-8"]]);
    expect(await stored()).toBe(1);
  });

  it("refuses a pushed statement with a key given twice, or bytes that are not UTF-8, by its index", async () => {
    const push = (raw: Buffer) =>
      pushStatements(target.db, { body: JSON.parse(raw.toString("utf8")), raw, origin: "POST /api/xapi/statements", totalBytes: raw.length, options: OPTIONS });
    expect(await push(Buffer.from(`[${good},${twice}]`))).toEqual({
      status: "invalid",
      index: 1,
      field: "actor.account.name",
      message: "actor.account.name is given twice: a key may appear once in a JSON object",
    });
    const bytes = Buffer.from(`[${good},${JSON.stringify(statement({ id: ID2, object: { id: "https://vle.example.ac.uk/#" } }))}]`);
    bytes[bytes.lastIndexOf("#")] = 0xc0;
    expect(await push(bytes)).toEqual({
      status: "invalid",
      index: 1,
      field: "object.id",
      message: "object.id is not valid UTF-8 (byte 0xC0): send the body as UTF-8",
    });
    expect(await stored()).toBe(1);
  });
});

describe("a large push", () => {
  it("hands the event loop back while it reads and checks the statements, so other requests are answered", async () => {
    const body = Array.from({ length: 3_000 }, (_, i) => statement({ id: `0b0c0d0e-0000-4000-8000-${String(900_000 + i).padStart(12, "0")}` }));
    // Counts turns of the event loop (macrotasks) while the push runs: a chain of resolved
    // promises, however long, allows none.
    let turns = 0;
    let counting = true;
    const count = () => {
      if (!counting) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    const key = "S1004|2026-09-01|vle|none";
    const before = (await daily())[key]?.[0] ?? 0;
    const raw = Buffer.from(JSON.stringify(body));
    const started = performance.now();
    const outcome = await pushStatements(db, { body, raw, origin: "POST /api/xapi/statements", totalBytes: raw.length, options: OPTIONS });
    const elapsed = performance.now() - started;
    counting = false;
    expect(outcome.status).toBe("stored");
    // Work is handed back every 10 ms or so: allow four times that on average, a busy machine included.
    expect(turns).toBeGreaterThanOrEqual(Math.floor(elapsed / 40));
    // Written in slices of 500 inside one transaction: all 3,000 stored, their one day's count whole.
    expect(outcome.status === "stored" && outcome.report?.loaded).toBe(3_000);
    expect((await daily())[key]?.[0]).toBe(before + 3_000);
  });
});
