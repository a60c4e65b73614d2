/**
 * Hostile work against a running service, while another process asks /readyz every 10 ms:
 *   - rules: a dry run and a rules run of the largest condition validation lets through (a balanced
 *     tree at the node limit, every metric) over a demo cohort, and the time to refuse the
 *     catastrophic-regex condition that once froze the service;
 *   - xapi: a 10 MB batch of statements pushed to /api/xapi/statements.
 * Prints one JSON object: each scenario's duration and /readyz p50/p99/max while it ran.
 * Usage: node --import tsx bench/hostile-load.ts <students> <days> [database-url]   (default: a new SQLite file)
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../core/index.ts";
import { seedDemo } from "../demo/index.ts";
import { openDatabase } from "../prisma/index.ts";
import { compileCondition } from "../rules/condition.ts";
import { checkFiles, saveAll, setEnabled } from "../rules/index.ts";
import { parseConfig } from "../server/config.ts";
import { startService } from "../server/service.ts";

const [students = "10000", days = "60", given] = process.argv.slice(2);
const AS_OF = 20777; // 2026-11-20, teaching
const dir = mkdtempSync(join(tmpdir(), "nudge-bench-hostile-"));
const url = given ?? `file:${join(dir, "nudge.db")}`;
const PARKED = "0 0 1 1 *";
const XAPI = { username: "lms", password: "bench-password-long-enough" };

const seeded = await openDatabase(url, { migrate: true });
await seedDemo(seeded, { students: Number(students), days: Number(days), seed: 1, endDate: new Date(AS_OF * 86_400_000) });
await seeded.close();

const service = await startService(
  parseConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: url,
    LOG_LEVEL: "silent",
    NUDGE_XAPI_USERNAME: XAPI.username,
    NUDGE_XAPI_PASSWORD: XAPI.password,
    NUDGE_OUTBOX_SCHEDULE: PARKED,
    NUDGE_RULES_SCHEDULE: PARKED,
    NUDGE_DIGEST_SCHEDULE: PARKED,
    NUDGE_MEETING_NOTICES_SCHEDULE: PARKED,
    NUDGE_RETENTION_SCHEDULE: PARKED,
    NUDGE_DROP_FOLDER_SCHEDULE: PARKED,
  }),
  createLogger("silent"),
);
const base = `http://127.0.0.1:${service.port}`;

/** Runs `work` while the prober asks /readyz; the work's duration and the prober's figures. */
async function whileProbing(work: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const prober = spawn(process.execPath, ["--disable-warning=DEP0111", "--import", "tsx", "bench/readyz-prober.ts", base], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  prober.stdout.on("data", (chunk) => (out += chunk));
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // the prober's own start-up
  const started = performance.now();
  const outcome = await work();
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  await new Promise((resolve) => setTimeout(resolve, 200));
  prober.stdin.end();
  await new Promise((resolve) => prober.once("close", resolve));
  return { seconds, outcome, readyz: JSON.parse(out.trim()) };
}

/** The largest condition validation accepts: a balanced sum of metrics, grown to the node limit. */
function largestCondition(): string {
  const metrics = ["vle_days_since_last", "attendance_rate_14d", "vle_active_days_14d"];
  let best = "vle_days_since_last >= 10";
  for (let leaves = 2; leaves <= 1024; leaves *= 2) {
    let terms = Array.from({ length: leaves }, (_, i) => metrics[i % metrics.length]!);
    while (terms.length > 1) terms = terms.flatMap((t, i) => (i % 2 ? [] : [`(${t} + ${terms[i + 1] ?? "0"})`]));
    const candidate = `${terms[0]} >= 10 || vle_days_since_last >= 10`;
    // The schema caps a condition at 2,000 characters; the compiler at 500 nodes, 50 deep.
    if (candidate.length > 2_000 || !compileCondition(candidate).ok) break;
    best = candidate;
  }
  return best;
}

const results: Record<string, unknown> = { database: service.db.kind, students: Number(students), days: Number(days) };

// Rules: store the largest allowed condition as a rule, then dry-run and run it as the service would.
const condition = largestCondition();
const rulesDir = mkdtempSync(join(tmpdir(), "nudge-bench-rule-"));
copyFileSync("rules/library/calendar.yaml", join(rulesDir, "calendar.yaml"));
writeFileSync(
  join(rulesDir, "heavy.yaml"),
  readFileSync("rules/library/no-vle-10-days.yaml", "utf8")
    .replace(/^id: .*$/m, "id: heavy-condition")
    .replace(/^condition: .*$/m, `condition: ${JSON.stringify(condition)}`),
);
const checked = checkFiles(rulesDir, null);
if (checked.problems.some((p) => p.severity === "error")) throw new Error(`heavy rule refused: ${JSON.stringify(checked.problems)}`);
const admin = await service.db.prisma.staff.findFirstOrThrow({ where: { roles: { some: { role: "admin" } } } });
const author = { staffId: admin.id, staffNumber: admin.staffNumber, displayName: admin.displayName, timezone: admin.timezone };
await saveAll(service.db, { calendar: checked.calendar, rules: checked.rules }, author);
await setEnabled(service.db, "heavy-condition", true, author);
results.largestCondition = { characters: condition.length };

const regex = `"${"a".repeat(40)}!".matches("^(a+)+$")`;
const started = performance.now();
const refused = compileCondition(regex);
results.catastrophicRegex = { refused: !refused.ok, ms: Math.round((performance.now() - started) * 100) / 100 };

const app = service.app;
results.dryRun = await whileProbing(async () => {
  const result = await app.rules.dryRunStoredRule("heavy-condition", "Europe/London", "2026-11-20");
  return "invalid" in result ? { invalid: result.invalid } : { evaluated: result.report.evaluated, matched: result.report.matched };
});
results.rulesRun = await whileProbing(async () => {
  const report = await app.rules.runRules({ asOfDay: AS_OF, trigger: "manual", force: true });
  return { studentsEvaluated: report.studentsEvaluated, flagsWritten: report.flagsWritten };
});

// xAPI: a 10 MB batch from the LMS's backlog.
const studentNumbers = (await service.db.prisma.student.findMany({ select: { studentNumber: true }, take: 2000 })).map((s) => s.studentNumber);
const statements: object[] = [];
let size = 2;
for (let i = 0; size < 10 * 1024 * 1024 - 2_000; i++) {
  const statement = {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    actor: { objectType: "Agent", account: { homePage: "https://vle.example.ac.uk", name: studentNumbers[i % studentNumbers.length] } },
    verb: { id: "http://id.tincanapi.com/verb/viewed", display: { en: "viewed" } },
    object: { objectType: "Activity", id: `https://vle.example.ac.uk/mod/page/view.php?id=${i % 500}`, definition: { name: { en: "Week reading" } } },
    timestamp: new Date(Date.UTC(2026, 10, 1 + (i % 19), 9 + (i % 8))).toISOString(),
  };
  const text = JSON.stringify(statement);
  if (size + text.length + 1 > 10 * 1024 * 1024 - 16) break;
  statements.push(statement);
  size += text.length + 1;
}
// Encoded before the clock starts: the client shares the service's process, and encoding 10 MB
// of text there would be counted as the service's own pause.
const body = Buffer.from(JSON.stringify(statements));
results.xapiPush = await whileProbing(async () => {
  const response = await fetch(`${base}/api/xapi/statements`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-experience-api-version": "1.0.3",
      authorization: `Basic ${Buffer.from(`${XAPI.username}:${XAPI.password}`).toString("base64")}`,
    },
    body,
  });
  return { status: response.status, statements: statements.length, megabytes: Math.round((body.length / 1024 / 1024) * 100) / 100 };
});

await service.stop();
rmSync(dir, { recursive: true, force: true });
rmSync(rulesDir, { recursive: true, force: true });
console.log(JSON.stringify(results));
