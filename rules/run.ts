/**
 * A rules run, as the story reads: load the enabled rules and the calendar; check the feeds; if
 * nothing has changed since the last run for this day, record that and stop; otherwise compute the
 * metrics the rules need in one query, evaluate every rule, and write the new flags, the closing of
 * flags for students who withdrew consent or left, and the run's record, in one transaction.
 */

import { NudgeError, type EngagementSource } from "../core/index.ts";
import { whileHoldingLease } from "../jobs/index.ts";
import type { Database } from "../prisma/index.ts";
import { evaluateRule, whySkipped, type RuleOutcome, type SkippedCohort } from "./evaluate.ts";
import { feedStates, isoDay, silentCohorts, type FeedState } from "./freshness.ts";
import { runFingerprint } from "./fingerprint.ts";
import { buildEvidence } from "./flags.ts";
import { auditHeldOut, holdoutArms } from "./holdout-arms.ts";
import { closeIneligibleFlags, flagRowsOf, flagsWrittenBy, insertFlags, type ClosedFlags } from "./queries/flags.ts";
import { finishRun } from "./queries/runs.ts";
import { holdFlags } from "./queries/held.ts";
import { alertHeld, flagHistory, volumeGuardFromEnv, volumeHolds, type VolumeGuardSettings, type VolumeHold } from "./volume-guard.ts";
import { computeMetrics, type StudentMetrics } from "./queries/metrics.ts";
import type { Metric } from "./metrics.ts";
import { loadPopulation, type Exclusion, type Population } from "./population.ts";
import { loadCalendar, loadRulesToRun, type StoredRule } from "./store.ts";
import type { CalendarDocument } from "./calendar.ts";

export type RunTrigger = "schedule" | "manual" | "catch_up";

export interface RunOptions {
  asOfDay: number;
  trigger: RunTrigger;
  /** Evaluate even when nothing changed since the last run for this day. */
  force?: boolean;
  now?: Date;
  /** The volume guard's thresholds (default: from the environment, else 15% of a cohort, 4× the median). */
  volumeGuard?: VolumeGuardSettings;
}

export interface RuleRunEntry {
  id: string;
  version: number;
  title: string;
  flagsWritten: number;
  evaluated: number;
  alreadyFlagged: number;
  inCooldown: number;
  notEvaluable: number;
  excluded: Record<Exclusion, number>;
  skippedCohorts: SkippedCohort[];
}

export interface RunReport {
  runId: number;
  asOf: string;
  trigger: RunTrigger;
  /** Nothing changed since run `sameAs` for this day: nothing was evaluated or written. */
  unchanged: boolean;
  sameAs?: number;
  studentsEvaluated: number;
  flagsWritten: number;
  rules: RuleRunEntry[];
  /** Rules that did not run at all, and why (inactive period, stale feed, no longer valid). */
  skipped: { id: string; reason: string }[];
  /** Rules whose new flags the volume guard held (no nudge proposed until an admin releases them), with the figures. */
  held: VolumeHold[];
  excluded: Record<Exclusion, number>;
  flagsClosed: ClosedFlags;
  durationMs: number;
}

export interface RunInputs {
  calendar: CalendarDocument | null;
  rules: StoredRule[];
  invalid: { id: string; reason: string }[];
  feeds: Map<EngagementSource, FeedState>;
}

/** The inputs for evaluating `rules` on a day: the calendar, and the state of the feeds they read. */
export async function runInputs(db: Database, calendar: CalendarDocument | null, rules: StoredRule[], asOfDay: number, now: Date): Promise<RunInputs> {
  const feedsUsed = [...new Set(rules.flatMap((r) => r.rule.feeds))].sort() as EngagementSource[];
  return { calendar, rules, invalid: [], feeds: await feedStates(db, feedsUsed, asOfDay, now) };
}

export async function loadRunInputs(db: Database, asOfDay: number, now: Date, ids?: readonly string[]): Promise<RunInputs> {
  const calendar = await loadCalendar(db, asOfDay);
  const loaded = await loadRulesToRun(db, calendar, ids);
  const invalid = loaded.invalid.map((i) => ({
    id: i.id,
    reason: `version ${i.version} is no longer valid: ${i.problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
  }));
  return { ...(await runInputs(db, calendar, loaded.rules, asOfDay, now)), invalid };
}

/** Rules worth computing metrics for: those not skipped on the day. */
export function runnableRules(inputs: RunInputs, asOfDay: number): StoredRule[] {
  return inputs.rules.filter((r) => !whySkipped(r.rule, inputs.calendar, inputs.feeds, asOfDay));
}

export function metricsOf(rules: readonly StoredRule[]): Metric[] {
  const byName = new Map<string, Metric>();
  for (const r of rules) for (const metric of r.rule.condition.metrics) byName.set(metric.name, metric);
  return [...byName.values()];
}

export interface Evaluation {
  metrics: StudentMetrics[];
  population: Population;
  outcomes: RuleOutcome[];
}

/** Metrics, population and the outcome of every rule: shared by the run and the dry run. */
export async function evaluateRules(
  db: Database,
  inputs: RunInputs,
  asOfDay: number,
  options: { currentOnly: boolean; flagged: (rule: StoredRule) => { inCooldown: Set<number>; alreadyFlagged: Set<number> } },
): Promise<Evaluation> {
  const runnable = runnableRules(inputs, asOfDay);
  const feedsUsed = [...new Set(runnable.flatMap((r) => r.rule.feeds))].sort() as EngagementSource[];
  const needed = metricsOf(runnable);
  const metrics = needed.length ? await computeMetrics(db.sql, needed, asOfDay, { currentOnly: options.currentOnly }) : [];
  const silent = await silentCohorts(db.sql, metrics, feedsUsed, asOfDay, { currentOnly: options.currentOnly });
  const population = await loadPopulation(
    db,
    runnable.map((r) => r.rule.document),
    asOfDay,
  );
  const context = { asOfDay, metrics, population, feeds: inputs.feeds, silent, calendar: inputs.calendar };
  const outcomes: RuleOutcome[] = [];
  for (const stored of inputs.rules) outcomes.push(await evaluateRule({ ...stored, ...options.flagged(stored) }, context));
  return { metrics, population, outcomes };
}

/** Flags near the as-of day, per rule: those inside the cooldown, and those for the day itself. */
export async function nearbyFlags(db: Database, rules: readonly StoredRule[], asOfDay: number) {
  const longest = Math.max(0, ...rules.map((r) => r.rule.document.cooldownDays));
  const rows = rules.length
    ? await db.prisma.flag.findMany({
        where: { ruleId: { in: rules.map((r) => r.rule.document.id) }, day: { gt: asOfDay - longest, lt: asOfDay + longest } },
        select: { ruleId: true, studentId: true, day: true },
      })
    : [];
  return (stored: StoredRule) => {
    const cooldown = stored.rule.document.cooldownDays;
    const inCooldown = new Set<number>();
    const alreadyFlagged = new Set<number>();
    for (const row of rows) {
      if (row.ruleId !== stored.rule.document.id) continue;
      if (row.day === asOfDay) alreadyFlagged.add(row.studentId);
      else if (Math.abs(row.day - asOfDay) < cooldown) inCooldown.add(row.studentId);
    }
    return { inCooldown, alreadyFlagged };
  };
}

/** Enrolled students the run left alone, by why. */
function exclusionCounts(metrics: readonly StudentMetrics[], population: Population): Record<Exclusion, number> {
  const counts: Record<Exclusion, number> = { consent: 0, restricted: 0, extenuating: 0 };
  for (const student of metrics) {
    const reason = population.excluded.get(student.studentId);
    if (reason) counts[reason]++;
  }
  return counts;
}

/** The lease that keeps rules runs one at a time, whoever starts them (schedule, command line, Teams). */
export const RULES_RUN_LEASE = "rules.run";

/**
 * One rules run at a time across every process. Holding the lease, a run knows any other run
 * still marked running was left by a process that stopped (killed, crashed) and says so.
 */
export async function runRules(db: Database, options: RunOptions): Promise<RunReport> {
  const outcome = await whileHoldingLease(db, RULES_RUN_LEASE, async () => {
    await db.prisma.ruleRun.updateMany({
      where: { status: "running", dryRun: false },
      data: { status: "failed", finishedAt: new Date(), summary: { error: "abandoned: the process running it stopped before it finished" } },
    });
    return runRulesAlone(db, options);
  });
  if (outcome.held) return outcome.value;
  const since = outcome.lease ? ` (started ${outcome.lease.acquiredAt.toISOString().slice(0, 16).replace("T", " ")} UTC)` : "";
  throw new NudgeError(`Another rules run is in progress${since}; try again when it has finished.`, { kind: "conflict", code: "rules_run_busy" });
}

async function runRulesAlone(db: Database, options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const { asOfDay } = options;
  const inputs = await loadRunInputs(db, asOfDay, now);
  const fingerprint = await runFingerprint(db, asOfDay, inputs.rules, inputs.feeds);

  if (!options.force) {
    const last = await db.prisma.ruleRun.findFirst({ where: { dryRun: false, status: "succeeded" }, orderBy: { id: "desc" } });
    if (last && last.asOfDay === asOfDay && last.fingerprint === fingerprint) {
      const report = emptyReport(asOfDay, options.trigger, inputs);
      const run = await db.prisma.ruleRun.create({
        data: { asOfDay, trigger: options.trigger, status: "succeeded", fingerprint, finishedAt: new Date(), summary: { unchanged: true, sameAs: last.id } },
      });
      return { ...report, runId: run.id, unchanged: true, sameAs: last.id, durationMs: Math.round(performance.now() - started) };
    }
  }

  const run = await db.prisma.ruleRun.create({ data: { asOfDay, trigger: options.trigger, status: "running", fingerprint } });
  try {
    const flagged = await nearbyFlags(db, inputs.rules, asOfDay);
    const { metrics, population, outcomes } = await evaluateRules(db, inputs, asOfDay, { currentOnly: true, flagged });
    const stored = new Map(inputs.rules.map((r) => [r.rule.document.id, r]));
    const armOf = await holdoutArms(db, inputs.rules, outcomes, asOfDay);
    const holds = volumeHolds(outcomes, metrics, population, await flagHistory(db, asOfDay), options.volumeGuard ?? volumeGuardFromEnv());
    const rows = await flagRowsOf(
      run.id,
      asOfDay,
      outcomes,
      (outcome, student) => buildEvidence(stored.get(outcome.id)!.rule, outcome.version, student, asOfDay, inputs.feeds, population),
      now,
      armOf,
    );
    const report = await db.sql.transaction(async (tx) => {
      await insertFlags(tx, rows);
      await holdFlags(
        tx,
        run.id,
        holds.map((h) => h.rule),
        now,
      );
      const written = await flagsWrittenBy(tx, run.id);
      const flagsClosed = await closeIneligibleFlags(tx, population, now);
      const report = buildReport(run.id, options.trigger, asOfDay, inputs, metrics.length, outcomes, written, started);
      report.excluded = exclusionCounts(metrics, population);
      report.flagsClosed = flagsClosed;
      report.held = holds;
      await finishRun(tx, run.id, summaryOf(report), new Date());
      return report;
    });
    await auditHeldOut(db, run.id, inputs.rules, asOfDay);
    await alertHeld(db, run.id, asOfDay, holds, now);
    return report;
  } catch (error) {
    await db.prisma.ruleRun.update({ where: { id: run.id }, data: { status: "failed", finishedAt: new Date(), summary: { error: (error as Error).message } } });
    throw error;
  }
}

function emptyReport(asOfDay: number, trigger: RunTrigger, inputs: RunInputs): Omit<RunReport, "runId" | "durationMs"> {
  return {
    asOf: isoDay(asOfDay),
    trigger,
    unchanged: false,
    studentsEvaluated: 0,
    flagsWritten: 0,
    rules: [],
    skipped: inputs.invalid,
    held: [],
    excluded: { consent: 0, restricted: 0, extenuating: 0 },
    flagsClosed: { consent: 0, restricted: 0, notEnrolled: 0 },
  };
}

function buildReport(
  runId: number,
  trigger: RunTrigger,
  asOfDay: number,
  inputs: RunInputs,
  studentsEvaluated: number,
  outcomes: readonly RuleOutcome[],
  written: Map<string, number>,
  started: number,
): RunReport {
  const ran = outcomes.filter((o) => !o.skipped);
  const rules = ran.map((o) => ({
    id: o.id,
    version: o.version,
    title: o.title,
    flagsWritten: written.get(o.id) ?? 0,
    evaluated: o.evaluated,
    alreadyFlagged: o.alreadyFlagged,
    inCooldown: o.inCooldown,
    notEvaluable: o.notEvaluable,
    excluded: o.excluded,
    skippedCohorts: o.skippedCohorts,
  }));
  return {
    ...emptyReport(asOfDay, trigger, inputs),
    runId,
    studentsEvaluated,
    flagsWritten: rules.reduce((n, r) => n + r.flagsWritten, 0),
    rules,
    skipped: [...outcomes.filter((o) => o.skipped).map((o) => ({ id: o.id, reason: o.skipped! })), ...inputs.invalid],
    durationMs: Math.round(performance.now() - started),
  };
}

/** What RuleRun.summary keeps: the report without repeating the run's own columns. */
function summaryOf(report: RunReport): object {
  const { runId: _runId, asOf: _asOf, trigger: _trigger, ...rest } = report;
  return rest;
}
