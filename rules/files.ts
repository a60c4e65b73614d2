/**
 * Checking a rule file or folder as a whole: calendars first (rules name their periods), then each
 * rule, then what only the set can show (one id per rule, at most one calendar).
 */
import type { CalendarDocument } from "./calendar.ts";
import { isCalendarData, listSourceFiles, readSource, type Problem, type SourceDocument } from "./document.ts";
import { validateCalendar, validateRule, type ValidRule } from "./validate.ts";

export interface CheckedFiles {
  files: string[];
  calendar?: { document: CalendarDocument; source: string; file: string };
  rules: { rule: ValidRule; source: string; file: string; document: SourceDocument }[];
  problems: Problem[];
}

export const hasErrors = (problems: readonly Problem[]) => problems.some((p) => p.severity === "error");

/** `storedCalendar`: the one in the database, used when the files bring none. */
export function checkFiles(path: string, storedCalendar: CalendarDocument | null): CheckedFiles {
  const files = listSourceFiles(path);
  const result: CheckedFiles = { files, rules: [], problems: [] };
  if (files.length === 0) {
    result.problems.push({ severity: "error", file: path, field: "", message: "no .yaml, .yml or .json files here" });
    return result;
  }
  const parsed = files.map(readSource);
  for (const p of parsed) if (!p.ok) result.problems.push(...p.problems);
  const sources = parsed.flatMap((p) => (p.ok ? [p.source] : []));

  for (const source of sources.filter((s) => isCalendarData(s.data))) {
    const checked = validateCalendar(source.data, source);
    result.problems.push(...checked.problems);
    if (!checked.calendar) continue;
    if (result.calendar) {
      result.problems.push({
        severity: "error",
        file: source.file,
        field: "calendar",
        message: `a second calendar (the first is in ${result.calendar.file}): import one at a time`,
      });
      continue;
    }
    result.calendar = { document: checked.calendar, source: source.text, file: source.file };
  }
  const calendar = result.calendar?.document ?? storedCalendar;
  const seen = new Map<string, string>();
  for (const source of sources.filter((s) => !isCalendarData(s.data))) {
    const checked = validateRule(source.data, { calendar, source });
    result.problems.push(...checked.problems);
    if (!checked.rule) continue;
    const id = checked.rule.document.id;
    if (seen.has(id)) {
      const at = source.positionOf(["id"]);
      result.problems.push({
        severity: "error",
        file: source.file,
        line: at?.line,
        column: at?.column,
        document: `rule ${id}`,
        field: "id",
        message: `the same id as ${seen.get(id)}`,
      });
      continue;
    }
    seen.set(id, source.file);
    result.rules.push({ rule: checked.rule, source: source.text, file: source.file, document: source });
  }
  return result;
}
