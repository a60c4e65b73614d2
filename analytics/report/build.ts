/**
 * The annual report on the use and effectiveness of learner analytics (POLICY P12):
 * `effectivenessReport(db, staffNumber, { from, to })` gathers its four sections (use,
 * effectiveness per rule, data quality, equality) as data; html.ts renders them for people and
 * the CLI prints them as JSON as they are. Only staff with `analytics.report` (admins, who hold
 * the data-protection duties) may produce it; every attempt is audited (`analytics.report`).
 */
import { AccessRefused, authorise } from "../../access/index.ts";
import { writeAudit, type AuditActor } from "../../audit/index.ts";
import { DEFAULT_TIMEZONE, NudgeError } from "../../core/index.ts";
import type { Database } from "../../prisma/index.ts";
import type { EffectEstimate } from "../effect-estimate.ts";
import { isoDay, type DayRange } from "../periods.ts";
import { equalityRows } from "../queries/report.ts";
import { allRuleEffects, HEADLINE } from "../rule-effect.ts";
import { equalitySection, type EqualitySection } from "./equality.ts";
import { qualitySection, type QualitySection } from "./quality.ts";
import { usageSection, type UseSection } from "./use.ts";
import { instants } from "../periods.ts";

/** A report period that cannot be reported on as given. */
export class ReportPeriodError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "report_period_invalid";
}

/** Two academic years at most: the report is annual, and a longer one is a different question. */
export const MAX_REPORT_DAYS = 731;

export interface RuleEffectRow {
  rule: string;
  title: string;
  holdout: string;
  nudged: number;
  heldOut: number;
  /** The headline outcome's estimate (VLE active days in the 14 days after the flag). */
  estimate: Pick<
    EffectEstimate,
    "enough" | "difference" | "interval" | "minimumDetectableEffect" | "significant" | "meanNudged" | "meanHeldOut" | "unadjusted"
  >;
  sentence: string;
}

export interface EffectivenessSection {
  outcome: string;
  outcomeLabel: string;
  dataUntil: string | null;
  rules: RuleEffectRow[];
  pooled: { rules: number; rulesLeftOut: number; estimate: RuleEffectRow["estimate"]; sentence: string };
}

export interface EffectivenessReport {
  title: string;
  period: { from: string; to: string };
  generatedAt: string;
  generatedBy: string;
  use: UseSection;
  effectiveness: EffectivenessSection;
  quality: QualitySection;
  equality: EqualitySection;
}

export interface ReportOptions {
  from: number;
  to: number;
  now?: Date;
  timezone?: string;
}

const pick = (e: EffectEstimate): RuleEffectRow["estimate"] => ({
  enough: e.enough,
  difference: e.difference,
  interval: e.interval,
  minimumDetectableEffect: e.minimumDetectableEffect,
  significant: e.significant,
  meanNudged: e.meanNudged,
  meanHeldOut: e.meanHeldOut,
  unadjusted: e.unadjusted,
});

async function effectivenessSection(db: Database, range: DayRange): Promise<EffectivenessSection> {
  const all = await allRuleEffects(db, range);
  const rules = all.rules
    .map((r) => ({
      rule: r.rule,
      title: r.title,
      holdout: r.holdout,
      nudged: r.nudged,
      heldOut: r.heldOut,
      estimate: pick(r.headline.estimate),
      sentence: r.headline.sentence,
    }))
    .sort((a, b) => a.rule.localeCompare(b.rule));
  const label = all.rules[0]?.headline.label ?? "VLE active days in the 14 days after";
  return {
    outcome: HEADLINE,
    outcomeLabel: label,
    dataUntil: all.dataUntil,
    rules,
    pooled: { rules: all.pooled.rules, rulesLeftOut: all.pooled.rulesLeftOut, estimate: pick(all.pooled), sentence: all.pooled.sentence },
  };
}

function checkPeriod(options: ReportOptions): DayRange {
  const { from, to } = options;
  if (from > to) throw new ReportPeriodError(`The period starts after it ends: --from ${isoDay(from)} is later than --to ${isoDay(to)}.`);
  if (to - from + 1 > MAX_REPORT_DAYS)
    throw new ReportPeriodError(`The period is ${to - from + 1} days long; a report covers at most ${MAX_REPORT_DAYS} days (two academic years).`);
  return { from, to };
}

export async function effectivenessReport(db: Database, staffNumber: string, options: ReportOptions): Promise<EffectivenessReport> {
  const actor: AuditActor = { kind: "staff", staffNumber };
  const period = { from: isoDay(options.from), to: isoDay(options.to) };
  const audit = (details: Record<string, unknown>) =>
    writeAudit(db.prisma, { actor, action: "analytics.report", targetType: "analytics", targetId: "effectiveness", details: { period, ...details } });
  const range = checkPeriod(options);
  let staff: Awaited<ReturnType<typeof authorise>>;
  try {
    staff = await authorise(db, staffNumber, "analytics.report");
  } catch (error) {
    if (error instanceof AccessRefused) {
      await audit({ outcome: "refused", reason: error.message });
      throw new AccessRefused("Sorry, you can't produce this report: it needs the admin role. The attempt has been recorded.");
    }
    throw error;
  }
  const now = options.now ?? new Date();
  const timezone = options.timezone ?? DEFAULT_TIMEZONE;
  try {
    const use = await usageSection(db, range, timezone);
    const effectiveness = await effectivenessSection(db, range);
    const quality = await qualitySection(db, range, now);
    const equality = equalitySection(await equalityRows(db, range, instants(range, timezone)));
    await audit({ outcome: "produced", rules: effectiveness.rules.length, equalityFields: equality.fields.map((f) => f.field) });
    return {
      title: "Learner analytics: use and effectiveness",
      period,
      generatedAt: now.toISOString(),
      generatedBy: staff.displayName,
      use,
      effectiveness,
      quality,
      equality,
    };
  } catch (error) {
    await audit({ outcome: "failed", error: (error as Error).message });
    throw error;
  }
}
