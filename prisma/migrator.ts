/**
 * Applies the checked-in migration history for the database's provider, recording each migration
 * in Prisma's own `_prisma_migrations` table with Prisma's checksum, so `prisma migrate status` and
 * `prisma migrate deploy` (where they can run) see the same history.
 *
 * Why not call `prisma migrate deploy`: through the PostgreSQL driver adapter it fails offline
 * (an open Prisma bug), and starting the CLI on every service start costs seconds. This applies the
 * same files, each in its own transaction, under a lock so several instances can start at once.
 */
import { NudgeError } from "../core/index.ts";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseKind } from "./database-url.ts";
import type { SqlDriver, SqlExecutor } from "./sql-driver.ts";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied in the database but not in this build's history (database is newer than the code). */
  unknown: string[];
  /** Applied, but the file changed since. */
  modified: string[];
  /** The newest applied migration: the schema version. */
  schemaVersion: string | null;
}

const MIGRATIONS_DIRS: Record<DatabaseKind, string> = {
  sqlite: join(import.meta.dirname, "migrations"),
  postgresql: join(import.meta.dirname, "postgresql", "migrations"),
};

// Same key as Prisma's schema engine, so this and `prisma migrate deploy` exclude each other.
const PG_ADVISORY_LOCK_KEY = 72707369;

const CREATE_TABLE: Record<DatabaseKind, string> = {
  sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" TEXT PRIMARY KEY NOT NULL,
    "checksum" TEXT NOT NULL,
    "finished_at" DATETIME,
    "migration_name" TEXT NOT NULL,
    "logs" TEXT,
    "rolled_back_at" DATETIME,
    "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
  )`,
  postgresql: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`,
};

const shipped = new Map<DatabaseKind, Migration[]>();

/** The migrations shipped with this build (read once: they cannot change while it runs). */
export function readMigrations(kind: DatabaseKind): Migration[] {
  let migrations = shipped.get(kind);
  if (!migrations) shipped.set(kind, (migrations = readMigrationsFrom(MIGRATIONS_DIRS[kind])));
  return migrations;
}

function readMigrationsFrom(dir: string): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
}

async function appliedMigrations(db: Pick<SqlExecutor, "query">): Promise<AppliedRow[]> {
  return db.query<AppliedRow>(
    `SELECT "migration_name", "checksum" FROM "_prisma_migrations"
     WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL ORDER BY "migration_name"`,
  );
}

function compare(migrations: Migration[], applied: AppliedRow[]): MigrationStatus {
  const byName = new Map(applied.map((row) => [row.migration_name, row.checksum]));
  const known = new Set(migrations.map((m) => m.name));
  return {
    applied: migrations.filter((m) => byName.has(m.name)).map((m) => m.name),
    pending: migrations.filter((m) => !byName.has(m.name)).map((m) => m.name),
    unknown: applied.map((row) => row.migration_name).filter((name) => !known.has(name)),
    modified: migrations.filter((m) => byName.has(m.name) && byName.get(m.name) !== m.checksum).map((m) => m.name),
    schemaVersion: applied.at(-1)?.migration_name ?? null,
  };
}

async function hasMigrationsTable(db: Pick<SqlExecutor, "kind" | "query">): Promise<boolean> {
  const sql =
    db.kind === "sqlite"
      ? `SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`
      : `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_prisma_migrations'`;
  return (await db.query(sql)).length > 0;
}

export async function migrationStatus(driver: Pick<SqlExecutor, "kind" | "query">, migrations = readMigrations(driver.kind)): Promise<MigrationStatus> {
  const applied = (await hasMigrationsTable(driver)) ? await appliedMigrations(driver) : [];
  return compare(migrations, applied);
}

export class MigrationError extends NudgeError {
  static override kind = "failure" as const;
  static override code = "migration_failed";
}

/** Brings the database up to date. Returns the names of the migrations it applied. */
export async function migrate(driver: SqlDriver, migrations = readMigrations(driver.kind)): Promise<string[]> {
  if (migrations.length === 0) throw new MigrationError(`no migrations found for ${driver.kind}`);
  const appliedNow: string[] = [];
  await withMigrationLock(driver, async () => {
    await driver.execScript(CREATE_TABLE[driver.kind]);
    for (const migration of migrations) {
      // Each migration in its own transaction; the re-check inside makes concurrent starters safe.
      await driver.transaction(async (tx) => {
        const status = compare(migrations, await appliedMigrations(tx));
        if (status.modified.length) {
          throw new MigrationError(`migration ${status.modified.join(", ")} was changed after it was applied; restore the original file`);
        }
        if (status.applied.includes(migration.name)) return;
        try {
          await tx.execScript(migration.sql);
        } catch (error) {
          throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${(error as Error).message}`);
        }
        const now = new Date();
        await tx.query(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count")
           VALUES ($1, $2, $3, $4, $5, 1)`,
          [randomUUID(), migration.checksum, now, migration.name, now],
        );
        appliedNow.push(migration.name);
      });
    }
  });
  return appliedNow;
}

async function withMigrationLock(driver: SqlDriver, body: () => Promise<void>): Promise<void> {
  if (driver.kind === "sqlite" || !driver.pgPool) return body(); // BEGIN IMMEDIATE serialises SQLite.
  const client = await driver.pgPool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PG_ADVISORY_LOCK_KEY]);
    await body();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PG_ADVISORY_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
