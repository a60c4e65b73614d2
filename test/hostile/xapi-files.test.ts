/**
 * Hostile xAPI statements: valid ones with a wrong type, a huge number, a control character, a
 * lone surrogate or deep nesting put at any field; statement files (JSON lines and arrays) with
 * keys given twice, bytes that are not UTF-8, byte-order marks, mixed line ends and cut lines.
 * Most cases run the statement check or the parse step alone; a share goes through the pipeline
 * and the push use case into each database.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../../ingest/index.ts";
import { pushStatements, readStatement, StatementError, xapiFormat } from "../../ingest/xapi.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { fileWriter, lineCount, OPTIONS, parseOnly, tableCounts, withinBudget } from "../ingest/hostile-files.ts";
import { checkHostile } from "./budget.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ingest/xapi");
const lines = (name: string) =>
  readFileSync(join(FIXTURES, name), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return []; // the fixture's deliberately broken line
      }
    });
const SEEDS: Record<string, unknown>[] = [
  ...lines("statements.jsonl"),
  ...lines("learning-locker.jsonl"),
  ...(JSON.parse(readFileSync(join(FIXTURES, "statements-array.json"), "utf8")) as Record<string, unknown>[]),
];
const TABLES = ["ActivityStatement", "VoidedStatement", "EngagementDaily", "FeedFreshness"];
const NOW = OPTIONS.now();

/** Where a hostile value goes: the fields Nudge reads, and the containers around them. */
const PATHS = [
  [],
  ["id"],
  ["actor"],
  ["actor", "objectType"],
  ["actor", "mbox"],
  ["actor", "account"],
  ["actor", "account", "name"],
  ["verb"],
  ["verb", "id"],
  ["verb", "display"],
  ["object"],
  ["object", "id"],
  ["object", "objectType"],
  ["object", "definition"],
  ["object", "definition", "type"],
  ["object", "definition", "extensions"],
  ["object", "definition", "extensions", "http://xapi.jisc.ac.uk/dueDate"],
  ["object", "extensions", "http://xapi.jisc.ac.uk/dueDate"],
  ["result"],
  ["result", "completion"],
  ["result", "score"],
  ["result", "score", "raw"],
  ["result", "score", "scaled"],
  ["result", "score", "min"],
  ["result", "score", "max"],
  ["result", "extensions"],
  ["result", "extensions", "http://xapi.jisc.ac.uk/attendance_late"],
  ["context"],
  ["context", "contextActivities"],
  ["context", "contextActivities", "parent"],
  ["context", "contextActivities", "grouping"],
  ["context", "extensions"],
  ["context", "extensions", "http://xapi.jisc.ac.uk/recipeCat"],
  ["context", "extensions", "http://xapi.jisc.ac.uk/courseArea"],
  ["context", "extensions", "http://xapi.jisc.ac.uk/extensions/direction_of_access"],
  ["timestamp"],
  ["stored"],
  ["statement"],
];

function deep(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { x: value };
  return value;
}

/** Keys an object may carry that JavaScript gives a meaning of its own. */
const ODD_KEYS = ["__proto__", "toString", "valueOf", "constructor", "hasOwnProperty", "&46;", "a&46;b"];

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(1e308, -1e308, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_SAFE_INTEGER * 1000, -0, 5e-324, 2, -5),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "S10\u000004",
    "http://x/\u001b[2J",
    "\ud800",
    "mailto:\u0000@x.y",
    "x".repeat(100_000),
    "2026-13-40T99:99:99Z",
    "275760-09-14T00:00:00Z",
  ),
  fc.dictionary(fc.constantFrom(...ODD_KEYS, "id", "name", "en"), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }),
  fc.tuple(fc.integer({ min: 1, max: 300 }), fc.jsonValue({ maxDepth: 0 })).map(([depth, leaf]) => deep(depth, leaf)),
  fc.string({ unit: "binary", maxLength: 30 }),
);

function setAt(statement: Record<string, unknown>, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: Record<string, unknown> = { ...statement };
  let node = copy;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      // defineProperty, so a "__proto__" key is an own key as JSON.parse would make it.
      Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
      break;
    }
    const next = node[key];
    const child = typeof next === "object" && next !== null && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    node[key] = child;
    node = child;
  }
  return copy;
}

const hostileStatement: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.constantFrom(...PATHS), hostileValue), { minLength: 1, maxLength: 3 }))
  .map(([seed, changes]) => changes.reduce<unknown>((s, [path, value]) => setAt(s as Record<string, unknown>, path, value), seed));

/** A statement error names its field, and its message starts with it. */
function expectPlacedError(error: unknown): void {
  if (!(error instanceof StatementError)) throw error;
  expect(error.field, error.message).not.toBe("");
  expect(error.message.startsWith(error.field) || error.field === "statement", `${error.field}: ${error.message}`).toBe(true);
}

describe("hostile xAPI statements, one at a time", () => {
  it("either reads a statement or throws a statement error naming the field, and never hangs", async () => {
    await checkHostile(
      "xapi",
      "one statement",
      hostileStatement,
      async (statement) => {
        await withinBudget(async () => {
          try {
            readStatement(statement, { now: NOW });
          } catch (error) {
            expectPlacedError(error);
          }
        });
      },
      { ciBudget: 1000 },
    );
  });
});

/** Text-level damage to a statements file: what JSON.parse cannot show or refuses. */
type TextDamage =
  | { kind: "duplicateKey"; at: number; key: string }
  | { kind: "bytes"; at: number; bytes: readonly number[] }
  | { kind: "cut"; at: number }
  | { kind: "insert"; at: number; text: string };

const textDamage: fc.Arbitrary<TextDamage> = fc.oneof(
  fc.record({ kind: fc.constant("duplicateKey" as const), at: fc.nat(), key: fc.constantFrom("id", "name", "actor", "x", "\\u0069d", ...ODD_KEYS) }),
  fc.record({ kind: fc.constant("bytes" as const), at: fc.nat(), bytes: fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80]) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.constantFrom("\r\n", "\r", "\n", "\u0000", "\uFEFF", '"', "[".repeat(5000), "1e400", "\\ud800", "}", ","),
  }),
);

function damage(text: Buffer, damages: readonly TextDamage[]): Buffer {
  let bytes = text;
  for (const d of damages) {
    if (d.kind === "duplicateKey") {
      // After an object's opening brace: the key then appears twice in that object.
      const braces: number[] = [];
      for (let i = bytes.indexOf(123); i !== -1; i = bytes.indexOf(123, i + 1)) braces.push(i);
      if (braces.length === 0) continue;
      const at = braces[d.at % braces.length]! + 1;
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(`"${d.key}":1,"${d.key}":2,`), bytes.subarray(at)]);
      continue;
    }
    const at = d.at % (bytes.length + 1);
    if (d.kind === "cut") bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + (d.at % 40)))]);
    else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(d.kind === "bytes" ? d.bytes : Buffer.from(d.text)), bytes.subarray(at)]);
  }
  return bytes;
}

/** A statements file: a few statements (some hostile) as JSON lines or an array, then damaged. */
const hostileFile = fc
  .tuple(
    fc.array(fc.oneof(fc.constantFrom(...SEEDS), hostileStatement), { minLength: 1, maxLength: 6 }),
    fc.constantFrom("statements.jsonl", "statements.json"),
    fc.array(textDamage, { maxLength: 3 }),
  )
  .map(([statements, name, damages]) => {
    const text = name.endsWith(".jsonl") ? statements.map((s) => JSON.stringify(s)).join("\n") : JSON.stringify(statements, null, 1);
    return { name, bytes: damage(Buffer.from(text), damages), statements: statements.length };
  });

async function seedStudents(db: ReturnType<typeof useMigratedDatabase>["db"]): Promise<void> {
  for (const [studentNumber, email] of [
    ["S1001", "ada.lovelace@student.example.ac.uk"],
    ["S1002", "alan.turing@student.example.ac.uk"],
    ["S1003", "grace.hopper@student.example.ac.uk"],
    ["S1004", "edsger.dijkstra@student.example.ac.uk"],
  ] as const)
    await db.prisma.student.create({ data: { studentNumber, email } });
}

describe("hostile xAPI statement files, parse step", () => {
  const target = useMigratedDatabase("sqlite");
  const files = fileWriter("nudge-hostile-xapi-");
  beforeAll(() => seedStudents(target.db));
  afterAll(() => files.remove());

  it("never throws anything but a file refusal, places every error on a line, and never hangs", async () => {
    await checkHostile(
      "xapi",
      "parse step",
      hostileFile,
      async (file) => {
        const path = files.write(file);
        const outcome = await withinBudget(() => parseOnly(xapiFormat, target.db, path));
        // Lines of a JSON lines file; positions in an array (a damaged one may hold more statements).
        const last = Math.max(lineCount(file.bytes), file.statements + 20);
        for (const { line, message } of outcome.rejects) {
          expect(line, message).toBeTypeOf("number");
          expect(line!, message).toBeGreaterThanOrEqual(1);
          expect(line!, message).toBeLessThanOrEqual(last);
          expect(message, message).toMatch(/^(not valid JSON|[^ ]+ )/);
        }
        if (outcome.fileError && !/^(the file is empty|not JSON|not valid JSON)/.test(outcome.fileError.message)) {
          expect(outcome.fileError.message).toMatch(/is given twice|is not valid UTF-8/);
        }
      },
      { ciBudget: 300 },
    );
  });
});

describe.each(databaseKindsUnderTest())("hostile xAPI statements through the pipeline and the push on %s", (kind) => {
  const target = useMigratedDatabase(kind);
  const files = fileWriter("nudge-hostile-xapi-db-");
  beforeAll(() => seedStudents(target.db));
  afterAll(() => files.remove());

  it("a strict file load either loads or changes nothing, and never fails on what the parser let through", async () => {
    await checkHostile(
      "xapi",
      `pipeline (${kind})`,
      hostileFile,
      async (file) => {
        const path = files.write(file);
        const before = await tableCounts(target.db, TABLES);
        const report = await withinBudget(() => ingest(target.db, "xapi", { path, strict: true, options: OPTIONS }));
        const status = report.files[0]!.status;
        expect(status, JSON.stringify(report.errors.slice(0, 3))).not.toBe("failed");
        if (status === "rejected") expect(await tableCounts(target.db, TABLES)).toEqual(before);
      },
      { ciBudget: 300, share: 0.1 },
    );
  });

  it("a push is stored whole or refused with the statement's index, and never fails on what was let through", async () => {
    await checkHostile(
      "xapi",
      `push (${kind})`,
      fc.tuple(fc.array(hostileStatement, { minLength: 1, maxLength: 3 }), fc.array(textDamage, { maxLength: 2 })),
      async ([statements, damages]) => {
        const raw = damage(Buffer.from(JSON.stringify(statements)), damages);
        let body: unknown;
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          return; // the endpoint answers 400 before ingest sees the body
        }
        const before = await tableCounts(target.db, TABLES);
        const outcome = await withinBudget(() =>
          pushStatements(target.db, { body, raw, origin: "POST /api/xapi/statements", totalBytes: raw.length, options: OPTIONS }),
        );
        expect(outcome.status, JSON.stringify(outcome)).not.toBe("failed");
        if (outcome.status === "invalid") {
          expect(outcome.message.startsWith(outcome.field) || outcome.field === "statement" || outcome.field === "statementId", JSON.stringify(outcome)).toBe(
            true,
          );
          if (outcome.index !== null) expect(outcome.index).toBeLessThan(Array.isArray(body) ? body.length : 1);
        }
        if (outcome.status !== "stored") expect(await tableCounts(target.db, TABLES)).toEqual(before);
      },
      { ciBudget: 300, share: 0.1 },
    );
  });
});
