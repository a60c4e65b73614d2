/** Analytics: aggregate questions for student centres, small groups suppressed (POLICY P5, P11). */
export { askQuestion, loadVocabulary, type AskOptions, type AskResult } from "./ask.ts";
export { parseQuestion, phraseOf, cohortWords, vocabularyWords, type ParseResult, type Vocabulary } from "./parser.ts";
export { runQuery, answerText, QueryError, DEFAULT_TIMEZONE, type Answer, type AnswerRow, type Chart, type RunOptions } from "./run-query.ts";
export {
  QUESTIONS,
  CHANNELS,
  TOP_RULES_DEFAULT,
  questionOf,
  periodText,
  renderQuestionTable,
  type Query,
  type QuestionKind,
  type QuestionDefinition,
  type Period,
  type CohortFilter,
  type CohortGrouping,
  type YearFilter,
  type Grouping,
} from "./questions.ts";
export {
  FEWER_THAN_5,
  NOT_SHOWN,
  SMALL,
  sumOfCells,
  rateOf,
  averageOverCohorts,
  figureText,
  isRounded,
  type Figure,
  type Range,
  type Rounded,
} from "../access/index.ts";
export { individualRequest, INDIVIDUAL_REFUSAL, type IndividualRequest } from "./individuals.ts";
export { resolvePeriod, type DayRange } from "./periods.ts";
export { isGroupQuestion } from "./group-question.ts";

export { estimateEffect, poolEstimates, effectSentence, MIN_PER_ARM, type EffectEstimate, type EffectUnit } from "./effect-estimate.ts";
export { ruleEffect, allRuleEffects, type RuleEffect, type AllRuleEffects, type OutcomeEffect } from "./rule-effect.ts";

import { askQuestion } from "./ask.ts";
import { allRuleEffects, ruleEffect } from "./rule-effect.ts";
import { effectivenessReport } from "./report/build.ts";

/** What the edges may ask of analytics (app/ binds the database). */
export const useCases = { askQuestion, ruleEffect, allRuleEffects, effectivenessReport };

export { effectivenessReport, ReportPeriodError, MAX_REPORT_DAYS, type EffectivenessReport, type ReportOptions } from "./report/build.ts";
export { renderReportHtml } from "./report/html.ts";
