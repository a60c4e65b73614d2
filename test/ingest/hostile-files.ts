/**
 * What the hostile-input properties of the feed parsers share: generators of damaged files
 * (valid files mutated, or random bytes) and the checks every parser must pass on them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import fc from "fast-check";
import { expect } from "vitest";
import type { Database } from "../../prisma/index.ts";
import { FileRejectedError, type FeedFormat, type FileContext, type IngestOptions } from "../../ingest/types.ts";

/** A hang detector, not a speed test: any one input that takes this long is a bug. */
export const CASE_BUDGET_MS = 2_000;

export const OPTIONS = { timezone: "Europe/London", now: () => new Date("2026-11-23T12:00:00Z") };

const BAD_UTF8 = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xe2, 0x82], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80]];
const CONTROLS = ["\u0000", "\u0001", "\u001b[2J", "\u007f", "\u0085", "\r", "\u000b", "\t"];
const ODD_VALUES = [
  "9".repeat(40),
  "99999999999999999999",
  "123456789012",
  "-99999999",
  "4096",
  "1e308",
  "-1e400",
  "0x10",
  "NaN",
  "Infinity",
  "-0",
  "2017-13-12",
  "2020-02-30",
  "0000-00-00",
  "9999-12-31T25:61:61Z",
  "275760-09-13",
  "-000001-01-01",
  "?",
  "",
  " ",
  '"',
  '"a""b',
  'a"b',
  "\uFEFF",
  "\ud83d\ude00",
  "x".repeat(70_000),
];

/** One change to a file held as lines of bytes; positions are taken modulo what is there. */
export type Mutation =
  | { kind: "truncate"; line: number; at: number }
  | { kind: "dropField"; line: number; field: number }
  | { kind: "extraField"; line: number; value: string }
  | { kind: "duplicateHeader"; from: number; to: number }
  | { kind: "insertText"; line: number; at: number; text: string }
  | { kind: "insertBytes"; line: number; at: number; bytes: readonly number[] }
  | { kind: "setField"; line: number; field: number; value: string }
  | { kind: "quote"; line: number; at: number }
  | { kind: "bom"; bytes: readonly number[] }
  | { kind: "lineEnd"; line: number; end: string }
  | { kind: "blankLines"; line: number; count: number }
  | { kind: "repeatLine"; line: number; times: number };

const index = fc.nat(10_000);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), line: index, at: index }),
  fc.record({ kind: fc.constant("dropField" as const), line: index, field: index }),
  fc.record({ kind: fc.constant("extraField" as const), line: index, value: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.string()) }),
  fc.record({ kind: fc.constant("duplicateHeader" as const), from: index, to: index }),
  fc.record({ kind: fc.constant("insertText" as const), line: index, at: index, text: fc.oneof(fc.constantFrom(...CONTROLS), fc.string({ unit: "binary" })) }),
  fc.record({ kind: fc.constant("insertBytes" as const), line: index, at: index, bytes: fc.constantFrom(...BAD_UTF8) }),
  fc.record({
    kind: fc.constant("setField" as const),
    line: index,
    field: index,
    value: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.string({ unit: "binary", maxLength: 20 }), fc.double().map(String), fc.bigInt().map(String)),
  }),
  fc.record({ kind: fc.constant("quote" as const), line: index, at: index }),
  fc.record({ kind: fc.constant("bom" as const), bytes: fc.constantFrom([0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0xef, 0xbb]) }),
  fc.record({ kind: fc.constant("lineEnd" as const), line: index, end: fc.constantFrom("\r\n", "\r", "\n\n", "\r\r\n", "") }),
  fc.record({ kind: fc.constant("blankLines" as const), line: index, count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("repeatLine" as const), line: index, times: fc.integer({ min: 1, max: 3 }) }),
);

function splitFields(line: Buffer, delimiter: number): Buffer[] {
  const fields: Buffer[] = [];
  let from = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === delimiter) {
      fields.push(line.subarray(from, i));
      from = i + 1;
    }
  }
  return fields;
}

const joinFields = (fields: Buffer[], delimiter: number) => Buffer.concat(fields.flatMap((field, i) => (i ? [Buffer.from([delimiter]), field] : [field])));

/** Applies mutations to a file's bytes; the delimiter is the header's (a tab wins). */
export function mutate(file: Buffer, mutations: readonly Mutation[]): Buffer {
  const delimiter = file.subarray(0, Math.max(0, file.indexOf(10))).includes(9) ? 9 : 44;
  const lines: Buffer[] = [];
  for (let from = 0; from <= file.length; ) {
    const next = file.indexOf(10, from);
    lines.push(file.subarray(from, next === -1 ? file.length : next));
    if (next === -1) break;
    from = next + 1;
  }
  const ends = lines.map(() => "\n");
  let prefix = Buffer.alloc(0);
  for (const m of mutations) {
    if (lines.length === 0) lines.push(Buffer.alloc(0));
    const at = (line: number) => line % lines.length;
    switch (m.kind) {
      case "truncate": {
        const line = lines[at(m.line)]!;
        lines[at(m.line)] = line.subarray(0, m.at % (line.length + 1));
        break;
      }
      case "dropField": {
        const fields = splitFields(lines[at(m.line)]!, delimiter);
        fields.splice(m.field % fields.length, 1);
        lines[at(m.line)] = joinFields(fields, delimiter);
        break;
      }
      case "extraField":
        lines[at(m.line)] = Buffer.concat([lines[at(m.line)]!, Buffer.from([delimiter]), Buffer.from(m.value)]);
        break;
      case "duplicateHeader": {
        const fields = splitFields(lines[0]!, delimiter);
        fields[m.to % fields.length] = fields[m.from % fields.length]!;
        lines[0] = joinFields(fields, delimiter);
        break;
      }
      case "insertText":
      case "insertBytes": {
        const line = lines[at(m.line)]!;
        const cut = m.at % (line.length + 1);
        const inserted = m.kind === "insertText" ? Buffer.from(m.text) : Buffer.from(m.bytes);
        lines[at(m.line)] = Buffer.concat([line.subarray(0, cut), inserted, line.subarray(cut)]);
        break;
      }
      case "setField": {
        const fields = splitFields(lines[at(m.line)]!, delimiter);
        fields[m.field % fields.length] = Buffer.from(m.value);
        lines[at(m.line)] = joinFields(fields, delimiter);
        break;
      }
      case "quote": {
        const line = lines[at(m.line)]!;
        const cut = m.at % (line.length + 1);
        lines[at(m.line)] = Buffer.concat([line.subarray(0, cut), Buffer.from('"'), line.subarray(cut)]);
        break;
      }
      case "bom":
        prefix = Buffer.from(m.bytes);
        break;
      case "lineEnd":
        ends[at(m.line)] = m.end;
        break;
      case "blankLines":
        lines.splice(at(m.line), 0, ...Array.from({ length: m.count }, () => Buffer.alloc(0)));
        ends.splice(at(m.line), 0, ...Array.from({ length: m.count }, () => "\n"));
        break;
      case "repeatLine":
        lines.splice(at(m.line), 0, ...Array.from({ length: m.times }, () => lines[at(m.line)]!));
        ends.splice(at(m.line), 0, ...Array.from({ length: m.times }, () => "\n"));
        break;
    }
  }
  return Buffer.concat([prefix, ...lines.flatMap((line, i) => [line, Buffer.from(i === lines.length - 1 ? "" : (ends[i] ?? "\n"))])]);
}

/** A seed file of the format: its name (which tells the entity) and its bytes. */
export interface Seed {
  name: string;
  bytes: Buffer;
}

export function seedsFrom(dir: string, names: readonly string[]): Seed[] {
  return names.map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

/** A damaged file: a seed mutated a few times, or (now and then) random bytes under a seed's name. */
export function hostileFile(seeds: readonly Seed[]): fc.Arbitrary<Seed> {
  const seed = fc.constantFrom(...seeds);
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(seed, fc.array(mutation, { minLength: 1, maxLength: 5 })).map(([s, m]) => ({ name: s.name, bytes: mutate(s.bytes, m) })) },
    { weight: 1, arbitrary: fc.tuple(seed, fc.uint8Array({ maxLength: 600 })).map(([s, bytes]) => ({ name: s.name, bytes: Buffer.from(bytes) })) },
    {
      weight: 1,
      arbitrary: fc.tuple(seed, fc.string({ unit: "binary", maxLength: 300 })).map(([s, text]) => ({
        name: s.name,
        bytes: Buffer.concat([s.bytes.subarray(0, Math.max(0, s.bytes.indexOf(10)) + 1), Buffer.from(text)]),
      })),
    },
  );
}

/** Writes each generated file over the last of its name in one temporary folder (cases run one at a time). */
export function fileWriter(prefix: string): { write(file: Seed): string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    write(file) {
      const path = join(root, file.name);
      writeFileSync(path, file.bytes);
      return path;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface ParseOutcome {
  rejects: { line: number | null; message: string }[];
  fileError: FileRejectedError | null;
}

/** Runs a format's parse step (validation only: nothing is written) and collects what it reports. */
export async function parseOnly(format: FeedFormat, db: Database, path: string, options: IngestOptions = OPTIONS): Promise<ParseOutcome> {
  const entity = format.entityOf(path);
  if ("error" in entity) throw new Error(`the generator named a file the format does not take: ${entity.error}`);
  const rejects: ParseOutcome["rejects"] = [];
  const context: FileContext = {
    db,
    path,
    file: basename(path),
    entity: entity.entity,
    options,
    read: () => undefined,
    reject: (line, message) => void rejects.push({ line, message }),
    duplicate: () => undefined,
    note: () => undefined,
    progress: () => undefined,
    sawActivity: () => undefined,
  };
  try {
    await format.parse(context);
    return { rejects, fileError: null };
  } catch (error) {
    // The one documented way for a parser to refuse a whole file; anything else escaping is a bug.
    if (error instanceof FileRejectedError) return { rejects, fileError: error };
    throw error;
  }
}

/** Lines of a file as an editor counts them (LF ends a line; a last line without one counts). */
export function lineCount(bytes: Buffer): number {
  let lines = 1;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
  return lines;
}

/**
 * Every error names a line of the file, and its message names a field of the format (or the
 * row's shape, or the header): `fields` lists the format's column names.
 */
export function expectErrorsPlaced(outcome: ParseOutcome, bytes: Buffer, fields: readonly string[]): void {
  const lines = lineCount(bytes);
  // The file's own column names count too: a mutated header can name a column "0".
  const headerLine = bytes
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .split("\n")
    .find((line) => line.trim() !== "");
  const own = (headerLine ?? "").split(headerLine?.includes("\t") ? "\t" : ",").map((name) => name.trim().replace(/^"|"$/g, ""));
  const namesField = (message: string) =>
    /^expected \d+ (tab|comma)-separated fields/.test(message) ||
    /^field \d+ \(past the header's/.test(message) ||
    [...fields, ...own].some((field) => field !== "" && message.startsWith(`${field} `)) ||
    fields.some((field) => message.includes(field)) ||
    message.startsWith("the header");
  for (const { line, message } of outcome.rejects) {
    expect(line, message).toBeTypeOf("number");
    expect(line!, message).toBeGreaterThanOrEqual(1);
    expect(line!, message).toBeLessThanOrEqual(lines);
    expect(namesField(message), `no field named: ${message}`).toBe(true);
  }
  if (outcome.fileError) {
    const { line, message } = outcome.fileError;
    if (message !== "the file is empty (no header line)") {
      expect(line, message).toBeTypeOf("number");
      expect(line!, message).toBeGreaterThanOrEqual(1);
      expect(line!, message).toBeLessThanOrEqual(lines);
    }
  }
}

/** Runs `work` and fails when it takes longer than the per-case budget. */
export async function withinBudget<T>(work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  const took = performance.now() - started;
  expect(took, `one input took ${Math.round(took)} ms`).toBeLessThan(CASE_BUDGET_MS);
  return result;
}

/** Row counts of the tables a load may write, for "a refused file changed nothing". */
export async function tableCounts(db: Database, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = Number((await db.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS "n" FROM "${table}"`))[0]!.n);
  return counts;
}
