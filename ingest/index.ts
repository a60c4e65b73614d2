/**
 * Ingest: feeds in, per-student daily rollups and feed freshness out.
 * `ingest(db, format, request)` loads a file or folder; see pipeline.ts for the rules they share.
 */
import type { Database } from "../prisma/index.ts";
import { feedFormat } from "./formats.ts";
import { ingestPath, type IngestRequest } from "./pipeline.ts";
import type { IngestReport } from "./report.ts";
import type { FormatName } from "./types.ts";

export { FORMATS, type FormatName, type IngestOptions } from "./types.ts";
export { availableFormats } from "./formats.ts";
export { exitCodeOf, ERROR_CAP, type IngestReport, type FileReport, type IngestErrorEntry } from "./report.ts";
export type { IngestRequest, ProgressEvent } from "./pipeline.ts";
export { dayOfDate } from "./fields.ts";
export { processDropFolder, type DropFolderRun } from "./drop-folder.ts";
export { pushStatements, purgeRawStatements, type PushOutcome, type PushRequest } from "./xapi.ts";
export { loadVerbMap, parseVerbMap, VerbMapError, type VerbMap } from "./xapi-verb-map.ts";

export function ingest(db: Database, format: FormatName, request: IngestRequest): Promise<IngestReport> {
  return ingestPath(db, feedFormat(format), request);
}
export { ingestJobs } from "./jobs.ts";

import { pushStatements as push } from "./xapi.ts";
import { ingestJobs as ingestJobsOf } from "./jobs.ts";

/** What the edges may ask of ingest (app/ binds the database). */
export const useCases = { ingest, pushStatements: push, jobs: ingestJobsOf };
