/**
 * The database: Prisma Client for the domain, the driver's own path for migrations and bulk
 * writes. `openDatabase` is the one way in.
 */
import type { Db } from "./client.ts";
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, type DatabaseKind, type DatabaseTarget } from "./database-url.ts";
import { migrate, migrationStatus, type MigrationStatus } from "./migrator.ts";
import type { SqlDriver } from "./sql-driver.ts";

export type { Db, DatabaseKind, DatabaseTarget, MigrationStatus, SqlDriver };
export { DEFAULT_DATABASE_URL, parseDatabaseUrl, migrate, migrationStatus };
export { MigrationError, readMigrations } from "./migrator.ts";
export type { SqlExecutor, BulkRows } from "./sql-driver.ts";
export { enumCast, quoteIdentifier, sqliteDateTime, dayOf } from "./sql-driver.ts";
export { withoutSecondaryIndexes } from "./bulk-load.ts";
export { rawRows, placeholders, dateOf, jsonOf, numberOf, type RawClient } from "./raw.ts";
export * as models from "../generated/sqlite/enums.ts";
/** Prisma's query types (`Prisma.StudentWhereInput`, …) for filters built outside this module. */
export type { Prisma } from "../generated/sqlite/client.ts";
/** The schema's enums other modules use by name (the generated client stays behind this module). */
export { EnrolmentStatus } from "../generated/sqlite/enums.ts";
export type { Channel, InterventionKind, InterventionState, MeetingOutcome, MeetingState, StaffMessageKind, StaffRole } from "../generated/sqlite/enums.ts";

export { isDatabaseBusy, isUniqueViolation, openDatabase, type Tx, type Database, type OpenOptions } from "./database.ts";
import type { Database } from "./database.ts";

export { checkHealth, type Health } from "./health.ts";

import { checkHealth } from "./health.ts";

/** What operators' edges may ask of the database (app/ binds it): health, migrations. */
export const useCases = {
  checkHealth,
  migrate: (db: Database) => migrate(db.sql),
  migrationStatus: (db: Database) => migrationStatus(db.sql),
};
