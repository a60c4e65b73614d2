/**
 * How the starter rules do on the public OULAD files: `npm run evaluate:oulad -- DIR`.
 * Loads the seven CSV files (vle.csv is not needed) into a new temporary database through the
 * ordinary OULAD ingest, runs every starter rule once a week through each module presentation, and
 * prints per rule the largest weekly flag share of a presentation, the lift (how much likelier its
 * flagged students were to withdraw or fail), and precision and recall at weeks 4 and 8.
 *
 * Options:
 *   --presentations AAA-2013J,BBB-2014B   only these presentations (default: every one with VLE data)
 *   --rules DIR                           another rule folder (default: the starter library)
 *   --json                                the whole report as JSON instead of the table
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ingest } from "../ingest/index.ts";
import { openDatabase } from "../prisma/index.ts";
import { calibrate, calibrationTable, checkFiles, formatProblem, hasErrors, MAX_WEEKLY_SHARE, MIN_LIFT } from "../rules/index.ts";

const usage = "usage: npm run evaluate:oulad -- DIR [--presentations AAA-2013J,...] [--rules DIR] [--json]";
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { presentations: { type: "string" }, rules: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" } },
});
if (values.help || positionals.length !== 1) {
  process.stderr.write(`${usage}\n`);
  process.exit(values.help ? 0 : 2);
}
const dataDir = resolve(positionals[0]!);
const ruleDir = values.rules ? resolve(values.rules) : join(dirname(fileURLToPath(import.meta.url)), "..", "rules", "library");
const log = (line: string) => process.stderr.write(`${line}\n`);

const checked = checkFiles(ruleDir, null);
if (hasErrors(checked.problems)) {
  for (const problem of checked.problems) log(formatProblem(problem));
  process.exit(2);
}

const started = performance.now();
const workDir = mkdtempSync(join(tmpdir(), "nudge-oulad-"));
const db = await openDatabase(`file:${join(workDir, "evaluation.db")}`, { migrate: true });
try {
  const loaded = await ingest(db, "oulad", { path: dataDir });
  for (const file of loaded.files)
    log(`${file.file}: ${file.status}, ${file.loaded} of ${file.read} rows loaded${file.notes.length ? ` (${file.notes.join("; ")})` : ""}`);
  if (loaded.files.some((f) => f.status === "failed")) throw new Error(`the files did not load: ${JSON.stringify(loaded.errors.slice(0, 5))}`);
  const loadSeconds = (performance.now() - started) / 1000;
  log(`loaded in ${loadSeconds.toFixed(1)} s; running the rules weekly…`);

  const presentations = values.presentations
    ?.split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  let lastShown = 0;
  const report = await calibrate(
    db,
    checked.rules.map((r) => r.rule),
    {
      ...(presentations ? { presentations } : {}),
      onProgress: (done, total) => {
        if (done === total || performance.now() - lastShown > 10_000) {
          lastShown = performance.now();
          log(`  ${done} of ${total} weekly runs`);
        }
      },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, seconds: Math.round(seconds * 10) / 10 }, null, 2)}\n`);
  else {
    const lines = [
      `Presentations: ${report.presentations
        .map((p) =>
          p.skipped
            ? `${p.presentation} (left out: ${p.skipped})`
            : `${p.presentation} (${p.students} students, ${p.withdrewOrFailed} withdrew or failed${p.cutShort ? `; ${p.cutShort}` : ""})`,
        )
        .join(", ")}`,
      `${report.weeklyRuns} weekly runs; bar: at most ${MAX_WEEKLY_SHARE * 100}% of a presentation in any week, lift at least ${MIN_LIFT}.`,
      "",
      calibrationTable(report),
      "",
      `Took ${seconds.toFixed(1)} s (${loadSeconds.toFixed(1)} s loading).`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
} finally {
  await db.close();
  rmSync(workDir, { recursive: true, force: true });
}
