/**
 * "Does this rule's nudge help?": each rule's randomised holdout compared on what followed its
 * flags (queries/flag-outcomes.ts), per outcome, with the estimate of effect-estimate.ts. The unit
 * is a student's first flag from the rule in a term (a student keeps one arm per rule per term, and
 * later flags of the same student are not independent). The headline outcome is VLE active days in
 * the 14 days after the flag. Aggregates only: no student appears in the answer.
 */
import type { Database } from "../prisma/index.ts";
import { isoDay, RuleNotFound, termOf } from "../rules/index.ts";
import { effectSentence, estimateEffect, poolEstimates, type EffectEstimate, type EffectUnit } from "./effect-estimate.ts";
import { flagOutcomes, lastEngagementDay, type FlagOutcomeRow, type Window } from "./queries/flag-outcomes.ts";

export const HEADLINE = "vle_active_days_14";

export interface OutcomeEffect {
  outcome: string;
  /** In words, as the sentence uses it, e.g. "VLE active days in the 14 days after". */
  label: string;
  /** Students whose window has ended (their outcome is known). */
  students: number;
  estimate: EffectEstimate;
  sentence: string;
}

export interface RuleEffect {
  rule: string;
  title: string;
  holdout: string;
  /** The last day of engagement data: windows ending later are not counted yet. */
  dataUntil: string | null;
  /** Students with an arm (first flag per term), nudged and held out. */
  nudged: number;
  heldOut: number;
  headline: OutcomeEffect;
  outcomes: OutcomeEffect[];
}

interface OutcomeDefinition {
  outcome: string;
  label: string;
  /** Days after the flag the outcome needs before it is known. */
  needs: number;
  value: (row: FlagOutcomeRow) => number | null;
  baseline?: (row: FlagOutcomeRow) => number | null;
}

const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);

function definitions(): OutcomeDefinition[] {
  const defs: OutcomeDefinition[] = [];
  for (const w of [7, 14, 28] as Window[]) {
    defs.push({
      outcome: `vle_active_days_${w}`,
      label: `VLE active days in the ${w} days after`,
      needs: w,
      value: (r) => r.vleDays[w],
      // The 28 days before, scaled to the window: the covariate's scale does not matter to CUPED, but it reads better.
      baseline: (r) => (r.vleDays.before * w) / 28,
    });
  }
  defs.push(
    {
      outcome: "attendance_rate_14",
      label: "attendance rate (share of sessions) in the 14 days after",
      needs: 14,
      value: (r) => rate(r.attended[14], r.sessions[14]),
      baseline: (r) => rate(r.attended.before, r.sessions.before),
    },
    {
      outcome: "submissions_on_time_14",
      label: "share of submissions on time in the 14 days after",
      needs: 14,
      value: (r) => rate(r.submissionsDue[14] - r.submissionsLateOrMissed[14], r.submissionsDue[14]),
      baseline: (r) => rate(r.submissionsDue.before - r.submissionsLateOrMissed.before, r.submissionsDue.before),
    },
    { outcome: "flagged_again_28", label: "share flagged again within 28 days", needs: 28, value: (r) => Number(r.flaggedAgain28) },
    { outcome: "replied_28", label: "share who replied within 28 days", needs: 28, value: (r) => Number(r.replied28) },
    { outcome: "meeting_28", label: "share with a meeting within 28 days", needs: 28, value: (r) => Number(r.meeting28) },
    {
      outcome: "withdrew_or_failed",
      label: "share who withdrew or failed (where results are loaded)",
      needs: 0,
      value: (r) => (r.withdrewOrFailed === null ? null : Number(r.withdrewOrFailed)),
    },
  );
  return defs;
}

/** A student's first flag from each rule in each term: the unit of the comparison. */
export function firstFlagPerTerm(rows: readonly FlagOutcomeRow[]): FlagOutcomeRow[] {
  const seen = new Set<string>();
  const first: FlagOutcomeRow[] = [];
  for (const row of [...rows].sort((a, b) => a.day - b.day || a.flagId - b.flagId)) {
    const term = termOf(row.day);
    const key = `${row.ruleId}|${row.studentId}|${term.academicYear}|${term.term}`;
    if (seen.has(key)) continue;
    seen.add(key);
    first.push(row);
  }
  return first;
}

function outcomeEffect(rows: readonly FlagOutcomeRow[], def: OutcomeDefinition, lastDay: number): OutcomeEffect {
  const units: EffectUnit[] = [];
  for (const row of rows) {
    if (row.day + def.needs > lastDay) continue;
    const outcome = def.value(row);
    if (outcome === null) continue;
    units.push({ arm: row.arm, outcome, baseline: def.baseline?.(row) ?? null });
  }
  const estimate = estimateEffect(units);
  return { outcome: def.outcome, label: def.label, students: units.length, estimate, sentence: effectSentence(estimate, def.label) };
}

function effectOf(rule: { id: string; title: string; holdout: string }, rows: readonly FlagOutcomeRow[], lastDay: number | null): RuleEffect {
  const units = firstFlagPerTerm(rows);
  const outcomes = definitions().map((def) => outcomeEffect(units, def, lastDay ?? Number.NEGATIVE_INFINITY));
  return {
    rule: rule.id,
    title: rule.title,
    holdout: rule.holdout,
    dataUntil: lastDay === null ? null : isoDay(lastDay),
    nudged: units.filter((u) => u.arm === "nudged").length,
    heldOut: units.filter((u) => u.arm === "held_out").length,
    headline: outcomes.find((o) => o.outcome === HEADLINE)!,
    outcomes,
  };
}

async function ruleInfo(db: Database, id: string): Promise<{ id: string; title: string; holdout: string }> {
  const rule = await db.prisma.rule.findUnique({ where: { id }, select: { id: true, title: true, currentVersion: true } });
  if (!rule) throw new RuleNotFound(`There is no rule called ${id}.`);
  const version = await db.prisma.ruleVersion.findUnique({
    where: { ruleId_version: { ruleId: id, version: rule.currentVersion } },
    select: { document: true },
  });
  const holdout = (version?.document as { holdout?: string } | undefined)?.holdout ?? "0%";
  return { id: rule.id, title: rule.title, holdout };
}

/** One rule's effect, on every outcome. */
export async function ruleEffect(db: Database, ruleId: string): Promise<RuleEffect> {
  const rule = await ruleInfo(db, ruleId);
  const lastDay = await lastEngagementDay(db.sql);
  const rows = lastDay === null ? [] : await flagOutcomes(db.sql, { ruleId, lastDay });
  return effectOf(rule, rows, lastDay);
}

export interface AllRuleEffects {
  dataUntil: string | null;
  rules: RuleEffect[];
  /** Every rule with enough students, weighted by its students, on the headline outcome. */
  pooled: ReturnType<typeof poolEstimates> & { sentence: string };
}

/** Outcomes an aggregate question can ask the effect on (analytics "did nudges improve attendance?"). */
export const OUTCOME_OF_SOURCE = { vle: HEADLINE, attendance: "attendance_rate_14", submission: "submissions_on_time_14" } as const;

/** The outcome's words, e.g. "VLE active days in the 14 days after". */
export function outcomeLabel(outcome: string): string {
  return definitions().find((d) => d.outcome === outcome)?.label ?? outcome;
}

/**
 * Every rule that has flags with an arm, and the pooled headline (or `outcome`); only flags raised
 * from `from` to `to` (day numbers) when given, their outcomes followed as far as the data goes.
 */
export async function allRuleEffects(db: Database, options: { from?: number; to?: number; outcome?: string } = {}): Promise<AllRuleEffects> {
  const lastDay = await lastEngagementDay(db.sql);
  const all = lastDay === null ? [] : await flagOutcomes(db.sql, { lastDay, fromDay: options.from });
  const rows = all.filter((r) => (options.from === undefined || r.day >= options.from) && (options.to === undefined || r.day <= options.to));
  const byRule = new Map<string, FlagOutcomeRow[]>();
  for (const row of rows) {
    const list = byRule.get(row.ruleId);
    if (list) list.push(row);
    else byRule.set(row.ruleId, [row]);
  }
  const rules: RuleEffect[] = [];
  for (const [id, ruleRows] of byRule) rules.push(effectOf(await ruleInfo(db, id), ruleRows, lastDay));
  const outcome = options.outcome ?? HEADLINE;
  const pooled = poolEstimates(rules.map((r) => r.outcomes.find((o) => o.outcome === outcome)!.estimate));
  const label = outcomeLabel(outcome);
  const sentence =
    pooled.rules === 0
      ? rules.length === 0
        ? "No rule has held out any students yet: there is nothing to compare."
        : "Not enough students yet in any rule to tell."
      : `${effectSentence(pooled, label)}${pooled.rulesLeftOut ? ` (${pooled.rulesLeftOut} rule(s) without enough students left out.)` : ""}`;
  return { dataUntil: lastDay === null ? null : isoDay(lastDay), rules, pooled: { ...pooled, sentence } };
}
