/**
 * Orchestration: validate options, plan the curriculum, cohort and staff (small, in memory), then
 * stream each table's rows into the database in one transaction, parents before children. Ids are
 * explicit (1..n), so no pass reads back what an earlier one wrote; the fingerprint is computed
 * alongside, on the other core.
 */
import type { Database } from "../prisma/index.ts";
import { withoutSecondaryIndexes } from "../prisma/index.ts";
import { dayNumber, isoDay } from "./calendar.ts";
import { DemoSeedError } from "./errors.ts";
import { fingerprintInWorker } from "./fingerprint.ts";
import { buildPlan, demoTables, type PlanInput } from "./plan.ts";
import { assertEmpty, clearAll } from "./queries.ts";
import type { CountKey, DemoCounts, DemoOptions } from "./types.ts";

export type { DemoCounts, DemoOptions };

export const MAX_STUDENTS = 1_000_000;
export const MAX_DAYS = 3_660;

function validate(options: DemoOptions): PlanInput {
  const { students, days, seed, endDate } = options;
  if (!Number.isSafeInteger(students) || students < 1 || students > MAX_STUDENTS) {
    throw new DemoSeedError(`students must be an integer from 1 to ${MAX_STUDENTS}, got ${students}`);
  }
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_DAYS) throw new DemoSeedError(`days must be an integer from 1 to ${MAX_DAYS}, got ${days}`);
  if (!Number.isSafeInteger(seed)) throw new DemoSeedError(`seed must be an integer, got ${seed}`);
  if (!(endDate instanceof Date) || Number.isNaN(endDate.getTime())) throw new DemoSeedError("endDate must be a valid date");
  const endDay = dayNumber(endDate);
  return { seed, students, startDay: endDay - days + 1, endDay };
}

export async function seedDemo(db: Database, options: DemoOptions): Promise<DemoCounts> {
  const input = validate(options);
  const plan = buildPlan(input);
  const tables = demoTables(plan);
  const counts = {} as Record<CountKey, number>;
  let fingerprint: ReturnType<typeof fingerprintInWorker> | undefined;

  try {
    await db.sql.transaction(async (tx) => {
      if (options.reset) await clearAll(tx);
      else
        await assertEmpty(
          tx,
          tables.map((spec) => spec.table),
        );
      fingerprint = fingerprintInWorker(input);
      for (const spec of tables) {
        const load = () => tx.bulkInsert(spec.table, spec.columns, spec.rows());
        counts[spec.count] = spec.large ? await withoutSecondaryIndexes(tx, spec.table, load) : await load();
      }
      // Inside the transaction: without its fingerprint the seed is not complete.
      await fingerprint.digest;
    });
  } catch (error) {
    // Do not keep the process alive hashing rows that were rolled back.
    fingerprint?.cancel();
    throw error;
  }

  // Explicit ids bypass PostgreSQL's sequences; move them past the rows just written.
  await db.sql.resetIdSequences(tables.filter((spec) => spec.columns.includes("id")).map((spec) => spec.table));
  return {
    ...counts,
    profiles: { ...plan.cohort.profiles },
    startDate: isoDay(input.startDay),
    endDate: isoDay(input.endDay),
    fingerprint: await fingerprint!.digest,
  };
}
