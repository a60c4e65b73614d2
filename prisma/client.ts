/**
 * Prisma Client for either database. Two clients are generated (one per provider) from the same
 * models; the domain is typed against the SQLite one, the common ground of both.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type { PrismaClient } from "../generated/sqlite/client.ts";
import type { DatabaseTarget } from "./database-url.ts";
import { WAL_SIZE_LIMIT, type SqlDriver, type WriterQueue } from "./sql-driver.ts";

export type Db = PrismaClient;

/** Wraps the driver adapter before Prisma Client gets it (the outbox benchmark counts statements). */
export type AdapterWrapper = <A extends object>(adapter: A) => A;

/**
 * Interactive transactions may wait for another process's write (SQLite has one writer at a time
 * and waits up to its 15 s busy timeout); Prisma's defaults (2 s to start, 5 s in all) would give
 * up first and fail a command that only had to wait.
 */
const TRANSACTION_OPTIONS = { maxWait: 20_000, timeout: 60_000 };

export async function createPrismaClient(target: DatabaseTarget, driver: SqlDriver, wrap: AdapterWrapper = (adapter) => adapter): Promise<Db> {
  if (target.kind === "postgresql") {
    const [{ PrismaClient: PgClient }, { PrismaPg }] = await Promise.all([import("../generated/postgresql/client.ts"), import("@prisma/adapter-pg")]);
    if (!driver.pgPool) throw new Error("PostgreSQL driver has no pool");
    return new PgClient({ adapter: wrap(new PrismaPg(driver.pgPool)), transactionOptions: TRANSACTION_OPTIONS }) as unknown as Db;
  }
  const { PrismaClient: SqliteClient } = await import("../generated/sqlite/client.ts");
  const factory = new PrismaBetterSQLite3({ url: target.location, timeout: 15_000 });
  const client = new SqliteClient({
    adapter: wrap(driver.writers ? queuedWith(factory, driver.writers) : factory),
    transactionOptions: TRANSACTION_OPTIONS,
  });
  // The adapter leaves foreign keys off; cascades and references depend on them.
  await client.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  // As on the driver's connection: a log cut back after a checkpoint (see checkpointIfLarge there).
  await client.$queryRawUnsafe(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT}`);
  return client;
}

type SqliteAdapterFactory = PrismaBetterSQLite3;
type SqliteAdapter = Awaited<ReturnType<SqliteAdapterFactory["connect"]>>;
type SqliteTransaction = Awaited<ReturnType<SqliteAdapter["startTransaction"]>>;

/** Statements that only read: they never take SQLite's write lock, so they need not wait (WAL). */
const READ_ONLY = /^\s*SELECT\b/i;

/**
 * Prisma Client's connection joins the driver's queue of writers (see WriterQueue): its
 * transactions take a turn, and its writes outside one wait while a driver transaction is open,
 * instead of waiting for SQLite's lock in the busy handler, on the thread the holder needs.
 * Reads go ahead: WAL lets them read what was committed.
 */
function queuedWith(factory: SqliteAdapterFactory, writers: WriterQueue): SqliteAdapterFactory {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const queryRaw = adapter.queryRaw.bind(adapter);
    const executeRaw = adapter.executeRaw.bind(adapter);
    const executeScript = adapter.executeScript.bind(adapter);
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.queryRaw = async (query) => {
      if (!READ_ONLY.test(query.sql)) await writers.untilNoTransaction();
      return queryRaw(query);
    };
    adapter.executeRaw = async (query) => {
      await writers.untilNoTransaction();
      return executeRaw(query);
    };
    adapter.executeScript = async (script) => {
      await writers.untilNoTransaction();
      return executeScript(script);
    };
    adapter.startTransaction = async (isolationLevel) => {
      const release = await writers.takeTurn();
      let transaction: SqliteTransaction;
      try {
        transaction = await startTransaction(isolationLevel);
      } catch (error) {
        release();
        throw error;
      }
      const commit = transaction.commit.bind(transaction);
      const rollback = transaction.rollback.bind(transaction);
      transaction.commit = () => commit().finally(release);
      transaction.rollback = () => rollback().finally(release);
      return transaction;
    };
    return adapter;
  };
  return factory;
}
