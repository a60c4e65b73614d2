/**
 * Disclosure control: how a figure about students is shown (POLICY P5, P11: aggregates only, no
 * one re-identifiable). It lives with the access gate because it applies to every edge that
 * shows counts about students: analytics answers, and rule dry runs in Teams and on the CLI.
 * In short:
 *
 * 1. Small numbers. A count of 1 to 4 (students, or things about students: flags, messages,
 *    replies, meetings, verdicts) is shown as "fewer than 5". Zero is shown as 0: it identifies no
 *    one, and hiding it would make every cell near it guessable instead.
 *
 * 2. Base cells, and no exact figure over a hidden one. Every count is built from the same base
 *    cells: the students of one programme in one year of study (their "cohort"), for the measure
 *    and period asked about. A figure covering several cells (a total, "all years", a row by rule
 *    across programmes) is exact only when none of its cells is 1 to 4; otherwise it is shown as
 *    the range those cells allow, e.g. 41–44 (the shown cells plus 1 to 4 for each hidden one).
 *    So every exact figure Nudge ever gives is a sum of cells that are themselves 0 or at least
 *    5, and a hidden cell only ever enters an answer as "somewhere from 1 to 4": no subtraction of
 *    one answer from another, within a card or across questions, can narrow it down.
 *
 * 3. Rates need a denominator of at least 5 and two exact figures. A reply rate is shown only
 *    when the students messaged are 5 or more and both figures are exact (a rate from a range or
 *    from "fewer than 5" replies would give the hidden figure back by multiplication).
 *
 * 4. Averages leave out small cohorts. An average per student (the engagement trend) is taken
 *    over cohorts of at least 5 students only; smaller cohorts are left out of every average, so
 *    no combination of averages contains them.
 *
 * 5. Order shows nothing hidden. Rows ranked by size ("which rules flagged most") are ranked by
 *    the figure as shown (a range by its lower end, "fewer than 5" as 1), never by the true value.
 *
 * 6. Nested periods and measures: one exact figure per cell. Rule 2 protects cells against
 *    subtraction within one period and measure, but the same cell over two nested periods ("no
 *    library activity in the last 7 days" and "… 14 days") or measures ("no VLE activity" and "no
 *    activity at all") is two exact figures whose difference is a group of its own, possibly of
 *    one. So a cell already shown exactly for one period or measure enters any answer over a
 *    nested one as its band of 5 (17 as 15–19): an exact figure minus a band, or a band minus a
 *    band, is never known to be 1 to 4. Whether a cell is banded depends only on what was asked
 *    before, never on the figures, so the banding itself gives nothing away (analytics keeps the
 *    record of what was shown, and rounds periods to a few lengths so that few periods nest).
 */

export const SMALL = 5;
export const FEWER_THAN_5 = "fewer than 5" as const;
export const NOT_SHOWN = "not shown" as const;

export interface Range {
  from: number;
  to: number;
}

/**
 * A figure as shown: a number; "fewer than 5"; a range (a sum that includes hidden cells);
 * "not shown" (a rate or average that would give a hidden figure away); text (dates, states, in
 * answers that are not about students); or null (nothing to show: no data, no one to count).
 */
export type Figure = number | typeof FEWER_THAN_5 | typeof NOT_SHOWN | Range | { text: string } | null;

export const isHidden = (n: number) => n >= 1 && n < SMALL;

/** One count as it may be shown: 1 to 4 as "fewer than 5" (rule 1), for counts that are not summed further. */
export function countFigure(n: number): number | typeof FEWER_THAN_5 {
  return isHidden(n) ? FEWER_THAN_5 : n;
}

/** A base cell that must enter a sum as its band of 5 (rule 6). */
export interface BandedCell {
  n: number;
  banded: true;
}

/** The band of 5 holding `n`: 15–19 for 17 (rule 6). */
export function bandOf(n: number): Range {
  const from = Math.floor(n / SMALL) * SMALL;
  return { from, to: from + SMALL - 1 };
}

/**
 * A sum of base cells, shown so that no hidden cell can be worked out (rule 2): 1 to 4 enters as
 * 1–4, a banded cell of 5 or more as its band (rule 6), 0 and other cells as they are.
 */
export function sumOfCells(cells: Iterable<number | BandedCell>): Figure {
  let from = 0;
  let to = 0;
  for (const cell of cells) {
    const n = typeof cell === "number" ? cell : cell.n;
    if (isHidden(n)) {
      from += 1;
      to += SMALL - 1;
    } else if (typeof cell !== "number" && n > 0) {
      const band = bandOf(n);
      from += band.from;
      to += band.to;
    } else {
      from += n;
      to += n;
    }
  }
  if (from === to) return from;
  return to < SMALL ? FEWER_THAN_5 : { from, to };
}

/** A percentage (one decimal) of two shown figures (rule 3). */
export function rateOf(numerator: Figure, denominator: Figure): Figure {
  if (denominator === FEWER_THAN_5) return FEWER_THAN_5;
  if (typeof denominator !== "number" || typeof numerator !== "number") return NOT_SHOWN;
  if (denominator === 0) return null;
  return Math.round((1000 * numerator) / denominator) / 10;
}

/** A mean per student over cohorts, leaving out cohorts of fewer than 5 (rule 4). */
export function averageOverCohorts(cohorts: Iterable<{ students: number; total: number }>): { value: Figure; leftOut: number } {
  let students = 0;
  let total = 0;
  let leftOut = 0;
  let any = false;
  for (const c of cohorts) {
    if (c.students === 0) continue;
    any = true;
    if (c.students < SMALL) {
      leftOut++;
      continue;
    }
    students += c.students;
    total += c.total;
  }
  if (!any) return { value: null, leftOut };
  if (students === 0) return { value: FEWER_THAN_5, leftOut };
  return { value: Math.round((10 * total) / students) / 10, leftOut };
}

/** The size used to rank figures without looking behind them (rule 5). */
export function shownSize(figure: Figure): number {
  if (typeof figure === "number") return figure;
  if (figure === FEWER_THAN_5) return 1;
  if (figure && typeof figure === "object" && "from" in figure) return figure.from;
  return -1;
}

/** What can be drawn: hidden and partial figures are left out of charts rather than guessed. */
export function plotted(figure: Figure): number | null {
  return typeof figure === "number" ? figure : null;
}

export function figureText(figure: Figure): string {
  if (figure === null) return "–";
  if (typeof figure === "number") return String(figure);
  if (typeof figure === "string") return figure;
  if ("text" in figure) return figure.text;
  return `${figure.from}–${figure.to}`;
}
