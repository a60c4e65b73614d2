/**
 * Calibrating rules on past data with known outcomes (the OULAD presentations): each rule is run
 * once a week through every module presentation, as the backtest runs it, and judged by
 *  - the largest share of a presentation's evaluated students it flags in any one week,
 *  - lift: how much likelier its flagged students were to withdraw or fail that presentation than
 *    everyone it evaluated there,
 *  - precision and recall of "flagged at least once by week N" for withdrawing or failing.
 * Outcomes are read for this comparison only and never feed a rule (POLICY P1). Nothing is written.
 *
 * The weekly run is on the last day of each week of the presentation (day 6, 13, ... from its
 * start) up to the week of its last coursework deadline, with no academic calendar: those weeks
 * are the teaching period (after the last deadline students revise for the exam or have finished,
 * and nearly everyone's VLE activity stops, as in the weeks a live calendar skips). Each rule's
 * cooldown applies between the weekly runs as it does between live ones, so a week's flag share
 * is the share of the presentation's evaluated students given a new flag that week (a student
 * silent for months is flagged again once per cooldown, not every week).
 * A presentation whose VLE rows stop before its end (a truncated export) is evaluated only up to
 * the last full week with VLE data, and the summary says so.
 */
import { DAY_MS } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { hadBadOutcome, withdrewOrFailed } from "./queries/outcomes.ts";
import { vleDaysByModuleInstance } from "./queries/calibration.ts";
import { evaluateRules, runInputs } from "./run.ts";
import type { StoredRule } from "./store.ts";
import type { ValidRule } from "./validate.ts";

/** The acceptance bar for a starter rule: at most this share of a cohort flagged in any week… */
export const MAX_WEEKLY_SHARE = 0.1;
/** …and its flagged students at least this much likelier than their cohort to withdraw or fail. */
export const MIN_LIFT = 1.5;
/** Weeks with fewer students evaluated in a presentation are left out of the weekly share. */
export const MIN_WEEKLY_COHORT = 20;

export interface CalibrationOptions {
  /** Only these presentations ("AAA-2013J"); all with VLE data when absent. */
  presentations?: readonly string[];
  /** Weeks at which precision and recall are given (default 4 and 8). */
  checkpoints?: readonly number[];
  onProgress?: (done: number, total: number) => void;
}

export interface PresentationSummary {
  presentation: string;
  weeks: number;
  /** Students evaluated in any week (by any rule reading the VLE). */
  students: number;
  /** Of them, how many withdrew from or failed the presentation. */
  withdrewOrFailed: number;
  /** Why it was left out, when it was. */
  skipped?: string;
  /** Why only its first weeks were evaluated, when that was so. */
  cutShort?: string;
}

export interface Checkpoint {
  week: number;
  flagged: number;
  precision: number | null;
  recall: number | null;
}

export interface RuleCalibration {
  id: string;
  title: string;
  /** The rule did not run on this data at all: why (e.g. a feed the data set does not have). */
  notRun?: string;
  /** Student-presentations evaluated in any week, and flagged in any week. */
  evaluated: number;
  flagged: number;
  /** Withdrew or failed: among the flagged, and among everyone evaluated. */
  flaggedRate: number | null;
  cohortRate: number | null;
  lift: number | null;
  maxWeeklyShare: number | null;
  /** Where the largest weekly share was. */
  maxWeeklyShareAt: { presentation: string; week: number } | null;
  checkpoints: Checkpoint[];
  meetsBar: boolean;
}

export interface CalibrationReport {
  presentations: PresentationSummary[];
  rules: RuleCalibration[];
  weeklyRuns: number;
}

interface Tally {
  evaluated: Set<string>;
  flagged: Set<string>;
  /** Per checkpoint week: evaluated and flagged by the end of it. */
  evaluatedBy: Map<number, Set<string>>;
  flaggedBy: Map<number, Set<string>>;
  maxShare: number | null;
  maxShareAt: { presentation: string; week: number } | null;
  skipped: Set<string>;
}

interface Presentation {
  id: number;
  label: string;
  startDay: number;
  weeks: number;
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
const share = (part: number, whole: number) => (whole ? part / whole : null);

/** Without its calendar periods: on past data the presentation itself is the teaching period. */
function withoutPeriods(rule: ValidRule): ValidRule {
  const { activePeriods: _a, skipPeriods: _s, ...document } = rule.document;
  return { ...rule, document };
}

async function presentationsToRun(db: Database, wanted: readonly string[] | undefined): Promise<{ run: Presentation[]; summaries: PresentationSummary[] }> {
  const instances = await db.prisma.moduleInstance.findMany({
    select: { id: true, presentationCode: true, startDate: true, endDate: true, module: { select: { code: true } } },
  });
  const vle = await vleDaysByModuleInstance(db.sql);
  // Teaching ends with the last coursework deadline: after it students revise for the exam (or have
  // finished) and the VLE goes quiet for nearly everyone, which a live run's calendar skips too.
  const coursework = await db.prisma.assessment.groupBy({
    by: ["moduleInstanceId"],
    where: { dueAt: { not: null }, kind: { notIn: ["Exam", "exam"] } },
    _max: { dueAt: true },
  });
  const lastDeadline = new Map(coursework.map((c) => [c.moduleInstanceId, c._max.dueAt]));
  const run: Presentation[] = [];
  const summaries: PresentationSummary[] = [];
  const labels = new Set(instances.map((i) => `${i.module.code}-${i.presentationCode}`));
  for (const name of wanted ?? []) if (!labels.has(name)) throw new Error(`no presentation ${name} in the data (there are: ${[...labels].sort().join(", ")})`);
  for (const instance of instances.sort((a, b) => a.startDate.getTime() - b.startDate.getTime() || a.id - b.id)) {
    const label = `${instance.module.code}-${instance.presentationCode}`;
    if (wanted && !wanted.includes(label)) continue;
    const startDay = Math.floor(instance.startDate.getTime() / DAY_MS);
    const endDay = instance.endDate ? Math.floor(instance.endDate.getTime() / DAY_MS) : startDay + 7 * 38 - 1;
    const deadline = lastDeadline.get(instance.id);
    const teachingEnd = deadline ? Math.min(endDay, Math.floor(deadline.getTime() / DAY_MS)) : endDay;
    const weeks = Math.max(1, Math.ceil((teachingEnd - startDay + 1) / 7));
    const summary: PresentationSummary = { presentation: label, weeks, students: 0, withdrewOrFailed: 0 };
    const data = vle.get(instance.id);
    if (!data) summary.skipped = "no VLE data for it";
    else {
      // VLE data ending weeks before the presentation does is a cut-off export, not a silent cohort.
      const weeksWithData = Math.min(weeks, Math.floor((data.lastDay - startDay + 1) / 7));
      if (weeksWithData < weeks - 2) {
        summary.weeks = Math.max(0, weeksWithData);
        summary.cutShort = `VLE data ends on day ${data.lastDay - startDay}: weeks ${weeksWithData + 1} to ${weeks} left out`;
      }
      if (summary.weeks > 0) run.push({ id: instance.id, label, startDay, weeks: summary.weeks });
    }
    summaries.push(summary);
  }
  return { run, summaries };
}

export async function calibrate(db: Database, rules: readonly ValidRule[], options: CalibrationOptions = {}): Promise<CalibrationReport> {
  const checkpoints = [...(options.checkpoints ?? [4, 8])].sort((a, b) => a - b);
  const { run, summaries } = await presentationsToRun(db, options.presentations);
  const stored: StoredRule[] = rules.map((rule) => ({ rule: withoutPeriods(rule), version: 1 }));
  const tallies = new Map<string, Tally>(
    stored.map((s) => [
      s.rule.document.id,
      {
        evaluated: new Set(),
        flagged: new Set(),
        evaluatedBy: new Map(checkpoints.map((w) => [w, new Set<string>()])),
        flaggedBy: new Map(checkpoints.map((w) => [w, new Set<string>()])),
        maxShare: null,
        maxShareAt: null,
        skipped: new Set(),
      },
    ]),
  );
  const earliest = Math.min(...run.map((p) => p.startDay));
  const outcomes = await withdrewOrFailed(db, Number.isFinite(earliest) ? earliest : 0);
  const bad = (key: string) => {
    const [student, instance] = key.split(":");
    return hadBadOutcome(outcomes, Number(student), `m${instance}`);
  };

  // Presentations of one code start on one day, so one evaluation serves all of them that week.
  const due = new Map<number, { presentation: Presentation; week: number }[]>();
  for (const presentation of run)
    for (let week = 1; week <= presentation.weeks; week++) {
      const day = presentation.startDay + 7 * week - 1;
      due.set(day, [...(due.get(day) ?? []), { presentation, week }]);
    }
  const days = [...due.keys()].sort((a, b) => a - b);
  const studentsOf = new Map<number, Set<string>>(run.map((p) => [p.id, new Set()]));
  // Per rule, the day each student was last flagged: the cooldown runs from it.
  const lastFlag = new Map(stored.map((s) => [s.rule.document.id, new Map<number, number>()]));
  const cooldowns = (day: number) => (rule: StoredRule) => {
    const inCooldown = new Set<number>();
    for (const [student, at] of lastFlag.get(rule.rule.document.id)!) if (day - at < rule.rule.document.cooldownDays) inCooldown.add(student);
    return { inCooldown, alreadyFlagged: new Set<number>() };
  };
  let done = 0;
  for (const day of days) {
    const inputs = await runInputs(db, null, stored, day, new Date((day + 2) * DAY_MS));
    const result = await evaluateRules(db, inputs, day, { currentOnly: false, flagged: cooldowns(day) });
    const groupOf = new Map(result.metrics.map((m) => [m.studentId, m.groupKey]));
    for (const outcome of result.outcomes) {
      const tally = tallies.get(outcome.id)!;
      if (outcome.skipped) {
        tally.skipped.add(outcome.skipped.replace(/ on \d{4}-\d{2}-\d{2}/, ""));
        continue;
      }
      const matched = new Set(outcome.flagged.map((f) => f.studentId));
      for (const student of matched) lastFlag.get(outcome.id)!.set(student, day);
      for (const { presentation, week } of due.get(day)!) {
        const group = `m${presentation.id}`;
        let evaluated = 0;
        let flagged = 0;
        for (const student of outcome.evaluatedStudents) {
          if (groupOf.get(student) !== group) continue;
          const key = `${student}:${presentation.id}`;
          evaluated++;
          tally.evaluated.add(key);
          studentsOf.get(presentation.id)!.add(key);
          for (const w of checkpoints) if (week <= w) tally.evaluatedBy.get(w)!.add(key);
          if (!matched.has(student)) continue;
          flagged++;
          tally.flagged.add(key);
          for (const w of checkpoints) if (week <= w) tally.flaggedBy.get(w)!.add(key);
        }
        if (evaluated >= MIN_WEEKLY_COHORT && (tally.maxShare === null || flagged / evaluated > tally.maxShare)) {
          tally.maxShare = flagged / evaluated;
          tally.maxShareAt = { presentation: presentation.label, week };
        }
      }
    }
    options.onProgress?.(++done, days.length);
  }

  for (const summary of summaries) {
    const presentation = run.find((p) => p.label === summary.presentation);
    if (!presentation) continue;
    const students = studentsOf.get(presentation.id)!;
    summary.students = students.size;
    summary.withdrewOrFailed = [...students].filter(bad).length;
  }

  const results: RuleCalibration[] = stored.map(({ rule }) => {
    const tally = tallies.get(rule.document.id)!;
    const badIn = (set: Set<string>) => [...set].filter(bad).length;
    const flaggedRate = share(badIn(tally.flagged), tally.flagged.size);
    const cohortRate = share(badIn(tally.evaluated), tally.evaluated.size);
    const lift = flaggedRate !== null && cohortRate ? round(flaggedRate / cohortRate, 2) : null;
    const points = checkpoints.map((week) => {
      const flagged = tally.flaggedBy.get(week)!;
      const hits = badIn(flagged);
      const positives = badIn(tally.evaluatedBy.get(week)!);
      const precision = share(hits, flagged.size);
      const recall = share(hits, positives);
      return { week, flagged: flagged.size, precision: precision === null ? null : round(precision, 3), recall: recall === null ? null : round(recall, 3) };
    });
    const notRun = tally.evaluated.size === 0 ? [...tally.skipped].join("; ") || "nobody in its cohort in this data" : undefined;
    const maxWeeklyShare = tally.maxShare === null ? null : round(tally.maxShare, 3);
    return {
      id: rule.document.id,
      title: rule.document.title,
      ...(notRun ? { notRun } : {}),
      evaluated: tally.evaluated.size,
      flagged: tally.flagged.size,
      flaggedRate: flaggedRate === null ? null : round(flaggedRate, 3),
      cohortRate: cohortRate === null ? null : round(cohortRate, 3),
      lift,
      maxWeeklyShare,
      maxWeeklyShareAt: tally.maxShareAt,
      checkpoints: points,
      meetsBar: !notRun && maxWeeklyShare !== null && maxWeeklyShare <= MAX_WEEKLY_SHARE && lift !== null && lift >= MIN_LIFT,
    };
  });
  return { presentations: summaries, rules: results, weeklyRuns: days.length };
}

const percent = (n: number | null) => (n === null ? "–" : `${round(n * 100, 1)}%`);

/** The report as a Markdown table (the form the rules guide carries). */
export function calibrationTable(report: CalibrationReport): string {
  const weeks = report.rules[0]?.checkpoints.map((c) => c.week) ?? [];
  const head = [
    "Rule",
    "Max weekly flag share",
    "Lift",
    "Withdrew or failed: flagged / cohort",
    ...weeks.flatMap((w) => [`Precision wk ${w}`, `Recall wk ${w}`]),
    "Meets bar",
  ];
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`];
  for (const rule of report.rules) {
    if (rule.notRun) {
      lines.push(`| ${rule.id} | not run: ${rule.notRun} |${" |".repeat(head.length - 2)}`);
      continue;
    }
    lines.push(
      `| ${[
        rule.id,
        percent(rule.maxWeeklyShare),
        rule.lift === null ? "–" : rule.lift.toFixed(2),
        `${percent(rule.flaggedRate)} / ${percent(rule.cohortRate)}`,
        ...rule.checkpoints.flatMap((c) => [percent(c.precision), percent(c.recall)]),
        rule.meetsBar ? "yes" : "no",
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}
