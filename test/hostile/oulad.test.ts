/**
 * Hostile OULAD files: valid exports mutated (truncated lines, extra and missing columns, a column
 * named twice, NUL and control characters, bytes that are not UTF-8, huge numbers, impossible
 * dates, unbalanced quotes, byte-order marks, mixed line ends, very long fields) and random bytes.
 * Most cases run the parse step alone; a share goes through the pipeline into each database.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../../ingest/index.ts";
import { ouladFormat } from "../../ingest/oulad.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { expectErrorsPlaced, fileWriter, hostileFile, OPTIONS, parseOnly, seedsFrom, tableCounts, withinBudget } from "../ingest/hostile-files.ts";
import { checkHostile } from "./budget.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ingest/oulad");
const SEEDS = seedsFrom(FIXTURES, ["courses.csv", "assessments.csv", "studentInfo.csv", "studentRegistration.csv", "studentAssessment.csv", "studentVle.csv"]);
/** Every column the seeds carry: a row error names one of them. */
const FIELDS = [...new Set(SEEDS.flatMap((seed) => seed.bytes.toString("utf8").split("\n")[0]!.trim().split(",")))];
const TABLES = ["Student", "Module", "ModuleInstance", "ModuleEnrolment", "Assessment", "Submission", "EngagementDaily", "FeedFreshness"];
const options = { ...OPTIONS, presentationStarts: { "2013J": "2013-10-05" } };

describe("hostile OULAD files, parse step", () => {
  const target = useMigratedDatabase("sqlite");
  const files = fileWriter("nudge-hostile-oulad-");
  beforeAll(async () => {
    // References resolve as in a real load, so damaged rows are checked past their lookups.
    await ingest(target.db, "oulad", { path: FIXTURES, options });
  });
  afterAll(() => files.remove());

  it("never throws anything but a file refusal, places every error on a line and a field, and never hangs", async () => {
    await checkHostile(
      "oulad",
      "parse step",
      hostileFile(SEEDS),
      async (file) => {
        const path = files.write(file);
        const outcome = await withinBudget(() => parseOnly(ouladFormat, target.db, path, options));
        expectErrorsPlaced(outcome, file.bytes, FIELDS);
      },
      { ciBudget: 200 },
    );
  });
});

describe.each(databaseKindsUnderTest())("hostile OULAD files through the pipeline on %s", (kind) => {
  const target = useMigratedDatabase(kind);
  const files = fileWriter("nudge-hostile-oulad-db-");
  beforeAll(async () => {
    await ingest(target.db, "oulad", { path: FIXTURES, options });
  });
  afterAll(() => files.remove());

  it("a strict load either loads or changes nothing, and never fails on what the parser let through", async () => {
    await checkHostile(
      "oulad",
      `pipeline (${kind})`,
      hostileFile(SEEDS),
      async (file) => {
        const path = files.write(file);
        const before = await tableCounts(target.db, TABLES);
        const report = await withinBudget(() => ingest(target.db, "oulad", { path, strict: true, options }));
        const status = report.files[0]!.status;
        expect(status, JSON.stringify(report.errors.slice(0, 3))).not.toBe("failed");
        if (status === "rejected") expect(await tableCounts(target.db, TABLES)).toEqual(before);
        for (const error of report.errors) expect(error.line === null ? "the file is empty (no header line)" : error.file).toBeTruthy();
      },
      { ciBudget: 200, share: 0.1 },
    );
  });
});
