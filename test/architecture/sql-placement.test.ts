/**
 * SQL text lives only where the layer map says: a module's `queries.ts` (or its `queries/` folder),
 * the database module itself, the bulk paths of ingest, and the tools. Everything else goes
 * through Prisma Client or asks a queries file, so each statement has one owner to read and tune.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const SKIPPED = new Set(["node_modules", "generated", "data", "test", ".git"]);
/** Where SQL may be written: the database layer, ingest's bulk loaders, and the tools. */
const ALLOWED_FOLDERS = ["prisma/", "ingest/", "bench/", "scripts/"];

const SQL = [
  /\bSELECT\b[^`"]*\bFROM\b/,
  /\bINSERT\s+INTO\b/,
  /\bUPDATE\s+"\w+"\s+SET\b/,
  /\bDELETE\s+FROM\b/,
  /\bCREATE\s+(TEMP\s+)?TABLE\b/,
  /\$queryRaw|\$executeRaw/,
  /\.(query|execScript|runMany)\s*(<[^>]*>)?\(\s*`/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED.has(name) || name.startsWith(".")) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(name) ? [relative(ROOT, path)] : [];
  });
}

/** Code without its comments, so prose about SQL does not count. */
function codeOf(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

function isQueriesFile(path: string): boolean {
  return /(^|\/)queries\.ts$/.test(path) || /(^|\/)queries\//.test(path);
}

describe("where SQL is written", () => {
  it("only in queries files, the database module, ingest's bulk paths and the tools", () => {
    const misplaced = sourceFiles(ROOT)
      .filter((path) => !isQueriesFile(path) && !ALLOWED_FOLDERS.some((folder) => path.startsWith(folder)))
      .filter((path) => {
        const code = codeOf(readFileSync(join(ROOT, path), "utf8"));
        return SQL.some((pattern) => pattern.test(code));
      });
    expect(misplaced).toEqual([]);
  });

  it("the check recognises SQL and the places it may live", () => {
    // Guards the guard: were the patterns to stop matching, the test above would pass vacuously.
    const samples = [
      'db.sql.query(`SELECT "id" FROM "Student"`)',
      'await tx.$executeRaw`UPDATE "Student" SET "x" = NULL`',
      'tx.execScript(`DELETE FROM "Staff"`)',
    ];
    for (const sample of samples)
      expect(
        SQL.some((pattern) => pattern.test(codeOf(sample))),
        sample,
      ).toBe(true);
    expect(
      SQL.some((pattern) => pattern.test(codeOf("// SELECT a FROM b, in prose"))),
      "a comment",
    ).toBe(false);
    expect(isQueriesFile("rules/queries/metrics.ts")).toBe(true);
    expect(isQueriesFile("contacts/queries.ts")).toBe(true);
    expect(isQueriesFile("rules/run.ts")).toBe(false);
  });
});
