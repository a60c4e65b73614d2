/**
 * The drop folder: feeds placed in `<folder>/<format>/` (udd, xapi, oulad, nudge-csv) are
 * ingested by a scheduled job and moved to `processed/<format>/` or, with an error report
 * (`<name>.errors.json`) beside them, to `failed/<format>/`.
 *
 * Files are claimed by renaming them into `processing/<run>/` first: a rename is atomic, so when
 * several instances share the folder each file is ingested by exactly one. Files still being
 * written are left alone: names starting with "." or ending in .part/.tmp, and files changed in
 * the last `settleSeconds`.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../prisma/index.ts";
import { feedFormat } from "./formats.ts";
import { ingestPath } from "./pipeline.ts";
import type { FileReport, IngestReport } from "./report.ts";
import { FORMATS, type IngestOptions } from "./types.ts";

export interface DropFolderOptions {
  options?: IngestOptions;
  /** A file must be unchanged this long before it is taken (default 60). */
  settleSeconds?: number;
  now?: () => Date;
}

export interface DropFolderRun {
  /** Per format that had files. */
  reports: { format: string; report: IngestReport }[];
  processed: string[];
  failed: string[];
}

const IN_PROGRESS = /^\.|\.(part|tmp)$/i;

function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, "-");
}

/** Moves a file, never overwriting: an existing name gets the run's timestamp in front. */
function moveInto(from: string, dir: string, name: string, runStamp: string): string {
  mkdirSync(dir, { recursive: true });
  let target = join(dir, name);
  try {
    statSync(target);
    target = join(dir, `${runStamp}-${name}`);
  } catch {
    // No file of that name yet.
  }
  renameSync(from, target);
  return target;
}

/** Takes the settled files of one format's folder into a private folder; others are left. */
function claim(source: string, into: string, settleMs: number, now: Date): string[] {
  let names: string[];
  try {
    names = readdirSync(source, { withFileTypes: true })
      .filter((e) => e.isFile() && !IN_PROGRESS.test(e.name))
      .map((e) => e.name);
  } catch {
    return [];
  }
  const claimed: string[] = [];
  for (const name of names) {
    const path = join(source, name);
    try {
      if (now.getTime() - statSync(path).mtimeMs < settleMs) continue;
      mkdirSync(into, { recursive: true });
      renameSync(path, join(into, name));
      claimed.push(name);
    } catch {
      // Another instance took it first (ENOENT): its file, not ours.
    }
  }
  return claimed;
}

export async function processDropFolder(db: Database, folder: string, settings: DropFolderOptions = {}): Promise<DropFolderRun> {
  const now = settings.now?.() ?? new Date();
  const runStamp = stamp(now);
  const run: DropFolderRun = { reports: [], processed: [], failed: [] };
  for (const format of FORMATS) {
    const working = join(folder, "processing", `${runStamp}-${process.pid}-${format}`);
    const claimed = claim(join(folder, format), working, (settings.settleSeconds ?? 60) * 1000, now);
    if (claimed.length === 0) continue;
    let report: IngestReport;
    try {
      report = await ingestPath(db, feedFormat(format), { path: working, options: settings.options });
    } catch (error) {
      // The whole run failed (database down): every file goes back to be tried again next time.
      for (const name of claimed) renameSync(join(working, name), join(folder, format, name));
      rmSync(working, { recursive: true, force: true });
      throw error;
    }
    run.reports.push({ format, report });
    for (const name of claimed) {
      const file = report.files.find((f) => f.file === name);
      const ok = file !== undefined && (file.status === "completed" || file.status === "unchanged");
      const target = moveInto(join(working, name), join(folder, ok ? "processed" : "failed", format), name, runStamp);
      if (ok) run.processed.push(target);
      else {
        writeFileSync(`${target}.errors.json`, `${JSON.stringify(errorReport(report, name, file), null, 2)}\n`);
        run.failed.push(target);
      }
    }
    rmSync(working, { recursive: true, force: true });
  }
  return run;
}

function errorReport(report: IngestReport, name: string, file: FileReport | undefined) {
  const errors = report.errors.filter((e) => e.file === name);
  return {
    file: name,
    status: file?.status ?? "failed",
    read: file?.read ?? 0,
    loaded: file?.loaded ?? 0,
    rejected: file?.rejected ?? 0,
    notes: file?.notes ?? [],
    errors,
    errorsNotShown: Math.max(0, (file?.errorCount ?? 0) - errors.length),
  };
}
