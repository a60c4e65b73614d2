/**
 * `npm run bench [-- --students N --days D]`: the figures the project reports.
 *  - first healthy start on a fresh SQLite database
 *  - `demo seed` (default 30,000 students x 120 days) on SQLite and, when reachable, PostgreSQL
 * Results print as a table and are written to bench/results/latest.json.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measureFirstHealthyStart } from "./startup.ts";
import { probePostgres, TEST_DATABASE_PREFIX, TEST_POSTGRES_ADMIN_URL, withAdmin } from "../test/helpers/postgres.ts";

const { values } = parseArgs({ options: { students: { type: "string", default: "30000" }, days: { type: "string", default: "120" } } });
const students = values.students!;
const days = values.days!;

function seedIn(url: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ["--import", "tsx", "bench/demo-seed.ts", url, students, days], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

const results: Record<string, unknown>[] = [];

const start = await measureFirstHealthyStart();
results.push({ benchmark: "first healthy start (fresh SQLite)", ...start });

const dir = mkdtempSync(join(tmpdir(), "nudge-bench-"));
try {
  results.push({ benchmark: `demo seed ${students}x${days}`, ...seedIn(`file:${join(dir, "nudge.db")}`) });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const pg = await probePostgres();
if (pg.available) {
  const name = `${TEST_DATABASE_PREFIX}bench_${process.pid}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  try {
    const url = new URL(TEST_POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    results.push({ benchmark: `demo seed ${students}x${days}`, ...seedIn(url.toString()) });
  } finally {
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
} else {
  console.log(`PostgreSQL benchmark skipped: ${pg.reason}`);
}

console.table(results);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/latest.json", `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
