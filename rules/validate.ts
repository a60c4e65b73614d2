/**
 * Validation of rule and calendar documents: the JSON Schema first (shape, types, enums), then
 * what a schema cannot say: the condition compiles against the metrics catalogue, every
 * placeholder is known, SMS fits two segments, dates are real, calendar periods exist, and the
 * significance matches the intervention (POLICY P2). Every problem names the document, the field
 * and, for files, the line and column.
 */
import { type EngagementSource, isRecord } from "../core/index.ts";
import { Ajv, type ErrorObject } from "ajv";
import calendarSchema from "./calendar.schema.json" with { type: "json" };
import ruleSchema from "./rule.schema.json" with { type: "json" };
import { rangeProblem, unknownPeriodNames, type CalendarDocument, type PeriodRef } from "./calendar.ts";
import { compileCondition, type CompiledCondition } from "./condition.ts";
import { fieldName, type Path, type Problem, type SourceDocument } from "./document.ts";
import { HOLDOUT_FORMAT, holdoutProblem } from "./holdout.ts";
import { feedsOf, optionalFeedsOf } from "./metrics.ts";
import { checkTemplate } from "./templates.ts";

export type Channel = "teams" | "sms" | "email";
export type InterventionKind = "nudge" | "invitation_to_talk" | "referral" | "escalation" | "staff_message";

/** A rule as written (rule.schema.json). */
export interface RuleDocument {
  id: string;
  title: string;
  description: string;
  owner?: string;
  cohort?: {
    programmes?: string[];
    years?: number[];
    modules?: string[];
    tutorGroups?: string[];
    newStudents?: boolean | { withinDays: number };
  };
  condition: string;
  significance: "nudge" | "significant";
  intervention: InterventionKind;
  channels: Channel[];
  messages: { teams?: string; sms?: string; email?: { subject: string; body: string } };
  metricsInMessagesAcknowledged?: boolean;
  /** Share of flagged students whose automatic nudge is held back at random, e.g. "10%" (holdout.ts). */
  holdout?: string;
  cooldownDays: number;
  activePeriods?: PeriodRef[];
  skipPeriods?: PeriodRef[];
}

/** A rule that passed validation, ready to evaluate. */
export interface ValidRule {
  document: RuleDocument;
  condition: CompiledCondition;
  feeds: EngagementSource[];
  /** Of `feeds`, those read only where loaded (see optionalFeedsOf). */
  optionalFeeds?: EngagementSource[];
}

const ajv = new Ajv({ allErrors: true, strict: true });
const checkRuleShape = ajv.compile<RuleDocument>(ruleSchema);
const checkCalendarShape = ajv.compile<CalendarDocument>(calendarSchema);

function pathOf(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Ajv's error, in words an admin can act on, at the field it concerns. */
function schemaProblem(error: ErrorObject): { path: Path; message: string } {
  const path = pathOf(error.instancePath);
  if (path.length === 1 && path[0] === "holdout") return { path, message: HOLDOUT_FORMAT };
  if (error.propertyName !== undefined)
    return { path, message: `'${error.propertyName}' is not a valid name: use lower-case letters, digits and hyphens (e.g. reading-weeks)` };
  switch (error.keyword) {
    case "additionalProperties":
      return { path: [...path, error.params.additionalProperty as string], message: "unknown field" };
    case "required":
      return { path: [...path, error.params.missingProperty as string], message: "is required" };
    case "enum":
      return { path, message: `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "pattern":
      return { path, message: path.at(-1) === "from" || path.at(-1) === "to" ? "must be a date as YYYY-MM-DD" : `must match ${error.params.pattern}` };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

/** oneOf reports every branch; keep the most specific messages and drop the summary. */
function schemaProblems(errors: ErrorObject[]): { path: Path; message: string }[] {
  const specific = errors.filter((e) => e.keyword !== "oneOf" && e.keyword !== "if" && e.keyword !== "propertyNames");
  const seen = new Set<string>();
  return (specific.length ? specific : errors).map(schemaProblem).filter((p) => {
    const key = `${fieldName(p.path)}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface Reporter {
  problems: Problem[];
  add(severity: Problem["severity"], path: Path, message: string): void;
}

function reporter(source: SourceDocument | undefined, document: string | undefined): Reporter {
  const problems: Problem[] = [];
  return {
    problems,
    add(severity, path, message) {
      // A problem with the whole document (empty, or not a mapping) is at its start.
      const at = source?.positionOf(path) ?? (source && path.length === 0 ? { line: 1, column: 1 } : undefined);
      problems.push({ severity, file: source?.file, document, field: fieldName(path), line: at?.line, column: at?.column, message });
    },
  };
}

/** Line and column of an offset inside a string value written on one line (conditions mostly are). */
function conditionPosition(source: SourceDocument | undefined, expression: string, offset: number | undefined): { line?: number; column?: number } {
  const at = source?.positionOf(["condition"]);
  if (!at || offset === undefined) return at ?? {};
  const lineText = source!.text.split("\n")[at.line - 1] ?? "";
  const start = lineText.indexOf(expression.split("\n")[0]!);
  return start >= 0 && !expression.slice(0, offset).includes("\n") ? { line: at.line, column: start + offset + 1 } : at;
}

export interface RuleValidation {
  rule?: ValidRule;
  problems: Problem[];
}

export interface ValidationContext {
  /** The calendar rules' period names resolve against (the one being imported with them, else the stored one). */
  calendar: CalendarDocument | null;
  source?: SourceDocument;
}

/**
 * Checks everything it can even when the shape is wrong, so one round of fixes is usually enough;
 * each check looks only at fields that have the type it needs.
 */
export function validateRule(data: unknown, context: ValidationContext): RuleValidation {
  const id = isRecord(data) && typeof data.id === "string" ? `rule ${data.id}` : "rule";
  const report = reporter(context.source, id);
  const shapeOk = checkRuleShape(data);
  if (!shapeOk) for (const p of schemaProblems(checkRuleShape.errors ?? [])) report.add("error", p.path, p.message);
  if (!isRecord(data)) return { problems: report.problems };
  const rule = data as Partial<RuleDocument>;

  const compiled = typeof rule.condition === "string" ? compileCondition(rule.condition) : undefined;
  if (compiled && !compiled.ok) {
    for (const problem of compiled.problems) {
      const at = conditionPosition(context.source, rule.condition!, problem.offset);
      report.problems.push({ severity: "error", file: context.source?.file, document: id, field: "condition", ...at, message: problem.message });
    }
  }

  if (typeof rule.intervention === "string" && rule.intervention !== "nudge" && rule.significance !== "significant") {
    report.add("error", ["significance"], `an ${rule.intervention.replace(/_/g, " ")} needs a person's approval: set significance: significant (POLICY P2)`);
  }
  if (typeof rule.holdout === "string") {
    const problem = holdoutProblem(rule);
    if (problem) report.add(problem.severity, ["holdout"], problem.message);
  }
  const messages = isRecord(rule.messages) ? (rule.messages as RuleDocument["messages"]) : undefined;
  const channels = Array.isArray(rule.channels) ? rule.channels.filter((c): c is Channel => c === "teams" || c === "sms" || c === "email") : [];
  if (messages) {
    for (const channel of channels) {
      if (!messages[channel]) report.add("error", ["messages", channel], `channel ${channel} is listed in channels but has no message template`);
    }
    for (const channel of Object.keys(messages).filter((c): c is Channel => c === "teams" || c === "sms" || c === "email")) {
      if (!channels.includes(channel)) report.add("warning", ["messages", channel], `template for ${channel}, which is not in channels: it will not be used`);
    }
  }
  if (messages && compiled?.ok) {
    const templateContext = {
      metrics: compiled.condition.metrics,
      metricsAcknowledged: rule.metricsInMessagesAcknowledged === true,
      title: typeof rule.title === "string" ? rule.title : "",
    };
    const templates: [Channel, Path, unknown][] = [
      ["teams", ["messages", "teams"], messages.teams],
      ["sms", ["messages", "sms"], messages.sms],
      ["email", ["messages", "email", "subject"], messages.email?.subject],
      ["email", ["messages", "email", "body"], messages.email?.body],
    ];
    for (const [channel, path, template] of templates) {
      if (typeof template !== "string") continue;
      for (const problem of checkTemplate(template, { ...templateContext, channel })) report.add(problem.severity, path, problem.message);
    }
  }

  for (const key of ["activePeriods", "skipPeriods"] as const) {
    const refs = Array.isArray(rule[key]) ? (rule[key] as unknown[]) : [];
    refs.forEach((ref, i) => {
      if (isRecord(ref) && typeof ref.from === "string" && typeof ref.to === "string") {
        const problem = rangeProblem(ref as { from: string; to: string });
        if (problem) report.add("error", [key, i], problem);
      }
    });
    const names = refs.filter((ref): ref is string => typeof ref === "string");
    for (const name of unknownPeriodNames(names, context.calendar)) {
      report.add(
        "error",
        [key, refs.indexOf(name)],
        context.calendar
          ? `calendar ${context.calendar.calendar} has no period '${name}' (it has: ${Object.keys(context.calendar.periods).join(", ")})`
          : `'${name}' names a calendar period, but no academic calendar is imported: import one (nudge rules import calendar.yaml) or give dates`,
      );
    }
  }

  if (!shapeOk || !compiled?.ok || report.problems.some((p) => p.severity === "error")) return { problems: report.problems };
  const metrics = compiled.condition.metrics;
  return {
    rule: { document: data, condition: compiled.condition, feeds: feedsOf(metrics), optionalFeeds: optionalFeedsOf(metrics) },
    problems: report.problems,
  };
}

export interface CalendarValidation {
  calendar?: CalendarDocument;
  problems: Problem[];
}

export function validateCalendar(data: unknown, source?: SourceDocument): CalendarValidation {
  const name =
    typeof data === "object" && data && typeof (data as { calendar?: unknown }).calendar === "string"
      ? `calendar ${(data as { calendar: string }).calendar}`
      : "calendar";
  const report = reporter(source, name);
  if (!checkCalendarShape(data)) {
    for (const p of schemaProblems(checkCalendarShape.errors ?? [])) report.add("error", p.path, p.message);
    return { problems: report.problems };
  }
  for (const [period, ranges] of Object.entries(data.periods)) {
    ranges.forEach((range, i) => {
      const problem = rangeProblem(range);
      if (problem) report.add("error", ["periods", period, i], problem);
    });
  }
  return report.problems.length ? { problems: report.problems } : { calendar: data, problems: [] };
}
