/**
 * `nudge ingest <file|dir> --format udd|xapi|oulad|nudge-csv [--strict] [--json]`.
 * Exit 0 when every row loaded, 2 when rows or files were rejected (or the path does not exist), 1 when a file failed.
 */
import { NudgeError } from "../core/index.ts";
import { existsSync } from "node:fs";
import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError, Option } from "commander";
import { availableFormats, dayOfDate, exitCodeOf, FORMATS, type FormatName, type IngestReport } from "../ingest/index.ts";
import { withApp } from "./cli-database.ts";

export class IngestUsageError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "ingest_usage";
}

/** `--start 2013J=2013-10-05` (or `AAA-2013J=…`), repeatable. */
function presentationStart(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const match = /^([^=]+)=(.+)$/.exec(value);
  if (!match || dayOfDate(match[2]!.trim()) === null)
    throw new InvalidArgumentError(`'${value}' must be PRESENTATION=YYYY-MM-DD with a real date, e.g. 2013J=2013-10-05`);
  return { ...previous, [match[1]!.trim()]: match[2]!.trim() };
}

/** The human summary: a line per file, then the errors, then the totals. */
export function reportLines(report: IngestReport): string[] {
  const lines = report.files.map((f) => {
    const counts = `read ${f.read}, loaded ${f.loaded}, rejected ${f.rejected}, duplicates ${f.duplicates}`;
    return [`${f.file}: ${f.status}${f.entity ? ` (${f.entity})` : ""}, ${counts}`, ...f.notes.map((note) => `  note: ${note}`)].join("\n");
  });
  for (const error of report.errors) lines.push(`${error.file}${error.line === null ? "" : `:${error.line}`}: ${error.message}`);
  if (report.errorsNotShown) lines.push(`… and ${report.errorsNotShown} more errors (the batch records keep the first ones per file)`);
  lines.push(`total: read ${report.read}, loaded ${report.loaded}, rejected ${report.rejected}, duplicates ${report.duplicates}`);
  return lines;
}

function progressBar(enabled: boolean) {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: "{file} [{bar}] {percentage}% | {value}/{total} MB", stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let current: string | null = null;
  return {
    update(event: { file: string; bytes: number; totalBytes: number }) {
      const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
      if (event.file !== current) {
        if (current !== null) bar.stop();
        current = event.file;
        bar.start(mb(event.totalBytes), 0, { file: event.file });
      }
      bar.update(mb(event.bytes), { file: event.file });
    },
    stop: () => current !== null && bar.stop(),
  };
}

export function registerIngestCommand(program: Command): void {
  program
    .command("ingest")
    .description("load a feed file, or every file of a folder, into Nudge")
    .argument("<path>", "a file, or a folder of files of one format")
    .addOption(new Option("--format <format>", "the feed's format (see Formats below)").choices(FORMATS).makeOptionMandatory())
    .option("--strict", "load nothing from a file that has any bad row")
    .option("--start <presentation=date>", "OULAD: start date of a presentation, e.g. 2013J=2013-10-05 (repeatable)", presentationStart)
    .option("--replace", "OULAD studentVle: accept a snapshot much smaller than the data it replaces (refused otherwise, as likely cut short)")
    .option("--json", "print one JSON object: read, loaded, rejected, duplicates, errors, errorsNotShown, files")
    .addHelpText(
      "after",
      [
        "\nFormats:",
        ...availableFormats().map((f) => `  ${f.name.padEnd(10)} ${f.description}`),
        "\nExit status: 0 every row loaded, 2 rows or files were rejected or the path does not exist, 1 a file could not be loaded.",
        "Example: npx nudge ingest ./exports/udd --format udd",
      ].join("\n"),
    )
    .action(async (path: string, options: { format: FormatName; strict?: boolean; start?: Record<string, string>; replace?: boolean; json?: boolean }) => {
      if (!existsSync(path)) throw new IngestUsageError(`no such file or folder: ${path}`, { kind: "not_found" });
      const bar = progressBar(!options.json && Boolean(process.stderr.isTTY));
      const report: IngestReport = await withApp((app, config) =>
        app.ingest.ingest(options.format, {
          path,
          strict: options.strict ?? false,
          options: {
            presentationStarts: options.start,
            replaceSmaller: options.replace ?? false,
            timezone: config.timezone,
            keepRawStatements: config.xapi.retentionDays > 0,
            verbMap: config.xapi.verbMap,
          },
          onProgress: (event) => bar.update(event),
        }),
      ).finally(() => bar.stop());
      if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(`${reportLines(report).join("\n")}\n`);
      process.exitCode = exitCodeOf(report);
    });
}
