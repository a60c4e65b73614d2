/**
 * Ingesting a file or a folder: the story every format shares.
 *
 *  1. A folder is planned by the format (which files, in which order); unknown files are reported.
 *  2. Each file is hashed; one already loaded completely is reported unchanged and not loaded again
 *     (a small file is not even read; a large one is hashed on a worker thread while it is parsed).
 *  3. The parser reads and validates the whole file, collecting bad rows with their lines.
 *  4. `--strict` and any bad row: nothing from that file loads. Otherwise the valid rows, the
 *     batch record and the feed freshness commit in one transaction.
 */
import type { EngagementSource } from "../core/index.ts";
import { readdirSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import type { Database } from "../prisma/index.ts";
import { fileChecksum, fileChecksumInWorker, findCompletedBatch, finishBatch, startBatch, type BatchStatus } from "./batches.ts";
import { escapeControls } from "./fields.ts";
import { recordFreshness } from "./freshness.ts";
import { addFile, emptyReport, ERROR_CAP, type FileReport, type IngestErrorEntry, type IngestReport } from "./report.ts";
import { FileRejectedError, type FeedFormat, type FileContext, type FormatName, type IngestOptions, type WriteStep } from "./types.ts";

export interface ProgressEvent {
  file: string;
  bytes: number;
  totalBytes: number;
}

export interface IngestRequest {
  path: string;
  strict?: boolean;
  options?: IngestOptions;
  onProgress?: (event: ProgressEvent) => void;
}

/** One unit of input: a file, or a request body for the push endpoint. */
export interface IngestSource {
  /** As shown in reports. */
  file: string;
  /** Absolute path, when the source is a file. */
  path: string;
  entity: string;
  /** Recorded on the batch: the file path, or the endpoint and client. */
  origin: string;
  /** SHA-256 of the input, when it is a file. */
  checksum: string | null;
  totalBytes: number;
}

type Parse = (context: FileContext) => Promise<WriteStep>;

/** Files at least this large are hashed on a worker thread while they are parsed. */
const HASH_WHILE_PARSING_BYTES = 32 << 20;

type CompletedBatch = { id: number; read: number; finishedAt: Date; checksum: string };

/** A large file turned out, once hashed, to have been loaded completely before. */
class AlreadyLoaded extends Error {
  constructor(readonly batch: CompletedBatch) {
    super(`identical to batch ${batch.id}`);
  }
}

/** Loads one source with the shared rules: validation report, strict mode, one transaction. */
export async function ingestSource(
  db: Database,
  format: FormatName,
  source: IngestSource,
  parse: Parse,
  settings: {
    strict?: boolean;
    options?: IngestOptions;
    onProgress?: (event: ProgressEvent) => void;
    /** False: a source that loads nothing leaves no batch record (pushes; files always leave one). */
    recordRefusals?: boolean;
  } = {},
): Promise<{ file: FileReport; errors: IngestErrorEntry[] }> {
  const options = settings.options ?? {};
  const now = () => options.now?.() ?? new Date();
  const errors: IngestErrorEntry[] = [];
  const notes: string[] = [];
  const latest = new Map<EngagementSource, number>();
  const counts = { read: 0, loaded: 0, rejected: 0, duplicates: 0 };
  const context: FileContext = {
    db,
    path: source.path,
    file: source.file,
    entity: source.entity,
    options,
    read: (rows = 1) => void (counts.read += rows),
    reject(line, message) {
      counts.rejected++;
      if (errors.length < ERROR_CAP) errors.push({ file: source.file, line, message: escapeControls(message) });
    },
    duplicate: (rows = 1) => void (counts.duplicates += rows),
    note: (message) => void notes.push(escapeControls(message)),
    progress: (bytes) => settings.onProgress?.({ file: source.file, bytes, totalBytes: source.totalBytes }),
    sawActivity(sourceName, day) {
      const seen = latest.get(sourceName);
      if (seen === undefined || day > seen) latest.set(sourceName, day);
    },
  };
  const report = (status: FileReport["status"], batchId: number | null): { file: FileReport; errors: IngestErrorEntry[] } => ({
    file: {
      file: source.file,
      format,
      entity: source.entity,
      status,
      ...counts,
      batchId,
      checksum: source.checksum,
      notes,
      errorCount: counts.rejected + (status === "failed" || (status === "rejected" && counts.rejected === 0) ? 1 : 0),
    },
    errors,
  });
  // Records a batch that loaded nothing (rejected or failed), outside any transaction.
  const recordEmptyBatch = async (status: Exclude<BatchStatus, "running" | "completed" | "partial">): Promise<number | null> => {
    if (settings.recordRefusals === false) return null;
    const id = await startBatch(db.sql, {
      format,
      entity: source.entity,
      origin: source.origin,
      checksum: source.checksum,
      strict: settings.strict ?? false,
      now: now(),
    });
    await finishBatch(db.sql, id, { status, ...counts, loaded: 0, errors, notes, now: now() });
    return id;
  };

  let write: WriteStep;
  try {
    write = await parse(context);
  } catch (error) {
    if (!(error instanceof FileRejectedError)) throw error;
    errors.unshift({ file: source.file, line: error.line, message: escapeControls(error.message) });
    const id = await recordEmptyBatch("rejected");
    counts.loaded = 0;
    return report("rejected", id);
  }

  if (settings.strict && counts.rejected > 0) {
    notes.push(`strict: nothing from this file was loaded because ${counts.rejected} row(s) were rejected`);
    const id = await recordEmptyBatch("rejected");
    return report("rejected", id);
  }

  try {
    const status: BatchStatus = counts.rejected > 0 ? "partial" : "completed";
    const batchId = await db.sql.transaction(async (tx) => {
      const id = await startBatch(tx, {
        format,
        entity: source.entity,
        origin: source.origin,
        checksum: source.checksum,
        strict: settings.strict ?? false,
        now: now(),
      });
      const result = await write(tx, id);
      counts.loaded = result.loaded;
      counts.duplicates += result.duplicates ?? 0;
      await recordFreshness(tx, latest, id, now());
      await finishBatch(tx, id, { status, ...counts, errors, notes, now: now() });
      return id;
    });
    return report(status, batchId);
  } catch (error) {
    counts.loaded = 0;
    errors.unshift({ file: source.file, line: null, message: escapeControls(`not loaded: ${(error as Error).message}`) });
    const id = await recordEmptyBatch("failed").catch(() => null);
    return report("failed", id);
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith(".") && !entry.name.endsWith(".errors.json"))
    .map((entry) => join(dir, entry.name))
    .sort();
}

/** `nudge ingest <file|dir> --format …`: every file through `ingestSource`, in the format's order. */
export async function ingestPath(db: Database, format: FeedFormat, request: IngestRequest): Promise<IngestReport> {
  const report = emptyReport();
  const root = resolve(request.path);
  const stats = statSync(root);
  const shownName = (path: string) => (stats.isDirectory() ? relative(root, path) : basename(path));

  let planned: { path: string; entity: string }[];
  if (stats.isDirectory()) {
    const plan = format.plan(listFiles(root));
    planned = plan.files;
    for (const skipped of plan.skipped) {
      addFile(report, fileReport(format.name, shownName(skipped.path), "skipped", [`not loaded: ${skipped.reason}`]), []);
    }
  } else {
    const entity = format.entityOf(root);
    if ("error" in entity) {
      const file = fileReport(format.name, shownName(root), "failed", []);
      file.errorCount = 1;
      addFile(report, file, [{ file: file.file, line: null, message: entity.error }]);
      return report;
    }
    planned = [{ path: root, entity: entity.entity }];
  }

  for (const { path, entity } of planned) {
    const file = shownName(path);
    const totalBytes = statSync(path).size;
    const unchanged = (earlier: CompletedBatch) => {
      const report = fileReport(format.name, file, "unchanged", [`identical to batch ${earlier.id} loaded ${earlier.finishedAt.toISOString()}: nothing to do`]);
      return Object.assign(report, { entity, checksum: earlier.checksum, batchId: earlier.id, read: earlier.read, duplicates: earlier.read });
    };
    const source: IngestSource = { file, path, entity, origin: path, checksum: null, totalBytes };
    let parse = (context: FileContext) => format.parse(context);
    if (totalBytes < HASH_WHILE_PARSING_BYTES) {
      // A small file is hashed first: when it was loaded before, it is not even read.
      source.checksum = await fileChecksum(path);
      const earlier = await findCompletedBatch(db.sql, format.name, entity, source.checksum);
      if (earlier) {
        addFile(report, unchanged({ ...earlier, checksum: source.checksum }), []);
        continue;
      }
    } else {
      // A large one is hashed on another thread while this one parses it.
      const hashing = fileChecksumInWorker(path);
      hashing.catch(() => undefined);
      parse = async (context) => {
        const write = await format.parse(context);
        source.checksum = await hashing;
        const earlier = await findCompletedBatch(db.sql, format.name, entity, source.checksum);
        if (earlier) throw new AlreadyLoaded({ ...earlier, checksum: source.checksum });
        return write;
      };
    }
    try {
      const outcome = await ingestSource(db, format.name, source, parse, request);
      addFile(report, outcome.file, outcome.errors);
    } catch (error) {
      if (error instanceof AlreadyLoaded) {
        addFile(report, unchanged(error.batch), []);
        continue;
      }
      const failed = fileReport(format.name, file, "failed", []);
      Object.assign(failed, { entity, checksum: source.checksum, errorCount: 1 });
      addFile(report, failed, [{ file, line: null, message: (error as Error).message }]);
    }
  }
  return report;
}

function fileReport(format: FormatName, file: string, status: FileReport["status"], notes: string[]): FileReport {
  return { file, format, entity: null, status, read: 0, loaded: 0, rejected: 0, duplicates: 0, batchId: null, checksum: null, notes, errorCount: 0 };
}
