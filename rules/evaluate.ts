/**
 * Evaluating rules over computed metrics: which students each rule flags on the as-of day, and
 * for everyone else, why not. Pure: the run, the dry run and the backtest all come through here
 * with what they loaded, and only the run writes anything.
 *
 * A condition costs at most one step per node (500), but 500 steps for each of 10,000 students is
 * a few hundred milliseconds: the loop hands the event loop back every few milliseconds, so the
 * service keeps answering (/readyz, Teams) while a large rule is evaluated.
 */

import { TimeSlice, type EngagementSource } from "../core/index.ts";
import { activeOn, type CalendarDocument } from "./calendar.ts";
import { CONTINUOUS_FEEDS, isoDay, type CohortSilence, type FeedState } from "./freshness.ts";
import type { StudentMetrics } from "./queries/metrics.ts";
import { inCohort, type Exclusion, type Population } from "./population.ts";
import type { ValidRule } from "./validate.ts";

export interface RuleToEvaluate {
  rule: ValidRule;
  version: number;
  /** Students flagged by this rule within its cooldown (other days). */
  inCooldown: ReadonlySet<number>;
  /** Students this rule already flagged for the same day (a repeated run). */
  alreadyFlagged: ReadonlySet<number>;
}

export interface SkippedCohort {
  cohort: string;
  students: number;
  reason: string;
}

export interface RuleOutcome {
  id: string;
  version: number;
  title: string;
  /** The whole rule did not run: why. */
  skipped?: string;
  /** Students in the rule's cohort whose condition was evaluated. */
  evaluated: number;
  /** Their ids (the backtest's base rate is over them). */
  evaluatedStudents: number[];
  /** Students the condition holds for, whether or not they can be flagged again now. */
  matched: number[];
  /** Students to flag now (new flags). */
  flagged: StudentMetrics[];
  alreadyFlagged: number;
  inCooldown: number;
  /** The condition could not be decided (a metric it needs was undefined for them). */
  notEvaluable: number;
  excluded: Record<Exclusion, number>;
  skippedCohorts: SkippedCohort[];
}

export interface EvaluationContext {
  asOfDay: number;
  metrics: readonly StudentMetrics[];
  population: Population;
  feeds: ReadonlyMap<EngagementSource, FeedState>;
  silent: ReadonlyMap<string, CohortSilence[]>;
  calendar: CalendarDocument | null;
}

function silenceReason(silences: CohortSilence[]): string {
  return silences.map((s) => `no ${s.feed} data for anyone in it ${s.lastDay === null ? "in the period looked at" : `since ${isoDay(s.lastDay)}`}`).join("; ");
}

/** Why a rule does not run at all on the day (outside its periods, a stale feed), or undefined. */
export function whySkipped(
  rule: ValidRule,
  calendar: CalendarDocument | null,
  feeds: ReadonlyMap<EngagementSource, FeedState>,
  asOfDay: number,
): string | undefined {
  const activity = activeOn(rule.document, calendar, asOfDay);
  if (!activity.active) return `not active on ${isoDay(asOfDay)}: ${activity.reason}`;
  const optional = new Set(rule.optionalFeeds ?? []);
  // A feed read only where loaded is left out when it never was; once loaded, it must be fresh.
  const used = rule.feeds.filter((feed) => !optional.has(feed) || feeds.get(feed)?.lastLoadedAt);
  if (used.length === 0 && rule.feeds.length > 0) return `no data: none of ${rule.feeds.join(", ")} has ever been loaded`;
  const stale = used.map((feed) => feeds.get(feed)?.stale).filter((reason): reason is string => Boolean(reason));
  return stale.length ? `stale data: ${stale.join("; ")}` : undefined;
}

/**
 * The cohort's silences that matter to a rule: any of a feed it requires; of the feeds it reads
 * only where loaded, only when all of them are silent (attendance not taken for a cohort does not
 * hide its VLE activity, but no data at all from any of them is a missing feed).
 */
function silencesFor(rule: ValidRule, silences: CohortSilence[] | undefined, feeds: ReadonlyMap<EngagementSource, FeedState>): CohortSilence[] {
  if (!silences?.length) return [];
  const optional = new Set(rule.optionalFeeds ?? []);
  const required = silences.filter((s) => rule.feeds.includes(s.feed) && !optional.has(s.feed));
  if (required.length) return required;
  const loaded = [...optional].filter((feed) => CONTINUOUS_FEEDS.has(feed) && feeds.get(feed)?.lastLoadedAt);
  const quiet = silences.filter((s) => loaded.includes(s.feed));
  return loaded.length && quiet.length === loaded.length ? quiet : [];
}

export async function evaluateRule(target: RuleToEvaluate, context: EvaluationContext): Promise<RuleOutcome> {
  const { document, condition } = target.rule;
  const outcome: RuleOutcome = {
    id: document.id,
    version: target.version,
    title: document.title,
    evaluated: 0,
    evaluatedStudents: [],
    matched: [],
    flagged: [],
    alreadyFlagged: 0,
    inCooldown: 0,
    notEvaluable: 0,
    excluded: { consent: 0, restricted: 0, extenuating: 0 },
    skippedCohorts: [],
  };
  const skipped = whySkipped(target.rule, context.calendar, context.feeds, context.asOfDay);
  if (skipped) return { ...outcome, skipped };

  const silencedCohorts = new Map<string, SkippedCohort>();
  const slice = new TimeSlice();
  for (const student of context.metrics) {
    await slice.pause();
    if (!inCohort(document.cohort, student, context.population, context.asOfDay)) continue;
    const exclusion = context.population.excluded.get(student.studentId);
    if (exclusion) {
      outcome.excluded[exclusion]++;
      continue;
    }
    const silences = silencesFor(target.rule, context.silent.get(student.groupKey), context.feeds);
    if (silences?.length) {
      const cohort = context.population.groupLabel(student.groupKey);
      const entry = silencedCohorts.get(student.groupKey) ?? { cohort, students: 0, reason: silenceReason(silences) };
      entry.students++;
      silencedCohorts.set(student.groupKey, entry);
      continue;
    }
    outcome.evaluated++;
    outcome.evaluatedStudents.push(student.studentId);
    const result = condition.evaluate(student.values);
    if (result === null) outcome.notEvaluable++;
    if (result !== true) continue;
    outcome.matched.push(student.studentId);
    if (target.alreadyFlagged.has(student.studentId)) outcome.alreadyFlagged++;
    else if (target.inCooldown.has(student.studentId)) outcome.inCooldown++;
    else outcome.flagged.push(student);
  }
  outcome.skippedCohorts = [...silencedCohorts.values()].sort((a, b) => a.cohort.localeCompare(b.cohort));
  return outcome;
}
