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
 *    across programmes) is exact only when none of its cells is 1 to 4. Otherwise:
 *    - with one such cell, it is the range that cell allows, e.g. 41–44 (the shown cells plus 1
 *      to 4): exactly what the cells beside it already say;
 *    - with two or more, it is "about N": the exact cells plus the middle of a step the hidden
 *      cells' sum (k to 4k for k of them) falls in. Up to 3 hidden cells the step is the whole
 *      range, so N never moves with their values (3 to 12: about 8, within 5 of each). From 4, by
 *      HESA's standard rounding methodology (counts rounded to the nearest multiple of 5, halves
 *      up) applied to the hidden cells' sum, with the two end steps widened so that each holds
 *      every value one hidden cell can take: no single figure, set beside the exact cells,
 *      narrows a hidden cell's 1 to 4. N is always within 5 of the truth, where a range over 19
 *      hidden cells would span 57. `roundedSum` gives the step (`from`–`to`) with N.
 *    So every exact figure Nudge ever gives is a sum of cells that are themselves 0 or at least
 *    5; a hidden cell enters an answer only as "somewhere from 1 to 4" or inside a rounded sum of
 *    several; no answer over 3 hidden cells or fewer moves with their values; and no one answer,
 *    set against the exact cells beside it, narrows a hidden cell down. What rounding cannot
 *    promise (two figures over 4 or more hidden cells whose cells differ by two or more hidden
 *    ones can, subtracted, narrow those cells' sum at the ends of a step: the known weakness of
 *    rounding, which HESA accepts) is written down in analytics/README.md. Cells banded by rule 6
 *    enter a rounded sum as their band (never their true value), counted at its middle.
 *
 * 3. Rates need a denominator of at least 5 and two exact figures. A reply rate is shown only
 *    when the students messaged are 5 or more and both figures are exact (a rate from a range or
 *    from "fewer than 5" replies would give the hidden figure back by multiplication). A rate of
 *    a rounded figure ("about N") over an exact one is itself "about", taken from N, and only
 *    over 23 or more (HESA suppresses percentages of fewer than 22.5).
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
export type Figure = number | typeof FEWER_THAN_5 | typeof NOT_SHOWN | Range | Rounded | { text: string } | null;

/**
 * A rounded figure (rule 2): shown as "about `about`"; `from`–`to` is every value that would be
 * shown the same way, given the exact cells beside it (so what it tells anyone, and what the
 * differencing tests take it to mean).
 */
export interface Rounded extends Range {
  about: number;
}

export const isRounded = (figure: Figure): figure is Rounded => figure !== null && typeof figure === "object" && "about" in figure;

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
 * 1–4, a banded cell of 5 or more as its band (rule 6), 0 and other cells as they are. With one
 * uncertain cell the sum is the range it allows; with several, rounded (`roundedSum`).
 */
export function sumOfCells(cells: Iterable<number | BandedCell>): Figure {
  let exact = 0;
  let hidden = 0;
  let hiddenSum = 0;
  const bands: Range[] = [];
  for (const cell of cells) {
    const n = typeof cell === "number" ? cell : cell.n;
    if (isHidden(n)) {
      hidden++;
      hiddenSum += n;
    } else if (typeof cell !== "number" && n > 0) bands.push(bandOf(n));
    else exact += n;
  }
  if (hidden === 0 && bands.length === 0) return exact;
  const banded = { from: bands.reduce((sum, b) => sum + b.from, 0), to: bands.reduce((sum, b) => sum + b.to, 0) };
  const from = exact + banded.from + hidden;
  const to = exact + banded.to + hidden * (SMALL - 1);
  if (to < SMALL) return FEWER_THAN_5;
  if (hidden < 2) return { from, to };
  // Bands enter as they are (their true values never move the figure); the hidden cells' sum is rounded.
  const rounded = roundedSum(exact + banded.from, hidden, hiddenSum);
  return { about: rounded.about + 2 * bands.length, from: rounded.from, to: rounded.to + banded.to - banded.from };
}

/** Half up, as HESA rounds: 2.5 to 5. */
const nearest5 = (x: number) => SMALL * Math.floor(x / SMALL + 0.5);

/**
 * The steps the hidden cells' sum is rounded to (rule 2). Up to 3 hidden cells: one step, the
 * whole range k to 4k (its middle is within 5 of every value, so the figure never moves with the
 * hidden values). From 4: HESA's steps of 5 around multiples of 5 ([8, 12], [13, 17], …), except
 * that the lowest step reaches at least 3 above the least possible sum (k) and the highest at least
 * 3 below the greatest (4k), so that every value 1 to 4 of every hidden cell stays possible within
 * each step. Depends only on how many hidden cells there are, never on their values.
 */
export function roundingSteps(hidden: number): Range[] {
  const least = hidden;
  const most = hidden * (SMALL - 1);
  if (hidden <= INVARIANT_UP_TO) return [{ from: least, to: most }];
  const spread = SMALL - 2;
  const lowEnd = least + spread;
  const highEnd = most - spread;
  const steps: Range[] = [];
  let from = least;
  // Starts of HESA steps (5m − 2) above the low end and at or below the high end.
  for (let start = nearest5(lowEnd) + 3; start <= highEnd; start += SMALL) {
    steps.push({ from, to: start - 1 });
    from = start;
  }
  steps.push({ from, to: most });
  return steps;
}

/**
 * Up to this many hidden cells, a rounded sum is one figure whatever their values (3 cells span
 * 3 to 12, whose middle, 8, is within 5 of each). From 4 (4 to 16) no one figure is within 5 of
 * every value, so the figure must follow the hidden cells' sum in steps.
 */
export const INVARIANT_UP_TO = 3;

/**
 * A sum of exact cells and `hidden` cells of 1 to 4 (`hiddenSum` their true total), rounded as rule
 * 2 says: "about" the middle of the step the hidden sum falls in (always within 5 of the truth:
 * steps hold at most 9 values), with the step as `from`–`to`.
 */
export function roundedSum(exact: number, hidden: number, hiddenSum: number): Rounded {
  const step = roundingSteps(hidden).find((s) => hiddenSum >= s.from && hiddenSum <= s.to)!;
  return { about: exact + Math.floor((step.from + step.to + 1) / 2), from: exact + step.from, to: exact + step.to };
}

/** Fewer than this many (22.5, as HESA puts it) and a percentage of a rounded figure is not shown (rule 3). */
export const ROUNDED_RATE_MINIMUM = 23;

/** A percentage (one decimal) of two shown figures (rule 3); of a rounded one, "about" a whole percentage. */
export function rateOf(numerator: Figure, denominator: Figure): Figure {
  if (denominator === FEWER_THAN_5) return FEWER_THAN_5;
  if (typeof denominator === "number" && isRounded(numerator)) {
    if (denominator < ROUNDED_RATE_MINIMUM) return NOT_SHOWN;
    const percent = (n: number) => Math.round((100 * n) / denominator);
    return { about: percent(numerator.about), from: percent(numerator.from), to: percent(Math.min(numerator.to, denominator)) };
  }
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
  if (isRounded(figure)) return figure.about;
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
  if ("about" in figure) return `about ${figure.about}`;
  return `${figure.from}–${figure.to}`;
}
