import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processDropFolder } from "../../ingest/drop-folder.ts";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ingest/oulad");
const options = { presentationStarts: { "2013J": "2013-10-05" } };

/** Puts a fixture in the drop folder as if it was uploaded `ageSeconds` ago. */
function drop(folder: string, name: string, ageSeconds = 600, from = join(FIXTURES, name)): string {
  mkdirSync(join(folder, "oulad"), { recursive: true });
  const path = join(folder, "oulad", name);
  copyFileSync(from, path);
  const then = new Date(Date.now() - ageSeconds * 1000);
  utimesSync(path, then, then);
  return path;
}

describe("drop folder", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url, { migrate: true });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("ingests settled files in dependency order, moving them to processed/ or failed/ with an error report", async () => {
    const folder = mkdtempSync(join(tmpdir(), "nudge-drop-"));
    drop(folder, "studentVle.csv");
    drop(folder, "courses.csv");
    drop(folder, "studentInfo.csv");
    // Still uploading: a temporary name, and a file changed seconds ago.
    writeFileSync(join(folder, "oulad", "studentRegistration.csv.part"), "code_module");
    drop(folder, "assessments.csv", 5);

    const run = await processDropFolder(db, folder, { options });
    expect(run.processed.map((p) => p.slice(folder.length + 1)).sort()).toEqual(["processed/oulad/courses.csv"]);
    expect(run.failed.map((p) => p.slice(folder.length + 1)).sort()).toEqual(["failed/oulad/studentInfo.csv", "failed/oulad/studentVle.csv"]);
    expect(readdirSync(join(folder, "oulad")).sort()).toEqual(["assessments.csv", "studentRegistration.csv.part"]);
    expect(existsSync(join(folder, "processing")) ? readdirSync(join(folder, "processing")) : []).toEqual([]);

    const report = JSON.parse(readFileSync(join(folder, "failed", "oulad", "studentVle.csv.errors.json"), "utf8"));
    expect(report).toMatchObject({ file: "studentVle.csv", status: "partial", read: 10, loaded: 6, rejected: 4 });
    expect(report.errors).toContainEqual({ file: "studentVle.csv", line: 9, message: "sum_click '-3' is negative" });
    const [counted] = await db.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "EngagementDaily"`);
    expect(Number(counted!.n)).toBe(4);
  });

  it("takes a file once: a second run finds nothing, and a re-dropped identical file is processed as unchanged", async () => {
    const folder = mkdtempSync(join(tmpdir(), "nudge-drop-"));
    drop(folder, "courses.csv");
    expect((await processDropFolder(db, folder, { options })).processed).toHaveLength(1);
    expect(await processDropFolder(db, folder, { options })).toEqual({ reports: [], processed: [], failed: [] });
    drop(folder, "courses.csv");
    const again = await processDropFolder(db, folder, { options });
    expect(again.reports[0]!.report.files[0]!.status).toBe("unchanged");
    // The earlier copy is kept; the new one is stored under a timestamped name beside it.
    expect(readdirSync(join(folder, "processed", "oulad"))).toHaveLength(2);
  });

  it("moves a file the format does not know to failed/ and says why", async () => {
    const folder = mkdtempSync(join(tmpdir(), "nudge-drop-"));
    drop(folder, "grades.xlsx", 600, join(FIXTURES, "courses.csv"));
    const run = await processDropFolder(db, folder, { options });
    expect(run.failed).toHaveLength(1);
    const report = JSON.parse(readFileSync(`${run.failed[0]}.errors.json`, "utf8"));
    expect(report).toMatchObject({ file: "grades.xlsx", status: "skipped", notes: [expect.stringContaining("not an OULAD file")] });
  });
});

describe("drop folder in the running service", () => {
  it("is checked on its schedule, and files dropped there are ingested", async () => {
    const { parseConfig } = await import("../../server/config.ts");
    const { createLogger } = await import("../../core/index.ts");
    const { startService } = await import("../../server/service.ts");
    const testDb = await createTestDatabase();
    const folder = mkdtempSync(join(tmpdir(), "nudge-drop-"));
    const config = parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: testDb.url,
      LOG_LEVEL: "silent",
      NUDGE_DROP_FOLDER: folder,
      // node-cron's six-field form: every second.
      NUDGE_DROP_FOLDER_SCHEDULE: "* * * * * *",
    });
    const service = await startService(config, createLogger("silent"));
    try {
      drop(folder, "courses.csv");
      const processed = join(folder, "processed", "oulad", "courses.csv");
      const deadline = Date.now() + 20_000;
      while (!existsSync(processed) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(existsSync(processed)).toBe(true);
      const [row] = await service.db.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "ModuleInstance"`);
      expect(Number(row!.n)).toBe(2);
    } finally {
      await service.stop();
      await testDb.drop();
    }
  });

  it("refuses a schedule that is not a cron expression, naming the setting", async () => {
    const { parseConfig } = await import("../../server/config.ts");
    expect(() => parseConfig({ NUDGE_DROP_FOLDER: "/tmp/x", NUDGE_DROP_FOLDER_SCHEDULE: "every ten minutes" })).toThrow(
      /NUDGE_DROP_FOLDER_SCHEDULE: must be a cron expression/,
    );
  });
});
