/**
 * One effectiveness-report measurement in its own process, so peak memory is this run's alone.
 * Usage: node --import tsx bench/report.ts <database-url> <students> <days>
 *
 * Seeds a demo cohort ending on Friday 27 November 2026 with a known effect (the starter rule
 * no-vle-10-days run for four weeks, nudged students given 1.5 more VLE active days: what
 * `demo seed --effect no-vle-10-days=1.5` does), then times `effectivenessReport` over the whole
 * period of data and the HTML rendering, as `nudge report effectiveness` runs them.
 */
import { effectivenessReport, renderReportHtml } from "../analytics/index.ts";
import { seedDemo, seedEffect } from "../demo/index.ts";
import { openDatabase } from "../prisma/index.ts";

const [url, students, days] = process.argv.slice(2);
if (!url || !students || !days) throw new Error("usage: report.ts <database-url> <students> <days>");

const END_DAY = 20784; // 2026-11-27
const seconds = (since: number) => Math.round((performance.now() - since) / 10) / 100;

const db = await openDatabase(url, { migrate: true });
let started = performance.now();
const counts = await seedDemo(db, { students: Number(students), days: Number(days), seed: 1, endDate: new Date(END_DAY * 86_400_000) });
const seedSeconds = seconds(started);
started = performance.now();
const effect = await seedEffect(db, { ruleId: "no-vle-10-days", delta: 1.5, seed: 1, endDay: END_DAY });
const effectSeconds = seconds(started);
await db.sql.execScript("ANALYZE");
const admin = await db.prisma.staff.findFirstOrThrow({ where: { roles: { some: { role: "admin" } } } });

started = performance.now();
const report = await effectivenessReport(db, admin.staffNumber, { from: END_DAY - Number(days) + 1, to: END_DAY, now: new Date((END_DAY + 3) * 86_400_000) });
const reportSeconds = seconds(started);
started = performance.now();
const html = renderReportHtml(report);
const renderMs = Math.round(performance.now() - started);
await db.close();

const rule = report.effectiveness.rules.find((r) => r.rule === "no-vle-10-days");
process.stdout.write(
  `${JSON.stringify({
    kind: db.kind,
    students: counts.students,
    days: Number(days),
    rollupRows: counts.engagementDays,
    seedSeconds,
    effectSeconds,
    nudged: effect.nudged,
    heldOut: effect.heldOut,
    seconds: reportSeconds,
    renderMs,
    htmlKb: Math.round(html.length / 1024),
    estimate: rule?.estimate.difference ?? null,
    interval: rule?.estimate.interval ?? null,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
