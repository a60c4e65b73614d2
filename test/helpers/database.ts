import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { TEST_DATABASE_PREFIX, TEST_POSTGRES_ADMIN_URL, withAdmin } from "./postgres.ts";
import { afterAll, beforeAll } from "vitest";
import { openDatabase, type Database, type DatabaseKind } from "../../prisma/index.ts";

/** `npm test` runs on SQLite; `npm run test:postgres` sets NUDGE_TEST_DB=postgresql. */
export const suiteDatabaseKind: DatabaseKind = process.env.NUDGE_TEST_DB === "postgresql" ? "postgresql" : "sqlite";

export interface TestDatabase {
  url: string;
  kind: DatabaseKind;
  drop(): Promise<void>;
}

/** A fresh, empty database (a real SQLite file, or a new PostgreSQL database). */
export async function createTestDatabase(kind: DatabaseKind = suiteDatabaseKind): Promise<TestDatabase> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "nudge-test-"));
    return { url: `file:${join(dir, "nudge.db")}`, kind, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `${TEST_DATABASE_PREFIX}${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind,
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * A fresh database, migrated and open, for the tests of the enclosing `describe`: created before
 * them, closed and dropped after. Read `db`/`url` inside tests or hooks (they exist from then on).
 */
export function useMigratedDatabase(kind: DatabaseKind = suiteDatabaseKind): { readonly db: Database; readonly url: string } {
  let testDb: TestDatabase | undefined;
  let db: Database | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    db = await openDatabase(testDb.url, { migrate: true });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error("the test database is open only inside tests and hooks");
      return db;
    },
    get url() {
      if (!testDb) throw new Error("the test database exists only inside tests and hooks");
      return testDb.url;
    },
  };
}
