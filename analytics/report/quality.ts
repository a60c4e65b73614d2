/**
 * The report's data-quality section: how fresh each feed is, the days in the period a source has
 * no data for at all (POLICY P10: no data is not inactivity, and a gap means rules could not see
 * those days), and the rule runs that failed or skipped a rule, with the reasons they gave.
 */
import { ENGAGEMENT_SOURCES } from "../../core/index.ts";
import type { Database } from "../../prisma/index.ts";
import { isoDay, type DayRange } from "../periods.ts";
import { daysWithData } from "../queries/report.ts";

export interface FeedRow {
  feed: string;
  source: string;
  lastDataDay: string | null;
  lastLoadedAt: string;
  expectedEveryHours: number;
  /** Plain words: "up to date", or how far behind. */
  state: string;
}

export interface GapRow {
  source: string;
  daysWithData: number;
  daysWithout: number;
  /** Runs of consecutive days without data, e.g. "2026-01-03 to 2026-01-05". */
  gaps: string[];
}

export interface SkippedRule {
  rule: string;
  days: number;
  /** The latest reason given. */
  reason: string;
}

export interface QualitySection {
  feeds: FeedRow[];
  gaps: GapRow[];
  runs: { total: number; failed: { day: string; error: string }[]; skipped: SkippedRule[] };
}

const SHOWN_GAPS = 10;

function gapsOf(days: Set<number>, range: DayRange): string[] {
  const runs: string[] = [];
  let start: number | null = null;
  for (let d = range.from; d <= range.to + 1; d++) {
    const missing = d <= range.to && !days.has(d);
    if (missing && start === null) start = d;
    if (!missing && start !== null) {
      runs.push(start === d - 1 ? isoDay(start) : `${isoDay(start)} to ${isoDay(d - 1)}`);
      start = null;
    }
  }
  return runs;
}

export async function qualitySection(db: Database, range: DayRange, now: Date): Promise<QualitySection> {
  const feedRows = await db.prisma.feedFreshness.findMany({ orderBy: { feed: "asc" } });
  const feeds = feedRows.map((f) => {
    const hours = (now.getTime() - f.lastLoadedAt.getTime()) / 3_600_000;
    const state =
      f.lastDataDay === null
        ? "no data in it yet"
        : hours > f.expectedEveryHours
          ? `late: last loaded ${Math.round(hours / 24)} day(s) ago, expected every ${f.expectedEveryHours} hours`
          : "up to date";
    return {
      feed: f.feed,
      source: f.source,
      lastDataDay: f.lastDataDay === null ? null : isoDay(f.lastDataDay),
      lastLoadedAt: f.lastLoadedAt.toISOString().slice(0, 16).replace("T", " "),
      expectedEveryHours: f.expectedEveryHours,
      state,
    };
  });

  const bySource = new Map<string, Set<number>>();
  for (const row of await daysWithData(db, range)) {
    const set = bySource.get(row.source) ?? new Set<number>();
    set.add(row.day);
    bySource.set(row.source, set);
  }
  const loaded = new Set([...feedRows.map((f) => f.source as string), ...bySource.keys()]);
  const total = range.to - range.from + 1;
  const gaps = ENGAGEMENT_SOURCES.filter((s) => loaded.has(s)).map((source) => {
    const days = bySource.get(source) ?? new Set<number>();
    const runs = gapsOf(days, range);
    return {
      source,
      daysWithData: days.size,
      daysWithout: total - days.size,
      gaps: runs.length > SHOWN_GAPS ? [...runs.slice(0, SHOWN_GAPS), `and ${runs.length - SHOWN_GAPS} more`] : runs,
    };
  });

  const runs = await db.prisma.ruleRun.findMany({
    where: { dryRun: false, asOfDay: { gte: range.from, lte: range.to } },
    select: { asOfDay: true, status: true, summary: true },
    orderBy: { asOfDay: "asc" },
  });
  const failed: { day: string; error: string }[] = [];
  const skipped = new Map<string, SkippedRule>();
  for (const run of runs) {
    const summary = (run.summary ?? {}) as { error?: string; skipped?: { id: string; reason: string }[] };
    if (run.status === "failed") failed.push({ day: isoDay(run.asOfDay), error: summary.error ?? "no reason recorded" });
    for (const s of summary.skipped ?? []) {
      const known = skipped.get(s.id);
      skipped.set(s.id, { rule: s.id, days: (known?.days ?? 0) + 1, reason: s.reason });
    }
  }
  return { feeds, gaps, runs: { total: runs.length, failed, skipped: [...skipped.values()].sort((a, b) => b.days - a.days || a.rule.localeCompare(b.rule)) } };
}
