/**
 * OULAD loads judged by what the rules need from them: submissions that were due and not made
 * (OULAD has no such rows; they come from the assessments file and the registrations), and a
 * studentVle snapshot much smaller than the one it replaces (a truncated file).
 */
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeOf, ingest } from "../../ingest/index.ts";
import { dayOfDate } from "../../ingest/fields.ts";
import { computeMetrics, lookupMetric } from "../../rules/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ingest");
const START = dayOfDate("2013-10-05")!;
const options = { presentationStarts: { "2013J": "2013-10-05" } };

describe("OULAD submissions: due and missed", () => {
  const database = useMigratedDatabase();

  async function perStudent() {
    const rows = await database.db.sql.query<{ studentNumber: string; expected: number | string; missed: number | string }>(
      `SELECT s."studentNumber", SUM(e."expected") AS "expected", SUM(e."missed") AS "missed"
         FROM "EngagementDaily" e JOIN "Student" s ON s."id" = e."studentId"
        WHERE CAST(e."source" AS TEXT) = 'submission' GROUP BY s."studentNumber" ORDER BY s."studentNumber"`,
    );
    return rows.map((r) => [r.studentNumber, Number(r.expected), Number(r.missed)]);
  }

  it("derives expected and missed from the assessments due while a student was registered, and a re-load keeps them", async () => {
    await ingest(database.db, "oulad", { path: join(FIXTURES, "oulad-submissions"), options });
    // 101 handed everything in; 102 missed the TMA due on day 40 and the CMA due on day 60; 103
    // withdrew on day 30 (only the day-19 TMA was due, and missed); 104 registered on day 45.
    // The TMA due on day 200 is after the last submission in the data; the exam has no row to miss.
    const expected = [
      ["101", 3, 0],
      ["102", 3, 2],
      ["103", 1, 1],
      ["104", 1, 0],
    ];
    expect(await perStudent()).toEqual(expected);
    await ingest(database.db, "oulad", { path: join(FIXTURES, "oulad-submissions"), options });
    expect(await perStudent()).toEqual(expected);
  });

  it("so submissions_missed_7d and submissions_due_7d see them", async () => {
    const metrics = ["submissions_missed_7d", "submissions_due_7d"].map((name) => {
      const found = lookupMetric(name);
      if (!("metric" in found)) throw new Error(found.error);
      return found.metric;
    });
    const rows = await computeMetrics(database.db.sql, metrics, START + 62, { currentOnly: false });
    const byNumber = new Map<number, Record<string, number | null>>(rows.map((r) => [r.studentId, r.values]));
    const ids = new Map((await database.db.prisma.student.findMany()).map((s) => [s.studentNumber, s.id]));
    expect(byNumber.get(ids.get("102")!)).toEqual({ submissions_missed_7d: 1, submissions_due_7d: 1 });
    expect(byNumber.get(ids.get("101")!)).toEqual({ submissions_missed_7d: 0, submissions_due_7d: 1 });
  });
});

describe("OULAD studentVle: a snapshot much smaller than what it replaces", () => {
  const database = useMigratedDatabase();

  /** The submissions fixture plus a studentVle of `days` days for students 101 and 102 (10 clicks a day). */
  function folder(days: number, withRecords: boolean): string {
    const dir = mkdtempSync(join(tmpdir(), "oulad-vle-"));
    if (withRecords) cpSync(join(FIXTURES, "oulad-submissions"), dir, { recursive: true });
    const lines = ["code_module,code_presentation,id_student,id_site,date,sum_click"];
    for (const student of [101, 102]) for (let day = 0; day < days; day++) lines.push(`"AAA","2013J",${student},546614,${day},10`);
    writeFileSync(join(dir, "studentVle.csv"), `${lines.join("\n")}\n`);
    return dir;
  }
  const clicks = async () =>
    Number(
      (
        await database.db.sql.query<{ n: number | string }>(`SELECT COALESCE(SUM("count"), 0) AS n FROM "EngagementDaily" WHERE CAST("source" AS TEXT) = 'vle'`)
      )[0]!.n,
    );

  it("is refused, naming the file and the counts, and loads when the operator says it is right", async () => {
    await ingest(database.db, "oulad", { path: folder(30, true), options });
    expect(await clicks()).toBe(600);

    const truncated = await ingest(database.db, "oulad", { path: folder(5, false), options });
    const file = truncated.files.find((f) => f.file === "studentVle.csv")!;
    expect(file.status).toBe("rejected");
    expect(exitCodeOf(truncated)).not.toBe(0);
    expect(truncated.errors.map((e) => e.message)).toEqual([
      "studentVle.csv is much smaller than the data it would replace (AAA-2013J: 10 daily rows where 60 are stored), so it looks cut short and nothing was loaded. If it is right, load it again with --replace.",
    ]);
    expect(await clicks()).toBe(600);

    const accepted = await ingest(database.db, "oulad", { path: folder(5, false), options: { ...options, replaceSmaller: true } });
    expect(accepted.files.find((f) => f.file === "studentVle.csv")!.status).toBe("completed");
  });

  it("a later, larger snapshot loads as before", async () => {
    const later = await ingest(database.db, "oulad", { path: folder(40, false), options });
    expect(later.files.find((f) => f.file === "studentVle.csv")!.status).toBe("completed");
  });
});
