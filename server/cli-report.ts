/**
 * `nudge report effectiveness --from DATE --to DATE [--format html|json] [--out FILE] --as STAFF`:
 * the annual report on use and effectiveness (POLICY P12), as one HTML page (charts inline) or
 * the same content as one JSON object. Needs `analytics.report` (admins); audited either way.
 */
import { writeFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { renderReportHtml } from "../analytics/index.ts";
import { withApp } from "./cli-database.ts";
import { dayOption } from "./cli-options.ts";

interface ReportOptions {
  from: number;
  to: number;
  format: "html" | "json";
  out?: string;
  as: string;
}

export function registerReportCommand(program: Command): void {
  const report = program.command("report").description("reports for the institution");
  report
    .command("effectiveness")
    .description(
      "the annual report (POLICY P12): use, whether the nudges work (nudged against held out, with charts), data quality and equality; aggregates only, audited",
    )
    .addOption(new Option("--from <date>", "first day of the period, YYYY-MM-DD").argParser(dayOption).makeOptionMandatory())
    .addOption(new Option("--to <date>", "last day of the period, YYYY-MM-DD").argParser(dayOption).makeOptionMandatory())
    .addOption(new Option("--format <format>", "html (a page with charts) or json (the same content as data)").choices(["html", "json"]).default("html"))
    .option("--out <file>", "write the report to this file instead of standard output")
    .requiredOption("--as <staff>", "your staff number (needs the admin role)")
    .action(async (options: ReportOptions) => {
      const result = await withApp((app) => app.analytics.effectivenessReport(options.as, { from: options.from, to: options.to }));
      const text = options.format === "json" ? `${JSON.stringify(result)}\n` : renderReportHtml(result);
      if (options.out) {
        writeFileSync(options.out, text);
        process.stderr.write(`report for ${result.period.from} to ${result.period.to} written to ${options.out}\n`);
      } else process.stdout.write(text);
    });
}
