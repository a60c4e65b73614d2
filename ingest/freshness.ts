/**
 * Feed freshness per engagement source: the latest day the data covers and when it was last
 * loaded. The rules' stale-data guard reads it (a missing or stale feed never produces flags).
 */
import type { EngagementSource } from "../core/index.ts";
import { enumCast, type SqlExecutor } from "../prisma/index.ts";

export async function recordFreshness(tx: SqlExecutor, latestDayBySource: ReadonlyMap<EngagementSource, number>, batchId: number, now: Date): Promise<void> {
  for (const [source, day] of latestDayBySource) {
    // The feed is named after its source; a later load of older data keeps the newer data day.
    await tx.query(
      `INSERT INTO "FeedFreshness" ("feed", "source", "lastDataDay", "lastLoadedAt", "lastBatchId")
       VALUES ($1, $2${enumCast(tx, "EngagementSource")}, $3, $4, $5)
       ON CONFLICT ("feed") DO UPDATE SET
         "lastDataDay" = CASE WHEN "FeedFreshness"."lastDataDay" IS NULL OR excluded."lastDataDay" > "FeedFreshness"."lastDataDay"
                              THEN excluded."lastDataDay" ELSE "FeedFreshness"."lastDataDay" END,
         "lastLoadedAt" = excluded."lastLoadedAt", "lastBatchId" = excluded."lastBatchId"`,
      [source, source, day, now, batchId],
    );
  }
}
