/**
 * The report's equality section (POLICY P12, the equality-monitoring purpose): the share of each
 * protected-characteristic group flagged by the rules and sent a nudge, and how that compares with
 * the largest group, so that a rule falling harder on one group is seen. Aggregate only.
 *
 * Disclosure control is the centre questions' (access/disclosure.ts): the base cells are the
 * combinations of every field's groups, each group's figure is a sum of them (`sumOfCells`: a
 * cell of 1 to 4 makes the figure "fewer than 5" or a range), and rates need exact figures and at
 * least 5 students (`rateOf`). A ratio is given only where both groups' counts are exact and at
 * least 5: from a hidden count it would give the count back.
 *
 * The ratio is a risk ratio with the usual log-normal 95% interval,
 * exp(ln RR ± z·sqrt(1/a − 1/n₁ + 1/c − 1/n₂)), z the normal 97.5% quantile from stdlib (as the t
 * quantile for unlimited degrees of freedom; simple-statistics' probit is an approximation that
 * gives 1.9572 for 1.95996).
 */
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { rateOf, sumOfCells, type Figure } from "../../access/index.ts";
import { EQUALITY_FIELDS, type EqualityField, type EqualityRow } from "../queries/report.ts";

export const NOT_KNOWN = "Not known, not given, or no consent to use it";

export const FIELD_LABELS: Record<EqualityField, string> = { disability: "Disability", ethnicity: "Ethnicity" };

/** Disability codes (UDD DIFFLEARN/HESA DISABLE, OULAD Y/N) in the groups reported. */
function disabilityGroup(code: string | null): string {
  if (code === null) return NOT_KNOWN;
  const c = code.trim().toUpperCase();
  if (["N", "0", "00", "95"].includes(c)) return "No known disability";
  if (["97", "98", "99", "U", "X", ""].includes(c)) return NOT_KNOWN;
  return "Disability declared";
}

/** HESA ethnicity codes in their broad groups (individual codes are too small to report). */
function ethnicityGroup(code: string | null): string {
  if (code === null) return NOT_KNOWN;
  const c = code.trim();
  if (/^1\d$/.test(c)) return "White";
  if (/^2\d$/.test(c)) return "Black";
  if (/^3\d$/.test(c)) return "Asian";
  if (/^4\d$/.test(c)) return "Mixed";
  if (["50", "51", "80"].includes(c)) return "Other ethnic group";
  return NOT_KNOWN;
}

const GROUPERS: Record<EqualityField, (code: string | null) => string> = { disability: disabilityGroup, ethnicity: ethnicityGroup };

export interface Ratio {
  value: number;
  interval: [number, number];
}

export interface EqualityGroup {
  group: string;
  students: Figure;
  flagged: Figure;
  nudged: Figure;
  /** Percentages. */
  flagRate: Figure;
  nudgeRate: Figure;
  /** Against the reference (largest) group; null for the reference itself or where not shown. */
  flagRatio: Ratio | null;
  nudgeRatio: Ratio | null;
}

export interface EqualityFieldReport {
  field: EqualityField;
  label: string;
  reference: string;
  groups: EqualityGroup[];
}

export interface EqualitySection {
  fields: EqualityFieldReport[];
  /** Fields Nudge can hold but no student in the period has a value for that may be used. */
  notLoaded: string[];
}

interface Counts {
  students: number;
  flagged: number;
  nudged: number;
}

const Z = tQuantile(0.975, 1e12);

/** Risk ratio of a/n1 against c/n2 with its 95% interval; null when either count is 0. */
export function riskRatio(a: number, n1: number, c: number, n2: number): Ratio | null {
  if (a <= 0 || c <= 0 || n1 <= 0 || n2 <= 0) return null;
  const value = a / n1 / (c / n2);
  const se = Math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2);
  return { value, interval: [Math.exp(Math.log(value) - Z * se), Math.exp(Math.log(value) + Z * se)] };
}

const exactEnough = (figure: Figure) => typeof figure === "number" && figure >= 5;

export function equalitySection(rows: readonly EqualityRow[]): EqualitySection {
  const fields = Object.keys(EQUALITY_FIELDS) as EqualityField[];
  // Base cells: one per combination of every field's groups.
  const cells = new Map<string, { groups: Record<EqualityField, string> } & Counts>();
  for (const row of rows) {
    const groups = Object.fromEntries(fields.map((f) => [f, GROUPERS[f](row.values[f])])) as Record<EqualityField, string>;
    const key = fields.map((f) => groups[f]).join("|");
    const cell = cells.get(key) ?? { groups, students: 0, flagged: 0, nudged: 0 };
    cell.students += row.students;
    cell.flagged += row.flagged;
    cell.nudged += row.nudged;
    cells.set(key, cell);
  }
  const reports: EqualityFieldReport[] = [];
  const notLoaded: string[] = [];
  for (const field of fields) {
    const byGroup = new Map<string, Counts[]>();
    for (const cell of cells.values()) {
      const list = byGroup.get(cell.groups[field]) ?? [];
      list.push(cell);
      byGroup.set(cell.groups[field], list);
    }
    if (![...byGroup.keys()].some((g) => g !== NOT_KNOWN)) {
      notLoaded.push(FIELD_LABELS[field]);
      continue;
    }
    const totals = new Map(
      [...byGroup].map(([g, list]) => [
        g,
        list.reduce((t, c) => ({ students: t.students + c.students, flagged: t.flagged + c.flagged, nudged: t.nudged + c.nudged }), {
          students: 0,
          flagged: 0,
          nudged: 0,
        }),
      ]),
    );
    const shown = new Map(
      [...byGroup].map(([g, list]) => {
        const students = sumOfCells(list.map((c) => c.students));
        const flagged = sumOfCells(list.map((c) => c.flagged));
        const nudged = sumOfCells(list.map((c) => c.nudged));
        return [g, { students, flagged, nudged }];
      }),
    );
    // The reference: the largest group, by what is shown (a hidden group is never the largest).
    const reference =
      [...totals.entries()].filter(([g]) => exactEnough(shown.get(g)!.students)).sort(([, a], [, b]) => b.students - a.students)[0]?.[0] ?? null;
    const ratio = (g: string, measure: "flagged" | "nudged"): Ratio | null => {
      if (reference === null || g === reference) return null;
      const [mine, ref] = [shown.get(g)!, shown.get(reference)!];
      if (!exactEnough(mine.students) || !exactEnough(mine[measure]) || !exactEnough(ref[measure])) return null;
      const [t, r] = [totals.get(g)!, totals.get(reference)!];
      return riskRatio(t[measure], t.students, r[measure], r.students);
    };
    const order = (g: string) => (g === NOT_KNOWN ? 1 : 0);
    const groups = [...shown.entries()]
      .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
      .map(([group, s]) => ({
        group,
        students: s.students,
        flagged: s.flagged,
        nudged: s.nudged,
        flagRate: rateOf(s.flagged, s.students),
        nudgeRate: rateOf(s.nudged, s.students),
        flagRatio: ratio(group, "flagged"),
        nudgeRatio: ratio(group, "nudged"),
      }));
    reports.push({ field, label: FIELD_LABELS[field], reference: reference ?? "none (every group is too small)", groups });
  }
  return { fields: reports, notLoaded };
}
