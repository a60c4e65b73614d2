/**
 * The volume guard (circuit breaker): before a run's nudges are queued, each rule's new flags are
 * compared with the size of the cohorts they fall in and with the rule's own recent history. A rule
 * that would flag more than a set share of a cohort in a day (default 15%), or several times its
 * trailing median, almost always means a data problem (a feed cut short, a module not exported, a
 * changed export) rather than a sudden change in hundreds of students. Its flags are written but
 * held: nothing is proposed from them until an admin releases them; admins are told at once, with
 * the figures; hold, release and discard are audited.
 */
import { heldNudgesCard, type HeldNudgesCardData } from "../adaptive-cards/index.ts";
import { NudgeError } from "../core/index.ts";
import type { StaffIdentity } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import { PRIORITY, queueStaffNotice } from "../notices/index.ts";
import type { Database } from "../prisma/index.ts";
import type { RuleOutcome } from "./evaluate.ts";
import { isoDay } from "./freshness.ts";
import type { Population } from "./population.ts";
import { HELD_REASON, heldFlagGroups, releaseHeldFlags, discardHeldFlags } from "./queries/held.ts";
import type { StudentMetrics } from "./queries/metrics.ts";

export interface VolumeGuardSettings {
  /** Share of a cohort flagged by one rule in one day past which its nudges are held (0.15 = 15%). */
  share: number;
  /** Held past this many times the rule's trailing median of new flags per run. */
  medianFactor: number;
  /** Cohorts smaller than this are not judged by share: 3 of 10 is not a signal. */
  minCohort: number;
  /** The median test needs at least this many new flags (a rule that usually flags 1 may flag 4). */
  minFlags: number;
  /** Runs of history the median needs before it is used. */
  minHistory: number;
}

export const DEFAULT_VOLUME_GUARD: VolumeGuardSettings = { share: 0.15, medianFactor: 4, minCohort: 20, minFlags: 20, minHistory: 5 };

/** Settings from the environment (NUDGE_VOLUME_GUARD_SHARE, NUDGE_VOLUME_GUARD_MEDIAN_FACTOR), else the defaults. */
export function volumeGuardFromEnv(env: Record<string, string | undefined> = process.env): VolumeGuardSettings {
  const number = (value: string | undefined, fallback: number) => {
    const n = value === undefined || value.trim() === "" ? Number.NaN : Number(value.trim().replace(/%$/, "")) / (value.trim().endsWith("%") ? 100 : 1);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    ...DEFAULT_VOLUME_GUARD,
    share: number(env.NUDGE_VOLUME_GUARD_SHARE, DEFAULT_VOLUME_GUARD.share),
    medianFactor: number(env.NUDGE_VOLUME_GUARD_MEDIAN_FACTOR, DEFAULT_VOLUME_GUARD.medianFactor),
  };
}

export interface VolumeHold {
  rule: string;
  version: number;
  /** New flags the rule raised in the run (all held). */
  flags: number;
  /** The cohort with the largest share flagged, its size and how many of it were flagged. */
  cohort: string | null;
  cohortStudents: number;
  cohortFlagged: number;
  /** cohortFlagged / cohortStudents, rounded to 3 places. */
  share: number;
  /** The rule's median of new flags per run over its recent runs, or null without enough history. */
  trailingMedian: number | null;
  /** In words, for the run report and the admins' alert. */
  reason: string;
}

const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Which rules' new flags to hold, and the figures. Pure: the run and the dry run both ask.
 * `history` holds each rule's new flags per earlier run, most recent first.
 */
export function volumeHolds(
  outcomes: readonly RuleOutcome[],
  metrics: readonly StudentMetrics[],
  population: Pick<Population, "groupLabel">,
  history: ReadonlyMap<string, readonly number[]>,
  settings: VolumeGuardSettings,
): VolumeHold[] {
  const groupOf = new Map(metrics.map((m) => [m.studentId, m.groupKey]));
  const holds: VolumeHold[] = [];
  for (const outcome of outcomes) {
    if (outcome.skipped || outcome.flagged.length === 0) continue;
    const evaluated = new Map<string, number>();
    for (const id of outcome.evaluatedStudents) {
      const group = groupOf.get(id) ?? "";
      evaluated.set(group, (evaluated.get(group) ?? 0) + 1);
    }
    const flagged = new Map<string, number>();
    for (const student of outcome.flagged) flagged.set(student.groupKey, (flagged.get(student.groupKey) ?? 0) + 1);
    let worst: { group: string; students: number; flagged: number; share: number } | null = null;
    for (const [group, n] of flagged) {
      const students = evaluated.get(group) ?? 0;
      if (students < settings.minCohort) continue;
      const share = n / students;
      if (!worst || share > worst.share) worst = { group, students, flagged: n, share };
    }
    const past = history.get(outcome.id) ?? [];
    const trailing = past.length >= settings.minHistory ? median(past) : null;
    const reasons: string[] = [];
    if (worst && worst.share > settings.share)
      reasons.push(
        `${worst.flagged} of ${worst.students} students in ${population.groupLabel(worst.group)} (${percent(worst.share)}, more than ${percent(settings.share)}) in one day`,
      );
    const count = outcome.flagged.length;
    if (trailing !== null && count >= settings.minFlags && count > settings.medianFactor * Math.max(trailing, 1))
      reasons.push(`${count} new flags, more than ${settings.medianFactor} times its usual ${trailing} a run`);
    if (reasons.length === 0) continue;
    holds.push({
      rule: outcome.id,
      version: outcome.version,
      flags: count,
      cohort: worst ? population.groupLabel(worst.group) : null,
      cohortStudents: worst?.students ?? 0,
      cohortFlagged: worst?.flagged ?? 0,
      share: worst ? Math.round(worst.share * 1000) / 1000 : 0,
      trailingMedian: trailing,
      reason: reasons.join("; "),
    });
  }
  return holds;
}

/** Each rule's new flags per run over its last `runs` live runs before the day, most recent first. */
export async function flagHistory(db: Database, asOfDay: number, runs = 28): Promise<Map<string, number[]>> {
  const rows = await db.prisma.ruleRun.findMany({
    where: { dryRun: false, status: "succeeded", asOfDay: { lt: asOfDay } },
    orderBy: { id: "desc" },
    take: runs,
    select: { summary: true },
  });
  const history = new Map<string, number[]>();
  for (const row of rows) {
    const summary = row.summary as { unchanged?: boolean; rules?: { id: string; flagsWritten: number }[] } | null;
    if (!summary || summary.unchanged || !Array.isArray(summary.rules)) continue;
    for (const rule of summary.rules) history.set(rule.id, [...(history.get(rule.id) ?? []), Number(rule.flagsWritten) || 0]);
  }
  return history;
}

/** Tells every admin (Teams, then email when Teams cannot reach them) and audits the hold. */
export async function alertHeld(db: Database, runId: number, asOfDay: number, holds: readonly VolumeHold[], now: Date): Promise<void> {
  if (holds.length === 0) return;
  const admins = await db.prisma.staff.findMany({ where: { roles: { some: { role: "admin" } } }, select: { id: true } });
  const lines = holds.map((h) => `- ${h.rule}: ${h.flags} nudge(s) held. ${h.reason}.`);
  const titles = new Map(
    (await db.prisma.rule.findMany({ where: { id: { in: holds.map((h) => h.rule) } }, select: { id: true, title: true } })).map((r) => [r.id, r.title]),
  );
  const text = [
    `The rules run for ${isoDay(asOfDay)} would have sent far more nudges than usual, so they have been held and nothing has been sent.`,
    "",
    ...lines,
    "",
    "This usually means a data problem (a feed cut short or missing for a module) rather than that many students changed at once. Check the latest loads, then release or discard:",
    ...holds.map((h) => `  npx nudge rules release ${h.rule} --as <your staff number>   or   npx nudge rules discard ${h.rule} --as <your staff number>`),
  ].join("\n");
  await db.prisma.$transaction(async (tx) => {
    for (const hold of holds)
      await writeAudit(tx, {
        actor: { kind: "system", component: "rules" },
        action: "rule.nudges_held",
        targetType: "rule",
        targetId: hold.rule,
        details: { runId, asOf: isoDay(asOfDay), ...hold },
      });
    // No dedicated kind for operational alerts exists yet; the digest kind carries other staff summaries.
    for (const admin of admins)
      await queueStaffNotice(
        tx,
        { staffId: admin.id },
        {
          kind: "digest",
          priority: PRIORITY.soon,
          subject: `Nudges held: ${holds.map((h) => h.rule).join(", ")} flagged far more students than usual`,
          text,
          // In Teams the alert carries Release and Discard (each confirmed, and rules.edit asked again on press).
          card: heldNudgesCard(
            heldCardData(
              `The rules run for ${isoDay(asOfDay)} would have sent far more nudges than usual, so they have been held and nothing has been sent. This usually means a data problem (a feed cut short or missing for a module) rather than that many students changed at once. Check the latest loads, then release or discard.`,
              holds.map((h) => ({ rule: h.rule, title: titles.get(h.rule) ?? h.rule, flags: h.flags, days: [isoDay(asOfDay)], reasons: [h.reason] })),
            ),
          ),
          route: "teams-then-email",
          dueAt: now,
        },
      );
  });
}

export interface HeldGroup {
  rule: string;
  day: string;
  runId: number | null;
  flags: number;
}

export class NothingHeld extends NudgeError {
  static override kind = "not_found" as const;
  static override code = "nothing_held";
}

export async function heldNudges(db: Database): Promise<HeldGroup[]> {
  return (await heldFlagGroups(db)).map((g) => ({ rule: g.ruleId, day: isoDay(g.day), runId: g.runId, flags: g.flags }));
}

/** A rule's held nudges, whatever the runs that held them, with the figures each run gave. */
export interface HeldRule {
  rule: string;
  title: string;
  flags: number;
  /** The days of the runs that held them, oldest first. */
  days: string[];
  /** Why each run held them ("10 of 25 students in XA year 2 (40%, more than 15%) in one day"). */
  reasons: string[];
}

/** Held nudges a rule at a time, with the figures the holding runs recorded (the Teams list and alert). */
export async function heldByRule(db: Database): Promise<HeldRule[]> {
  const groups = await heldFlagGroups(db);
  if (groups.length === 0) return [];
  const runIds = [...new Set(groups.flatMap((g) => (g.runId === null ? [] : [g.runId])))];
  const runs = await db.prisma.ruleRun.findMany({ where: { id: { in: runIds } }, select: { id: true, summary: true } });
  const holdsOf = new Map(runs.map((r) => [r.id, ((r.summary as { held?: VolumeHold[] } | null)?.held ?? []) as VolumeHold[]]));
  const titles = new Map((await db.prisma.rule.findMany({ select: { id: true, title: true } })).map((r) => [r.id, r.title]));
  const byRule = new Map<string, HeldRule>();
  for (const g of groups) {
    const entry = byRule.get(g.ruleId) ?? { rule: g.ruleId, title: titles.get(g.ruleId) ?? g.ruleId, flags: 0, days: [], reasons: [] };
    entry.flags += g.flags;
    entry.days.push(isoDay(g.day));
    const reason = (g.runId === null ? undefined : holdsOf.get(g.runId))?.find((h) => h.rule === g.ruleId)?.reason;
    if (reason && !entry.reasons.includes(reason)) entry.reasons.push(reason);
    byRule.set(g.ruleId, entry);
  }
  return [...byRule.values()];
}

/** The held-nudges card's data: each rule's figures in words, with its Release and Discard. */
export function heldCardData(text: string, held: readonly HeldRule[]): HeldNudgesCardData {
  return {
    heading: "Nudges held",
    text,
    rules: held.map((h) => ({
      ruleId: h.rule,
      title: h.title,
      figures: `${h.flags} ${h.flags === 1 ? "nudge" : "nudges"} held from the run${h.days.length > 1 ? "s" : ""} for ${h.days.join(", ")}${h.reasons.length ? `: ${h.reasons.join("; ")}` : ""}.`,
    })),
  };
}

async function decide(db: Database, rule: string, staff: StaffIdentity, verb: "release" | "discard"): Promise<{ rule: string; flags: number }> {
  const held = (await heldFlagGroups(db)).filter((g) => g.ruleId === rule);
  if (held.length === 0) throw new NothingHeld(`No nudges from ${rule} are held.`);
  const flags = await db.prisma.$transaction(async (tx) => {
    const n = verb === "release" ? await releaseHeldFlags(tx, rule) : await discardHeldFlags(tx, rule, new Date());
    await writeAudit(tx, {
      actor: { kind: "staff", staffNumber: staff.staffNumber },
      action: verb === "release" ? "rule.nudges_released" : "rule.nudges_discarded",
      targetType: "rule",
      targetId: rule,
      details: { flags: n, runs: held.map((g) => ({ runId: g.runId, day: isoDay(g.day), flags: g.flags })) },
    });
    return n;
  });
  return { rule, flags };
}

/** The held flags become open: the next proposal (now, or the next run) turns them into nudges. */
export const releaseHeld = (db: Database, rule: string, staff: StaffIdentity) => decide(db, rule, staff, "release");
/** The held flags are closed for good: no nudge is sent from them. */
export const discardHeld = (db: Database, rule: string, staff: StaffIdentity) => decide(db, rule, staff, "discard");

export { HELD_REASON };
