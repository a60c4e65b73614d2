/** The database handle every use case takes: Prisma Client for the domain, the driver for SQL and bulk paths. */
import { createPrismaClient, type AdapterWrapper, type Db } from "./client.ts";
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, type DatabaseKind, type DatabaseTarget } from "./database-url.ts";
import { migrate } from "./migrator.ts";
import { openSqlDriver, type SqlDriver } from "./sql-driver.ts";

/** Prisma's error for a write that broke a unique key (another writer got there first). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "P2002";
}

/**
 * The database stayed busy with someone else's work for longer than we wait: a lock held by
 * another process (SQLite's one writer, a PostgreSQL row or table lock) or a transaction that
 * could not start or finish in time. Worth trying again; not a bug.
 */
export function isDatabaseBusy(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === "P2028" || code === "P1008" || code === "P2034" || code === "SQLITE_BUSY" || code === "55P03" || code === "40P01") return true;
  return typeof message === "string" && /database is locked|SQLITE_BUSY/.test(message);
}

/** Prisma's client or the client of an interactive transaction: what a write inside a use case takes. */
export type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export interface Database {
  readonly target: DatabaseTarget;
  readonly kind: DatabaseKind;
  readonly prisma: Db;
  readonly sql: SqlDriver;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations first (the service does; `nudge db status` does not). */
  migrate?: boolean;
  /** Wraps Prisma Client's driver adapter (measurement only). */
  wrapAdapter?: AdapterWrapper;
}

export async function openDatabase(url: string = DEFAULT_DATABASE_URL, options: OpenOptions = {}): Promise<Database> {
  const target = parseDatabaseUrl(url);
  const sql = await openSqlDriver(target);
  try {
    if (options.migrate) await migrate(sql);
    const prisma = await createPrismaClient(target, sql, options.wrapAdapter);
    return {
      target,
      kind: target.kind,
      prisma,
      sql,
      async close() {
        await prisma.$disconnect();
        await sql.close();
      },
    };
  } catch (error) {
    await sql.close();
    throw error;
  }
}
