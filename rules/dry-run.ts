/**
 * Dry run and backtest: what a new or changed rule would do, before anyone switches it on. Counts
 * only (by programme and year), never names: an admin sees the size and shape of a rule's effect,
 * not who it would flag. Nothing is written.
 *
 *  - now: students flagged on the as-of day, by cohort, and the difference from the rule's current
 *    version (newly flagged / no longer flagged).
 *  - load: the 7 days ending on the as-of day, simulated with the rule's cooldown, give flags per
 *    day and per personal tutor per day (what the digests and students would receive).
 *  - backtest: with outcome data (OULAD final_result, withdrawal dates), how many of the students
 *    flagged that week later withdrew or failed, against the rate for everyone evaluated.
 *    Outcomes are read for this comparison only and never feed a rule (POLICY P1).
 */
import { DAY_MS } from "../core/index.ts";
import { countFigure, type FEWER_THAN_5 } from "../access/index.ts";
import { hadBadOutcome, withdrewOrFailed } from "./queries/outcomes.ts";
import { flagHistory, volumeGuardFromEnv, volumeHolds } from "./volume-guard.ts";
import type { Database } from "../prisma/index.ts";
import { evaluateRules, nearbyFlags, runInputs } from "./run.ts";
import { isoDay } from "./freshness.ts";
import { loadCalendar, loadRulesToRun, type StoredRule } from "./store.ts";
import type { StudentMetrics } from "./queries/metrics.ts";
import type { Population } from "./population.ts";
import type { ValidRule } from "./validate.ts";

export const SIMULATED_DAYS = 7;

/** A count of students: exact inside rules/, disclosure-controlled (1 to 4 as "fewer than 5") when shown. */
export type Count = number | typeof FEWER_THAN_5;

export interface CohortCount<C extends Count = number> {
  cohort: string;
  students: C;
}

export interface DryRunReport<C extends Count = number> {
  rule: string;
  asOf: string;
  /** The version compared against, when the rule is stored. */
  currentVersion: number | null;
  skipped?: string;
  evaluated: C;
  /** Students the condition holds for on the day. */
  matched: C;
  /** Of those, how many would get a new flag now (the rest were flagged today already or are in cooldown). */
  flagged: C;
  notEvaluable: C;
  inCooldown: C;
  alreadyFlagged: C;
  /** Students the condition holds for, by cohort. */
  byCohort: CohortCount<C>[];
  /** Whom the condition holds for, against the current version's condition. */
  comparedWithCurrent?: { newlyFlagged: C; noLongerFlagged: C; matchedByCurrent: C };
  load: {
    days: number;
    flagsPerDay: { mean: number; max: number };
    perTutorPerDay: { tutors: number; mean: number; max: number };
    /** nudge rules message students directly; significant ones fill tutors' digests. */
    reaches: "students (sent automatically)" | "tutors' digests (for approval)";
  };
  backtest?: Backtest<C>;
  /** Whether the volume guard would hold this rule's new flags today, and why (figures under 5 left out). */
  volumeGuard?: { wouldHold: boolean; reason: string | null };
}

export interface Backtest<C extends Count = number> {
  week: { from: string; to: string };
  flagged: { students: C; withOutcome: C; rate: number | null };
  everyone: { students: C; withOutcome: C; rate: number | null };
  /** How many times likelier a flagged student was to withdraw or fail. */
  lift: number | null;
  note?: string;
}

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

function byCohort(matched: readonly number[], metrics: readonly StudentMetrics[], population: Population): CohortCount[] {
  const groupOf = new Map(metrics.map((m) => [m.studentId, m.groupKey]));
  const counts = new Map<string, number>();
  for (const studentId of matched) {
    const label = population.groupLabel(groupOf.get(studentId)!);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([cohort, students]) => ({ cohort, students })).sort((a, b) => b.students - a.students || a.cohort.localeCompare(b.cohort));
}

async function personalTutors(db: Database, asOfDay: number): Promise<Map<number, number>> {
  const day = new Date(asOfDay * DAY_MS);
  const rows = await db.prisma.tutorAssignment.findMany({
    where: { role: "personal_tutor", startDate: { lte: day }, OR: [{ endDate: null }, { endDate: { gt: day } }] },
    select: { studentId: true, staffId: true },
  });
  return new Map(rows.map((r) => [r.studentId, r.staffId]));
}

export interface DryRunOptions {
  asOfDay: number;
  backtest?: boolean;
  now?: Date;
}

export async function dryRun(db: Database, candidate: ValidRule, options: DryRunOptions): Promise<DryRunReport> {
  const { asOfDay } = options;
  const now = options.now ?? new Date();
  const calendar = await loadCalendar(db, asOfDay);
  const id = candidate.document.id;
  const stored = await db.prisma.rule.findUnique({ where: { id } });
  const current = stored ? (await loadRulesToRun(db, calendar, [id])).rules[0] : undefined;
  const candidateRule: StoredRule = { rule: candidate, version: (stored?.currentVersion ?? 0) + 1 };
  const historical = Boolean(options.backtest);

  // Each day under the calendar in force on it: a week may cross from one academic year to the next.
  const inputsFor = async (rules: StoredRule[], day: number) => runInputs(db, day === asOfDay ? calendar : await loadCalendar(db, day), rules, day, now);

  // Now: the candidate against the current version, with the real flags' cooldowns.
  const compared = current ? [candidateRule, current] : [candidateRule];
  const flagged = await nearbyFlags(db, compared, asOfDay);
  const today = await evaluateRules(db, await inputsFor(compared, asOfDay), asOfDay, { currentOnly: true, flagged });
  const [mine, theirs] = today.outcomes;
  const report: DryRunReport = {
    rule: id,
    asOf: isoDay(asOfDay),
    currentVersion: stored?.currentVersion ?? null,
    skipped: mine!.skipped,
    evaluated: mine!.evaluated,
    matched: mine!.matched.length,
    flagged: mine!.flagged.length,
    notEvaluable: mine!.notEvaluable,
    inCooldown: mine!.inCooldown,
    alreadyFlagged: mine!.alreadyFlagged,
    byCohort: byCohort(mine!.matched, today.metrics, today.population),
    load: {
      days: SIMULATED_DAYS,
      flagsPerDay: { mean: 0, max: 0 },
      perTutorPerDay: { tutors: 0, mean: 0, max: 0 },
      reaches: candidate.document.significance === "nudge" ? "students (sent automatically)" : "tutors' digests (for approval)",
    },
    volumeGuard: { wouldHold: false, reason: null },
  };
  const hold = volumeHolds([mine!], today.metrics, today.population, await flagHistory(db, asOfDay), volumeGuardFromEnv())[0];
  report.volumeGuard = {
    wouldHold: Boolean(hold),
    reason: hold ? (hold.cohortFlagged >= 5 || hold.cohortFlagged === 0 ? hold.reason : "more than the allowed share of a cohort in one day") : null,
  };
  if (theirs) {
    const after = new Set(mine!.matched);
    const before = new Set(theirs.matched);
    report.comparedWithCurrent = {
      newlyFlagged: [...after].filter((s) => !before.has(s)).length,
      noLongerFlagged: [...before].filter((s) => !after.has(s)).length,
      matchedByCurrent: before.size,
    };
  }

  // The week ending on the as-of day, with the candidate's cooldown applied as it would be.
  const tutors = await personalTutors(db, asOfDay);
  const cooldown = candidate.document.cooldownDays;
  const lastFlag = new Map<number, number>();
  const perDay: number[] = [];
  const perTutorDay = new Map<string, number>();
  const flaggedInWeek = new Set<number>();
  const evaluatedInWeek = new Set<number>();
  // The cohort (module presentation or course) each student was evaluated in: their outcome is that enrolment's.
  const groupOf = new Map<number, string>();
  for (let day = asOfDay - SIMULATED_DAYS + 1; day <= asOfDay; day++) {
    const simulated = () => {
      const inCooldown = new Set<number>();
      for (const [student, at] of lastFlag) if (day - at < cooldown) inCooldown.add(student);
      return { inCooldown, alreadyFlagged: new Set<number>() };
    };
    const result = await evaluateRules(db, await inputsFor([candidateRule], day), day, { currentOnly: !historical, flagged: simulated });
    const outcome = result.outcomes[0]!;
    perDay.push(outcome.flagged.length);
    for (const student of outcome.flagged) {
      lastFlag.set(student.studentId, day);
      flaggedInWeek.add(student.studentId);
      const tutor = tutors.get(student.studentId);
      if (tutor !== undefined) perTutorDay.set(`${tutor}:${day}`, (perTutorDay.get(`${tutor}:${day}`) ?? 0) + 1);
    }
    for (const student of outcome.evaluatedStudents) evaluatedInWeek.add(student);
    for (const row of result.metrics) if (!groupOf.has(row.studentId)) groupOf.set(row.studentId, row.groupKey);
  }
  const tutorsReached = new Set([...perTutorDay.keys()].map((k) => k.split(":")[0]));
  const tutorDays = tutorsReached.size * SIMULATED_DAYS;
  const tutorTotal = [...perTutorDay.values()].reduce((a, b) => a + b, 0);
  report.load.flagsPerDay = { mean: round(perDay.reduce((a, b) => a + b, 0) / SIMULATED_DAYS, 1), max: Math.max(0, ...perDay) };
  report.load.perTutorPerDay = { tutors: tutorsReached.size, mean: tutorDays ? round(tutorTotal / tutorDays) : 0, max: Math.max(0, ...perTutorDay.values()) };

  if (options.backtest) report.backtest = await backtest(db, asOfDay, flaggedInWeek, evaluatedInWeek, groupOf);
  return report;
}

async function backtest(db: Database, asOfDay: number, flagged: Set<number>, evaluated: Set<number>, groupOf: Map<number, string>): Promise<Backtest> {
  const week = { from: isoDay(asOfDay - SIMULATED_DAYS + 1), to: isoDay(asOfDay) };
  const outcomes = await withdrewOrFailed(db, asOfDay);
  const { anyOutcome } = outcomes;
  const rate = (set: Set<number>) => {
    const withOutcome = [...set].filter((s) => hadBadOutcome(outcomes, s, groupOf.get(s) ?? "")).length;
    return { students: set.size, withOutcome, rate: set.size ? round(withOutcome / set.size, 3) : null };
  };
  const f = rate(flagged);
  const e = rate(evaluated);
  const result: Backtest = { week, flagged: f, everyone: e, lift: f.rate !== null && e.rate ? round(f.rate / e.rate) : null };
  if (!anyOutcome) result.note = "no outcome data (final results or withdrawal dates) is loaded, so there is nothing to compare against";
  return result;
}

/**
 * The report as any edge may show it (Teams, the CLI, the studio): every count of students of 1 to
 * 4 becomes "fewer than 5", and a backtest rate over a hidden count is left out, since it would
 * give the count back. Nothing in a dry run names a student.
 */
export function discloseDryRun(report: DryRunReport): DryRunReport<Count> {
  const c = countFigure;
  const side = (s: Backtest["flagged"]) => ({
    students: c(s.students),
    withOutcome: c(s.withOutcome),
    rate: isHiddenCount(s.students) || isHiddenCount(s.withOutcome) ? null : s.rate,
  });
  const { backtest, comparedWithCurrent, ...rest } = report;
  return {
    ...rest,
    evaluated: c(report.evaluated),
    matched: c(report.matched),
    flagged: c(report.flagged),
    notEvaluable: c(report.notEvaluable),
    inCooldown: c(report.inCooldown),
    alreadyFlagged: c(report.alreadyFlagged),
    byCohort: report.byCohort.map((row) => ({ cohort: row.cohort, students: c(row.students) })),
    ...(comparedWithCurrent
      ? {
          comparedWithCurrent: {
            newlyFlagged: c(comparedWithCurrent.newlyFlagged),
            noLongerFlagged: c(comparedWithCurrent.noLongerFlagged),
            matchedByCurrent: c(comparedWithCurrent.matchedByCurrent),
          },
        }
      : {}),
    ...(backtest
      ? {
          backtest: {
            ...backtest,
            flagged: side(backtest.flagged),
            everyone: side(backtest.everyone),
            lift: side(backtest.flagged).rate === null ? null : backtest.lift,
          },
        }
      : {}),
  };
}

const isHiddenCount = (n: number) => countFigure(n) !== n;
