/**
 * `nudge ask "<question>" --as <staff number> [--json]`: a student-centre question answered as it
 * is in Teams (same use case, same disclosure control, same audit entry), for analysts and tests.
 * With --json one object: status answered, suggestions or refused; the measure and period asked
 * about; the rows as shown (hidden figures stay hidden); suggestions; the reason when not answered.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { isNudgeError } from "../core/index.ts";
import { answerText, figureText, type AskResult, type AnswerRow } from "../analytics/index.ts";
import { withApp } from "./cli-database.ts";

interface AskOptions {
  as: string;
  json?: boolean;
  now?: Date;
}

function instant(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new InvalidArgumentError("must be a date and time such as 2026-11-21T09:00:00Z");
  return at;
}

function rowOf(row: AnswerRow, columns: readonly string[]): Record<string, unknown> {
  const figures: Record<string, string> = { [columns[0]!]: figureText(row.value) };
  for (const column of columns.slice(1)) figures[column] = figureText(row.figures?.[column] ?? null);
  return { label: row.label, ...(row.key === undefined ? {} : { key: row.key }), value: row.value, figures };
}

/** The JSON the command prints: one shape whatever happened. */
export function askJson(result: AskResult | { kind: "access_refused"; message: string }): Record<string, unknown> {
  switch (result.kind) {
    case "answer": {
      const { answer } = result;
      const rows = answer.rows.map((r) => rowOf(r, answer.columns));
      if (answer.total) rows.push(rowOf(answer.total, answer.columns));
      return {
        status: "answered",
        measure: result.query.kind,
        query: result.query,
        period: answer.period,
        rows,
        suggestions: [],
        reason: null,
        notes: answer.notes,
      };
    }
    case "not_understood":
      return { status: "suggestions", measure: null, period: null, rows: [], suggestions: result.suggestions, reason: result.message };
    case "refused":
    case "access_refused":
      return { status: "refused", measure: null, period: null, rows: [], suggestions: [], reason: result.message };
  }
}

export function registerAskCommand(program: Command): void {
  program
    .command("ask")
    .description("answer a student-centre question about groups of students, as Teams does (counts only, small groups hidden); audited")
    .argument("<question>", 'the question, e.g. "how many first-years had no VLE activity in the last 14 days?"')
    .requiredOption("--as <staff>", "your staff number (needs a role that may ask: student centre, level tutor, programme leader, admin)")
    .addOption(new Option("--now <instant>", "answer as of this moment instead of now (checking a past figure)").argParser(instant))
    .option("--json", "print one JSON object")
    .action(async (question: string, options: AskOptions) => {
      let result: AskResult | { kind: "access_refused"; message: string };
      try {
        result = await withApp((app) => app.analytics.askQuestion(options.as, question, options.now ?? new Date()));
      } catch (error) {
        // The refusal is already audited; say it in the command's own shape.
        if (!isNudgeError(error) || error.kind !== "refused") throw error;
        result = { kind: "access_refused", message: error.message };
      }
      const json = askJson(result);
      if (options.json) process.stdout.write(`${JSON.stringify(json)}\n`);
      else if (result.kind === "answer") process.stdout.write(`${answerText(result.answer)}\n`);
      else if (result.kind === "not_understood")
        process.stdout.write(
          `${result.message}\n${result.suggestions.length ? `Did you mean:\n${result.suggestions.map((s) => `  - ${s}`).join("\n")}\n` : ""}`,
        );
      else process.stdout.write(`${result.message}\n`);
      if (result.kind === "access_refused" || result.kind === "refused") process.exitCode = 1;
    });
}
