/** Safeguarding's scheduled job: crisis alerts nobody acknowledged in time go to the escalation contacts. */
import type { Database } from "../prisma/index.ts";
import { escalateUnacknowledged } from "./escalate.ts";
import type { SafeguardingSettings } from "./settings.ts";
import type { JobFigures, ScheduledJob } from "../jobs/index.ts";

export function safeguardingJobs(db: Database, options: { schedule: string; settings: SafeguardingSettings }): ScheduledJob[] {
  return [
    {
      name: "safeguarding-escalation",
      description: "send crisis alerts nobody has acknowledged in time to the escalation contacts",
      schedule: options.schedule,
      // A missed minute needs no catch-up: the next run escalates everything overdue.
      catchUp: false,
      async run(): Promise<JobFigures> {
        return { ...(await escalateUnacknowledged(db, options.settings)) };
      },
    },
  ];
}
