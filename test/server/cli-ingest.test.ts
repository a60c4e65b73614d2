import { cpSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../prisma/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { runNudge as nudge, spawnNode } from "../helpers/processes.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ingest");

async function count(url: string, sql: string): Promise<number> {
  const db = await openDatabase(url);
  try {
    const [row] = await db.sql.query<{ n: number | string }>(sql);
    return Number(row!.n);
  } finally {
    await db.close();
  }
}

/** Resolves once another process is inside the transaction writing EngagementDaily. */
async function untilWritingRollups(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  if (url.startsWith("file:")) {
    // SQLite: uncommitted pages pile up in the write-ahead log while the transaction runs.
    const wal = `${url.slice("file:".length)}-wal`;
    while (Date.now() < deadline) {
      if (existsSync(wal) && statSync(wal).size > 4 << 20) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } else {
    const db = await openDatabase(url);
    try {
      while (Date.now() < deadline) {
        const [row] = await db.sql.query<{ n: number | string }>(
          `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%EngagementDaily%'`,
        );
        if (Number(row!.n) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await db.close();
    }
  }
  throw new Error("the ingest never started writing rollups");
}

describe("nudge ingest", () => {
  const databases: TestDatabase[] = [];
  const fresh = async () => {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it("prints one JSON report, exits 2 when rows were rejected and 0 when a re-run finds nothing new", async () => {
    const { url } = await fresh();
    const env = { DATABASE_URL: url };
    const first = await nudge(["ingest", join(FIXTURES, "oulad"), "--format", "oulad", "--start", "2013J=2013-10-05", "--json"], env);
    expect(first.code).toBe(2);
    const lines = first.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);
    expect(Object.keys(report)).toEqual(["read", "loaded", "rejected", "duplicates", "errors", "errorsNotShown", "files"]);
    expect(report).toMatchObject({ read: 28, rejected: 8 });
    expect(report.errors).toContainEqual({ file: "studentVle.csv", line: 9, message: "sum_click '-3' is negative" });

    const again = await nudge(["ingest", join(FIXTURES, "oulad", "courses.csv"), "--format", "oulad", "--start", "2013J=2013-10-05"], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("courses.csv: unchanged (courses), read 2, loaded 0, rejected 0, duplicates 2");
  });

  it("names a bad option value and a missing path, and refuses an unknown format", async () => {
    const { url } = await fresh();
    const badStart = await nudge(["ingest", FIXTURES, "--format", "oulad", "--start", "2013J=2017-13-12"], { DATABASE_URL: url });
    expect(badStart.code).toBe(2);
    expect(badStart.stderr).toContain("'2013J=2017-13-12' must be PRESENTATION=YYYY-MM-DD with a real date");
    const missing = await nudge(["ingest", join(FIXTURES, "nope"), "--format", "oulad", "--json"], { DATABASE_URL: url });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({ error: `no such file or folder: ${join(FIXTURES, "nope")}` });
    const unknown = await nudge(["ingest", FIXTURES, "--format", "excel"], { DATABASE_URL: url });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Allowed choices are udd, xapi, oulad, nudge-csv");
  });

  it("leaves the database consistent when killed mid-file, and a re-run completes the load", async () => {
    const { url } = await fresh();
    const env = { DATABASE_URL: url };
    const dir = mkdtempSync(join(tmpdir(), "nudge-kill-"));
    cpSync(join(FIXTURES, "oulad", "courses.csv"), join(dir, "courses.csv"));
    // Enough rows (1.26M, 36 MB) that the load is still running when the process is killed.
    const students = Array.from({ length: 6000 }, (_, i) => `"AAA","2013J",${100000 + i},"M","R","E","?","0-35",0,60,"N","Pass"`);
    writeFileSync(
      join(dir, "studentInfo.csv"),
      `code_module,code_presentation,id_student,gender,region,highest_education,imd_band,age_band,num_of_prev_attempts,studied_credits,disability,final_result\n${students.join("\n")}\n`,
    );
    const vle: string[] = [];
    for (let day = 0; day < 210; day++) for (let i = 0; i < 6000; i++) vle.push(`"AAA","2013J",${100000 + i},${day % 7},${day},${1 + (i % 5)}`);
    writeFileSync(join(dir, "studentVle.csv"), `code_module,code_presentation,id_student,id_site,date,sum_click\n${vle.join("\n")}\n`);
    expect((await nudge(["ingest", join(dir, "courses.csv"), "--format", "oulad"], env)).code).toBe(0);
    expect((await nudge(["ingest", join(dir, "studentInfo.csv"), "--format", "oulad"], env)).code).toBe(0);

    const child = spawnNode(["bin/nudge.js", "ingest", join(dir, "studentVle.csv"), "--format", "oulad"], env);
    await untilWritingRollups(url);
    child.child.kill("SIGKILL");
    await child.exited;
    expect(child.output().stdout).toBe("");
    const rowsAfterKill = await count(url, `SELECT COUNT(*) AS n FROM "EngagementDaily"`);
    const batchesAfterKill = await count(url, `SELECT COUNT(*) AS n FROM "IngestBatch" WHERE "entity" = 'studentVle'`);
    // Killed mid-transaction: neither rows nor the batch record survive.
    expect(rowsAfterKill).toBe(0);
    expect(batchesAfterKill).toBe(0);

    const rerun = await nudge(["ingest", join(dir, "studentVle.csv"), "--format", "oulad", "--json"], env);
    expect(rerun.code).toBe(0);
    expect(await count(url, `SELECT COUNT(*) AS n FROM "EngagementDaily"`)).toBe(1_260_000);
    expect(await count(url, `SELECT SUM("count") AS n FROM "EngagementDaily"`)).toBe(210 * 6000 * 3);
    // A load this large rebuilds the secondary index afterwards: it must be back.
    const indexes = url.startsWith("file:")
      ? `SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name = 'EngagementDaily_day_source_idx'`
      : `SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname = 'EngagementDaily_day_source_idx'`;
    expect(await count(url, indexes)).toBe(1);

    // The file is large enough (36 MB) to be hashed while it is parsed: loaded again, it is
    // recognised as identical before anything is written.
    const third = await nudge(["ingest", join(dir, "studentVle.csv"), "--format", "oulad", "--json"], env);
    expect(JSON.parse(third.stdout).files[0]).toMatchObject({ status: "unchanged", duplicates: 1_260_000, loaded: 0 });
    expect(await count(url, `SELECT COUNT(*) AS n FROM "IngestBatch" WHERE "entity" = 'studentVle'`)).toBe(1);
    rmSync(dir, { recursive: true, force: true });
    // PostgreSQL builds the primary key after a first load into an empty table: it must be back.
    if (!url.startsWith("file:"))
      expect(await count(url, `SELECT COUNT(*) AS n FROM pg_constraint WHERE conname = 'EngagementDaily_pkey' AND contype = 'p'`)).toBe(1);
    // Three loads of 1.26M rows: 27 s on SQLite and 57 s on PostgreSQL in a quiet CI run, more on
    // a busy machine; the suite's 60 s default is for ordinary tests.
  }, 240_000);
});
