/**
 * The report's "use" section: what Nudge did over the period, by programme and by year of study.
 * The figures are counted per base cell (programme x year) by the same queries the centre
 * questions use, and added up with the same disclosure control (access/disclosure.ts): a count of
 * 1 to 4 shows as "fewer than 5", and a sum over such a cell as a range.
 */
import { sumOfCells, type Figure } from "../../access/index.ts";
import type { Database } from "../../prisma/index.ts";
import { instants, isoDay, type DayRange } from "../periods.ts";
import { flagCells, meetingCells, nudgeCells, type Cell } from "../queries.ts";

export const USE_COLUMNS = ["flagged", "nudged", "replied", "invitations", "meetingsBooked", "meetingsAttended"] as const;
export type UseColumn = (typeof USE_COLUMNS)[number];

/** Column headings, in plain words. */
export const USE_HEADINGS: Record<UseColumn, string> = {
  flagged: "Students flagged",
  nudged: "Students sent a nudge",
  replied: "Students who replied",
  invitations: "Invitations to talk",
  meetingsBooked: "Meetings booked",
  meetingsAttended: "Meetings attended",
};

export interface UseRow {
  label: string;
  figures: Record<UseColumn, Figure>;
}

export interface UseMonth {
  month: string;
  from: string;
  to: string;
  flagged: Figure;
  nudged: Figure;
}

export interface UseSection {
  total: UseRow;
  byProgramme: UseRow[];
  byYear: UseRow[];
  months: UseMonth[];
}

type Counts = Record<UseColumn, number>;
const empty = (): Counts => ({ flagged: 0, nudged: 0, replied: 0, invitations: 0, meetingsBooked: 0, meetingsAttended: 0 });
const keyOf = (c: Cell) => `${c.programme ?? "none"}:${c.year ?? "none"}`;
const NOT_ON_A_PROGRAMME = "Not on a programme";

async function cellsFor(db: Database, range: DayRange, timezone: string, flagsAndNudgesOnly = false): Promise<Map<string, Cell & Counts>> {
  const when = instants(range, timezone);
  const cells = new Map<string, Cell & Counts>();
  const at = (c: Cell) => {
    const key = keyOf(c);
    if (!cells.has(key)) cells.set(key, { programme: c.programme, year: c.year, ...empty() });
    return cells.get(key)!;
  };
  for (const c of await flagCells(db, range, when, {}, "all")) at(c).flagged = c.n;
  for (const c of await nudgeCells(db, range, when)) Object.assign(at(c), { nudged: c.reached, replied: c.replied });
  if (flagsAndNudgesOnly) return cells;
  for (const c of await meetingCells(db, range, when, {}))
    Object.assign(at(c), { invitations: c.invitations, meetingsBooked: c.booked, meetingsAttended: c.held });
  return cells;
}

function rowOf(label: string, cells: readonly Counts[]): UseRow {
  const figures = Object.fromEntries(USE_COLUMNS.map((col) => [col, sumOfCells(cells.map((c) => c[col]))])) as Record<UseColumn, Figure>;
  return { label, figures };
}

function groupRows<K>(cells: readonly (Cell & Counts)[], keyOf: (c: Cell) => K, labelOf: (k: K) => string, order: (a: K, b: K) => number): UseRow[] {
  const groups = new Map<K, (Cell & Counts)[]>();
  for (const c of cells) {
    const k = keyOf(c);
    const list = groups.get(k);
    if (list) list.push(c);
    else groups.set(k, [c]);
  }
  return [...groups.entries()].sort(([a], [b]) => order(a, b)).map(([k, list]) => rowOf(labelOf(k), list));
}

/** Calendar months within the range (the first and last may be part months). */
export function monthsOf(range: DayRange): DayRange[] {
  const months: DayRange[] = [];
  let from = range.from;
  while (from <= range.to) {
    const d = new Date(from * 86_400_000);
    const next = Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 86_400_000);
    const to = Math.min(range.to, next - 1);
    months.push({ from, to });
    from = to + 1;
  }
  return months;
}

const MONTH = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });

export async function usageSection(db: Database, range: DayRange, timezone: string): Promise<UseSection> {
  const programmes = new Map((await db.prisma.programme.findMany({ select: { id: true, code: true, title: true } })).map((p) => [p.id, p]));
  const cells = [...(await cellsFor(db, range, timezone)).values()];
  const programmeLabel = (id: number | null) => {
    if (id === null) return NOT_ON_A_PROGRAMME;
    const p = programmes.get(id);
    return p ? `${p.title} (${p.code})` : `Programme ${id}`;
  };
  const byProgramme = groupRows(
    cells,
    (c) => c.programme,
    programmeLabel,
    (a, b) => (a === null ? 1 : b === null ? -1 : programmeLabel(a).localeCompare(programmeLabel(b))),
  );
  const byYear = groupRows(
    cells,
    (c) => c.year,
    (y) => (y === null ? NOT_ON_A_PROGRAMME : y === 0 ? "Foundation year" : `Year ${y}`),
    (a, b) => (a ?? 99) - (b ?? 99),
  );
  const months: UseMonth[] = [];
  for (const month of monthsOf(range)) {
    const monthCells = [...(await cellsFor(db, month, timezone, true)).values()];
    const row = rowOf("", monthCells);
    months.push({
      month: MONTH.format(new Date(month.from * 86_400_000)),
      from: isoDay(month.from),
      to: isoDay(month.to),
      flagged: row.figures.flagged,
      nudged: row.figures.nudged,
    });
  }
  return { total: rowOf("All students", cells), byProgramme, byYear, months };
}
