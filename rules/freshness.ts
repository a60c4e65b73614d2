/**
 * The stale-data guard (POLICY P10, invariant 6): a missing or stale feed never produces
 * flags. Two checks, both before anyone is flagged:
 *  - feed level: the feed was never loaded, its data stops short of the as-of day by more than its
 *    expected interval, or (for a run about the last few days) it has not been loaded within that
 *    interval. The rules that read it are skipped for everyone.
 *  - cohort level: a feed that is fresh overall but has had nothing at all for a whole cohort
 *    (programme and year, or module) for a week: a VLE site or register not exported for them is
 *    far likelier than every one of them disengaging at once. The rules that read it are skipped
 *    for that cohort.
 */

import { DAY_MS, HOUR_MS } from "../core/index.ts";
import type { EngagementSource } from "../core/index.ts";
import type { Database, SqlExecutor } from "../prisma/index.ts";
import { latestFeedDays, type StudentMetrics } from "./queries/metrics.ts";
import { DAYS_SINCE_LOOKBACK } from "./metrics.ts";

/** A cohort with no data from a feed for this many days is treated as not covered by it. */
export const COHORT_SILENCE_DAYS = 7;
/** Cohorts smaller than this are too small to tell a missing feed from disengagement. */
export const COHORT_SILENCE_MIN_STUDENTS = 5;
/**
 * Feeds that should show something every week for any cohort being taught. Submissions are
 * left out: weeks with nothing due are normal, and then there is nothing to flag either.
 */
export const CONTINUOUS_FEEDS: ReadonlySet<EngagementSource> = new Set(["vle", "attendance", "library"]);

export interface FeedState {
  feed: EngagementSource;
  lastDataDay: number | null;
  lastLoadedAt: Date | null;
  expectedEveryHours: number;
  /** Why it is stale, or null when fresh. */
  stale: string | null;
}

export const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export async function feedStates(db: Database, feeds: readonly EngagementSource[], asOfDay: number, now: Date): Promise<Map<EngagementSource, FeedState>> {
  const rows = await db.prisma.feedFreshness.findMany({ where: { source: { in: [...feeds] } } });
  const states = new Map<EngagementSource, FeedState>();
  for (const feed of feeds) {
    // Several feeds may serve one source (e.g. two VLEs): the freshest speaks for it.
    const mine = rows.filter((r) => r.source === feed).sort((a, b) => (b.lastDataDay ?? -1) - (a.lastDataDay ?? -1));
    const row = mine[0];
    if (!row) {
      states.set(feed, { feed, lastDataDay: null, lastLoadedAt: null, expectedEveryHours: 48, stale: `no ${feed} data has ever been loaded` });
      continue;
    }
    const lagDays = Math.ceil(row.expectedEveryHours / 24);
    let stale: string | null = null;
    if (row.lastDataDay === null || row.lastDataDay < asOfDay - lagDays) {
      stale = `${feed} data ends ${row.lastDataDay === null ? "nowhere" : isoDay(row.lastDataDay)}, more than ${lagDays} day(s) before ${isoDay(asOfDay)}`;
    } else if (asOfDay >= Math.floor(now.getTime() / DAY_MS) - lagDays && now.getTime() - row.lastLoadedAt.getTime() > row.expectedEveryHours * HOUR_MS) {
      const hours = Math.round((now.getTime() - row.lastLoadedAt.getTime()) / HOUR_MS);
      stale = `${feed} feed last loaded ${row.lastLoadedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${hours} h ago (expected every ${row.expectedEveryHours} h)`;
    }
    states.set(feed, { feed, lastDataDay: row.lastDataDay, lastLoadedAt: row.lastLoadedAt, expectedEveryHours: row.expectedEveryHours, stale });
  }
  return states;
}

export interface CohortSilence {
  groupKey: string;
  feed: EngagementSource;
  students: number;
  /** Latest day any student of the cohort had data from the feed, or null for none in the look-back. */
  lastDay: number | null;
}

/**
 * Cohorts (by percentile group) of at least COHORT_SILENCE_MIN_STUDENTS with no data from a
 * continuous feed in the last COHORT_SILENCE_DAYS days, with the latest day they had any.
 */
export async function silentCohorts(
  sql: SqlExecutor,
  rows: readonly StudentMetrics[],
  feeds: readonly EngagementSource[],
  asOfDay: number,
  options: { currentOnly: boolean },
): Promise<Map<string, CohortSilence[]>> {
  const watched = feeds.filter((feed) => CONTINUOUS_FEEDS.has(feed));
  const sizes = new Map<string, number>();
  for (const row of rows) sizes.set(row.groupKey, (sizes.get(row.groupKey) ?? 0) + 1);
  const large = [...sizes].filter(([, n]) => n >= COHORT_SILENCE_MIN_STUDENTS).map(([group]) => group);
  const recent = await latestFeedDays(sql, asOfDay, watched, { ...options, withinDays: COHORT_SILENCE_DAYS });
  const quiet = large.flatMap((groupKey) => watched.filter((feed) => !recent.get(groupKey)?.has(feed)).map((feed) => ({ groupKey, feed })));
  // The day each silence began, looked up only for the (few) silent cohorts.
  const before = await latestFeedDays(sql, asOfDay, watched, {
    ...options,
    withinDays: DAYS_SINCE_LOOKBACK,
    groups: [...new Set(quiet.map((q) => q.groupKey))],
  });
  const silent = new Map<string, CohortSilence[]>();
  for (const { groupKey, feed } of quiet) {
    const list = silent.get(groupKey) ?? [];
    list.push({ groupKey, feed, students: sizes.get(groupKey)!, lastDay: before.get(groupKey)?.get(feed) ?? null });
    silent.set(groupKey, list);
  }
  return silent;
}
