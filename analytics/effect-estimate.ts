/**
 * Did a rule's nudge help? The intention-to-treat difference between students assigned to be
 * nudged and those held out (rules/holdout.ts), on one outcome, with a 95% interval.
 *
 * The pre-flag value of the outcome is a covariate (CUPED: subtract theta * (baseline - mean),
 * theta from all students together, which randomisation makes unbiased): students who were busy
 * before stay busy after, and taking that out narrows the interval without moving its centre.
 * The interval is Welch's (unequal variances: a 10% holdout makes the arms very unequal in size),
 * with the Student t quantile for Welch-Satterthwaite degrees of freedom. The minimum detectable
 * effect is the one this sample finds with 80% power at the 5% level.
 *
 * Library: simple-statistics (means, variances, covariance, normal quantile) and stdlib's t
 * quantile. Hand-written here only the arithmetic that joins them (Welch's standard error and
 * degrees of freedom, the pooled stratified estimate), for which neither has a function.
 */
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { mean, probit, sampleCovariance, sampleVariance } from "simple-statistics";

export type Arm = "nudged" | "held_out";

/** One student's first flag from the rule in a term: the arm, the outcome after, the same measure before. */
export interface EffectUnit {
  arm: Arm;
  outcome: number;
  /** Null when there is no pre-flag measure (e.g. no sessions timetabled): the mean of the others is used. */
  baseline?: number | null;
}

/** Fewer students than this in either arm and the estimate is not reported: it would mostly be noise. */
export const MIN_PER_ARM = 20;
const POWER = 0.8;
const SMALLEST_GROUP = 5;

export interface EffectEstimate {
  nudged: number;
  heldOut: number;
  enough: boolean;
  meanNudged: number | null;
  meanHeldOut: number | null;
  /** Nudged minus held out, adjusted for the pre-flag measure. */
  difference: number | null;
  interval: [number, number] | null;
  standardError: number | null;
  /** The difference without the covariate, to show what the adjustment bought. */
  unadjusted: { difference: number; interval: [number, number] } | null;
  /** The smallest true effect this sample would find 80% of the time at the 5% level. */
  minimumDetectableEffect: number | null;
  /** The interval excludes zero. */
  significant: boolean;
  degreesOfFreedom: number | null;
}

interface ArmSummary {
  n: number;
  mean: number;
  variance: number;
}

function summary(values: number[]): ArmSummary {
  return { n: values.length, mean: mean(values), variance: values.length > 1 ? sampleVariance(values) : 0 };
}

/** Welch's difference of means: estimate, standard error and degrees of freedom. */
function welch(treated: ArmSummary, control: ArmSummary): { difference: number; se: number; df: number } {
  const [a, b] = [treated.variance / treated.n, control.variance / control.n];
  const se = Math.sqrt(a + b);
  const df = a + b === 0 ? treated.n + control.n - 2 : (a + b) ** 2 / (a ** 2 / (treated.n - 1) + b ** 2 / (control.n - 1));
  return { difference: treated.mean - control.mean, se, df };
}

function intervalOf(difference: number, se: number, df: number, level = 0.95): [number, number] {
  const q = tQuantile(1 - (1 - level) / 2, df);
  return [difference - q * se, difference + q * se];
}

function mdeOf(se: number, df: number): number {
  return (tQuantile(0.975, df) + probit(POWER)) * se;
}

/** CUPED-adjusted outcomes: the baseline's share of the outcome taken out, around its mean. */
export function adjusted(units: readonly EffectUnit[]): number[] {
  const known = units.filter((u) => u.baseline != null).map((u) => u.baseline as number);
  if (known.length < 3) return units.map((u) => u.outcome);
  const centre = mean(known);
  const baselines = units.map((u) => u.baseline ?? centre);
  const outcomes = units.map((u) => u.outcome);
  const variance = sampleVariance(baselines);
  const theta = variance > 0 ? sampleCovariance(baselines, outcomes) / variance : 0;
  return outcomes.map((y, i) => y - theta * (baselines[i]! - centre));
}

export function estimateEffect(units: readonly EffectUnit[]): EffectEstimate {
  const nudged = units.filter((u) => u.arm === "nudged");
  const heldOut = units.filter((u) => u.arm === "held_out");
  const enough = nudged.length >= MIN_PER_ARM && heldOut.length >= MIN_PER_ARM;
  const base: EffectEstimate = {
    nudged: nudged.length,
    heldOut: heldOut.length,
    enough,
    // An arm of fewer than 5 students is not described: its mean could identify someone (POLICY P5).
    meanNudged: nudged.length >= SMALLEST_GROUP ? mean(nudged.map((u) => u.outcome)) : null,
    meanHeldOut: heldOut.length >= SMALLEST_GROUP ? mean(heldOut.map((u) => u.outcome)) : null,
    difference: null,
    interval: null,
    standardError: null,
    unadjusted: null,
    minimumDetectableEffect: null,
    significant: false,
    degreesOfFreedom: null,
  };
  if (nudged.length < 2 || heldOut.length < 2) return base;
  const raw = welch(summary(nudged.map((u) => u.outcome)), summary(heldOut.map((u) => u.outcome)));
  const values = adjusted(units);
  const adj = welch(summary(values.filter((_, i) => units[i]!.arm === "nudged")), summary(values.filter((_, i) => units[i]!.arm === "held_out")));
  const mde = mdeOf(adj.se, adj.df);
  if (!enough) return { ...base, minimumDetectableEffect: mde };
  const interval = intervalOf(adj.difference, adj.se, adj.df);
  return {
    ...base,
    difference: adj.difference,
    interval,
    standardError: adj.se,
    unadjusted: { difference: raw.difference, interval: intervalOf(raw.difference, raw.se, raw.df) },
    minimumDetectableEffect: mde,
    significant: interval[0] > 0 || interval[1] < 0,
    degreesOfFreedom: adj.df,
  };
}

/**
 * Rules pooled: each rule's estimate weighted by its number of students (strata of a stratified
 * experiment: rules hold out different shares, so comparing all nudged with all held out would mix
 * rules with arms). Rules without enough students are left out and counted.
 */
export function poolEstimates(estimates: readonly EffectEstimate[]): EffectEstimate & { rules: number; rulesLeftOut: number } {
  const used = estimates.filter((e) => e.enough && e.difference !== null && e.standardError !== null && e.degreesOfFreedom !== null);
  const total = used.reduce((n, e) => n + e.nudged + e.heldOut, 0);
  const nudged = used.reduce((n, e) => n + e.nudged, 0);
  const heldOut = used.reduce((n, e) => n + e.heldOut, 0);
  const empty = {
    nudged,
    heldOut,
    enough: false,
    meanNudged: null,
    meanHeldOut: null,
    difference: null,
    interval: null,
    standardError: null,
    unadjusted: null,
    minimumDetectableEffect: null,
    significant: false,
    degreesOfFreedom: null,
    rules: used.length,
    rulesLeftOut: estimates.length - used.length,
  };
  if (used.length === 0) return empty;
  const weights = used.map((e) => (e.nudged + e.heldOut) / total);
  const difference = used.reduce((s, e, i) => s + weights[i]! * e.difference!, 0);
  const parts = used.map((e, i) => (weights[i]! * e.standardError!) ** 2);
  const variance = parts.reduce((s, v) => s + v, 0);
  const df = variance === 0 ? total - 2 : variance ** 2 / parts.reduce((s, v, i) => s + v ** 2 / used[i]!.degreesOfFreedom!, 0);
  const se = Math.sqrt(variance);
  const interval = intervalOf(difference, se, df);
  return {
    ...empty,
    enough: true,
    difference,
    interval,
    standardError: se,
    minimumDetectableEffect: mdeOf(se, df),
    significant: interval[0] > 0 || interval[1] < 0,
    degreesOfFreedom: df,
  };
}

const round = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2)).replace(/\.?0+$/, "").replace(/^-0$/, "0");

/** The estimate in one or two plain sentences, for an admin or a report. */
export function effectSentence(estimate: EffectEstimate, outcome: string): string {
  if (!estimate.enough) {
    const needed = `an estimate needs at least ${MIN_PER_ARM} students in each arm`;
    return `Not enough students yet to tell: ${estimate.nudged} nudged and ${estimate.heldOut} held out; ${needed}.`;
  }
  const d = estimate.difference!;
  const [lo, hi] = estimate.interval!;
  const range = `95% interval ${round(lo)} to ${round(hi)}`;
  const mde = `With ${estimate.nudged} nudged and ${estimate.heldOut} held out, the smallest effect this could reliably detect is ${round(estimate.minimumDetectableEffect!)}.`;
  if (!estimate.significant) return `No clear difference in ${outcome}: nudged minus held out is ${round(d)} (${range}). ${mde}`;
  return `Nudged students had ${round(Math.abs(d))} ${d > 0 ? "more" : "less"} ${outcome} than held-out students (${range}). ${mde}`;
}
