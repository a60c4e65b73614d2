/** `nudge retention run [--dry-run] [--json]`: the retention job now, or what it would do (POLICY P9). */
import type { Command } from "commander";
import type { RetentionReport } from "../privacy/index.ts";
import { withApp } from "./cli-database.ts";
import { print } from "./cli-output.ts";

function lines(report: RetentionReport, settings: { contactDays: number; anonymiseDays: number }): string[] {
  const would = report.dryRun ? "would be " : "";
  return [
    `${report.dryRun ? "dry run (nothing changed), " : ""}as of ${report.asOf}: contact details go ${settings.contactDays} day(s) after enrolment ends, records are anonymised after ${settings.anonymiseDays}`,
    `contact details ${would}removed: ${report.contactsRemoved}`,
    `records ${would}anonymised: ${report.anonymised}`,
    `interventions ${would}cancelled: ${report.interventionsCancelled}, deliveries ${would}cancelled: ${report.deliveriesCancelled}, flags ${would}closed: ${report.flagsClosed}`,
    `anonymised statistics ${report.dryRun ? "that would be " : ""}kept: ${report.statisticsKept}`,
    ...(report.heldRestricted ? [`left alone while processing is restricted: ${report.heldRestricted}`] : []),
    ...(report.heldNoEndDate ? [`withdrawn or completed with no enrolment end date (retention cannot start): ${report.heldNoEndDate}`] : []),
  ];
}

export function registerRetentionCommand(program: Command): void {
  const retention = program
    .command("retention")
    .description("retention of students' data after enrolment ends: contact details removed, records later anonymised");

  retention
    .command("run")
    .description("run retention now, as the nightly job does (NUDGE_RETENTION_CONTACT_DAYS, NUDGE_RETENTION_ANONYMISE_DAYS); prints counts only")
    .option("--dry-run", "count what would be done and change nothing")
    .option("--json", "print one JSON object with the figures")
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      await withApp(async (app, config) => {
        const settings = { contactDays: config.retention.contactDays, anonymiseDays: config.retention.anonymiseDays, timezone: config.timezone };
        const report = await app.privacy.runRetention(settings, { dryRun: options.dryRun ?? false });
        print(options, report, lines(report, settings));
      });
    });
}
