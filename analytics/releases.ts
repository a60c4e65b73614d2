/**
 * The record of what each staff member has been shown exactly (disclosure.ts, rule 6), and the
 * check made before a base cell is shown again.
 *
 * A figure's students, per base cell, are fixed by three things: the measure's variant (a source,
 * a rule, a channel's column), the period, and the cell. Two figures over the same cell nest when
 * one's students are, by construction, among the other's: "no activity at all" within "no VLE
 * activity", a longer period's inactive within a shorter one's, this week's flags within this
 * month's. Their difference is then a group of students of its own, so at most one of them may
 * show the cell exactly: whichever was asked first claims it, and every nested variant or period
 * after it gets the cell as a band of 5.
 *
 * The check looks only at what was asked before, never at the figures, so which cells are banded
 * tells nothing about them. The record is per staff member, so what they see is explained by what
 * they asked; it keeps no student ids, only which cells were shown for which period.
 */
import type { Database } from "../prisma/index.ts";
import { isUniqueViolation } from "../prisma/index.ts";
import type { DayRange } from "./periods.ts";

/** What a figure counts: each nests only within itself, except as `contains` says. */
export type Measure = "inactive" | "flags" | "reach" | "meetings" | "support" | "submissions";

/** Any source: a student with no activity at all has none from each source. */
export const ANY_SOURCE = "any";
/** Any rule: a student flagged by one rule is flagged. */
export const ANY_RULE = "*";

interface Shown {
  variant: string;
  from: number;
  to: number;
  cells: Set<string>;
}

/** Whether every student counted by `a`, in a cell, is counted by `b` in that cell. */
function within(measure: Measure, a: Omit<Shown, "cells">, b: Omit<Shown, "cells">): boolean {
  switch (measure) {
    case "inactive":
      // No activity over a longer period is rarer; no activity at all is rarer than from one source.
      return (a.variant === b.variant || a.variant === ANY_SOURCE) && a.from <= b.from && a.to >= b.to;
    case "flags":
      return (a.variant === b.variant || b.variant === ANY_RULE) && a.from >= b.from && a.to <= b.to;
    case "reach":
    case "meetings":
    case "support":
    case "submissions":
      return a.variant === b.variant && a.from >= b.from && a.to <= b.to;
  }
}

const same = (a: Omit<Shown, "cells">, b: Omit<Shown, "cells">) => a.variant === b.variant && a.from === b.from && a.to === b.to;

export const cellKey = (cell: { programme: number | null; year: number | null }) => `${cell.programme ?? "none"}:${cell.year ?? "none"}`;

/** One answer's view of the record: what was shown before, and the cells this answer shows exactly. */
export class ReleaseGuard {
  private readonly added = new Map<string, Shown>();
  /** Cells this answer shows banded, for the note that says so. */
  banded = 0;

  private constructor(
    private readonly staffNumber: string,
    private readonly measure: Measure,
    private readonly earlier: readonly Shown[],
  ) {}

  /** The record for `staffNumber` and `measure` over periods that overlap `range` (only those can nest with it). */
  static async load(db: Database, staffNumber: string, measure: Measure, range: DayRange): Promise<ReleaseGuard> {
    const rows = await db.prisma.analyticsRelease.findMany({
      where: { staffNumber, measure, fromDay: { lte: range.to }, toDay: { gte: range.from } },
      select: { variant: true, fromDay: true, toDay: true, cells: true },
    });
    const earlier = rows.map((r) => ({ variant: r.variant, from: r.fromDay, to: r.toDay, cells: new Set(r.cells as string[]) }));
    return new ReleaseGuard(staffNumber, measure, earlier);
  }

  /**
   * Whether `cell` must be banded for `variant` over `range`: another variant or period that nests
   * with this one has shown it exactly. Otherwise this one claims it.
   */
  mustBand(variant: string, range: DayRange, cell: string): boolean {
    const here = { variant, from: range.from, to: range.to };
    for (const shown of [...this.earlier, ...this.added.values()]) {
      if (same(shown, here) || !shown.cells.has(cell)) continue;
      if (within(this.measure, here, shown) || within(this.measure, shown, here)) {
        this.banded++;
        return true;
      }
    }
    const key = `${variant}\u0000${range.from}\u0000${range.to}`;
    if (!this.added.has(key)) this.added.set(key, { ...here, cells: new Set() });
    this.added.get(key)!.cells.add(cell);
    return false;
  }

  /** Adds this answer's exact cells to the record (merged into the row for the same variant and period). */
  async save(db: Database): Promise<void> {
    for (const shown of this.added.values()) {
      const where = {
        staffNumber_measure_variant_fromDay_toDay: {
          staffNumber: this.staffNumber,
          measure: this.measure,
          variant: shown.variant,
          fromDay: shown.from,
          toDay: shown.to,
        },
      };
      // Two answers at once may both create the row: the second merges into it instead.
      for (let attempt = 0; ; attempt++) {
        try {
          const row = await db.prisma.analyticsRelease.findUnique({ where, select: { cells: true } });
          const cells = [...new Set([...((row?.cells as string[] | undefined) ?? []), ...shown.cells])].sort();
          if (row) await db.prisma.analyticsRelease.update({ where, data: { cells } });
          else await db.prisma.analyticsRelease.create({ data: { ...where.staffNumber_measure_variant_fromDay_toDay, cells } });
          break;
        } catch (error) {
          if (attempt > 0 || !isUniqueViolation(error)) throw error;
        }
      }
    }
  }
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `work` after the staff member's earlier answers have finished: the check and the record
 * must not interleave, or two questions asked at once would each find the other's cells unshown.
 */
export function oneAtATime<T>(staffNumber: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(staffNumber) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  queues.set(staffNumber, settled);
  void settled.then(() => {
    if (queues.get(staffNumber) === settled) queues.delete(staffNumber);
  });
  return next;
}

/** The note an answer carries when it banded cells. */
export const BANDED_NOTE =
  "Some figures are shown as a band of 5 (such as 15–19): you already have exact figures for the same students over an overlapping period or a related question, and two exact figures could be subtracted to single out a student.";

/** The note an answer carries when its period was rounded. */
export function roundedNote(asked: string, used: string): string {
  return `I used ${used} (you asked for ${asked}): periods are rounded to 1, 2, 4, 8, 13, 26 or 52 weeks so that answers for nearby periods can't be combined to single out a student.`;
}
