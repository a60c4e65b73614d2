/**
 * Rules: admin-written documents (YAML or JSON, rule.schema.json) whose CEL conditions over the
 * metrics catalogue turn the daily rollups into flags with evidence, on schedule.
 */
export { CATALOGUE, lookupMetric, type Metric, type MetricFamily } from "./metrics.ts";
export { PLACEHOLDERS, smsSegmentsOf, renderTemplate, MAX_SMS_SEGMENTS } from "./templates.ts";
export { evidencePhrases, joinPhrases, staffEvidenceLine, type Register } from "./evidence-words.ts";
export type { FlagEvidence } from "./flags.ts";
export { computeMetrics, type StudentMetrics } from "./queries/metrics.ts";
export { formatProblem, type Problem } from "./document.ts";
export { checkFiles, hasErrors, type CheckedFiles } from "./files.ts";
export { validateRule, validateCalendar, type RuleDocument, type ValidRule } from "./validate.ts";
export {
  listRules,
  showRule,
  setEnabled,
  rollback,
  saveAll,
  loadCalendar,
  referenceProblems,
  RuleNotFound,
  type RuleDetail,
  type RuleSummary,
  type SaveOutcome,
} from "./store.ts";
export { runRules, type RunReport, type RunOptions, type RunTrigger } from "./run.ts";
export { isoDay, feedStates } from "./freshness.ts";
export { dryRun, discloseDryRun, type DryRunReport, type Backtest, type Count } from "./dry-run.ts";
export { asOfDayFor, localDay } from "./days.ts";
export { lastRunSummaries, dryRunDay, dryRunStoredRule } from "./overview.ts";
export { versionChanges } from "./version-changes.ts";
export { calibrate, calibrationTable, MAX_WEEKLY_SHARE, MIN_LIFT, type CalibrationReport, type RuleCalibration } from "./calibration.ts";
export {
  ruleYaml,
  diffLines,
  FLAG_HISTORY_DAYS,
  RuleTextInvalid,
  type CheckedRuleText,
  type DiffLine,
  type StudioDryRun,
  type StudioRule,
} from "./studio.ts";
export {
  DEFAULT_VOLUME_GUARD,
  heldNudges,
  heldByRule,
  heldCardData,
  releaseHeld,
  discardHeld,
  NothingHeld,
  volumeGuardFromEnv,
  volumeHolds,
  type HeldRule,
  type VolumeGuardSettings,
  type VolumeHold,
} from "./volume-guard.ts";
export { academicYearOf, armOf, holdoutDraw, holdoutShare, isAutomaticNudge, termOf, MAX_HOLDOUT_PERCENT, type HoldoutArm } from "./holdout.ts";

import { discloseDryRun, dryRun, type DryRunOptions } from "./dry-run.ts";
import type { ValidRule } from "./validate.ts";
import type { Database } from "../prisma/index.ts";
import { dryRunDay, dryRunStoredRule, lastRunSummaries } from "./overview.ts";
import { runRules } from "./run.ts";
import { discardHeld, heldByRule, heldNudges, releaseHeld } from "./volume-guard.ts";
import { checkRuleText, dryRunRuleText, publishRuleText, studioRule, studioRules, versionDiff } from "./studio.ts";
import { listRules, loadCalendar, referenceProblems, rollback, saveAll, setEnabled, showRule } from "./store.ts";

/** What the edges may ask of the rules (app/ binds the database). */
export const useCases = {
  listRules,
  showRule,
  setEnabled,
  rollback,
  saveAll,
  loadCalendar,
  referenceProblems,
  runRules,
  /** For the edges, counts disclosure-controlled: the same report Teams and the CLI show. */
  dryRun: async (db: Database, rule: ValidRule, options: DryRunOptions) => discloseDryRun(await dryRun(db, rule, options)),
  lastRunSummaries,
  dryRunDay,
  dryRunStoredRule,
  heldNudges,
  heldByRule,
  releaseHeld,
  discardHeld,
  /** The rules studio: a rule's text checked, dry-run and published; versions compared. */
  checkRuleText,
  dryRunRuleText,
  publishRuleText,
  studioRules,
  studioRule,
  versionDiff,
};
