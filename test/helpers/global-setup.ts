import "vitest";
import type { TestProject } from "vitest/node";
import { probePostgres } from "./postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAvailable: boolean;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const probe = await probePostgres();
  const wanted = process.env.NUDGE_TEST_DB === "postgresql";
  if (wanted && !probe.available) throw new Error(`NUDGE_TEST_DB=postgresql but PostgreSQL is ${probe.reason}`);
  // In CI the PostgreSQL tests are part of what must pass: a missing server fails the run, never skips it.
  if (process.env.CI === "true" && !probe.available) throw new Error(`CI=true but PostgreSQL is ${probe.reason}: the PostgreSQL tests cannot be skipped in CI`);
  project.provide("postgresAvailable", probe.available);
  if (wanted) console.log("Running the whole suite on PostgreSQL.");
  else if (probe.available) console.log("Suite on SQLite; PostgreSQL-specific tests run too (`npm run test:postgres` runs the whole suite on PostgreSQL).");
  else console.log(`PostgreSQL tests skipped: PostgreSQL ${probe.reason}. The suite runs on SQLite only.`);
}
