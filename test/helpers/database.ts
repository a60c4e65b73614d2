import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { TEST_DATABASE_PREFIX, TEST_POSTGRES_ADMIN_URL, withAdmin } from "./postgres.ts";
import type { DatabaseKind } from "../../prisma/index.ts";

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
