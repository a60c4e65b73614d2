/**
 * The database driver's own path, beside Prisma Client: migrations and bulk writes.
 *
 * Why not Prisma for these: `createMany` through the driver adapter loads ~20k rows/s, while a
 * prepared statement in one transaction (SQLite) or COPY (PostgreSQL) loads about a million;
 * ingest, rollups and the demo generator write millions of rows. Domain code keeps Prisma Client.
 *
 * SQL passed here uses PostgreSQL-style `$1` placeholders on both databases and quoted identifiers.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Worker } from "node:worker_threads";
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { TimeSlice } from "../core/index.ts";
import type { DatabaseKind, DatabaseTarget } from "./database-url.ts";

export type Row = Record<string, unknown>;
export type BulkRows = Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>;

/** What can run inside and outside a transaction. */
export interface SqlExecutor {
  readonly kind: DatabaseKind;
  /** A script of one or more statements, no parameters. */
  execScript(sql: string): Promise<void>;
  /** One statement with `$1…$n` parameters; returns its rows (empty for writes). */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * A long read (a scan of millions of rows) that must not hold the event loop: on SQLite it runs
   * on a worker thread with its own read-only connection, so it sees committed data only (use it
   * outside transactions); on PostgreSQL it is `query`, which never blocks.
   */
  queryReadOnly<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Inserts many rows fast; values: string, number, boolean, Date, null, or JSON-able objects. */
  bulkInsert(table: string, columns: readonly string[], rows: BulkRows): Promise<number>;
  /**
   * Runs one statement once per parameter row. On SQLite it is prepared once and runs at ~1M rows/s
   * inside a transaction; on PostgreSQL it is a round trip per row, so use it for small sets there.
   */
  runMany(sql: string, rows: BulkRows): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  /**
   * Runs `fn` in one transaction: everything it wrote commits together or not at all. On SQLite
   * the transaction holds the connection until it ends: its bulk statements hand the event loop
   * back every few milliseconds, and other work on this connection waits its turn (see WriterQueue).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * A short read of committed data that never waits behind a transaction of this process: on
   * SQLite a read-only connection of its own (WAL lets it read while another connection writes);
   * on PostgreSQL a pool query. For health checks; it runs on the event loop, so keep it small.
   */
  queryCommitted<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** SQLite: the one queue of this process's writers, which Prisma Client's connection joins. */
  readonly writers?: WriterQueue;
  /** After inserting explicit ids: move PostgreSQL's id sequences past them (SQLite needs nothing). */
  resetIdSequences(tables: readonly string[]): Promise<void>;
  close(): Promise<void>;
  /** The PostgreSQL pool, shared with Prisma Client's adapter. */
  readonly pgPool?: pg.Pool;
}

/** Casts a text value to a PostgreSQL enum type; SQLite stores enums as text and needs none. */
export const enumCast = (sql: { kind: DatabaseKind }, type: string) => (sql.kind === "postgresql" ? `::${quoteIdentifier(type)}` : "");

/** A double-quoted SQL identifier, valid on both databases. */
export const quoteIdentifier = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const quote = quoteIdentifier;

/** A DateTime column as a day number (days since 1970-01-01), the same on both databases. */
export function dayOf(sql: { kind: DatabaseKind }, column: string): string {
  return sql.kind === "postgresql" ? `(CAST(${column} AS date) - DATE '1970-01-01')` : `CAST(julianday(${column}) - 2440587.5 AS INTEGER)`;
}

export async function openSqlDriver(target: DatabaseTarget): Promise<SqlDriver> {
  return target.kind === "sqlite" ? openSqlite(target.location) : openPostgres(target.location);
}

// ---------------------------------------------------------------------------------------------
// SQLite (better-sqlite3)
// ---------------------------------------------------------------------------------------------

/** Prisma's SQLite adapter writes DateTime as ISO 8601 with "+00:00"; bulk rows must match. */
export function sqliteDateTime(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

function sqliteValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return sqliteDateTime(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "object" && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

/** `$n` placeholders become `?`, with the values laid out in the order they appear (repeats too). */
function toSqliteStatement(sql: string, params: readonly unknown[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new RangeError(`SQL uses $${n} but ${params.length} parameter(s) were given`);
    values.push(sqliteValue(params[index]));
    return "?";
  });
  return { text, values };
}

/** The size of the write-ahead log past which this driver has it checkpointed: SQLite's default 1,000 pages. */
const CHECKPOINT_WAL_BYTES = 4 * 1024 * 1024;

/** The size a write-ahead log is cut back to when reused after a checkpoint (both connections). */
export const WAL_SIZE_LIMIT = 1024 * 1024;

/** Rows between looks at the clock in a time-sliced bulk statement. */
const ROWS_PER_CLOCK_CHECK = 256;

/**
 * Runs a prepared statement per row; a synchronous iterable avoids an await per row. With `slice`
 * (inside a transaction) it hands the event loop back every few milliseconds.
 */
async function runEach(statement: BetterSqlite3.Statement, rows: BulkRows, dollarSql: string | undefined, slice: TimeSlice | null): Promise<number> {
  const order = dollarSql ? [...dollarSql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]) - 1) : null;
  const bind = (row: readonly unknown[]) => (order ? order.map((i) => sqliteValue(row[i])) : row.map(sqliteValue));
  let count = 0;
  if (Symbol.iterator in rows) {
    for (const row of rows) {
      statement.run(...bind(row));
      if (++count % ROWS_PER_CLOCK_CHECK === 0 && slice?.due) await slice.pause();
    }
  } else {
    for await (const row of rows) {
      statement.run(...bind(row));
      if (++count % ROWS_PER_CLOCK_CHECK === 0 && slice?.due) await slice.pause();
    }
  }
  return count;
}

/**
 * One queue for the writers of this process on a SQLite file, across its two connections (this
 * driver's and Prisma Client's). better-sqlite3 is synchronous and SQLite has one writer: a write
 * on one connection while the other holds a transaction would wait for the lock in SQLite's busy
 * handler, which sleeps on the event loop's own thread, so the holder could never finish (a stall
 * of the whole busy timeout, then an error). So a transaction that yields takes its turn first,
 * and writes from elsewhere wait until it ends; work inside the transaction (same async context)
 * never waits for itself.
 */
export interface WriterQueue {
  /** Waits for every earlier turn, then holds the connection until the returned release is called. */
  takeTurn(): Promise<() => void>;
  /** Waits until no transaction of this driver is open (at once inside one, or when none is). */
  untilNoTransaction(): Promise<void>;
}

function openSqlite(path: string): SqlDriver {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path, { timeout: 15_000 });
  // WAL lets Prisma's connection read while this one bulk-writes; foreign keys are per connection.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // Checkpoints: by default the connection that commits copies the write-ahead log back into the
  // database file once the log passes 1,000 pages, inside COMMIT, with an fsync: after a 10 MB push
  // that was most of a second on the event loop's thread. This connection leaves it to a worker
  // thread after its large writes; Prisma Client's connection keeps the default for its small ones.
  db.pragma("wal_autocheckpoint = 0");
  // Once checkpointed, a large log is cut back when next reused, so its size says when to check again.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  let checkpointing = false;
  const checkpointIfLarge = () => {
    if (checkpointing || path === ":memory:") return;
    let size = 0;
    try {
      size = statSync(`${path}-wal`).size;
    } catch {
      return;
    }
    if (size < CHECKPOINT_WAL_BYTES) return;
    checkpointing = true;
    const worker = new Worker(new URL("./sqlite-checkpoint-worker.mjs", import.meta.url), { workerData: { path }, execArgv: [] });
    // A checkpoint that fails (the file went away, a reader held it back) is tried after the next write.
    worker.once("error", () => undefined);
    worker.once("exit", () => (checkpointing = false));
  };

  // One connection serves the whole process, so a transaction owns it from BEGIN to COMMIT: other
  // callers (a push request while the drop folder loads, /healthz) wait for its end rather than
  // slip their statements into it while it yields; a nested call from inside it (same async
  // context) joins it.
  const inTransaction = new AsyncLocalStorage<true>();
  let queue: Promise<unknown> = Promise.resolve();
  /** Settles when the open transaction ends; null while none is open. */
  let open: Promise<void> | null = null;
  const writers: WriterQueue = {
    takeTurn() {
      if (inTransaction.getStore()) return Promise.resolve(() => undefined);
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      const earlier = queue;
      queue = earlier.then(() => done);
      return earlier.then(() => release);
    },
    async untilNoTransaction() {
      while (open && !inTransaction.getStore()) await open;
    },
  };

  function executor(slice: () => TimeSlice | null): SqlExecutor {
    const self: SqlExecutor = {
      kind: "sqlite",
      async execScript(sql) {
        db.exec(sql);
      },
      async query<T>(sql: string, params: readonly unknown[] = []) {
        const { text, values } = toSqliteStatement(sql, params);
        const statement = db.prepare(text);
        if (statement.reader) return statement.all(...values) as T[];
        statement.run(...values);
        return [] as T[];
      },
      async queryReadOnly<T>(sql: string, params: readonly unknown[] = []) {
        // An in-memory database exists only on this connection.
        if (path === ":memory:") return self.query<T>(sql, params);
        const { text, values } = toSqliteStatement(sql, params);
        return new Promise<T[]>((resolve, reject) => {
          const worker = new Worker(new URL("./sqlite-read-worker.mjs", import.meta.url), { workerData: { path, sql: text, values }, execArgv: [] });
          worker.once("message", (rows: T[]) => resolve(rows));
          worker.once("error", reject);
          worker.once("exit", (code) => code !== 0 && reject(new Error(`read worker stopped with exit code ${code}`)));
        });
      },
      async bulkInsert(table, columns, rows) {
        const placeholders = columns.map(() => "?").join(", ");
        return runEach(db.prepare(`INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES (${placeholders})`), rows, undefined, slice());
      },
      async runMany(sql, rows) {
        return runEach(db.prepare(sql.replace(/\$\d+/g, "?")), rows, sql, slice());
      },
    };
    return self;
  }
  // Inside a transaction, bulk statements yield now and then: the transaction holds its turn, so
  // nothing else can write meanwhile. Outside one each row commits by itself and nothing yields.
  const inside = executor(() => new TimeSlice());
  const direct = executor(() => null);
  const waiting =
    <A extends unknown[], R>(work: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await writers.untilNoTransaction();
      try {
        return await work(...args);
      } finally {
        checkpointIfLarge();
      }
    };

  // Health checks read through a read-only connection of their own, opened on first use.
  let reader: BetterSqlite3.Database | null = null;
  return {
    kind: "sqlite",
    execScript: waiting(direct.execScript),
    query: waiting(direct.query) as SqlExecutor["query"],
    queryReadOnly: direct.queryReadOnly,
    bulkInsert: waiting(direct.bulkInsert),
    runMany: waiting(direct.runMany),
    writers,
    async queryCommitted<T>(sql: string, params: readonly unknown[] = []) {
      if (path === ":memory:") return (await waiting(direct.query)(sql, params)) as T[];
      if (!db.open) throw new Error("The database connection is not open");
      reader ??= new BetterSqlite3(path, { readonly: true, fileMustExist: true, timeout: 5_000 });
      const { text, values } = toSqliteStatement(sql, params);
      return reader.prepare(text).all(...values) as T[];
    },
    async transaction(fn) {
      if (inTransaction.getStore()) return fn(inside);
      const release = await writers.takeTurn();
      let ended!: () => void;
      try {
        return await inTransaction.run(true, async () => {
          // better-sqlite3 is synchronous and this connection is ours alone while the turn lasts,
          // so BEGIN … COMMIT around the awaited body is one transaction; IMMEDIATE takes the
          // write lock up front.
          db.exec("BEGIN IMMEDIATE");
          open = new Promise<void>((resolve) => (ended = resolve));
          try {
            const result = await fn(inside);
            db.exec("COMMIT");
            return result;
          } catch (error) {
            if (db.inTransaction) db.exec("ROLLBACK");
            throw error;
          }
        });
      } finally {
        if (open) {
          open = null;
          ended();
        }
        release();
        checkpointIfLarge();
      }
    },
    async resetIdSequences() {
      // AUTOINCREMENT already tracks the largest id inserted.
    },
    async close() {
      reader?.close();
      db.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (pg)
// ---------------------------------------------------------------------------------------------

// COPY's CSV format: `\N` (unquoted) is NULL, so empty strings stay empty strings.
const PG_NULL = "\\N";

/**
 * One value in COPY's CSV format. Hand-written instead of csv-stringify, which emitted a chunk per
 * row and capped COPY at ~300k rows/s; quoting follows RFC 4180 (quote when the text holds a
 * delimiter, quote or line break, and always for the literal text of the NULL marker).
 */
function pgCopyField(value: unknown): string {
  if (value === undefined || value === null) return PG_NULL;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "t" : "f";
  const text = value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (text === PG_NULL || /[",\r\n]/.test(text) || text === "") return `"${text.replace(/"/g, '""')}"`;
  return text;
}

// ~64 KB writes let COPY run at the server's speed instead of the event loop's.
const COPY_BATCH_BYTES = 64 * 1024;
async function* copyText(rows: BulkRows, counted: { rows: number }): AsyncGenerator<string> {
  let batch = "";
  const add = (row: readonly unknown[]) => {
    let line = "";
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      line += (i ? "," : "") + (typeof value === "number" ? value : pgCopyField(value));
    }
    batch += `${line}\n`;
    counted.rows++;
  };
  if (Symbol.iterator in rows) {
    for (const row of rows) {
      add(row);
      if (batch.length >= COPY_BATCH_BYTES) {
        yield batch;
        batch = "";
      }
    }
  } else {
    for await (const row of rows) {
      add(row);
      if (batch.length >= COPY_BATCH_BYTES) {
        yield batch;
        batch = "";
      }
    }
  }
  if (batch) yield batch;
}

function pgExecutor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  const query = async <T>(sql: string, params: readonly unknown[] = []): Promise<T[]> => (await client.query(sql, params as unknown[])).rows as T[];
  return {
    kind: "postgresql",
    async execScript(sql) {
      await client.query(sql);
    },
    query,
    // PostgreSQL's client never blocks the event loop: a long read is an ordinary query.
    queryReadOnly: query,
    async bulkInsert(table, columns, rows) {
      const connection = "release" in client ? client : await client.connect();
      try {
        const copy = connection.query(copyFrom(`COPY ${quote(table)} (${columns.map(quote).join(", ")}) FROM STDIN WITH (FORMAT csv, NULL '${PG_NULL}')`));
        const counted = { rows: 0 };
        await pipeline(Readable.from(copyText(rows, counted)), copy);
        return counted.rows;
      } finally {
        if (connection !== client) (connection as pg.PoolClient).release();
      }
    },
    async runMany(sql, rows) {
      let count = 0;
      for await (const row of rows) {
        await client.query(sql, row as unknown[]);
        count++;
      }
      return count;
    },
  };
}

async function openPostgres(url: string): Promise<SqlDriver> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection ended by the server (restart, DROP DATABASE … FORCE) emits "error"; without
  // a listener that would crash the process. The pool drops it and the next query reconnects.
  pool.on("error", () => undefined);
  // Fail fast with the driver's own message when the server is unreachable.
  const probe = await pool.connect();
  probe.release();
  const executor = pgExecutor(pool);
  return {
    ...executor,
    queryCommitted: executor.query,
    pgPool: pool,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(pgExecutor(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async resetIdSequences(tables) {
      for (const table of tables) {
        await pool.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT MAX(id) FROM ${quote(table)}), 0) + 1, false)`, [quote(table)]);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
