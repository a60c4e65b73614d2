/** The ingest module's scheduled jobs: the drop folder, and retention of raw xAPI statements. */
import { DAY_MS } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { processDropFolder } from "./drop-folder.ts";
import { purgeRawStatements } from "./xapi.ts";
import type { VerbMap } from "./xapi-verb-map.ts";
import type { ScheduledJob } from "../jobs/index.ts";

export interface IngestJobSettings {
  dropFolder?: { path: string; schedule: string };
  timezone: string;
  xapiRetentionDays: number;
  xapiVerbMap?: VerbMap;
}

export function ingestJobs(db: Database, settings: IngestJobSettings): ScheduledJob[] {
  const jobs: ScheduledJob[] = [];
  const dropFolder = settings.dropFolder;
  if (dropFolder) {
    jobs.push({
      name: "ingest-drop-folder",
      description: "ingest feed files dropped in NUDGE_DROP_FOLDER",
      schedule: dropFolder.schedule,
      // The next check finds whatever arrived meanwhile: nothing is lost by skipping a slot.
      catchUp: false,
      async run() {
        const run = await processDropFolder(db, dropFolder.path, {
          options: { timezone: settings.timezone, keepRawStatements: settings.xapiRetentionDays > 0, verbMap: settings.xapiVerbMap },
        });
        return { processed: run.processed.length, failed: run.failed.length };
      },
    });
  }
  jobs.push({
    name: "xapi-statement-retention",
    description: "remove xAPI statement JSON older than NUDGE_XAPI_RETENTION_DAYS",
    schedule: "15 3 * * *",
    catchUp: true,
    async run({ scheduledFor }) {
      // As of the slot, so a late catch-up removes what the missed run would have.
      const removed = await purgeRawStatements(db.sql, new Date(scheduledFor.getTime() - settings.xapiRetentionDays * DAY_MS));
      return { removed };
    },
  });
  return jobs;
}
