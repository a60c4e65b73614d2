/**
 * A run's inputs in one hash: the as-of day, the rules and their versions, the calendar, every
 * data load, feed freshness (and which feeds count as stale now), consent, enrolments, tutor
 * assignments and extenuating circumstances. When the last run was for the same day with the same
 * fingerprint, nothing it could find has changed, so a repeated run records that and stops
 * instead of scanning millions of rollup rows again to write nothing.
 *
 * Each part is a cheap aggregate (COUNT and MAX over keys) rather than a scan of the data itself:
 * rollups only change through ingest batches or the demo generator, and both move a feed's
 * freshness row, which is part of the hash.
 */
import { tableCounts } from "./queries/runs.ts";
import type { EngagementSource } from "../core/index.ts";
import { createHash } from "node:crypto";

import type { Database } from "../prisma/index.ts";
import type { FeedState } from "./freshness.ts";
import type { StoredRule } from "./store.ts";

export async function runFingerprint(
  db: Database,
  asOfDay: number,
  rules: readonly StoredRule[],
  feeds: ReadonlyMap<EngagementSource, FeedState>,
): Promise<string> {
  const hash = createHash("sha256");
  hash.update(`day ${asOfDay}\n`);
  for (const { rule, version } of rules) hash.update(`rule ${rule.document.id}@${version}\n`);
  const calendar = await db.prisma.academicCalendar.findFirst({ orderBy: { id: "desc" }, select: { id: true } });
  hash.update(`calendar ${calendar?.id ?? "-"}\n`);
  for (const [key, value] of Object.entries(await tableCounts(db))) hash.update(`${key} ${value instanceof Date ? value.toISOString() : String(value)}\n`);
  const freshness = await db.prisma.feedFreshness.findMany({ orderBy: { feed: "asc" } });
  for (const f of freshness) hash.update(`feed ${f.feed} ${f.source} ${f.lastDataDay} ${f.lastLoadedAt.toISOString()} ${f.expectedEveryHours}\n`);
  for (const [feed, state] of [...feeds].sort(([a], [b]) => a.localeCompare(b))) hash.update(`stale ${feed} ${state.stale ?? "no"}\n`);
  return hash.digest("hex");
}
