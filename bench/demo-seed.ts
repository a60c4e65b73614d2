/**
 * One demo-seed measurement in its own process, so peak memory is this run's alone.
 * Usage: node --import tsx bench/demo-seed.ts <database-url> <students> <days>
 */
import { seedDemo } from "../demo/index.ts";
import { openDatabase } from "../prisma/index.ts";

const [url, students, days] = process.argv.slice(2);
if (!url || !students || !days) throw new Error("usage: demo-seed.ts <database-url> <students> <days>");

const db = await openDatabase(url, { migrate: true });
const started = performance.now();
const counts = await seedDemo(db, { students: Number(students), days: Number(days), seed: 1, endDate: new Date("2026-11-22T00:00:00Z") });
const seconds = (performance.now() - started) / 1000;
await db.close();

const rows =
  counts.students +
  counts.staff +
  counts.programmeEnrolments +
  counts.moduleEnrolments +
  counts.tutorAssignments +
  counts.staffRoles +
  counts.timetableEvents +
  counts.attendance +
  counts.assessments +
  counts.submissions +
  counts.engagementDays +
  counts.consents;
process.stdout.write(
  `${JSON.stringify({ kind: db.kind, students: counts.students, days: Number(days), rows, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(rows / seconds), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
