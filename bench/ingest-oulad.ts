/**
 * One OULAD studentVle ingest measurement in its own process, so peak memory is this run's alone.
 * Usage: node --import tsx bench/ingest-oulad.ts <database-url> <dataset-dir>
 * courses.csv and studentInfo.csv load first (not timed): studentVle refers to them.
 */
import { join } from "node:path";
import { ingest } from "../ingest/index.ts";
import { openDatabase } from "../prisma/index.ts";

const [url, dir] = process.argv.slice(2);
if (!url || !dir) throw new Error("usage: ingest-oulad.ts <database-url> <dataset-dir>");

const db = await openDatabase(url, { migrate: true });
for (const file of ["courses.csv", "studentInfo.csv"]) {
  const report = await ingest(db, "oulad", { path: join(dir, file) });
  if (report.rejected || report.files.some((f) => f.status !== "completed")) throw new Error(`${file} did not load: ${JSON.stringify(report.errors)}`);
}
const started = performance.now();
const report = await ingest(db, "oulad", { path: join(dir, "studentVle.csv") });
const seconds = (performance.now() - started) / 1000;
const [rollups] = await db.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM "EngagementDaily"`);
await db.close();
if (report.files[0]?.status !== "completed") throw new Error(`studentVle did not load: ${JSON.stringify(report)}`);

process.stdout.write(
  `${JSON.stringify({
    kind: db.kind,
    rows: report.read,
    rollupRows: Number(rollups!.n),
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: Math.round(report.read / seconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
