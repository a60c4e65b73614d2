/**
 * What an ingest did, per file and in total: the shape `nudge ingest --json` prints and the
 * batch records keep.
 */
import type { FormatName } from "./types.ts";

export interface IngestErrorEntry {
  file: string;
  /** Line in the file (the header is line 1; for JSON arrays, the statement's index + 1); null for the whole file. */
  line: number | null;
  message: string;
}

export type FileStatus = "completed" | "partial" | "rejected" | "failed" | "unchanged" | "skipped";

export interface FileReport {
  file: string;
  format: FormatName;
  entity: string | null;
  status: FileStatus;
  read: number;
  loaded: number;
  rejected: number;
  duplicates: number;
  batchId: number | null;
  checksum: string | null;
  notes: string[];
  /** Errors of this file beyond those listed in the report's `errors`. */
  errorCount: number;
}

export interface IngestReport {
  read: number;
  loaded: number;
  rejected: number;
  duplicates: number;
  errors: IngestErrorEntry[];
  /** Errors not listed in `errors` because of the cap. */
  errorsNotShown: number;
  files: FileReport[];
}

/** Errors listed per report (and kept per batch); the rest are counted. */
export const ERROR_CAP = 100;

export function emptyReport(): IngestReport {
  return { read: 0, loaded: 0, rejected: 0, duplicates: 0, errors: [], errorsNotShown: 0, files: [] };
}

/** Adds a file's outcome and its errors (capped across the whole report). */
export function addFile(report: IngestReport, file: FileReport, errors: readonly IngestErrorEntry[]): void {
  report.files.push(file);
  report.read += file.read;
  report.loaded += file.loaded;
  report.rejected += file.rejected;
  report.duplicates += file.duplicates;
  for (const error of errors) {
    if (report.errors.length < ERROR_CAP) report.errors.push(error);
    else report.errorsNotShown++;
  }
  report.errorsNotShown += Math.max(0, file.errorCount - errors.length);
}

/** Exit status of `nudge ingest`: 0 clean, 2 when rows or files were rejected, 1 on failure. */
export function exitCodeOf(report: IngestReport): 0 | 1 | 2 {
  if (report.files.some((file) => file.status === "failed")) return 1;
  if (report.rejected > 0 || report.files.some((file) => file.status === "rejected")) return 2;
  return 0;
}
