/**
 * Hostile Nudge contact files (student_contact, staff_contact): valid files mutated (truncated lines, extra and missing columns, a column
 * named twice, NUL and control characters, bytes that are not UTF-8, huge numbers, impossible
 * dates, unbalanced quotes, byte-order marks, mixed line ends, very long fields) and random bytes.
 * Most cases run the parse step alone; a share goes through the pipeline into each database.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../../ingest/index.ts";
import { nudgeCsvFormat } from "../../ingest/nudge-csv.ts";
import type { Database } from "../../prisma/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { expectErrorsPlaced, fileWriter, hostileFile, OPTIONS, parseOnly, seedsFrom, tableCounts, withinBudget } from "../ingest/hostile-files.ts";
import { checkHostile } from "./budget.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ingest");
const SEEDS = [
  ...seedsFrom(join(FIXTURES, "nudge-csv"), ["student_contact.csv", "staff_contact.tsv"]),
  { name: "student_contact.tsv", bytes: readFileSync(join(FIXTURES, "nudge-csv-later", "student_contact.csv")) },
];
/** Every column the files may carry: a row error names one of them. */
const FIELDS = ["STUDENT_ID", "STAFF_ID", "MOBILE", "EMAIL", "ENTRA_OBJECT_ID", "PREFERRED_CHANNEL", "TIMEZONE"];
const TABLES = ["Student", "Staff"];

/** People come from UDD; these files only add how to reach them. */
async function loadPeople(db: Database): Promise<void> {
  for (const file of ["student.tsv", "staff.tsv"]) await ingest(db, "udd", { path: join(FIXTURES, "udd", file), options: OPTIONS });
}

describe("hostile Nudge contact files, parse step", () => {
  const target = useMigratedDatabase("sqlite");
  const files = fileWriter("nudge-hostile-csv-");
  beforeAll(async () => {
    // References resolve as in a real load, so damaged rows are checked past their lookups.
    await loadPeople(target.db);
  });
  afterAll(() => files.remove());

  it("never throws anything but a file refusal, places every error on a line and a field, and never hangs", async () => {
    await checkHostile(
      "nudge-csv",
      "parse step",
      hostileFile(SEEDS),
      async (file) => {
        const path = files.write(file);
        const outcome = await withinBudget(() => parseOnly(nudgeCsvFormat, target.db, path));
        expectErrorsPlaced(outcome, file.bytes, FIELDS);
      },
      { ciBudget: 200 },
    );
  });
});

describe.each(databaseKindsUnderTest())("hostile Nudge contact files through the pipeline on %s", (kind) => {
  const target = useMigratedDatabase(kind);
  const files = fileWriter("nudge-hostile-csv-db-");
  beforeAll(async () => {
    await loadPeople(target.db);
  });
  afterAll(() => files.remove());

  it("a strict load either loads or changes nothing, and never fails on what the parser let through", async () => {
    await checkHostile(
      "nudge-csv",
      `pipeline (${kind})`,
      hostileFile(SEEDS),
      async (file) => {
        const path = files.write(file);
        const before = await tableCounts(target.db, TABLES);
        const report = await withinBudget(() => ingest(target.db, "nudge-csv", { path, strict: true, options: OPTIONS }));
        const status = report.files[0]!.status;
        expect(status, JSON.stringify(report.errors.slice(0, 3))).not.toBe("failed");
        if (status === "rejected") expect(await tableCounts(target.db, TABLES)).toEqual(before);
        for (const error of report.errors) expect(error.line === null ? "the file is empty (no header line)" : error.file).toBeTruthy();
      },
      { ciBudget: 200, share: 0.1 },
    );
  });
});
