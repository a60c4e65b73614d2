/**
 * The contract between the ingest pipeline and the format parsers (one file per format).
 *
 * A parser reads and validates a whole file first, reporting each bad row with its line, and
 * returns a `write` step. The pipeline runs that step in one transaction together with the batch
 * record, so a file is either loaded (valid rows) or not at all (`--strict` with any bad row, a
 * crash, a database error): never half-written.
 */
import { NudgeError } from "../core/index.ts";
import type { Database, SqlExecutor } from "../prisma/index.ts";
import type { VerbMap } from "./xapi-verb-map.ts";

export const FORMATS = ["udd", "xapi", "oulad", "nudge-csv"] as const;
export type FormatName = (typeof FORMATS)[number];

import type { EngagementSource } from "../core/index.ts";

/** Options some formats need; every field is optional. */
export interface IngestOptions {
  /** OULAD: start date (YYYY-MM-DD) per presentation code ("2013J") or module-presentation ("AAA-2013J"). */
  presentationStarts?: Readonly<Record<string, string>>;
  /** IANA timezone that decides which calendar day a timestamp belongs to. */
  timezone?: string;
  /** Keep each xAPI statement's JSON (for re-mapping and audit) until retention removes it. */
  keepRawStatements?: boolean;
  /** The operator's xAPI verb map (NUDGE_XAPI_VERB_MAP), read before the built-in recipes. */
  verbMap?: VerbMap;
  /**
   * OULAD studentVle: accept a snapshot much smaller than the data it replaces (normally refused
   * as likely cut short). The operator's `--replace`.
   */
  replaceSmaller?: boolean;
  /** Clock, for tests. */
  now?: () => Date;
}

/** A file of a directory the format will load, and what it holds. */
export interface PlannedFile {
  path: string;
  /** UDD entity, OULAD file kind, "statements" … */
  entity: string;
}

export interface DirectoryPlan {
  /** In the order they must load (records before what refers to them). */
  files: PlannedFile[];
  /** Files the format does not recognise, with why (reported, not loaded). */
  skipped: { path: string; reason: string }[];
}

/** What a parser can tell the pipeline while it reads a file. */
export interface FileContext {
  readonly db: Database;
  /** Absolute path. */
  readonly path: string;
  /** As shown in reports (relative to the ingested folder when there was one). */
  readonly file: string;
  readonly entity: string;
  readonly options: IngestOptions;
  /** Input rows (or statements) read; call once per row, bad ones included. */
  read(rows?: number): void;
  /** A bad row: it is not loaded, and the report names the file, line and reason. */
  reject(line: number | null, message: string): void;
  /** Rows that changed nothing because the same data was already loaded. */
  duplicate(rows?: number): void;
  /** Something worth reporting that is not an error (e.g. unmapped xAPI verbs, assumed dates). */
  note(message: string): void;
  /** Bytes of the file consumed so far, for the progress bar. */
  progress(bytesRead: number): void;
  /** Activity of this source on this day was loaded: feeds freshness. */
  sawActivity(source: EngagementSource, day: number): void;
}

/**
 * Writes what the parser validated; runs inside the file's transaction, which also creates the
 * batch record (`batchId`), so a crash leaves neither rows nor batch behind.
 */
export type WriteStep = (tx: SqlExecutor, batchId: number) => Promise<WriteResult>;

export interface WriteResult {
  /** Input rows that were loaded (changed or added data). */
  loaded: number;
  /** Input rows that turned out to be already present, unchanged. */
  duplicates?: number;
}

export interface FeedFormat {
  readonly name: FormatName;
  /** One-line description for `--help` and reports. */
  readonly description: string;
  /** Which files of a directory this format loads, in dependency order. */
  plan(paths: readonly string[]): DirectoryPlan;
  /** The entity a single named file holds, or an error message saying why it is not recognised. */
  entityOf(path: string): { entity: string } | { error: string };
  /** Reads and validates one file; returns the write step (nothing is written before it runs). */
  parse(context: FileContext): Promise<WriteStep>;
}

/** A failure of the whole file (unreadable, wrong header): reported once, nothing loads. */
export class FileRejectedError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "file_rejected";
  constructor(
    message: string,
    readonly line: number | null = null,
  ) {
    super(message);
  }
}
