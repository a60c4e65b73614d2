/**
 * Prisma Client for either database. Two clients are generated (one per provider) from the same
 * models; the domain is typed against the SQLite one, the common ground of both.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type { PrismaClient } from "../generated/sqlite/client.ts";
import type { DatabaseTarget } from "./database-url.ts";
import type { SqlDriver } from "./sql-driver.ts";

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
  const client = new SqliteClient({
    adapter: wrap(new PrismaBetterSQLite3({ url: target.location, timeout: 15_000 })),
    transactionOptions: TRANSACTION_OPTIONS,
  });
  // The adapter leaves foreign keys off; cascades and references depend on them.
  await client.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  return client;
}
