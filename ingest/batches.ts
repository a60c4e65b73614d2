/**
 * IngestBatch records: one per file (or push request), with source, checksum, counts and the
 * first errors. Written through the SQL driver so the finished record commits in the same
 * transaction as the rows it describes.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Worker } from "node:worker_threads";
import { enumCast, type SqlExecutor } from "../prisma/index.ts";
import type { IngestErrorEntry } from "./report.ts";

export type BatchStatus = "running" | "completed" | "partial" | "rejected" | "failed";

export interface BatchCounts {
  read: number;
  loaded: number;
  rejected: number;
  duplicates: number;
}

export async function fileChecksum(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The same, on a worker thread: for a large file hashed while the main thread parses it. */
export function fileChecksumInWorker(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Plain JavaScript: no need for the parent's --import tsx in the worker.
    const worker = new Worker(new URL("./checksum-worker.mjs", import.meta.url), { workerData: { path }, execArgv: [] });
    worker.once("message", (digest: string) => resolve(digest));
    worker.once("error", reject);
    worker.once("exit", (code) => code !== 0 && reject(new Error(`checksum worker stopped with exit code ${code}`)));
  });
}

const status = (sql: SqlExecutor) => enumCast(sql, "IngestStatus");
const json = (tx: SqlExecutor) => (tx.kind === "postgresql" ? "::jsonb" : "");

/** A batch that already loaded this exact input completely, if any. */
export async function findCompletedBatch(sql: SqlExecutor, format: string, entity: string, checksum: string) {
  const [row] = await sql.query<{ id: number; read: number; finishedAt: string | Date }>(
    `SELECT "id", "read", "finishedAt" FROM "IngestBatch"
      WHERE "format" = $1 AND "entity" = $2 AND "checksum" = $3 AND "status" = 'completed'${status(sql)}
      ORDER BY "id" DESC LIMIT 1`,
    [format, entity, checksum],
  );
  return row ? { id: Number(row.id), read: Number(row.read), finishedAt: new Date(row.finishedAt) } : null;
}

export async function startBatch(
  sql: SqlExecutor,
  batch: { format: string; entity: string | null; origin: string; checksum: string | null; strict: boolean; now: Date },
): Promise<number> {
  const [row] = await sql.query<{ id: number }>(
    `INSERT INTO "IngestBatch" ("format", "entity", "origin", "checksum", "strict", "status", "startedAt")
     VALUES ($1, $2, $3, $4, $5, 'running'${status(sql)}, $6) RETURNING "id"`,
    [batch.format, batch.entity, batch.origin, batch.checksum, batch.strict, batch.now],
  );
  return Number(row!.id);
}

export async function finishBatch(
  sql: SqlExecutor,
  id: number,
  outcome: BatchCounts & { status: Exclude<BatchStatus, "running">; errors: readonly IngestErrorEntry[]; notes: readonly string[]; now: Date },
): Promise<void> {
  await sql.query(
    `UPDATE "IngestBatch" SET "status" = $2${status(sql)}, "read" = $3, "loaded" = $4, "rejected" = $5, "duplicates" = $6,
            "errors" = $7${json(sql)}, "notes" = $8${json(sql)}, "finishedAt" = $9
      WHERE "id" = $1`,
    [
      id,
      outcome.status,
      outcome.read,
      outcome.loaded,
      outcome.rejected,
      outcome.duplicates,
      JSON.stringify(outcome.errors),
      JSON.stringify(outcome.notes),
      outcome.now,
    ],
  );
}
