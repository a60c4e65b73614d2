/**
 * Student-centre staff (and anyone whose role allows aggregate questions) asking about cohorts in
 * their chat: answered from aggregates only through `analytics/` (small groups hidden, sums that
 * would reveal them shown as ranges, every question audited). A question the parser does not
 * understand gets the nearest questions it can answer, as buttons; one about a person is refused.
 */
import type { TurnContext } from "botbuilder";
import { answerCard, noticeCard, suggestionsCard, type AdaptiveCard, type AnswerCardData, type TeamsChart } from "../adaptive-cards/index.ts";
import { figureText, type Answer } from "../analytics/index.ts";
import type { App } from "../app/index.ts";
import { sourceActivity } from "../core/index.ts";
import { sendCard } from "./send-card.ts";
import type { StaffPerson } from "./staff-person.ts";

const BAR = "█";
const BAR_WIDTH = 12;
const DAY = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const dayWords = (iso: string) => DAY.format(new Date(`${iso}T00:00:00Z`));

export const QUESTION_HELP =
  '- a question about groups of students, e.g. "how many first-years had no VLE activity in the last 14 days?", "reply rate by channel this month", "which rules flagged most students this week?" (groups under 5 are not shown)';

export async function mayAskQuestions(nudge: App, staff: StaffPerson): Promise<boolean> {
  return (await nudge.access.mayDo(staff.staffId, ["analytics.ask"]))["analytics.ask"] === true;
}

/** The answer card, the suggestions, or the refusal, for one question. */
export async function questionCard(nudge: App, staff: StaffPerson, text: string, timezone?: string): Promise<AdaptiveCard> {
  const result = await nudge.analytics.askQuestion(staff.staffNumber, text, new Date(), { timezone });
  switch (result.kind) {
    case "answer":
      return answerCard(answerCardData(text, result.answer));
    case "not_understood":
      return suggestionsCard({ text: result.message, suggestions: result.suggestions.slice(0, 5) });
    case "refused":
      return noticeCard({ title: "Aggregates only", text: result.message });
  }
}

export async function answerQuestion(nudge: App, context: TurnContext, staff: StaffPerson, text: string): Promise<void> {
  await sendCard(context, await questionCard(nudge, staff, text));
}

export function answerCardData(question: string, answer: Answer): AnswerCardData {
  // Bars only for figures shown exactly: a hidden or partial figure is never drawn (nor guessed).
  const exact = answer.rows.map((row) => (typeof row.value === "number" ? row.value : null));
  const max = Math.max(0, ...exact.map((v) => v ?? 0));
  const fresh = Object.entries(answer.freshness)
    .filter(([, day]) => day !== null)
    .map(([source, day]) => `${sourceActivity(source)} up to ${dayWords(day!)}`);
  const cells = (row: Answer["rows"][number]) => [figureText(row.value), ...answer.columns.slice(1).map((c) => figureText(row.figures?.[c] ?? null))];
  return {
    question,
    title: answer.title,
    period: answer.period.from === answer.period.to ? dayWords(answer.period.from) : `${dayWords(answer.period.from)} to ${dayWords(answer.period.to)}`,
    freshness: fresh.length ? `Data: ${fresh.join("; ")}.` : "No engagement data has been loaded yet.",
    columns: answer.columns,
    rows: answer.rows.map((row, i) => ({
      label: row.label,
      cells: cells(row),
      bar: exact[i] && max ? BAR.repeat(Math.max(1, Math.round((exact[i]! / max) * BAR_WIDTH))) : "",
    })),
    total: answer.total ? { label: answer.total.label, cells: cells(answer.total) } : null,
    notes: answer.notes,
    chart: teamsChart(answer),
  };
}

/**
 * Teams' chart of the figures shown exactly: hidden and partial ones (null in the answer's chart)
 * are left out, never drawn as a guess. None when nothing is left to draw.
 */
export function teamsChart(answer: Answer): TeamsChart | null {
  const { labels, series } = answer.chart;
  const points = (values: (number | null)[]) => labels.flatMap((x, i) => (values[i] === null || values[i] === undefined ? [] : [{ x, y: values[i]! }]));
  const plotted = series.map((s) => ({ legend: s.name, values: points(s.values) })).filter((s) => s.values.length > 0);
  if (plotted.length === 0) return null;
  const base = { title: answer.title, colorSet: "categorical", fallback: "drop" as const };
  if (answer.chart.kind === "line") return { ...base, type: "Chart.Line", data: plotted };
  if (plotted.length > 1) return { ...base, type: "Chart.VerticalBar.Grouped", data: plotted };
  return { ...base, type: "Chart.HorizontalBar", yAxisTitle: plotted[0]!.legend, data: plotted[0]!.values };
}
