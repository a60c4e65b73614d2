/**
 * A flag's evidence: what a tutor's digest and a student's "why did I get this?" are built from:
 * the rule and version, each metric's value with unit and window, the data sources with how fresh
 * they were, the cohort, the day. Writing and closing flags is in queries/flags.ts.
 */

import type { EngagementSource } from "../core/index.ts";
import { isoDay, type FeedState } from "./freshness.ts";
import type { StudentMetrics } from "./queries/metrics.ts";
import type { Population } from "./population.ts";
import type { ValidRule } from "./validate.ts";

export interface FlagEvidence {
  asOf: string;
  rule: { id: string; version: number; title: string; condition: string };
  metrics: Record<string, { value: number | null; unit: string; window: string; description: string }>;
  sources: Record<string, { lastDataDay: string | null; lastLoadedAt: string | null }>;
  cohort: string;
  /** For rules on vle_days_since_last: the day of the last VLE activity, if within the look-back. */
  lastVleDate?: string;
}

export function buildEvidence(
  rule: ValidRule,
  version: number,
  student: StudentMetrics,
  asOfDay: number,
  feeds: ReadonlyMap<EngagementSource, FeedState>,
  population: Population,
): FlagEvidence {
  const metrics: FlagEvidence["metrics"] = {};
  for (const metric of rule.condition.metrics) {
    const value = student.values[metric.name] ?? null;
    metrics[metric.name] = {
      value: value === null ? null : Math.round(value * 1000) / 1000,
      unit: metric.family.unit,
      window: metric.family.window.replace(/\bN\b/g, String(metric.n)),
      description: metric.family.description.replace(/\bN\b/g, String(metric.n)),
    };
  }
  const sources: FlagEvidence["sources"] = {};
  for (const feed of rule.feeds) {
    const state = feeds.get(feed);
    sources[feed] = { lastDataDay: state?.lastDataDay == null ? null : isoDay(state.lastDataDay), lastLoadedAt: state?.lastLoadedAt?.toISOString() ?? null };
  }
  const evidence: FlagEvidence = {
    asOf: isoDay(asOfDay),
    rule: { id: rule.document.id, version, title: rule.document.title, condition: rule.document.condition },
    metrics,
    sources,
    cohort: population.groupLabel(student.groupKey),
  };
  const sinceVle = student.values.vle_days_since_last;
  if (sinceVle != null && student.startDay !== null && asOfDay - sinceVle > student.startDay) evidence.lastVleDate = isoDay(asOfDay - sinceVle);
  return evidence;
}
