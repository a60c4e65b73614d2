/** The rules engine's scheduled job: evaluate the enabled rules over the previous day's data. */
import type { Database } from "../prisma/index.ts";
import { asOfDayFor, runRules } from "../rules/index.ts";
import type { JobFigures, ScheduledJob } from "./jobs.ts";

export function rulesJobs(db: Database, settings: { schedule: string; timezone: string }): ScheduledJob[] {
  return [
    {
      name: "rules-run",
      description: "evaluate the enabled rules over yesterday's data and write flags with their evidence",
      schedule: settings.schedule,
      catchUp: true,
      async run({ scheduledFor, trigger }): Promise<JobFigures> {
        // The slot's day, not today's: a catch-up at 09:00 for the 06:00 slot still evaluates yesterday.
        const report = await runRules(db, { asOfDay: asOfDayFor(scheduledFor, settings.timezone), trigger });
        return {
          runId: report.runId,
          asOf: report.asOf,
          unchanged: report.unchanged,
          studentsEvaluated: report.studentsEvaluated,
          flagsWritten: report.flagsWritten,
          rulesRun: report.rules.length,
          rulesSkipped: report.skipped.length,
          durationMs: report.durationMs,
        };
      },
    },
  ];
}
