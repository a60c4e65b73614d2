/**
 * SHA-256 over every generated row, in write order: two runs with the same options must produce
 * the same fingerprint, whatever the database. Rows are serialised cheaply (Dates as epoch ms)
 * and fed to the hash in ~64 KB chunks, since one hash update per row would cost more than
 * generating the row.
 */
import { createHash, type Hash } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { PlanInput, TableSpec } from "./plan.ts";

const FLUSH_AT = 1 << 16;

export class RowHasher {
  private readonly hash: Hash = createHash("sha256");
  private buffer = "";

  /** Passes `rows` through, hashing each on the way, under a header naming table and columns. */
  *track<R extends readonly unknown[]>(table: string, columns: readonly string[], rows: Iterable<R>): Generator<R> {
    this.append(`#${table}(${columns.join(",")})\n`);
    for (const row of rows) {
      let line = "";
      for (let k = 0; k < row.length; k++) line += (k ? "\t" : "") + serialise(row[k]);
      this.append(`${line}\n`);
      yield row;
    }
  }

  digest(): string {
    this.hash.update(this.buffer);
    this.buffer = "";
    return this.hash.digest("hex");
  }

  private append(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_AT) {
      this.hash.update(this.buffer);
      this.buffer = "";
    }
  }
}

function serialise(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  switch (typeof value) {
    case "string":
      // Generated text never holds these, so the common path is three short scans, no regex.
      return value.includes("\\") || value.includes("\t") || value.includes("\n") ? JSON.stringify(value) : value;
    case "number":
    case "boolean":
      return String(value);
    default:
      return value instanceof Date ? `@${value.getTime()}` : JSON.stringify(value);
  }
}

/** Hashes every table's rows, in order, without writing them anywhere. */
export function fingerprintTables(tables: readonly TableSpec[]): string {
  const hasher = new RowHasher();
  for (const spec of tables) for (const _ of hasher.track(spec.table, spec.columns, spec.rows()));
  return hasher.digest();
}

/**
 * Computes the fingerprint on the other core while this thread writes. Generation is a pure
 * function of the plan input, so the worker replays the very rows the writer inserts; hashing
 * them on the writing thread would add about a third to its time per row.
 */
export function fingerprintInWorker(input: PlanInput): { digest: Promise<string>; cancel(): void } {
  // A plain .mjs entry loads the TypeScript job itself, however this process was started;
  // the parent's flags (profilers, loaders) are not passed on.
  const worker = new Worker(new URL("./fingerprint-worker.mjs", import.meta.url), { workerData: input, execArgv: [] });
  const digest = new Promise<string>((resolve, reject) => {
    let settled = false;
    worker.once("message", (value: string) => {
      settled = true;
      resolve(value);
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`fingerprint worker exited with code ${code} before answering`));
    });
  });
  // Observed here so that a failure is reported once, by whoever awaits it, not as unhandled.
  digest.catch(() => undefined);
  return { digest, cancel: () => void worker.terminate() };
}
