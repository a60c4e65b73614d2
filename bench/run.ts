/**
 * `npm run bench [-- --students N --days D --deliveries M --only start|ingest|seed|rules|outbox|digest|classify|hostile|report]`: the figures the project reports.
 *  - first healthy start on a fresh SQLite database
 *  - ingest of a 10.6M-row OULAD-shaped studentVle.csv (fixed seed) on SQLite and PostgreSQL, each
 *    against the database's own bulk load of the same file (sqlite3 .import, psql \copy)
 *  - `demo seed` (default 30,000 students x 120 days) on SQLite and, when reachable, PostgreSQL
 *  - the daily rules run of the starter library over 32,593 students x 270 days, against one
 *    hand-written SQL query computing the same metrics (the floor), and a second run the same day
 *  - the outbox: 5,000 due messages (SMS and email, stand-in providers answering at once) sent by
 *    one dispatcher and by two at once, on SQLite and PostgreSQL: messages/s and SQL per delivery
 *  - the morning digest job: 200 personal tutors x 20 tutees, a third flagged, cards posted to a
 *    loopback Bot Connector stand-in, on SQLite and PostgreSQL
 *  - classification of students' messages (safeguarding screen and intent model) over the corpus:
 *    training time and p50/p99 per message
 *  - hostile work (the largest condition validation allows, dry-run and run over 10,000 students;
 *    a 10 MB xAPI push) while another process asks /readyz every 10 ms: its p50/p99/max
 *  - the annual effectiveness report (`nudge report effectiveness`) over 30,000 students x 270 days
 *    seeded with a known effect (`demo seed --effect`), on SQLite and, when reachable, PostgreSQL
 * Results print as a table and are written to bench/results/latest.json.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measureFirstHealthyStart } from "./startup.ts";
import { generateOulad } from "./oulad-generator.ts";
import { outboxRunIn, startOutboxProviders } from "./outbox-providers.ts";
import { probePostgres, TEST_DATABASE_PREFIX, TEST_POSTGRES_ADMIN_URL, withAdmin } from "../test/helpers/postgres.ts";

const { values } = parseArgs({
  options: {
    students: { type: "string", default: "30000" },
    days: { type: "string", default: "120" },
    deliveries: { type: "string", default: "5000" },
    only: { type: "string" },
  },
});
// --only start | ingest | seed | rules | outbox | digest | classify | hostile | report: run one group.
const runs = (group: string) => !values.only || values.only === group;
const students = values.students!;
const days = values.days!;

function seedIn(url: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ["--import", "tsx", "bench/demo-seed.ts", url, students, days], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

/** OULAD's number of students, with most of a year of history. */
const RULES_STUDENTS = "32593";
const RULES_DAYS = "270";

function rulesRunIn(url: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ["--import", "tsx", "bench/rules-run.ts", url, RULES_STUDENTS, RULES_DAYS], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

function ingestOuladIn(url: string, dataset: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ["--import", "tsx", "bench/ingest-oulad.ts", url, dataset], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

/** Wall time of a database's own bulk load of the same file: the floor the ingest is held to. */
function timed(command: string, args: string[]): number | null {
  const started = performance.now();
  try {
    execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    console.log(`floor not measured: ${command} failed: ${(error as Error).message.split("\n")[0]}`);
    return null;
  }
  return Math.round((performance.now() - started) / 10) / 100;
}

const VLE_TABLE = "CREATE TABLE studentvle (code_module text, code_presentation text, id_student integer, id_site integer, date integer, sum_click integer)";

function withFloor(result: Record<string, unknown>, floorSeconds: number | null, floorName: string): Record<string, unknown> {
  const seconds = result.seconds as number;
  return { ...result, floor: floorName, floorSeconds, ratio: floorSeconds ? Math.round((seconds / floorSeconds) * 100) / 100 : null };
}

const results: Record<string, unknown>[] = [];
const pg = await probePostgres();
if (!pg.available) console.log(`PostgreSQL benchmarks skipped: ${pg.reason}`);

async function inPostgres<T>(label: string, fn: (url: string) => T): Promise<T> {
  const name = `${TEST_DATABASE_PREFIX}bench_${label}_${process.pid}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  try {
    const url = new URL(TEST_POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    // Awaited here, so an asynchronous measurement ends before its database is dropped.
    return await fn(url.toString());
  } finally {
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
}

if (runs("start")) {
  const start = await measureFirstHealthyStart();
  results.push({ benchmark: "first healthy start (fresh SQLite)", ...start });
}

if (runs("ingest")) {
  const dataset = mkdtempSync(join(tmpdir(), "nudge-oulad-"));
  try {
    const generated = await generateOulad(dataset);
    const vle = join(dataset, "studentVle.csv");
    const benchmark = `ingest OULAD studentVle (${generated.rows.toLocaleString("en-GB")} rows)`;
    const dir = mkdtempSync(join(tmpdir(), "nudge-bench-"));
    try {
      const floor = timed("sqlite3", [join(dir, "floor.db"), VLE_TABLE, ".mode csv", `.import --skip 1 ${vle} studentvle`]);
      results.push({ benchmark, ...withFloor(ingestOuladIn(`file:${join(dir, "nudge.db")}`, dataset), floor, "sqlite3 .import") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (pg.available) {
      const result = await inPostgres("ingest", (url) => {
        const floor = timed("psql", [url, "-q", "-c", VLE_TABLE, "-c", `\\copy studentvle FROM '${vle}' WITH (FORMAT csv, HEADER true)`]);
        // The floor's 332 MB leaves a checkpoint due; flushing it now keeps it out of the next timing.
        timed("psql", [url, "-q", "-c", "DROP TABLE studentvle", "-c", "CHECKPOINT"]);
        return withFloor(ingestOuladIn(url, dataset), floor, "psql \\copy");
      });
      results.push({ benchmark, ...result });
    }
  } finally {
    rmSync(dataset, { recursive: true, force: true });
  }
}

if (runs("seed")) {
  const dir = mkdtempSync(join(tmpdir(), "nudge-bench-"));
  try {
    results.push({ benchmark: `demo seed ${students}x${days}`, ...seedIn(`file:${join(dir, "nudge.db")}`) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (runs("seed") && pg.available) {
  results.push({ benchmark: `demo seed ${students}x${days}`, ...(await inPostgres("seed", seedIn)) });
}

if (runs("rules")) {
  const benchmark = `rules run, starter library, ${Number(RULES_STUDENTS).toLocaleString("en-GB")} students x ${RULES_DAYS} days`;
  const dir = mkdtempSync(join(tmpdir(), "nudge-bench-"));
  try {
    results.push({ benchmark, ...rulesRunIn(`file:${join(dir, "nudge.db")}`) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (pg.available) results.push({ benchmark, ...(await inPostgres("rules", rulesRunIn)) });
}

if (runs("outbox")) {
  const deliveries = Number(values.deliveries);
  const providers = await startOutboxProviders();
  try {
    for (const dispatchers of [1, 2]) {
      const benchmark = `outbox dispatch, ${deliveries.toLocaleString("en-GB")} due (SMS + email), ${dispatchers} dispatcher${dispatchers === 1 ? "" : "s"}`;
      const dir = mkdtempSync(join(tmpdir(), "nudge-bench-"));
      try {
        results.push({ benchmark, ...(await outboxRunIn(`file:${join(dir, "nudge.db")}`, deliveries, dispatchers, providers)) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (pg.available)
        results.push({ benchmark, ...(await inPostgres(`outbox${dispatchers}`, (url) => outboxRunIn(url, deliveries, dispatchers, providers))) });
    }
  } finally {
    await providers.close();
  }
  console.log(
    "outbox: sqlPerDelivery counts the SQL reads and writes Prisma Client sent through its driver adapter, claims included, divided by the deliveries; " +
      "each transaction (transactionsPerDelivery) adds a BEGIN and a COMMIT. cpuMsPerDelivery is the dispatcher process's CPU time per delivery; " +
      "eventLoopBusyPercent near 100 means that CPU, not the database or the providers, limits messages/s. dbMsPerDelivery and providerMsPerDelivery " +
      "sum the round trips of statements and of sends as the dispatcher saw them (8 in flight per dispatcher, and including the wait for a busy event loop).",
  );
}

if (runs("digest")) {
  const [tutors, perTutor] = ["200", "20"];
  const digestIn = (url: string) =>
    JSON.parse(
      execFileSync(process.execPath, ["--disable-warning=DEP0111", "--import", "tsx", "bench/digest.ts", url, tutors, perTutor], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      })
        .trim()
        .split("\n")
        .at(-1)!,
    ) as Record<string, unknown>;
  const benchmark = `tutor digest job, ${tutors} tutors x ${perTutor} tutees`;
  const dir = mkdtempSync(join(tmpdir(), "nudge-bench-"));
  try {
    results.push({ benchmark, ...digestIn(`file:${join(dir, "nudge.db")}`) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (pg.available) results.push({ benchmark, ...(await inPostgres("digest", digestIn)) });
}

if (runs("classify")) {
  const out = execFileSync(process.execPath, ["--import", "tsx", "bench/classify.ts"], { encoding: "utf8", maxBuffer: 1 << 20 });
  results.push({ benchmark: "reply classification (screen + intent model), per message", ...JSON.parse(out.trim().split("\n").at(-1)!) });
}

if (runs("hostile")) {
  // The service under hostile work, with /readyz asked every 10 ms from another process.
  const hostileIn = (url?: string) =>
    JSON.parse(
      execFileSync(process.execPath, ["--disable-warning=DEP0111", "--import", "tsx", "bench/hostile-load.ts", "10000", "60", ...(url ? [url] : [])], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      })
        .trim()
        .split("\n")
        .at(-1)!,
    ) as Record<string, unknown>;
  const runsOn = [hostileIn()];
  if (pg.available) runsOn.push(await inPostgres("hostile", async (url) => hostileIn(url)));
  for (const figures of runsOn) {
    const on = `${figures.database}, ${figures.students} students x ${figures.days} days`;
    for (const [name, label] of [
      ["dryRun", "dry run of the largest allowed condition"],
      ["rulesRun", "rules run with the largest allowed condition"],
      ["xapiPush", "xAPI push of a 10 MB batch"],
    ] as const) {
      const { seconds, readyz, outcome } = figures[name] as { seconds: number; readyz: Record<string, number>; outcome: unknown };
      results.push({ benchmark: `${label} (${on}): /readyz meanwhile`, seconds, ...readyz, outcome: JSON.stringify(outcome) });
    }
  }
  results.push({ benchmark: "catastrophic-regex condition refused at validation", ...(runsOn[0]!.catastrophicRegex as object) });
}

if (runs("report")) {
  const [reportStudents, reportDays] = ["30000", "270"];
  const reportIn = (url: string) =>
    JSON.parse(
      execFileSync(process.execPath, ["--disable-warning=DEP0111", "--import", "tsx", "bench/report.ts", url, reportStudents, reportDays], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      })
        .trim()
        .split("\n")
        .at(-1)!,
    ) as Record<string, unknown>;
  const benchmark = `effectiveness report, 30,000 students x ${reportDays} days`;
  const dir = mkdtempSync(join(tmpdir(), "nudge-bench-"));
  try {
    results.push({ benchmark, ...reportIn(`file:${join(dir, "nudge.db")}`) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (pg.available) results.push({ benchmark, ...(await inPostgres("report", async (url) => reportIn(url))) });
}

console.table(results);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/latest.json", `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
