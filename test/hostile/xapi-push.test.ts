/**
 * Generated xAPI pushes with the right credentials (so every one is parsed): valid statements with
 * one field broken, wrong types anywhere, duplicate keys, deep nesting, huge numbers, batches mixing
 * good and bad, and bytes that are not JSON. A refused push keeps nothing: no statement, no batch.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHostile } from "./budget.ts";
import { expectHandled, expectStillReady, startHostileService, STUDENT, XAPI, type HostileService } from "./service.ts";

const HEADERS = {
  "content-type": "application/json",
  "x-experience-api-version": "1.0.3",
  authorization: `Basic ${Buffer.from(`${XAPI.username}:${XAPI.password}`).toString("base64")}`,
};

const statement = (i: number) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  actor: { objectType: "Agent", account: { homePage: "https://vle.example.ac.uk", name: STUDENT.number } },
  verb: { id: "http://adlnet.gov/expapi/verbs/completed", display: { "en-GB": "completed" } },
  object: { objectType: "Activity", id: "https://vle.example.ac.uk/mod/quiz/view.php?id=7" },
  result: { score: { raw: 7, min: 0, max: 10, scaled: 0.7 } },
  timestamp: "2026-11-20T10:00:00.000Z",
});

const PATHS = [
  ["id"],
  ["actor"],
  ["actor", "account", "name"],
  ["verb", "id"],
  ["object", "id"],
  ["result", "score", "raw"],
  ["result", "score", "scaled"],
  ["timestamp"],
  ["actor", "mbox"],
];
const broken = fc.record({
  path: fc.constantFrom(...PATHS),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(1e308, -5, "", "not-a-uuid", "2026-13-45")),
});

function breakAt(target: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(target);
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
  return copy;
}

describe("hostile xAPI pushes", () => {
  let hostile: HostileService;
  let next = 1;
  beforeAll(async () => {
    hostile = await startHostileService();
  }, 60_000);
  afterAll(() => hostile?.stop());

  const counts = async () => ({
    statements: await hostile.service.db.prisma.activityStatement.count(),
    batches: await hostile.service.db.prisma.ingestBatch.count(),
  });

  it("stores a batch whole or keeps nothing of it, and answers without a 5xx", async () => {
    const body = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 5 }), fc.array(broken, { minLength: 1, maxLength: 3 })).map(([size, breaks]) => {
        const batch = Array.from({ length: size }, () => statement(next++) as Record<string, unknown>);
        for (const [i, b] of breaks.entries()) batch[i % size] = breakAt(batch[i % size]!, b.path, b.value);
        return JSON.stringify(batch);
      }),
      fc
        .integer({ min: 1, max: 3 })
        .map((size) => JSON.stringify(Array.from({ length: size }, () => statement(next++))).replace('"verb":', '"verb":{"id":"x"},"verb":')),
      fc.integer({ min: 10, max: 5_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.string({ unit: "binary", maxLength: 300 }),
    );
    await checkHostile(
      "xAPI push",
      "all or nothing, no 5xx",
      body,
      async (text) => {
        const before = await counts();
        const answer = await hostile.post("/api/xapi/statements", text, HEADERS);
        expectHandled(answer, [200, 400, 409, 413]);
        const after = await counts();
        if (answer.status !== 200) expect(after).toEqual(before);
        else expect(after.batches - before.batches).toBeLessThanOrEqual(1);
      },
      { ciBudget: 100, share: 0.5 },
    );
    await expectStillReady(hostile);
  });
});
