import { inject } from "vitest";
import type { DatabaseKind } from "../../prisma/index.ts";
import { suiteDatabaseKind } from "./database.ts";

/**
 * Databases a provider-sensitive test runs on: the suite's own, plus PostgreSQL from the SQLite
 * suite when a server answers (the global setup prints when it does not).
 */
export function databaseKindsUnderTest(): DatabaseKind[] {
  if (suiteDatabaseKind === "postgresql") return ["postgresql"];
  return inject("postgresAvailable") ? ["sqlite", "postgresql"] : ["sqlite"];
}
