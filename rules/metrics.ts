import type { EngagementSource } from "../core/index.ts";
/**
 * The metrics catalogue: every number a rule's condition may use, what it means, its unit, its
 * window and the data sources it reads. Each metric is computed in the database from the daily
 * rollups (EngagementDaily), as part of one aggregate query per run (see metrics-query.ts).
 *
 * Windowed metrics are families: `vle_events_<N>d` is "VLE events in the last N days" for any N
 * from 1 to 120, so a rule says `vle_events_14d` and the query computes exactly that. A window
 * of N days ends on the as-of day and includes it.
 */

/** Where a metric's data comes from: engagement feeds, or the student record (no feed to go stale). */
export type MetricSource = EngagementSource | "records";

export interface MetricFamily {
  /** The name as written in a rule, with `<N>` for the window. */
  name: string;
  description: string;
  unit: string;
  /** In words, for the catalogue. */
  window: string;
  sources: readonly MetricSource[];
  /** When the value is null (then a condition on it cannot be true; see docs/admins/rules.md). */
  nullWhen?: string;
  /**
   * The feeds are alternatives, not all required: the metric reads whichever have been loaded
   * (VLE and records alone is a common start), and needs at least one.
   */
  anyOf?: true;
}

/** One concrete metric a rule uses, e.g. vle_events_14d (family vle_events_<N>d, n = 14). */
export interface Metric {
  name: string;
  family: MetricFamily;
  n: number | null;
  /** Days of rollups (ending on the as-of day) the metric needs. */
  lookbackDays: number;
}

export const MAX_WINDOW_DAYS = 120;
/** How far back "days since last …" looks; older activity counts as none (the value is then at least this). */
export const DAYS_SINCE_LOOKBACK = 180;
/** Percentiles need a cohort this large to mean anything; smaller ones give null. */
export const MIN_PERCENTILE_COHORT = 10;
/** The "own baseline" that change metrics compare against: the 4 weeks before the window. */
export const BASELINE_DAYS = 28;

const family = (f: MetricFamily) => f;

export const CATALOGUE = {
  vle_days_since_last: family({
    name: "vle_days_since_last",
    description: "Days since the student's last VLE activity (or since their course started, if there has been none).",
    unit: "days",
    window: `looks back up to ${DAYS_SINCE_LOOKBACK} days`,
    sources: ["vle", "records"],
    nullWhen: "the student has no course start date and no VLE activity",
  }),
  library_days_since_last: family({
    name: "library_days_since_last",
    description: "Days since the student last used the library (entry, loan or e-resource), or since their course started.",
    unit: "days",
    window: `looks back up to ${DAYS_SINCE_LOOKBACK} days`,
    sources: ["library", "records"],
  }),
  any_days_since_last: family({
    name: "any_days_since_last",
    description:
      "Days since any recorded engagement at all (VLE, attendance, library, submission: whichever of these feeds are loaded), or since the course started.",
    unit: "days",
    window: `looks back up to ${DAYS_SINCE_LOOKBACK} days`,
    sources: ["vle", "attendance", "library", "submission", "records"],
    anyOf: true,
  }),
  vle_events: family({
    name: "vle_events_<N>d",
    description: "VLE events (page views, clicks, posts, log-ins) in the last N days.",
    unit: "events",
    window: "last N days",
    sources: ["vle"],
  }),
  vle_active_days: family({
    name: "vle_active_days_<N>d",
    description: "Days with any VLE activity in the last N days.",
    unit: "days",
    window: "last N days",
    sources: ["vle"],
  }),
  vle_change: family({
    name: "vle_change_<N>d",
    description: `VLE activity per day in the last N days relative to the student's own average over the ${BASELINE_DAYS} days before: 1 = as usual, 0.5 = half, 0 = none.`,
    unit: "ratio",
    window: `last N days against the ${BASELINE_DAYS} days before them`,
    sources: ["vle"],
    nullWhen: "the student had no VLE activity in the baseline weeks (nothing to compare with)",
  }),
  vle_percentile: family({
    name: "vle_percentile_<N>d",
    description:
      "Where the student's VLE events in the last N days rank in their cohort (programme and year): the percentage of the cohort with less activity. 0 = least active.",
    unit: "percentile (0-100)",
    window: "last N days",
    sources: ["vle", "records"],
    nullWhen: `the cohort has fewer than ${MIN_PERCENTILE_COHORT} students`,
  }),
  vle_percentile_prev: family({
    name: "vle_percentile_prev_<N>d",
    description: "The same percentile for the N days before the last N (e.g. the week before last), so a rule can ask for two periods in a row.",
    unit: "percentile (0-100)",
    window: "the N days before the last N days",
    sources: ["vle", "records"],
    nullWhen: `the cohort has fewer than ${MIN_PERCENTILE_COHORT} students`,
  }),
  attendance_rate: family({
    name: "attendance_rate_<N>d",
    description: "Timetabled sessions attended (late counts as attended) divided by sessions timetabled, over the last N days.",
    unit: "fraction (0-1)",
    window: "last N days",
    sources: ["attendance"],
    nullWhen: "no sessions were timetabled for the student in the window",
  }),
  sessions_expected: family({
    name: "sessions_expected_<N>d",
    description: "Timetabled sessions the student was expected at in the last N days.",
    unit: "sessions",
    window: "last N days",
    sources: ["attendance"],
  }),
  absences: family({
    name: "absences_<N>d",
    description: "Unauthorised absences in the last N days (authorised absences are never counted).",
    unit: "sessions",
    window: "last N days",
    sources: ["attendance"],
  }),
  consecutive_absences: family({
    name: "consecutive_absences",
    description: "Unauthorised absences since the last session the student attended.",
    unit: "sessions",
    window: `looks back up to ${MAX_WINDOW_DAYS} days`,
    sources: ["attendance"],
  }),
  submissions_missed: family({
    name: "submissions_missed_<N>d",
    description: "Assessments due in the last N days that are still not submitted.",
    unit: "assessments",
    window: "last N days (by due date)",
    sources: ["submission"],
  }),
  submissions_late: family({
    name: "submissions_late_<N>d",
    description: "Assessments handed in late in the last N days.",
    unit: "assessments",
    window: "last N days (by submission date)",
    sources: ["submission"],
  }),
  submissions_due: family({
    name: "submissions_due_<N>d",
    description: "Assessments due in the last N days.",
    unit: "assessments",
    window: "last N days (by due date)",
    sources: ["submission"],
  }),
  library_visits: family({
    name: "library_visits_<N>d",
    description: "Library entries, loans and e-resource uses in the last N days.",
    unit: "visits",
    window: "last N days",
    sources: ["library"],
  }),
  days_since_start: family({
    name: "days_since_start",
    description: "Days since the student's current course (or, without one, module) started; 0 on the first day.",
    unit: "days",
    window: "—",
    sources: ["records"],
    nullWhen: "the student has no current course or module",
  }),
  first_week_vle_events: family({
    name: "first_week_vle_events",
    description: "VLE events in the student's first 7 days of their course. Defined from day 7 to day 28 after the start, for new-student rules.",
    unit: "events",
    window: "the first 7 days after the course started",
    sources: ["vle", "records"],
    nullWhen: "the first week is not over yet, or the student started more than 28 days ago",
  }),
} as const satisfies Record<string, MetricFamily>;

export type FamilyKey = keyof typeof CATALOGUE;

const WINDOWED =
  /^(vle_events|vle_active_days|vle_change|vle_percentile_prev|vle_percentile|attendance_rate|sessions_expected|absences|submissions_missed|submissions_late|submissions_due|library_visits)_(\d+)d$/;

/** Days of rollups a metric reads, ending on the as-of day. */
function lookbackOf(key: FamilyKey, n: number | null): number {
  switch (key) {
    case "vle_days_since_last":
    case "library_days_since_last":
    case "any_days_since_last":
      return DAYS_SINCE_LOOKBACK;
    case "consecutive_absences":
      return MAX_WINDOW_DAYS;
    case "first_week_vle_events":
      return 28;
    case "days_since_start":
      return 0;
    case "vle_change":
      return n! + BASELINE_DAYS;
    case "vle_percentile_prev":
      return 2 * n!;
    default:
      return n!;
  }
}

export type MetricLookup = { metric: Metric; key: FamilyKey } | { error: string };

/** Resolves a name used in a condition or template to a catalogue metric, or says why not. */
export function lookupMetric(name: string): MetricLookup {
  if (name in CATALOGUE && !CATALOGUE[name as FamilyKey].name.includes("<N>")) {
    const key = name as FamilyKey;
    return { key, metric: { name, family: CATALOGUE[key], n: null, lookbackDays: lookbackOf(key, null) } };
  }
  const windowed = WINDOWED.exec(name);
  if (windowed) {
    const key = windowed[1] as FamilyKey;
    const n = Number(windowed[2]);
    if (n < 1 || n > MAX_WINDOW_DAYS) return { error: `${name}: the window must be 1 to ${MAX_WINDOW_DAYS} days, got ${n}` };
    return { key, metric: { name, family: CATALOGUE[key], n, lookbackDays: lookbackOf(key, n) } };
  }
  const near = closestFamily(name);
  return { error: `unknown metric '${name}'${near ? ` (did you mean ${near}?)` : ""}; see the metrics catalogue (nudge rules metrics)` };
}

/** The catalogue name sharing the longest prefix with `name`, for "did you mean". */
function closestFamily(name: string): string | undefined {
  let best: string | undefined;
  let bestLength = 3;
  for (const f of Object.values(CATALOGUE)) {
    let i = 0;
    while (i < name.length && i < f.name.length && name[i] === f.name[i]) i++;
    if (i > bestLength) {
      best = f.name;
      bestLength = i;
    }
  }
  return best;
}

export function familyKeyOf(metric: Metric): FamilyKey {
  return (Object.keys(CATALOGUE) as FamilyKey[]).find((key) => CATALOGUE[key] === metric.family)!;
}

/** Engagement feeds a set of metrics depends on (the stale-data guard checks each). */
export function feedsOf(metrics: Iterable<Metric>): EngagementSource[] {
  const feeds = new Set<EngagementSource>();
  for (const metric of metrics) for (const source of metric.family.sources) if (source !== "records") feeds.add(source);
  return [...feeds].sort();
}

/**
 * Feeds a rule reads only where they have been loaded: those of "any engagement" metrics that no
 * other metric of the rule requires. A feed never loaded is then left out rather than stale.
 */
export function optionalFeedsOf(metrics: Iterable<Metric>): EngagementSource[] {
  const required = new Set<EngagementSource>();
  const optional = new Set<EngagementSource>();
  for (const metric of metrics)
    for (const source of metric.family.sources) {
      if (source === "records") continue;
      ("anyOf" in metric.family && metric.family.anyOf ? optional : required).add(source);
    }
  return [...optional].filter((feed) => !required.has(feed)).sort();
}
