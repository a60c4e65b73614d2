/** The ingest module's scheduled jobs: the drop folder, and retention of raw xAPI statements. */
import type { Database } from "../prisma/index.ts";
import { processDropFolder, purgeRawStatements } from "../ingest/index.ts";
import type { ScheduledJob } from "./index.ts";

export interface IngestJobSettings {
  dropFolder?: { path: string; schedule: string };
  timezone: string;
  xapiRetentionDays: number;
}

const DAY_MS = 86_400_000;

export function ingestJobs(db: Database, settings: IngestJobSettings): ScheduledJob[] {
  const jobs: ScheduledJob[] = [];
  const dropFolder = settings.dropFolder;
  if (dropFolder) {
    jobs.push({
      name: "ingest-drop-folder",
      schedule: dropFolder.schedule,
      async run() {
        const run = await processDropFolder(db, dropFolder.path, { options: { timezone: settings.timezone, keepRawStatements: settings.xapiRetentionDays > 0 } });
        return { processed: run.processed.length, failed: run.failed.length };
      },
    });
  }
  jobs.push({
    name: "xapi-statement-retention",
    schedule: "15 3 * * *",
    async run() {
      const removed = await purgeRawStatements(db.sql, new Date(Date.now() - settings.xapiRetentionDays * DAY_MS));
      return { removed };
    },
  });
  return jobs;
}
