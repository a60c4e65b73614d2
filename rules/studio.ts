/**
 * What the rules studio (the web page admins write rules in) asks of the rules: a rule's text
 * checked exactly as `nudge rules validate` checks a file, dry-run, published as a new version
 * the way `nudge rules import` saves one, the YAML `nudge rules show` prints, a readable diff
 * between versions, and the list with each rule's recent flags a day. Counts only.
 */
import { stringify } from "yaml";
import type { StaffIdentity } from "../access/index.ts";
import { DEFAULT_TIMEZONE, NudgeError } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { asOfDayFor } from "./days.ts";
import { isCalendarData, parseSource, type Problem } from "./document.ts";
import { discloseDryRun, dryRun, type Count, type DryRunReport } from "./dry-run.ts";
import { hasErrors } from "./files.ts";
import { isoDay } from "./freshness.ts";
import { dryRunDay, lastRunSummaries } from "./overview.ts";
import { listRules, loadCalendar, referenceProblems, saveAll, showRule, type RuleDetail, type RuleSummary, type SaveOutcome } from "./store.ts";
import { validateRule, type ValidRule } from "./validate.ts";

/** How many weeks of flags a day the studio's list draws. */
export const FLAG_HISTORY_DAYS = 28;

/** A rule as `nudge rules show` prints it: the text it was saved from, else its document as YAML. */
export function ruleYaml(detail: Pick<RuleDetail, "source" | "document">): string {
  return (detail.source ?? stringify(detail.document)).trimEnd();
}

export interface CheckedRuleText {
  rule?: ValidRule;
  problems: Problem[];
}

/**
 * A rule's YAML (or JSON) text, checked as `nudge rules validate` checks a file of one rule:
 * parsed with positions, validated against the stored calendar, then what only the database knows.
 * `file` names it in the problems (the studio uses `<id>.yaml`).
 */
export async function checkRuleText(db: Database, text: string, file = "rule.yaml"): Promise<CheckedRuleText> {
  const parsed = parseSource(file, text);
  if (!parsed.ok) return { problems: parsed.problems };
  if (isCalendarData(parsed.source.data))
    return { problems: [{ severity: "error", file, field: "calendar", message: "this is a calendar, not a rule: import calendars with nudge rules import" }] };
  const checked = validateRule(parsed.source.data, { calendar: await loadCalendar(db), source: parsed.source });
  const problems = [...checked.problems];
  if (checked.rule) problems.push(...(await referenceProblems(db, [{ rule: checked.rule, document: parsed.source }])));
  return hasErrors(problems) ? { problems } : { rule: checked.rule, problems };
}

/** Bad studio input: kind usage (HTTP 400). */
export class RuleTextInvalid extends NudgeError {
  static override kind = "usage" as const;
  static override code = "rule_text_invalid";
}

export type StudioDryRun = { ok: true; report: DryRunReport<Count>; problems: Problem[]; ms: number } | { ok: false; problems: Problem[] };

/** A dry run of unsaved text, disclosure-controlled as in Teams and the CLI; nothing is written. */
export async function dryRunRuleText(
  db: Database,
  text: string,
  options: { timezone?: string; asOf?: string; backtest?: boolean } = {},
): Promise<StudioDryRun> {
  const started = performance.now();
  const checked = await checkRuleText(db, text);
  if (!checked.rule) return { ok: false, problems: checked.problems };
  const asOfDay = await dryRunDay(db, options.timezone ?? DEFAULT_TIMEZONE, options.asOf);
  const report = discloseDryRun(await dryRun(db, checked.rule, { asOfDay, backtest: options.backtest }));
  return { ok: true, report, problems: checked.problems, ms: Math.round(performance.now() - started) };
}

/**
 * Publishes text as the next version of rule `id` (or creates it, disabled, as import does), with
 * the change note; the same save and audit entry as `nudge rules import --comment`. The text is
 * kept as the version's source, so `nudge rules show` prints it unchanged.
 */
export async function publishRuleText(
  db: Database,
  id: string,
  text: string,
  author: StaffIdentity,
  note: string,
): Promise<{ saved: SaveOutcome; problems: Problem[] }> {
  const checked = await checkRuleText(db, text, `${id}.yaml`);
  if (!checked.rule) throw new RuleTextInvalid(`the rule has errors: ${checked.problems.filter((p) => p.severity === "error").length}`);
  if (checked.rule.document.id !== id)
    throw new RuleTextInvalid(`the text is rule '${checked.rule.document.id}', not '${id}': a rule's id cannot change (save it as a new rule)`);
  if (!note.trim()) throw new RuleTextInvalid("say what changed and why in the change note");
  const saved = await saveAll(db, { rules: [{ rule: checked.rule, source: text }] }, author, note.trim());
  return { saved: saved.rules[0]!, problems: checked.problems };
}

export type DiffLine = { kind: "same" | "added" | "removed"; text: string };

/** Line diff (longest common subsequence): rule texts are tens of lines, so the square table is small. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const table: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ kind: "same", text: a[i]! });
      i++;
      j++;
    } else if (i < a.length && (j === b.length || table[i + 1]![j]! >= table[i]![j + 1]!)) lines.push({ kind: "removed", text: a[i++]! });
    else lines.push({ kind: "added", text: b[j++]! });
  }
  return lines;
}

/** What changed from version `from` to version `to` of a rule, line by line, as `rules show` prints them. */
export async function versionDiff(db: Database, id: string, from: number, to: number): Promise<{ from: number; to: number; lines: DiffLine[] }> {
  const [before, after] = await Promise.all([showRule(db, id, from), showRule(db, id, to)]);
  return { from, to, lines: diffLines(ruleYaml(before), ruleYaml(after)) };
}

export interface StudioRule extends RuleSummary {
  lastRun: string | null;
  /** Flags raised a day over the last FLAG_HISTORY_DAYS days, oldest first (counts only). */
  flagsPerDay: { day: string; flags: number }[];
}

/** Every rule with its last run in words and its flags a day over the last four weeks. */
export async function studioRules(db: Database, timezone = DEFAULT_TIMEZONE, now = new Date()): Promise<StudioRule[]> {
  const [rules, lastRuns] = await Promise.all([listRules(db), lastRunSummaries(db, timezone)]);
  const last = asOfDayFor(now, timezone);
  const first = last - FLAG_HISTORY_DAYS + 1;
  const counts = await db.prisma.flag.groupBy({ by: ["ruleId", "day"], where: { day: { gte: first, lte: last } }, _count: { _all: true } });
  const byRule = new Map<string, Map<number, number>>();
  for (const row of counts) {
    const days = byRule.get(row.ruleId) ?? new Map<number, number>();
    days.set(row.day, row._count._all);
    byRule.set(row.ruleId, days);
  }
  return rules.map((rule) => ({
    ...rule,
    lastRun: lastRuns.get(rule.id) ?? null,
    flagsPerDay: Array.from({ length: FLAG_HISTORY_DAYS }, (_, k) => ({ day: isoDay(first + k), flags: byRule.get(rule.id)?.get(first + k) ?? 0 })),
  }));
}

/** A rule for the editor: its current version's text and its history. */
export async function studioRule(db: Database, id: string, version?: number): Promise<RuleDetail & { yaml: string }> {
  const detail = await showRule(db, id, version);
  return { ...detail, yaml: ruleYaml(detail) };
}
