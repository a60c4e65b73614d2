/**
 * Raw SQL through Prisma Client's own connection, for the few hot paths where one hand-written
 * statement replaces many model calls (the outbox records a batch of sends in three statements).
 * It runs inside the caller's interactive transaction, on the same connection as the rest of it,
 * which the driver's path (sql-driver.ts, a second connection on SQLite) cannot.
 *
 * SQL uses PostgreSQL-style `$1` placeholders on both databases and quoted identifiers; dates and
 * JSON come back as each database returns them, so read them with `dateOf` and `jsonOf`.
 */
import type { DatabaseKind } from "./database-url.ts";
import type { Tx } from "./database.ts";

/** What can run raw SQL: Prisma Client or the client of an interactive transaction. */
export type RawClient = Pick<Tx, "$queryRawUnsafe">;

/** `$n` placeholders become `?` on SQLite, with the values in the order they appear (repeats too). */
function statementFor(kind: DatabaseKind, sql: string, params: readonly unknown[]): { text: string; values: unknown[] } {
  if (kind === "postgresql") return { text: sql, values: [...params] };
  const values: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new RangeError(`SQL uses $${n} but ${params.length} parameter(s) were given`);
    values.push(params[index]);
    return "?";
  });
  return { text, values };
}

/** One statement with `$1…$n` parameters; returns its rows (a write with RETURNING returns those). */
export async function rawRows<T = Record<string, unknown>>(client: RawClient, kind: DatabaseKind, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const { text, values } = statementFor(kind, sql, params);
  return client.$queryRawUnsafe<T[]>(text, ...values);
}

/** `$from…$(from+count-1)`, comma-separated: the placeholders of an `IN (…)` list. */
export function placeholders(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `$${from + i}`).join(", ");
}

/** A DateTime column's value as read raw (a Date, or text on SQLite). */
export function dateOf(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

/** A Json column's value as read raw (an object, or text on SQLite). */
export function jsonOf(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? (JSON.parse(value) as unknown) : value;
}

/** A count or id as read raw (a bigint for COUNT on PostgreSQL). */
export function numberOf(value: unknown): number {
  return typeof value === "bigint" ? Number(value) : Number(value);
}
