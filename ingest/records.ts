/**
 * What the record parsers share (UDD, Nudge's own CSV, OULAD): reading records by column name,
 * files by entity name, staged upserts, reference lookups and a few field checks.
 */
import { DEFAULT_TIMEZONE } from "../core/index.ts";
import { basename } from "node:path";
import type { SqlExecutor } from "../prisma/index.ts";
import { columnIndexes, fieldCountProblem, openDelimited } from "./delimited-reader.ts";
import { controlCharacterProblem, dayOfInstant, localDayOf, optional, required, RowError, shown } from "./fields.ts";
import type { DirectoryPlan, FileContext } from "./types.ts";

/** A field of the current row by column name; undefined when the header lacks the column. */
export type Fields = (name: string) => string | undefined;

/**
 * Reads every row of a CSV/TSV file, checking its field count and turning each RowError thrown by
 * `visit` into a rejected line. Missing required columns reject the whole file. A row with bytes
 * that are not UTF-8, or a control character in a column that is read, is rejected before `visit`
 * sees it: every column read is an identifier, a code, a number, a date or a one-line name.
 */
export async function eachRecord(
  context: FileContext,
  columns: { required: readonly string[]; optional?: readonly string[] },
  visit: (get: Fields, line: number) => void,
): Promise<void> {
  const file = await openDelimited(context.path, (bytes) => context.progress(bytes));
  const optionalColumns = columns.optional ?? [];
  let index: Record<string, number>;
  try {
    index = columnIndexes(file.header, [...columns.required, ...optionalColumns], optionalColumns);
  } catch (error) {
    await file.close();
    throw error;
  }
  const read = Object.entries(index).filter(([, at]) => at >= 0);
  await file.eachRow(
    (fields, line) => {
      context.read();
      const problem = fieldCountProblem(fields, file.header, file.delimiter);
      if (problem) return context.reject(line, problem);
      for (const [name, at] of read) {
        const unfit = controlCharacterProblem(fields[at]!, name);
        if (unfit) return context.reject(line, unfit);
      }
      const get: Fields = (name) => {
        const at = index[name];
        return at === undefined || at < 0 ? undefined : fields[at];
      };
      try {
        visit(get, line);
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        context.reject(line, error.message);
      }
    },
    (line, message) => {
      context.read();
      context.reject(line, message);
    },
  );
}

/** A file's rows by key: an identical repeat is a duplicate, a repeat with other values an error. */
export class RowsByKey<T> {
  private readonly rows = new Map<string, { row: T; signature: string; line: number }>();

  constructor(private readonly context: FileContext) {}

  add(key: string, keyShown: string, row: T, line: number): void {
    const signature = JSON.stringify(row);
    const earlier = this.rows.get(key);
    if (!earlier) {
      this.rows.set(key, { row, signature, line });
    } else if (earlier.signature === signature) {
      this.context.duplicate();
    } else {
      throw new RowError(`${keyShown} appears again with different values (first on line ${earlier.line})`);
    }
  }

  values(): T[] {
    return [...this.rows.values()].map((entry) => entry.row);
  }
}

/** How a file name maps to an entity: its own names and aliases, and entities read past. */
export interface EntityNames {
  format: string;
  /** Accepted name (lower case, without extension) → entity. */
  names: ReadonlyMap<string, string>;
  /** Load order. */
  order: readonly string[];
  /** Known names that are deliberately not loaded → why. */
  notUsed?: ReadonlyMap<string, string>;
}

const DATA_FILE = /^(.+)\.(tsv|csv|json|xml)$/i;

export function entityOfFile(path: string, names: EntityNames): { entity: string } | { error: string } {
  const match = DATA_FILE.exec(basename(path));
  const stem = match?.[1]?.toLowerCase() ?? "";
  const entity = names.names.get(stem);
  if (match && entity && /^(tsv|csv)$/i.test(match[2]!)) return { entity };
  if (entity) return { error: `${basename(path)}: ${names.format} is read from TSV or CSV files only (export ${stem}.tsv)` };
  const why = names.notUsed?.get(stem);
  if (why) return { error: why };
  return { error: `${basename(path)} is not a ${names.format} file: expected one of ${names.order.map((e) => `${e}.tsv`).join(", ")} (or .csv)` };
}

export function planFiles(paths: readonly string[], names: EntityNames): DirectoryPlan {
  const plan: DirectoryPlan = { files: [], skipped: [] };
  for (const path of paths) {
    const found = entityOfFile(path, names);
    if ("entity" in found) plan.files.push({ path, entity: found.entity });
    else plan.skipped.push({ path, reason: found.error });
  }
  // Array.sort is stable: files of one entity keep their (alphabetical) order.
  plan.files.sort((a, b) => names.order.indexOf(a.entity) - names.order.indexOf(b.entity));
  return plan;
}

type ColumnType = "text" | "int" | "float" | "timestamp" | { enum: string };

export interface TableSpec {
  table: string;
  columns: Record<string, ColumnType>;
  /** The unique key the upsert conflicts on. */
  key: readonly string[];
  /** Set when a row is inserted, kept when it is updated (createdAt, a tutor's start date). */
  insertOnly?: readonly string[];
}

const PG_TYPES = { text: "text", int: "integer", float: "double precision", timestamp: "timestamp(3)" } as const;
const q = (name: string) => `"${name}"`;
const STAGE = "nudge_upsert_stage";

/**
 * Inserts or updates rows (values in `spec.columns` order) through a staged bulk insert and one
 * INSERT … ON CONFLICT: a full first load of a large file costs seconds, not a round trip a row.
 * Callers pass each key once.
 */
export async function upsertRows(tx: SqlExecutor, spec: TableSpec, rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(spec.columns);
  const pg = tx.kind === "postgresql";
  // Qualified so the drop can only ever touch the temporary table.
  const qualified = `${pg ? "pg_temp" : "temp"}.${STAGE}`;
  const typeOf = (name: string) => {
    const type = spec.columns[name]!;
    return typeof type === "string" ? PG_TYPES[type] : "text";
  };
  await tx.execScript(`DROP TABLE IF EXISTS ${qualified}`);
  await tx.execScript(`CREATE TEMP TABLE ${STAGE} (${names.map((name) => (pg ? `${q(name)} ${typeOf(name)}` : q(name))).join(", ")})`);
  await tx.bulkInsert(STAGE, names, rows);
  const select = names.map((name) => {
    const type = spec.columns[name]!;
    return typeof type === "object" && pg ? `s.${q(name)}::${q(type.enum)}` : `s.${q(name)}`;
  });
  const updated = names.filter((name) => !spec.key.includes(name) && !spec.insertOnly?.includes(name));
  const action = updated.length ? `DO UPDATE SET ${updated.map((name) => `${q(name)} = excluded.${q(name)}`).join(", ")}` : "DO NOTHING";
  // `WHERE true` keeps SQLite from reading ON CONFLICT as part of a join.
  await tx.execScript(
    `INSERT INTO ${q(spec.table)} (${names.map(q).join(", ")}) SELECT ${select.join(", ")} FROM ${STAGE} s WHERE true
     ON CONFLICT (${spec.key.map(q).join(", ")}) ${action}`,
  );
  await tx.execScript(`DROP TABLE ${qualified}`);
}

/** Runs a SELECT … IN (…) over many ids in slices (SQLite allows ~32k parameters). */
export async function selectIn<T>(sql: SqlExecutor, ids: readonly (number | string)[], statement: (placeholders: string) => string): Promise<T[]> {
  const rows: T[] = [];
  for (let start = 0; start < ids.length; start += 500) {
    const slice = ids.slice(start, start + 500);
    // A loop, not push(...rows): a slice can return more rows than the call stack takes arguments.
    for (const row of await sql.query<T>(statement(slice.map((_, k) => `$${k + 1}`).join(", ")), slice)) rows.push(row);
  }
  return rows;
}

/** `code → id` of a table's rows. */
export async function idsBy(sql: SqlExecutor, table: string, column: string): Promise<Map<string, number>> {
  const rows = await sql.query<{ id: number; key: string }>(`SELECT "id", ${q(column)} AS "key" FROM ${q(table)}`);
  return new Map(rows.map((row) => [String(row.key), Number(row.id)]));
}

/** The id a reference names, or a RowError naming the field, the value and what to load first. */
export function referenced(ids: ReadonlyMap<string, number>, value: string | undefined, field: string, what: string, loadFirst: string): number {
  const text = required(value, field);
  const id = ids.get(text);
  if (id === undefined) throw new RowError(`${field} ${shown(text)} is not a known ${what} (load ${loadFirst} first)`);
  return id;
}

/** Day number of a stored DateTime (SQLite text, PostgreSQL Date), or null. */
export function storedDay(value: string | Date | null | undefined): number | null {
  return value === null || value === undefined ? null : dayOfInstant(new Date(value));
}

export function storedTime(value: string | Date | null | undefined): number | null {
  return value === null || value === undefined ? null : new Date(value).getTime();
}

export const E164 = /^\+[1-9]\d{7,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function e164Field(value: string | undefined, field: string): string | null {
  const text = optional(value);
  if (text !== null && !E164.test(text)) throw new RowError(`${field} ${shown(text)} is not an E.164 number (like +447700900123)`);
  return text;
}

export function emailField(value: string | undefined, field: string): string | null {
  const text = optional(value);
  if (text !== null && !EMAIL.test(text)) throw new RowError(`${field} ${shown(text)} is not an email address`);
  return text;
}

export function clock(context: FileContext): { now: Date; timezone: string; today: number } {
  const now = context.options.now?.() ?? new Date();
  const timezone = context.options.timezone ?? DEFAULT_TIMEZONE;
  return { now, timezone, today: localDayOf(now, timezone) };
}
