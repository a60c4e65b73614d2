/**
 * Every job the service schedules, in one list that the service and `nudge jobs` share: each
 * module's jobs are added here, with the settings they need from the configuration.
 */
import type { Database } from "../prisma/index.ts";
import type { Config } from "../server/config.ts";
import { ingestJobs } from "./ingest-jobs.ts";
import { rulesJobs } from "./rules-jobs.ts";
import type { ScheduledJob } from "./jobs.ts";

export function serviceJobs(db: Database, config: Config): ScheduledJob[] {
  return [
    ...ingestJobs(db, { dropFolder: config.dropFolder, timezone: config.timezone, xapiRetentionDays: config.xapi.retentionDays }),
    ...rulesJobs(db, { schedule: config.rulesSchedule, timezone: config.timezone }),
  ];
}
