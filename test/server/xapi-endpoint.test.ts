import { request as httpRequest } from "node:http";
import xapiPackage, { type Statement } from "@xapi/xapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayOfDate } from "../../ingest/fields.ts";
import { parseConfig } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { XAPI_MAX_BODY_BYTES } from "../../server/xapi-endpoint.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const USER = "moodle";
const PASSWORD = "correct horse battery staple";
// The package is CommonJS: its default export is the module, whose `default` is the client class.
const XAPI = xapiPackage.default;
type Client = InstanceType<typeof XAPI>;
/** A statement sent without an id gets one derived from its content (UUID version 5 layout). */
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const day = (date: string) => dayOfDate(date)!;
const STAFF = { objectType: "Agent" as const, account: { homePage: "https://vle.example.ac.uk", name: "staff-admin" } };

function statement(student: string, overrides: Partial<Statement> = {}): Statement {
  return {
    actor: { objectType: "Agent", account: { homePage: "https://vle.example.ac.uk", name: student } },
    verb: { id: "http://id.tincanapi.com/verb/viewed", display: { en: "viewed" } },
    object: { objectType: "Activity", id: "https://vle.example.ac.uk/mod/page/view.php?id=9", definition: { type: "http://xapi.jisc.ac.uk/vle/page" } },
    context: { platform: "Moodle", extensions: { "http://xapi.jisc.ac.uk/courseArea": { "http://xapi.jisc.ac.uk/vle_mod_id": "LA101" } } },
    timestamp: "2026-11-02T10:00:00.000Z",
    ...overrides,
  };
}

/** The axios error a rejected xAPI call throws, as status, body and headers. */
async function failure(call: Promise<unknown>): Promise<{ status: number; data: any; headers: Record<string, string> }> {
  try {
    await call;
  } catch (error) {
    const response = (error as { response?: { status: number; data: unknown; headers: Record<string, string> } }).response;
    if (!response) throw error;
    return { status: response.status, data: response.data, headers: response.headers };
  }
  throw new Error("expected the call to fail");
}

describe("the xAPI statements endpoint", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let base: string;
  let xapi: Client;
  let moduleId: number;

  const rollup = async (studentNumber: string, date: string) => {
    const student = await service.db.prisma.student.findUniqueOrThrow({ where: { studentNumber } });
    const rows = await service.db.prisma.engagementDaily.findMany({ where: { studentId: student.id, day: day(date) }, orderBy: { source: "asc" } });
    return rows.map((r) => ({ source: r.source, module: r.moduleInstanceKey, counts: [r.count, r.expected, r.late, r.missed] }));
  };
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${base}/api/xapi/statements`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  const auth = { authorization: XAPI.toBasicAuth(USER, PASSWORD), "x-experience-api-version": "1.0.3" };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    const config = parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: testDb.url,
      LOG_LEVEL: "silent",
      NUDGE_XAPI_USERNAME: USER,
      NUDGE_XAPI_PASSWORD: PASSWORD,
    });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    xapi = new XAPI({ endpoint: `${base}/api/xapi/`, auth: XAPI.toBasicAuth(USER, PASSWORD) });
    const { prisma } = service.db;
    await prisma.student.create({ data: { studentNumber: "S2001", email: "mary.somerville@student.example.ac.uk" } });
    await prisma.student.create({ data: { studentNumber: "S2002", email: "emmy.noether@student.example.ac.uk" } });
    const module = await prisma.module.create({ data: { code: "LA101", title: "Law 101" } });
    moduleId = (await prisma.moduleInstance.create({ data: { moduleId: module.id, presentationCode: "2026S1", startDate: new Date("2026-09-21") } })).id;
  });
  afterAll(async () => {
    await service?.stop();
    await testDb?.drop();
  });

  it("answers the About resource without credentials", async () => {
    const about = await xapi.getAbout();
    expect(about.data.version).toContain("1.0.3");
    expect(about.headers["x-experience-api-version"]).toBe("1.0.3");
  });

  it("refuses wrong or missing credentials with 401 and a Basic challenge", async () => {
    const wrong = new XAPI({ endpoint: `${base}/api/xapi/`, auth: XAPI.toBasicAuth(USER, "guess") });
    const refused = await failure(wrong.sendStatement({ statement: statement("S2001") }));
    expect(refused.status).toBe(401);
    expect(refused.headers["www-authenticate"]).toMatch(/^Basic realm="Nudge xAPI"/);
    expect(refused.headers["x-experience-api-version"]).toBe("1.0.3");
    expect(refused.data).toEqual({ error: "the credentials were refused" });

    const missing = await post(JSON.stringify(statement("S2001")), { "x-experience-api-version": "1.0.3" });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: "authentication required (HTTP Basic)" });
    expect(await service.db.prisma.activityStatement.count()).toBe(0);
  });

  it("requires the X-Experience-API-Version header, 1.0.x", async () => {
    const none = await post(JSON.stringify(statement("S2001")), { authorization: auth.authorization });
    expect(none.status).toBe(400);
    expect(none.headers.get("x-experience-api-version")).toBe("1.0.3");
    expect(await none.json()).toMatchObject({ field: "X-Experience-API-Version", error: expect.stringMatching(/header is required/) });
    const newer = await post(JSON.stringify(statement("S2001")), { ...auth, "x-experience-api-version": "1.1.0" });
    expect(newer.status).toBe(400);
    expect(((await newer.json()) as { error: string }).error).toMatch(/1\.1\.0 is not supported/);
    const short = await post(JSON.stringify(statement("S2001", { id: "5d9c3a10-0000-4000-8000-000000000001", timestamp: "2026-11-01T09:00:00Z" })), {
      ...auth,
      "x-experience-api-version": "1.0",
    });
    expect(short.status).toBe(200);
  });

  it("stores a batch and answers the ids in order, giving statements without one an id derived from their content", async () => {
    const given = "5d9c3a10-0000-4000-8000-0000000000a1";
    const attended: Statement = {
      ...statement("S2002"),
      verb: { id: "http://adlnet.gov/expapi/verbs/attended", display: { en: "attended" } },
      object: { objectType: "Activity", id: "https://timetable.example.ac.uk/events/1", definition: { type: "http://xapi.jisc.ac.uk/event_timetabled" } },
      result: { completion: true, extensions: { "http://xapi.jisc.ac.uk/attendance_late": 1 } },
    };
    const mbox: Statement = { ...statement("ignored"), actor: { objectType: "Agent", mbox: "mailto:Mary.Somerville@student.example.ac.uk" } };
    const response = await xapi.sendStatements({ statements: [statement("S2001", { id: given }), attended, mbox] });
    expect(response.status).toBe(200);
    const ids = response.data;
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(given);
    expect(ids[1]).toMatch(UUID_V5);
    expect(ids[2]).toMatch(UUID_V5);
    expect(await service.db.prisma.activityStatement.findUnique({ where: { id: ids[1] } })).toMatchObject({
      source: "attendance",
      late: 1,
      moduleInstanceKey: moduleId,
    });
    expect(await rollup("S2001", "2026-11-02")).toEqual([{ source: "vle", module: moduleId, counts: [2, 0, 0, 0] }]);
    expect(await rollup("S2002", "2026-11-02")).toEqual([{ source: "attendance", module: moduleId, counts: [1, 1, 1, 0] }]);
    const batch = await service.db.prisma.ingestBatch.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(batch).toMatchObject({
      format: "xapi",
      entity: "statements",
      status: "completed",
      read: 3,
      loaded: 3,
      origin: "POST /api/xapi/statements from 127.0.0.1",
    });
    const freshness = await service.db.prisma.feedFreshness.findUnique({ where: { feed: "attendance" } });
    expect(freshness?.lastDataDay).toBe(day("2026-11-02"));
  });

  it("rejects a batch with a malformed statement as a whole, naming the field", async () => {
    const before = await service.db.prisma.activityStatement.count();
    const bad = { ...statement("S2001"), verb: { id: "viewed" } };
    const refused = await failure(xapi.sendStatements({ statements: [statement("S2001", { id: "5d9c3a10-0000-4000-8000-0000000000b1" }), bad as Statement] }));
    expect(refused.status).toBe(400);
    expect(refused.data).toEqual({ error: "statement [1]: verb.id 'viewed' is not an IRI", field: "verb.id", statement: 1 });
    const missingActor = await failure(xapi.sendStatement({ statement: { ...statement("S2001"), actor: undefined } as unknown as Statement }));
    expect(missingActor.data).toMatchObject({ field: "actor", error: "statement [0]: actor is required" });
    expect(await service.db.prisma.activityStatement.count()).toBe(before);
  });

  it("is idempotent: the same statement again answers 200 and counts once; different content under the same id is 409", async () => {
    const first = statement("S2001", { id: "5d9c3a10-0000-4000-8000-0000000000c1", timestamp: "2026-11-03T10:00:00Z" });
    expect((await xapi.sendStatement({ statement: first })).data).toEqual(["5d9c3a10-0000-4000-8000-0000000000c1"]);
    // verb.display may differ between sends: not part of the statement for comparison
    const again = await xapi.sendStatement({ statement: { ...first, verb: { id: first.verb.id, display: { "en-GB": "viewed" } } } });
    expect(again.status).toBe(200);
    expect(again.data).toEqual(["5d9c3a10-0000-4000-8000-0000000000c1"]);
    expect(await rollup("S2001", "2026-11-03")).toEqual([{ source: "vle", module: moduleId, counts: [1, 0, 0, 0] }]);
    const batch = await service.db.prisma.ingestBatch.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(batch).toMatchObject({ loaded: 0, duplicates: 1 });

    const batches = await service.db.prisma.ingestBatch.count();
    const conflict = await failure(xapi.sendStatement({ statement: { ...first, timestamp: "2026-11-04T10:00:00Z" } }));
    expect(conflict.status).toBe(409);
    // A refused push leaves no trace in the load history (an LMS retrying it would fill it).
    expect(await service.db.prisma.ingestBatch.count()).toBe(batches);
    expect(conflict.data).toMatchObject({
      ids: ["5d9c3a10-0000-4000-8000-0000000000c1"],
      error: expect.stringMatching(/already stored for a different statement/),
    });
    expect(await rollup("S2001", "2026-11-04")).toEqual([]);
  });

  it("voids a stored statement, and stores a statement voided before it arrived as voided", async () => {
    const target = "5d9c3a10-0000-4000-8000-0000000000d1";
    await xapi.sendStatement({ statement: statement("S2002", { id: target, timestamp: "2026-11-05T10:00:00Z" }) });
    expect(await rollup("S2002", "2026-11-05")).toEqual([{ source: "vle", module: moduleId, counts: [1, 0, 0, 0] }]);
    const voided = await xapi.voidStatement({ actor: STAFF, statementId: target });
    expect(voided.data[0]).toMatch(UUID_V5);
    expect(await rollup("S2002", "2026-11-05")).toEqual([]);
    expect(await service.db.prisma.activityStatement.findUnique({ where: { id: target } })).toMatchObject({ voided: true });

    const early = "5d9c3a10-0000-4000-8000-0000000000d2";
    await xapi.voidStatement({ actor: STAFF, statementId: early });
    const late = await xapi.sendStatement({ statement: statement("S2002", { id: early, timestamp: "2026-11-06T10:00:00Z" }) });
    expect(late.status).toBe(200);
    expect(await service.db.prisma.activityStatement.findUnique({ where: { id: early } })).toMatchObject({ voided: true, count: 1 });
    expect(await rollup("S2002", "2026-11-06")).toEqual([]);

    const voidingVoid = await failure(xapi.voidStatement({ actor: STAFF, statementId: voided.data[0]! }));
    expect(voidingVoid.status).toBe(400);
    expect(voidingVoid.data).toMatchObject({ field: "object.id", error: expect.stringMatching(/cannot itself be voided/) });
  });

  it("accepts statements about people who are not students (staff) and stores nothing for them", async () => {
    const response = await xapi.sendStatement({ statement: { ...statement("x", { id: "5d9c3a10-0000-4000-8000-0000000000e1" }), actor: STAFF } });
    expect(response.data).toEqual(["5d9c3a10-0000-4000-8000-0000000000e1"]);
    expect(await service.db.prisma.activityStatement.findUnique({ where: { id: "5d9c3a10-0000-4000-8000-0000000000e1" } })).toBeNull();
    const batch = await service.db.prisma.ingestBatch.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(batch.notes).toEqual([expect.stringMatching(/^1 statement\(s\) about people who are not students here/)]);
  });

  it("recognises a batch resent without ids, as Moodle's plugin resends a failed batch: the same ids, counted once", async () => {
    // Moodle's logstore_xapi sends no id, a course parent activity and no Jisc courseArea.
    const moodle = (student: string, minute: number): Statement => ({
      actor: { account: { homePage: "https://moodle.example.ac.uk", name: student } },
      verb: { id: "http://id.tincanapi.com/verb/replied", display: { en: "Replied" } },
      object: {
        objectType: "Activity",
        id: `https://moodle.example.ac.uk/mod/forum/discuss.php?d=5#p${minute}`,
        definition: { type: "http://id.tincanapi.com/activitytype/forum-reply" },
      },
      context: { contextActivities: { parent: [{ objectType: "Activity", id: "https://moodle.example.ac.uk/course/view.php?id=7" }] } },
      timestamp: `2026-11-04T10:${String(minute).padStart(2, "0")}:00Z`,
    });
    const batch = [moodle("S2001", 1), moodle("S2001", 2), moodle("S2002", 3)];
    const first = await xapi.sendStatements({ statements: batch });
    const resent = await xapi.sendStatements({ statements: batch });
    expect(resent.status).toBe(200);
    expect(resent.data).toEqual(first.data);
    expect(new Set(first.data).size).toBe(3);
    expect(await rollup("S2001", "2026-11-04")).toEqual([{ source: "vle", module: 0, counts: [2, 0, 0, 0] }]);
    expect(await rollup("S2002", "2026-11-04")).toEqual([{ source: "vle", module: 0, counts: [1, 0, 0, 0] }]);
    const last = await service.db.prisma.ingestBatch.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(last).toMatchObject({ read: 3, loaded: 0, duplicates: 3 });
  });

  it("stores one statement with PUT ?statementId= (204), idempotently", async () => {
    const id = "5d9c3a10-0000-4000-8000-0000000000f1";
    const put = (body: unknown, query = `statementId=${id}`) =>
      fetch(`${base}/api/xapi/statements?${query}`, { method: "PUT", body: JSON.stringify(body), headers: { "content-type": "application/json", ...auth } });
    const created = await put(statement("S2001", { timestamp: "2026-11-07T10:00:00Z" }));
    expect(created.status).toBe(204);
    expect(await put(statement("S2001", { timestamp: "2026-11-07T10:00:00Z" }))).toHaveProperty("status", 204);
    expect(await rollup("S2001", "2026-11-07")).toEqual([{ source: "vle", module: moduleId, counts: [1, 0, 0, 0] }]);
    const mismatch = await put(statement("S2001", { id: "5d9c3a10-0000-4000-8000-0000000000f2" }));
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toMatchObject({ field: "id" });
    const unknownParameter = await put(statement("S2001"), `statementid=${id}`);
    expect(unknownParameter.status).toBe(400);
    expect(await unknownParameter.json()).toMatchObject({ field: "statementid" });
  });

  it("takes batches larger than the service's 1 MB body limit, and refuses ones over its own", async () => {
    const statements = Array.from({ length: 3000 }, (_, i) =>
      statement("S2001", {
        timestamp: `2026-11-08T10:${String(i % 60).padStart(2, "0")}:${String(i % 59).padStart(2, "0")}.${String(i % 1000).padStart(3, "0")}Z`,
      }),
    );
    const body = JSON.stringify(statements);
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const response = await post(body, auth);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(3000);
    expect(await rollup("S2001", "2026-11-08")).toEqual([{ source: "vle", module: moduleId, counts: [3000, 0, 0, 0] }]);

    const tooLarge = await new Promise<{ status: number; version: string | undefined }>((resolve, reject) => {
      const req = httpRequest(`${base}/api/xapi/statements`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "content-length": String(XAPI_MAX_BODY_BYTES + 1) },
      });
      req.on("response", (res) => {
        resolve({ status: res.statusCode!, version: res.headers["x-experience-api-version"] as string | undefined });
        res.resume();
        req.destroy();
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(tooLarge).toEqual({ status: 413, version: "1.0.3" });
  });

  it("refuses a body that is not JSON", async () => {
    const text = await post("hello", { ...auth, "content-type": "text/plain" });
    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({ field: "Content-Type" });
    const broken = await post("[{", auth);
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: string }).error).toMatch(/not valid JSON/);
  });

  it("refuses deeply nested JSON with a 400 the LMS will not retry, and the service keeps answering", async () => {
    const deep = `[${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}]`;
    const response = await post(deep, auth);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "the body nests more than 64 levels deep; no xAPI statement needs that", field: "body" });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe("the xAPI endpoint without credentials configured", () => {
  it("answers 503 saying which settings to set", async () => {
    const testDb = await createTestDatabase();
    const service = await startService(parseConfig({ PORT: "0", HOST: "127.0.0.1", DATABASE_URL: testDb.url, LOG_LEVEL: "silent" }), createLogger("silent"));
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}/api/xapi/statements`, {
        method: "POST",
        body: "[]",
        headers: { "content-type": "application/json", "x-experience-api-version": "1.0.3", authorization: XAPI.toBasicAuth("", "") },
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: string }).error).toMatch(/NUDGE_XAPI_USERNAME and NUDGE_XAPI_PASSWORD/);
    } finally {
      await service.stop();
      await testDb.drop();
    }
  });
});
