/**
 * Answers a `Query`: the figures (protected as disclosure.ts says), the period, how fresh the data
 * is, and a chart. Each question reads as: resolve the period and the students, fetch counts per
 * base cell (measures.ts), add the cells up into rows, say what the reader needs to know.
 */
import { NudgeError, DEFAULT_TIMEZONE } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { feedStates, loadCalendar } from "../rules/index.ts";
import {
  averageOverCohorts,
  countFigure,
  FEWER_THAN_5,
  figureText,
  plotted,
  rateOf,
  shownSize,
  SMALL,
  sumOfCells,
  type BandedCell,
  type Figure,
} from "../access/index.ts";
import { MIN_PER_ARM, type EffectEstimate } from "./effect-estimate.ts";
import { allRuleEffects, OUTCOME_OF_SOURCE, outcomeLabel } from "./rule-effect.ts";
import {
  attendanceCells,
  flagCells,
  inactiveCells,
  meetingCells,
  optOutCells,
  reachCells,
  submissionCells,
  supportCells,
  approvalCells,
  type ApprovalCell,
  trendCells,
  type AttendanceCell,
  type Cell,
  type MeetingCell,
  type OptOutCell,
  type ResolvedFilter,
  type SubmissionCell,
  type SupportCell,
} from "./queries.ts";
import { cohortWords, type Vocabulary } from "./parser.ts";
import {
  blockLabel,
  blocksOf,
  instants,
  isoDay,
  resolveEventPeriod,
  resolvePeriod,
  shortDay,
  snapPeriod,
  termsOf,
  today as todayIn,
  type DayRange,
  type Terms,
} from "./periods.ts";
import {
  CHANNELS,
  ENGAGEMENT_SOURCES,
  periodText,
  type CohortFilter,
  type CohortGrouping,
  type EngagementSource,
  type Period,
  type Query,
  type QuestionKind,
} from "./questions.ts";
import { ANY_RULE, BANDED_NOTE, cellKey, ReleaseGuard, roundedNote, type Measure } from "./releases.ts";

export interface AnswerRow {
  label: string;
  /** Programme code, rule id, channel, source, "year 2", or the first day of a week block. */
  key?: string;
  /** The first column's figure. */
  value: Figure;
  /** The other columns' figures, by column name. */
  figures?: Record<string, Figure>;
}

export interface Chart {
  kind: "bar" | "line";
  /** One per point along the axis (the rows' labels). */
  labels: string[];
  /** Hidden and partial figures are null: charts never draw a guess. */
  series: { name: string; values: (number | null)[] }[];
}

export interface Answer {
  kind: QuestionKind;
  title: string;
  /** Calendar days, inclusive, in the institution's timezone. */
  period: { from: string; to: string };
  /** The last day each source's data covers (null: never loaded). */
  freshness: Record<EngagementSource, string | null>;
  columns: string[];
  rows: AnswerRow[];
  /** Only where the rows split the students (by programme, by year): otherwise a student can be in several rows. */
  total?: AnswerRow;
  chart: Chart;
  notes: string[];
}

/** A query that cannot be answered as asked (e.g. a programme code that no longer exists). */
export class QueryError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "question_invalid";
}

export interface RunOptions {
  /** The institution's timezone: what "today" and "this week" mean. */
  timezone?: string;
  /**
   * Whose record of figures already shown to check and add to (releases.ts): askQuestion always
   * gives it. Without it nothing is remembered, so answers over nested periods are not banded.
   */
  staffNumber?: string;
}

export { DEFAULT_TIMEZONE };

interface Context {
  db: Database;
  now: Date;
  timezone: string;
  today: number;
  programmes: Map<number, { code: string; title: string }>;
  vocabulary: Vocabulary;
  lastDataDay: Map<EngagementSource, number | null>;
  /** The academic calendar's terms ("this term", "last term"). */
  terms: Terms;
  staffNumber?: string;
}

const SOURCE_LABELS: Record<EngagementSource, string> = {
  vle: "VLE",
  attendance: "Attendance",
  library: "Library",
  submission: "Submissions",
  printing: "Printing",
};
/**
 * Table headers, short enough to wrap between words in a 320 px card (a long single word such as
 * "Attendance" was split mid-word beside three other columns); the note under the table says what each means.
 */
const COLUMN_LABELS: Record<EngagementSource, string> = {
  vle: "VLE",
  attendance: "In class",
  library: "Library",
  submission: "Hand-ins",
  printing: "Printing",
};
const COLUMN_MEANINGS: Partial<Record<EngagementSource, string>> = { attendance: "In class: sessions attended", submission: "Hand-ins: coursework submitted" };
const CHANNEL_LABELS: Record<string, string> = { teams: "Teams", sms: "SMS", email: "Email" };
const NOT_ON_A_PROGRAMME = "Not on a programme";

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

async function contextFor(db: Database, now: Date, timezone: string, staffNumber?: string): Promise<Context> {
  const programmes = await db.prisma.programme.findMany({ select: { id: true, code: true, title: true }, orderBy: { id: "asc" } });
  const feeds = await db.prisma.feedFreshness.findMany({ select: { source: true, lastDataDay: true } });
  const lastDataDay = new Map<EngagementSource, number | null>();
  // Several feeds may serve one source (two VLEs): the freshest speaks for it, as for rules.
  for (const feed of feeds) {
    const source = feed.source as EngagementSource;
    const known = lastDataDay.get(source);
    if (known === undefined || (feed.lastDataDay ?? -1) > (known ?? -1)) lastDataDay.set(source, feed.lastDataDay);
  }
  const today = todayIn(now, timezone);
  return {
    db,
    now,
    timezone,
    today,
    terms: termsOf(await loadCalendar(db, today)),
    programmes: new Map(programmes.map((p) => [p.id, { code: p.code, title: p.title }])),
    vocabulary: { programmes },
    lastDataDay,
    ...(staffNumber === undefined ? {} : { staffNumber }),
  };
}

function resolveFilter(ctx: Context, cohort: CohortFilter): ResolvedFilter {
  const filter: ResolvedFilter = {};
  if (cohort.programmes) {
    filter.programmeIds = cohort.programmes.map((code) => {
      const found = [...ctx.programmes].find(([, p]) => p.code === code);
      if (!found) throw new QueryError(`no programme with code ${code}`);
      return found[0];
    });
  }
  if (cohort.year !== undefined) filter.year = cohort.year;
  return filter;
}

function freshnessOf(ctx: Context): Record<EngagementSource, string | null> {
  const out = {} as Record<EngagementSource, string | null>;
  for (const source of ENGAGEMENT_SOURCES) {
    const day = ctx.lastDataDay.get(source);
    out[source] = day === undefined || day === null ? null : isoDay(day);
  }
  return out;
}

/** The record of figures already shown, for answers given to a staff member. */
function guardFor(ctx: Context, measure: Measure, range: DayRange): Promise<ReleaseGuard | null> {
  return ctx.staffNumber === undefined ? Promise.resolve(null) : ReleaseGuard.load(ctx.db, ctx.staffNumber, measure, range);
}

/** A sum of base cells (disclosure.ts, rules 2 and 6): cells another nested period or variant showed exactly enter as bands. */
function cellSum(guard: ReleaseGuard | null, variant: string, range: DayRange, cells: readonly (Cell & { n: number })[]): Figure {
  return sumOfCells(
    cells.map((c): number | BandedCell => (guard && c.n >= SMALL && guard.mustBand(variant, range, cellKey(c)) ? { n: c.n, banded: true } : c.n)),
  );
}

/** Saves what the answer showed exactly, and says when it banded anything. */
async function settle(ctx: Context, guard: ReleaseGuard | null, notes: string[]): Promise<string[]> {
  if (!guard) return notes;
  await guard.save(ctx.db);
  return guard.banded ? [...notes, BANDED_NOTE] : notes;
}

/** Counting questions take periods on the grid (periods.ts): the period used, and a note when it was rounded. */
function gridPeriod(period: Period): { period: Period; notes: string[] } {
  const used = snapPeriod(period);
  if (used === period) return { period, notes: [] };
  const words = (p: Period) => periodText(p).replace(/^in /, "");
  return { period: used, notes: [roundedNote(words(period), words(used))] };
}

function answer(
  ctx: Context,
  kind: QuestionKind,
  title: string,
  range: DayRange,
  parts: Pick<Answer, "columns" | "rows" | "chart" | "notes"> & { total?: AnswerRow },
): Answer {
  return { kind, title, period: { from: isoDay(range.from), to: isoDay(range.to) }, freshness: freshnessOf(ctx), ...parts };
}

/** Whether each source has data for the period: notes when it stops short, and which have none at all. */
function dataCoverage(ctx: Context, sources: readonly EngagementSource[], range: DayRange): { missing: EngagementSource[]; notes: string[] } {
  const missing: EngagementSource[] = [];
  const notes: string[] = [];
  for (const source of sources) {
    const last = ctx.lastDataDay.get(source);
    if (last === undefined || last === null) {
      missing.push(source);
      notes.push(`No ${SOURCE_LABELS[source]} data has been loaded.`);
    } else if (last < range.from) {
      missing.push(source);
      notes.push(`${SOURCE_LABELS[source]} data ends on ${shortDay(last, true)}, before the period starts.`);
    } else if (last < range.to) {
      notes.push(`${SOURCE_LABELS[source]} data ends on ${shortDay(last, true)}: the last ${range.to - last} day(s) of the period have none yet.`);
    }
  }
  return { missing, notes };
}

interface Column<C> {
  name: string;
  /** What the column counts, for the record of figures shown (releases.ts). */
  variant: string;
  get(cell: C): number;
}

/** Rows over cohort cells: one row, or one per programme or year, with a total. */
function cohortRows<C extends Cell>(
  ctx: Context,
  cells: readonly C[],
  groupBy: CohortGrouping,
  columns: readonly Column<C>[],
  filter: ResolvedFilter,
  whole: string,
  guard: ReleaseGuard | null,
  range: DayRange,
): { rows: AnswerRow[]; total?: AnswerRow } {
  const row = (label: string, key: string | undefined, members: readonly C[]): AnswerRow => {
    const [first, ...rest] = columns.map((column) =>
      cellSum(
        guard,
        column.variant,
        range,
        members.map((m) => ({ programme: m.programme, year: m.year, n: column.get(m) })),
      ),
    );
    const out: AnswerRow = { label, value: first! };
    if (key !== undefined) out.key = key;
    if (rest.length) out.figures = Object.fromEntries(columns.slice(1).map((column, i) => [column.name, rest[i]!]));
    return out;
  };
  if (groupBy === "none") return { rows: [row(capitalise(whole), undefined, cells)] };
  const groupOf = (c: Cell) => (groupBy === "programme" ? c.programme : c.year);
  const keys = new Set<number | null>(cells.map(groupOf));
  if (groupBy === "programme") for (const id of filter.programmeIds ?? []) keys.add(id);
  if (groupBy === "year" && typeof filter.year === "number") keys.add(filter.year);
  const labelOf = (key: number | null) =>
    key === null
      ? NOT_ON_A_PROGRAMME
      : groupBy === "programme"
        ? (ctx.programmes.get(key)?.title ?? `programme ${key}`)
        : key === 0
          ? "Foundation year"
          : `Year ${key}`;
  const ordered = [...keys].sort((a, b) => (a === null ? 1 : b === null ? -1 : groupBy === "programme" ? labelOf(a).localeCompare(labelOf(b)) : a - b));
  const rows = ordered.map((key) =>
    row(
      labelOf(key),
      key === null ? "none" : groupBy === "programme" ? ctx.programmes.get(key)?.code : `year ${key}`,
      cells.filter((c) => groupOf(c) === key),
    ),
  );
  return { rows, total: row("Total", undefined, cells) };
}

const NONE_NOT_LISTED = "Programmes and years with none are not listed.";
const ENROLLED = "enrolled";
const SHARE = "share (%)";

function barChart(columns: readonly string[], rows: readonly AnswerRow[], kind: "bar" | "line" = "bar"): Chart {
  const figure = (row: AnswerRow, i: number) => (i === 0 ? row.value : (row.figures?.[columns[i]!] ?? null));
  return { kind, labels: rows.map((r) => r.label), series: columns.map((name, i) => ({ name, values: rows.map((r) => plotted(figure(r, i))) })) };
}

const byWords = (groupBy: string) => (groupBy === "none" ? "" : `, by ${groupBy}`);

async function inactive(ctx: Context, query: Extract<Query, { kind: "inactive" }>): Promise<Answer> {
  const range = resolvePeriod(query.period, ctx.today, ctx.terms);
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const sourceWords = query.source === "any" ? "no activity from any source" : `no ${SOURCE_LABELS[query.source]} activity`;
  const title = `${capitalise(who)} with ${sourceWords}${byWords(query.groupBy)}`;
  const sources = query.source === "any" ? ENGAGEMENT_SOURCES.filter((s) => ctx.lastDataDay.has(s)) : [query.source];
  const coverage = dataCoverage(ctx, sources, range);
  const columns = ["students"];
  const notes = [
    "Students enrolled for the whole period; groups of 1 to 4 show as “fewer than 5”, a total that includes one as the range it allows, and a total that includes several as “about” a figure within 5 of the truth.",
  ];
  // No data is not inactivity (POLICY P10): without the feed there is nothing to count.
  if (sources.length === 0 || coverage.missing.length === sources.length) {
    const rows = [{ label: capitalise(who), value: null }];
    return answer(ctx, query.kind, title, range, {
      columns,
      rows,
      chart: barChart(columns, rows),
      notes: [...coverage.notes, "No figures: there is no data for this period."],
    });
  }
  if (query.source === "any" && coverage.missing.length)
    notes.push(
      `Only ${sources
        .filter((s) => !coverage.missing.includes(s))
        .map((s) => SOURCE_LABELS[s])
        .join(", ")} data covers the period.`,
    );
  const cells = await inactiveCells(ctx.db, query.source, range, filter);
  const guard = await guardFor(ctx, "inactive", range);
  const counted: Column<(typeof cells)[number]>[] = [{ name: "students", variant: query.source, get: (c) => c.n }];
  if (query.share) {
    counted.push({ name: ENROLLED, variant: "enrolled", get: (c) => c.enrolled });
    columns.push(ENROLLED, SHARE);
    notes.push("The share is of the students enrolled for the whole period; it needs at least 5 of them and two exact figures, otherwise it is not shown.");
  }
  const { rows, total } = cohortRows(ctx, cells, query.groupBy, counted, filter, who, guard, range);
  // A rate from a range or from "fewer than 5" would give the hidden figure back (disclosure.ts, rule 3).
  const withShare = (row: AnswerRow): AnswerRow =>
    query.share ? { ...row, figures: { ...row.figures, [SHARE]: rateOf(row.value, row.figures?.[ENROLLED] ?? null) } } : row;
  return answer(ctx, query.kind, query.share ? `Share of ${who} with ${sourceWords}${byWords(query.groupBy)}` : title, range, {
    columns,
    rows: rows.map(withShare),
    ...(total ? { total: withShare(total) } : {}),
    chart: barChart(["students"], rows),
    notes: await settle(ctx, guard, [...coverage.notes, ...notes]),
  });
}

async function ruleTitles(ctx: Context, ids: readonly string[], alsoEnabled: boolean): Promise<Map<string, string>> {
  const rules = await ctx.db.prisma.rule.findMany({
    where: alsoEnabled ? { OR: [{ id: { in: [...ids] } }, { enabled: true }] } : { id: { in: [...ids] } },
    select: { id: true, title: true },
  });
  return new Map(rules.map((r) => [r.id, r.title]));
}

function groupByKey<C extends { key: string; n: number }>(cells: readonly C[]): Map<string, C[]> {
  const out = new Map<string, C[]>();
  for (const c of cells) {
    if (!out.has(c.key)) out.set(c.key, []);
    out.get(c.key)!.push(c);
  }
  return out;
}

async function flags(ctx: Context, query: Extract<Query, { kind: "flags" }>): Promise<Answer> {
  const range = resolveEventPeriod(query.period, ctx.today, ctx.terms);
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const title = `${capitalise(who)} flagged${byWords(query.groupBy)}`;
  const columns = ["students flagged"];
  const notes = ["A flag counts on the day it was raised, as tutors saw it (any state: open, actioned, dismissed…)."];
  const guard = await guardFor(ctx, "flags", range);
  if (query.groupBy === "rule" || query.groupBy === "week") {
    let rows: AnswerRow[];
    if (query.groupBy === "rule") {
      const byKey = groupByKey(await flagCells(ctx.db, range, instants(range, ctx.timezone), filter, "rule"));
      const titles = await ruleTitles(ctx, [...byKey.keys()], true);
      rows = [...titles]
        .sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]))
        .map(([id, ruleTitle]) => ({ label: ruleTitle, key: id, value: cellSum(guard, id, range, byKey.get(id) ?? []) }));
      notes.push("A student flagged by two rules counts under each, so there is no total.");
    } else {
      rows = [];
      for (const block of blocksOf(range))
        rows.push({
          label: blockLabel(block),
          key: isoDay(block.from),
          value: cellSum(guard, ANY_RULE, block, await flagCells(ctx.db, block, instants(block, ctx.timezone), filter, "all")),
        });
      notes.push("Weeks are 7-day blocks counted back from the end of the period; a student flagged in two weeks counts in each, so there is no total.");
    }
    return answer(ctx, query.kind, title, range, {
      columns,
      rows,
      chart: barChart(columns, rows, query.groupBy === "week" ? "line" : "bar"),
      notes: await settle(ctx, guard, notes),
    });
  }
  const cells = await flagCells(ctx.db, range, instants(range, ctx.timezone), filter, "all");
  const { rows, total } = cohortRows(ctx, cells, query.groupBy, [{ name: "students flagged", variant: ANY_RULE, get: (c) => c.n }], filter, who, guard, range);
  if (query.groupBy !== "none") notes.push(NONE_NOT_LISTED);
  return answer(ctx, query.kind, title, range, { columns, rows, total, chart: barChart(columns, rows), notes: await settle(ctx, guard, notes) });
}

async function topRules(ctx: Context, query: Extract<Query, { kind: "top_rules" }>): Promise<Answer> {
  const range = resolveEventPeriod(query.period, ctx.today, ctx.terms);
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const byKey = groupByKey(await flagCells(ctx.db, range, instants(range, ctx.timezone), filter, "rule"));
  const titles = await ruleTitles(ctx, [...byKey.keys()], false);
  const guard = await guardFor(ctx, "flags", range);
  const ranked = [...byKey]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([id, cells]) => ({ label: titles.get(id) ?? id, key: id, value: cellSum(guard, id, range, cells) }))
    .sort((a, b) => shownSize(b.value) - shownSize(a.value) || a.label.localeCompare(b.label) || a.key.localeCompare(b.key));
  const rows = ranked.slice(0, query.limit);
  const columns = ["students flagged"];
  const notes = ["Ranked by the figures as shown (a range by its lower end), so the order never reveals a hidden figure."];
  if (ranked.length > rows.length) notes.push(`${ranked.length - rows.length} more rule(s) flagged students.`);
  if (rows.length === 0) notes.push("No rule flagged anyone in this period.");
  return answer(ctx, query.kind, `Rules that flagged the most ${who}`, range, {
    columns,
    rows,
    chart: barChart(columns, rows),
    notes: await settle(ctx, guard, notes),
  });
}

async function engagementTrend(ctx: Context, query: Extract<Query, { kind: "engagement_trend" }>): Promise<Answer> {
  const range = resolvePeriod(query.period, ctx.today, ctx.terms);
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const sources = query.sources === "all" ? ENGAGEMENT_SOURCES.filter((s) => ctx.lastDataDay.has(s)) : query.sources;
  const title = `Engagement trend: ${who}, average events per student per week`;
  const blocks = blocksOf(range);
  const columns = sources.map((s) => COLUMN_LABELS[s]);
  const meanings = sources.flatMap((s) => COLUMN_MEANINGS[s] ?? []);
  const notes = [
    `Average events per student in each 7-day block, counted back from the end of the period, over students enrolled by the block's end.${meanings.length ? ` ${meanings.join("; ")}.` : ""}`,
  ];
  const coverage = dataCoverage(ctx, sources, range);
  const data = await trendCells(ctx.db, range, filter, sources);
  const cellKey = (c: Cell) => `${c.programme}:${c.year}`;
  const cohorts = new Map<string, { startBlock: number; n: number }[]>();
  for (const size of data.sizes) {
    if (!cohorts.has(cellKey(size))) cohorts.set(cellKey(size), []);
    cohorts.get(cellKey(size))!.push(size);
  }
  const events = new Map(data.events.map((e) => [`${cellKey(e)}:${e.source}:${e.block}`, e.events]));
  let leftOut = 0;
  const figureFor = (source: EngagementSource, block: (typeof blocks)[number]): Figure => {
    const last = ctx.lastDataDay.get(source);
    if (last === undefined || last === null || last < block.from) return null;
    const average = averageOverCohorts(
      [...cohorts].map(([key, sizes]) => ({
        students: sizes.filter((s) => s.startBlock === -1 || s.startBlock >= block.index).reduce((sum, s) => sum + s.n, 0),
        total: events.get(`${key}:${source}:${block.index}`) ?? 0,
      })),
    );
    leftOut = Math.max(leftOut, average.leftOut);
    return average.value;
  };
  const rows: AnswerRow[] = blocks.map((block) => {
    const figures = sources.map((source) => figureFor(source, block));
    const row: AnswerRow = { label: blockLabel(block), key: isoDay(block.from), value: figures[0] ?? null };
    if (figures.length > 1) row.figures = Object.fromEntries(columns.slice(1).map((name, i) => [name, figures[i + 1]!]));
    return row;
  });
  if (leftOut) notes.push(`Cohorts (programme and year) of fewer than 5 students are left out of the averages (${leftOut} here).`);
  const short = blocks.find((b) => b.days < 7);
  if (short) notes.push(`The first block has ${short.days} day(s), not 7.`);
  if (sources.length === 0) notes.push("No engagement data has been loaded.");
  return answer(ctx, query.kind, title, range, { columns, rows, chart: barChart(columns, rows, "line"), notes: [...coverage.notes, ...notes] });
}

async function reach(ctx: Context, query: Extract<Query, { kind: "reach" }>): Promise<Answer> {
  const range = resolveEventPeriod(query.period, ctx.today, ctx.terms);
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const cells = await reachCells(ctx.db, range, instants(range, ctx.timezone), filter);
  const guard = await guardFor(ctx, "reach", range);
  const columns = ["students messaged", "replied", "reply rate (%)"];
  const rows: AnswerRow[] = CHANNELS.map((channel) => {
    const mine = cells.filter((c) => c.channel === channel);
    // A banded figure is not exact, so its rate is not shown (disclosure.ts, rule 3).
    const messaged = cellSum(
      guard,
      `${channel}:messaged`,
      range,
      mine.map((c) => ({ ...c, n: c.reached })),
    );
    const replied = cellSum(
      guard,
      `${channel}:replied`,
      range,
      mine.map((c) => ({ ...c, n: c.replied })),
    );
    return { label: CHANNEL_LABELS[channel]!, key: channel, value: messaged, figures: { replied, "reply rate (%)": rateOf(replied, messaged) } };
  });
  const notes = [
    "Students sent a nudge in the period, by the channel it went out on, and how many of them replied to it (whenever they replied).",
    "A reply rate needs at least 5 students messaged and two exact figures; otherwise it is not shown.",
    "A student messaged on two channels counts on each, so there is no total.",
  ];
  const chart = barChart(columns.slice(0, 2), rows);
  return answer(ctx, query.kind, `Nudge reach and replies by channel: ${who}`, range, { columns, rows, chart, notes: await settle(ctx, guard, notes) });
}

async function meetings(ctx: Context, query: Extract<Query, { kind: "meetings" }>): Promise<Answer> {
  const range = resolveEventPeriod(query.period, ctx.today, ctx.terms);
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const cells = await meetingCells(ctx.db, range, instants(range, ctx.timezone), filter);
  const guard = await guardFor(ctx, "meetings", range);
  const columns: Column<MeetingCell>[] = [
    { name: "invitations sent", variant: "invitations", get: (c) => c.invitations },
    { name: "meetings booked", variant: "booked", get: (c) => c.booked },
    { name: "held", variant: "held", get: (c) => c.held },
    { name: "no-shows", variant: "no_shows", get: (c) => c.noShows },
  ];
  const { rows, total } = cohortRows(ctx, cells, query.groupBy, columns, filter, who, guard, range);
  const names = columns.map((c) => c.name);
  const notes = ["Invitations to talk sent in the period; meetings whose slot fell in it (booked counts every chosen slot: booked, held or no-show)."];
  if (query.groupBy !== "none") notes.push(NONE_NOT_LISTED);
  return answer(ctx, query.kind, `Invitations to talk and meetings: ${who}${byWords(query.groupBy)}`, range, {
    columns: names,
    rows,
    total,
    chart: barChart(names, rows),
    notes: await settle(ctx, guard, notes),
  });
}

async function attendanceRate(ctx: Context, query: Extract<Query, { kind: "attendance_rate" }>): Promise<Answer> {
  const range = resolvePeriod(query.period, ctx.today, ctx.terms);
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const coverage = dataCoverage(ctx, ["attendance"], range);
  const cells = coverage.missing.length ? [] : await attendanceCells(ctx.db, range, filter);
  let leftOut = 0;
  // As for averages (disclosure.ts, rule 4): a cohort of fewer than 5 students never enters a rate.
  const rateOver = (members: readonly AttendanceCell[]): Figure => {
    if (coverage.missing.length || members.length === 0) return null;
    const counted = members.filter((c) => c.students >= SMALL);
    leftOut += members.length - counted.length;
    if (counted.length === 0) return FEWER_THAN_5;
    const timetabled = counted.reduce((sum, c) => sum + c.timetabled, 0);
    return Math.round((1000 * counted.reduce((sum, c) => sum + c.attended, 0)) / timetabled) / 10;
  };
  const columns = ["attendance (%)"];
  const rows: AnswerRow[] = [];
  let total: AnswerRow | undefined;
  if (query.groupBy === "none") rows.push({ label: capitalise(who), value: rateOver(cells) });
  else {
    const groupOf = (c: Cell) => (query.groupBy === "programme" ? c.programme : c.year);
    const keys = [...new Set(cells.map(groupOf))];
    const labelOf = (key: number | null) =>
      key === null
        ? NOT_ON_A_PROGRAMME
        : query.groupBy === "programme"
          ? (ctx.programmes.get(key)?.title ?? `programme ${key}`)
          : key === 0
            ? "Foundation year"
            : `Year ${key}`;
    const ordered = keys.sort((a, b) => (a === null ? 1 : b === null ? -1 : query.groupBy === "programme" ? labelOf(a).localeCompare(labelOf(b)) : a - b));
    for (const key of ordered)
      rows.push({
        label: labelOf(key),
        key: key === null ? "none" : query.groupBy === "programme" ? ctx.programmes.get(key)!.code : `year ${key}`,
        value: rateOver(cells.filter((c) => groupOf(c) === key)),
      });
    leftOut = 0;
    total = { label: "Total", value: rateOver(cells) };
  }
  const notes = ["Sessions attended as a share of sessions timetabled, for students enrolled at the end of the period."];
  if (leftOut) notes.push(`Cohorts (programme and year) of fewer than 5 students are left out of the rates (${leftOut} here).`);
  if (coverage.missing.length) notes.push("No figures: there is no attendance data for this period.");
  return answer(ctx, query.kind, `Attendance rate: ${who}${byWords(query.groupBy)}`, range, {
    columns,
    rows,
    ...(total ? { total } : {}),
    chart: barChart(columns, rows),
    notes: [...coverage.notes, ...notes],
  });
}

async function submissions(ctx: Context, query: Extract<Query, { kind: "submissions" }>): Promise<Answer> {
  const range = resolvePeriod(query.period, ctx.today, ctx.terms);
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const title = `Missed and late submissions: ${who}${byWords(query.groupBy)}`;
  const names = ["missed a submission", "handed in late"];
  const coverage = dataCoverage(ctx, ["submission"], range);
  // No data is not a missed deadline (POLICY P10).
  if (coverage.missing.length) {
    const rows = [{ label: capitalise(who), value: null }];
    return answer(ctx, query.kind, title, range, {
      columns: names,
      rows,
      chart: barChart(names, rows),
      notes: [...coverage.notes, "No figures: there is no submission data for this period."],
    });
  }
  const cells = await submissionCells(ctx.db, range, filter);
  const guard = await guardFor(ctx, "submissions", range);
  const columns: Column<SubmissionCell>[] = [
    { name: names[0]!, variant: "missed", get: (c) => c.missed },
    { name: names[1]!, variant: "late", get: (c) => c.late },
  ];
  const { rows, total } = cohortRows(ctx, cells, query.groupBy, columns, filter, who, guard, range);
  const notes = ["Students enrolled at the end of the period who missed a piece of work due in it, and who handed one in late; a student can be in both."];
  return answer(ctx, query.kind, title, range, {
    columns: names,
    rows,
    ...(total ? { total } : {}),
    chart: barChart(names, rows),
    notes: await settle(ctx, guard, [...coverage.notes, ...notes]),
  });
}

async function support(ctx: Context, query: Extract<Query, { kind: "support" }>): Promise<Answer> {
  const range = resolveEventPeriod(query.period, ctx.today, ctx.terms);
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const cells = await supportCells(ctx.db, range, instants(range, ctx.timezone), filter);
  const guard = await guardFor(ctx, "support", range);
  const columns: Column<SupportCell>[] = [
    { name: "students who asked for help", variant: "help", get: (c) => c.askedForHelp },
    { name: "referrals made", variant: "referrals", get: (c) => c.referrals },
  ];
  const { rows, total } = cohortRows(ctx, cells, query.groupBy, columns, filter, who, guard, range);
  const names = columns.map((c) => c.name);
  const notes = [
    "Students whose reply to Nudge was read as asking for help in the period (each once), and referrals made in it (escalations are not counted).",
  ];
  if (query.groupBy !== "none") notes.push(NONE_NOT_LISTED);
  return answer(ctx, query.kind, `Help requests and referrals: ${who}${byWords(query.groupBy)}`, range, {
    columns: names,
    rows,
    ...(total ? { total } : {}),
    chart: barChart(names, rows),
    notes: await settle(ctx, guard, notes),
  });
}

async function optOuts(ctx: Context, query: Extract<Query, { kind: "opt_outs" }>): Promise<Answer> {
  // A state, not events: as it stands now, for students enrolled today.
  const range = { from: ctx.today, to: ctx.today };
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const cells = await optOutCells(ctx.db, ctx.today, ctx.now, filter);
  const columns: Column<OptOutCell>[] = [
    { name: "opted out (any channel)", variant: "any", get: (c) => c.any },
    { name: "Teams", variant: "teams", get: (c) => c.teams },
    { name: "SMS", variant: "sms", get: (c) => c.sms },
    { name: "email", variant: "email", get: (c) => c.email },
    { name: "paused", variant: "paused", get: (c) => c.paused },
  ];
  // No period to nest, so no record of figures shown: every figure is a sum of cells with small ones hidden.
  const { rows, total } = cohortRows(ctx, cells, query.groupBy, columns, filter, who, null, range);
  const names = columns.map((c) => c.name);
  const notes = [
    "As it stands now, for students actively enrolled today. A student opted out of two channels counts once under “any channel” and under each; “paused” is a pause the student chose that has not ended yet.",
  ];
  if (query.groupBy !== "none") notes.push(NONE_NOT_LISTED);
  return answer(ctx, query.kind, `Opt-outs and pauses: ${who}${byWords(query.groupBy)}`, range, {
    columns: names,
    rows,
    ...(total ? { total } : {}),
    chart: barChart(names, rows),
    notes,
  });
}

async function approvals(ctx: Context, query: Extract<Query, { kind: "approvals" }>): Promise<Answer> {
  // A state, not events: as it stands now.
  const range = { from: ctx.today, to: ctx.today };
  const filter = resolveFilter(ctx, query.cohort);
  const who = cohortWords(query.cohort, ctx.vocabulary);
  const cells = await approvalCells(ctx.db, ctx.today, filter);
  const columns: Column<ApprovalCell>[] = [
    { name: "waiting for approval", variant: "waiting", get: (c) => c.waiting },
    { name: "students", variant: "students", get: (c) => c.students },
  ];
  // No period to nest, so no record of figures shown: every figure is a sum of cells with small ones hidden.
  const { rows, total } = cohortRows(ctx, cells, query.groupBy, columns, filter, who, null, range);
  const names = columns.map((c) => c.name);
  const notes = ["As it stands now: messages, invitations to talk and referrals proposed and not yet approved or rejected, and the students they are for."];
  if (query.groupBy !== "none") notes.push(NONE_NOT_LISTED);
  return answer(ctx, query.kind, `Waiting for approval: ${who}${byWords(query.groupBy)}`, range, {
    columns: names,
    rows,
    ...(total ? { total } : {}),
    chart: barChart(names, rows),
    notes,
  });
}

async function freshness(ctx: Context, query: Extract<Query, { kind: "freshness" }>): Promise<Answer> {
  const sources = query.source ? [query.source] : [...ENGAGEMENT_SOURCES];
  const asOf = ctx.today - 1;
  const states = await feedStates(ctx.db, sources, asOf, ctx.now);
  const columns = ["data up to", "days behind", "last loaded", "status"];
  const rows: AnswerRow[] = sources.map((source) => {
    const state = states.get(source)!;
    const loaded = state.lastLoadedAt ? `${state.lastLoadedAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : null;
    return {
      label: SOURCE_LABELS[source],
      key: source,
      value: state.lastDataDay === null ? null : { text: isoDay(state.lastDataDay) },
      figures: {
        "days behind": state.lastDataDay === null ? null : Math.max(0, asOf - state.lastDataDay),
        "last loaded": loaded ? { text: loaded } : null,
        status: { text: state.lastLoadedAt === null ? "never loaded" : state.stale ? `stale: ${state.stale}` : "fresh" },
      },
    };
  });
  const chart: Chart = {
    kind: "bar",
    labels: rows.map((r) => r.label),
    series: [{ name: "days behind", values: rows.map((r) => plotted(r.figures!["days behind"]!)) }],
  };
  const notes = ["Feeds describe systems, not students: nothing here is suppressed. Rules skip a stale feed rather than flag anyone on missing data."];
  return answer(ctx, query.kind, "Data freshness", { from: ctx.today, to: ctx.today }, { columns, rows, chart, notes });
}

const VERDICTS = [
  ["useful", "useful"],
  ["not_useful", "not useful"],
  ["wrong_data", "wrong data"],
] as const;

async function feedback(ctx: Context, query: Extract<Query, { kind: "feedback" }>): Promise<Answer> {
  // Verdicts count on the day they were given: today's are in, as tutors expect.
  const range = resolveEventPeriod(query.period, ctx.today, ctx.terms);
  const when = instants(range, ctx.timezone);
  // Verdicts belong to rules, not to cohorts: groupBy over the table is the whole query.
  const groups = await ctx.db.prisma.ruleFeedback.groupBy({
    by: ["ruleId", "verdict"],
    where: { createdAt: { gte: when.from, lt: when.until } },
    _count: { _all: true },
  });
  const titles = await ruleTitles(ctx, [...new Set(groups.map((g) => g.ruleId))], false);
  const count = (ruleId: string, verdict: string) => groups.find((g) => g.ruleId === ruleId && g.verdict === verdict)?._count._all ?? 0;
  const columns = VERDICTS.map(([, name]) => name);
  const rows: AnswerRow[] = [...titles]
    .sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]))
    .map(([id, title]) => {
      const [first, ...rest] = VERDICTS.map(([verdict]) => sumOfCells([count(id, verdict)]));
      return { label: title, key: id, value: first!, figures: Object.fromEntries(columns.slice(1).map((name, i) => [name, rest[i]!])) };
    });
  const notes = ["Tutors' verdicts on flags, by rule; 1 to 4 verdicts show as “fewer than 5”."];
  if (rows.length === 0) notes.push("No feedback in this period.");
  return answer(ctx, query.kind, "Rule feedback from tutors", range, { columns, rows, chart: barChart(columns, rows), notes });
}

const signed = (x: number, digits: number) => `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x).toFixed(digits)}`;

/** The estimate's figures as a row: students in each arm (1 to 4 hidden), the difference and its interval. */
function effectRow(label: string, key: string | undefined, estimate: EffectEstimate, nudged: Figure, heldOut: Figure, share: boolean): AnswerRow {
  const scale = share ? 100 : 1;
  const unit = share ? " points" : " days";
  const enough = estimate.enough && estimate.difference !== null && estimate.interval !== null;
  const row: AnswerRow = {
    label,
    value: enough ? { text: `${signed(estimate.difference! * scale, 1)}${unit}` } : { text: "not enough students yet" },
    figures: {
      "95% interval": enough ? { text: `${signed(estimate.interval![0] * scale, 1)} to ${signed(estimate.interval![1] * scale, 1)}` } : null,
      nudged,
      "held out": heldOut,
    },
  };
  if (key !== undefined) row.key = key;
  return row;
}

async function effect(ctx: Context, query: Extract<Query, { kind: "effect" }>): Promise<Answer> {
  const range = query.period ? resolveEventPeriod(query.period, ctx.today, ctx.terms) : null;
  const outcome = OUTCOME_OF_SOURCE[query.source ?? "vle"];
  const share = outcome !== OUTCOME_OF_SOURCE.vle;
  const label = outcomeLabel(outcome);
  const effects = await allRuleEffects(ctx.db, range ? { from: range.from, to: range.to, outcome } : { outcome });
  const columns = [share ? "nudged − held out (percentage points)" : "nudged − held out", "95% interval", "nudged", "held out"];
  const armsOf = (e: EffectEstimate) => ({ nudged: e.nudged, heldOut: e.heldOut });
  const perRule = effects.rules.map((rule) => ({ rule, estimate: rule.outcomes.find((o) => o.outcome === outcome)!.estimate }));
  const rows: AnswerRow[] = [
    effectRow(
      "All rules (pooled)",
      undefined,
      effects.pooled,
      sumOfCells(perRule.map((r) => armsOf(r.estimate).nudged)),
      sumOfCells(perRule.map((r) => armsOf(r.estimate).heldOut)),
      share,
    ),
    ...perRule
      .sort((a, b) => a.rule.title.localeCompare(b.rule.title))
      .map(({ rule, estimate }) => effectRow(rule.title, rule.rule, estimate, countFigure(estimate.nudged), countFigure(estimate.heldOut), share)),
  ];
  const notes = [
    `${label.charAt(0).toUpperCase()}${label.slice(1)} a flag: students the rules nudged against students each rule held out at random (its holdout), each student's first flag from a rule in a term.`,
    effects.rules.length === 0
      ? "No rule has held out any students in this period: there is nothing to compare yet."
      : effects.pooled.enough
        ? `Pooled over ${effects.pooled.rules} rule(s), each weighted by its students; the interval is 95%. ${effects.pooled.significant ? "The interval leaves out zero: a difference this size is unlikely to be chance." : "The interval includes zero: no clear difference."}`
        : `Not enough students yet to tell: an estimate needs at least ${MIN_PER_ARM} students in each arm of a rule.`,
    "Only flags whose outcome window has ended are compared; groups of 1 to 4 students show as “fewer than 5”.",
  ];
  if (!range) notes.unshift("No period given: every flag so far.");
  const shownRange = range ?? { from: ctx.today, to: ctx.today };
  return answer(ctx, query.kind, `Did nudges make a difference? ${label.charAt(0).toUpperCase()}${label.slice(1)} a flag`, shownRange, {
    columns,
    rows,
    chart: { kind: "bar", labels: [], series: [] },
    notes,
  });
}

/** The answer card's figures for a query, as of `now`. */
export async function runQuery(db: Database, query: Query, now: Date = new Date(), options: RunOptions = {}): Promise<Answer> {
  const ctx = await contextFor(db, now, options.timezone ?? DEFAULT_TIMEZONE, options.staffNumber);
  // Counts of students take periods on the grid; averages (the trend) and tutors' verdicts do not.
  if (
    query.kind === "inactive" ||
    query.kind === "flags" ||
    query.kind === "top_rules" ||
    query.kind === "reach" ||
    query.kind === "meetings" ||
    query.kind === "support" ||
    query.kind === "submissions"
  ) {
    const grid = gridPeriod(query.period);
    const answered = await answerQuery(ctx, { ...query, period: grid.period });
    return grid.notes.length ? { ...answered, notes: [...grid.notes, ...answered.notes] } : answered;
  }
  return answerQuery(ctx, query);
}

function answerQuery(ctx: Context, query: Query): Promise<Answer> {
  switch (query.kind) {
    case "inactive":
      return inactive(ctx, query);
    case "flags":
      return flags(ctx, query);
    case "top_rules":
      return topRules(ctx, query);
    case "engagement_trend":
      return engagementTrend(ctx, query);
    case "reach":
      return reach(ctx, query);
    case "meetings":
      return meetings(ctx, query);
    case "submissions":
      return submissions(ctx, query);
    case "attendance_rate":
      return attendanceRate(ctx, query);
    case "support":
      return support(ctx, query);
    case "opt_outs":
      return optOuts(ctx, query);
    case "freshness":
      return freshness(ctx, query);
    case "feedback":
      return feedback(ctx, query);
    case "effect":
      return effect(ctx, query);
    case "approvals":
      return approvals(ctx, query);
  }
}

/** The answer as plain text (for logs, the CLI, or a chat without cards). */
export function answerText(answer: Answer): string {
  const head = `${answer.title} (${answer.period.from === answer.period.to ? answer.period.from : `${answer.period.from} to ${answer.period.to}`})`;
  const line = (row: AnswerRow) => {
    const rest = answer.columns.slice(1).map((c) => `${c} ${figureText(row.figures?.[c] ?? null)}`);
    return `  ${row.label}: ${[`${answer.columns[0]} ${figureText(row.value)}`, ...rest].join(", ")}`;
  };
  return [head, ...answer.rows.map(line), ...(answer.total ? [line(answer.total)] : []), ...answer.notes.map((n) => `  * ${n}`)].join("\n");
}
