/**
 * One rules-run measurement in its own process, so peak memory is this run's alone.
 * Usage: node --import tsx bench/rules-run.ts <database-url> <students> <days>
 *
 * Seeds a demo cohort ending on Friday 20 November 2026 (autumn teaching), imports and enables the
 * starter library, then times, on the same data:
 *   floor     the hand-written metrics query (bench/rules-floor.ts), best of two after a warm-up
 *   first     the daily run: metrics, every rule, cooldowns, flags with evidence, the run record
 *   second    the same day again with no new data
 * and checks that the engine's metrics equal the floor's, student by student.
 */
import { seedDemo } from "../demo/index.ts";
import { openDatabase } from "../prisma/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../rules/index.ts";
import { computeMetrics } from "../rules/queries/metrics.ts";
import { metricsOf } from "../rules/run.ts";
import { loadRulesToRun } from "../rules/store.ts";
import { floorQuery } from "./rules-floor.ts";

const [url, students, days] = process.argv.slice(2);
if (!url || !students || !days) throw new Error("usage: rules-run.ts <database-url> <students> <days>");

const AS_OF = 20777; // 2026-11-20
const seconds = (since: number) => Math.round((performance.now() - since) / 10) / 100;

const db = await openDatabase(url, { migrate: true });
let started = performance.now();
const counts = await seedDemo(db, { students: Number(students), days: Number(days), seed: 1, endDate: new Date(AS_OF * 86_400_000) });
const seedSeconds = seconds(started);
// Fresh planner statistics, as PostgreSQL's autovacuum would have them after a load (both sides gain).
await db.sql.execScript("ANALYZE");
const [rollups] = await db.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM "EngagementDaily"`);

const admin = await db.prisma.staff.findFirstOrThrow({ where: { roles: { some: { role: "admin" } } } });
const library = checkFiles("rules/library", null);
await saveAll(
  db,
  { calendar: library.calendar, rules: library.rules },
  { staffId: admin.id, staffNumber: admin.staffNumber, displayName: admin.displayName, timezone: admin.timezone },
);
for (const { rule } of library.rules)
  await setEnabled(db, rule.document.id, true, { staffId: admin.id, staffNumber: admin.staffNumber, displayName: admin.displayName, timezone: admin.timezone });

const floorSql = floorQuery(db.kind, AS_OF);
await db.sql.query(floorSql); // warm-up: both sides then read from a warm cache
const floorTimes: number[] = [];
let floorRows: Record<string, unknown>[] = [];
for (let i = 0; i < 2; i++) {
  started = performance.now();
  floorRows = await db.sql.query(floorSql);
  floorTimes.push(seconds(started));
}
const floor = Math.min(...floorTimes);

const now = new Date((AS_OF + 1) * 86_400_000 + 6 * 3_600_000);
started = performance.now();
const first = await runRules(db, { asOfDay: AS_OF, trigger: "manual", now, force: true });
const firstSeconds = seconds(started);
started = performance.now();
const second = await runRules(db, { asOfDay: AS_OF, trigger: "manual", now });
const secondSeconds = seconds(started);
if (!second.unchanged) throw new Error("the second run did not recognise that nothing had changed");

// The engine's metrics must be the floor's, or the comparison means nothing.
const { rules } = await loadRulesToRun(db, library.calendar!.document);
const engine = await computeMetrics(db.sql, metricsOf(rules), AS_OF, { currentOnly: true });
const floorById = new Map(floorRows.map((row) => [Number(row.sid), row]));
let compared = 0;
for (const student of engine) {
  const row = floorById.get(student.studentId);
  if (!row) throw new Error(`student ${student.studentId} is in the engine's metrics but not the floor's`);
  for (const [name, value] of Object.entries(student.values)) {
    const expected = row[name] === null || row[name] === undefined ? null : Number(row[name]);
    if (!(value === expected || (value !== null && expected !== null && Math.abs(value - expected) < 1e-9))) {
      throw new Error(`student ${student.studentId}, ${name}: engine ${value}, floor ${expected}`);
    }
    compared++;
  }
}
if (engine.length !== floorRows.length) throw new Error(`engine ${engine.length} students, floor ${floorRows.length}`);
await db.close();

process.stdout.write(
  `${JSON.stringify({
    kind: db.kind,
    students: counts.students,
    days: Number(days),
    rollupRows: Number(rollups!.n),
    seedSeconds,
    studentsEvaluated: first.studentsEvaluated,
    rules: first.rules.length,
    flagsWritten: first.flagsWritten,
    metricValuesCompared: compared,
    floorSeconds: floor,
    floorRuns: floorTimes,
    firstRunSeconds: firstSeconds,
    ratio: Math.round((firstSeconds / floor) * 100) / 100,
    secondRunMs: Math.round(secondSeconds * 1000),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
