/**
 * The rules engine's scheduled job: evaluate the enabled rules over the previous day's data, then
 * turn the new flags into interventions (nudges queued, significant ones awaiting a person).
 */

import type { ChannelName } from "../core/index.ts";
import { proposeFromFlags } from "./propose.ts";
import type { ApprovalPolicy } from "./approval-policy.ts";
import type { Database } from "../prisma/index.ts";
import { asOfDayFor, releaseHeld, runRules, type RunReport, type RunTrigger } from "../rules/index.ts";
import type { StaffIdentity } from "../access/index.ts";
import { JobSkipped, type JobFigures, type ScheduledJob } from "../jobs/index.ts";

export interface RunAndPropose {
  report: RunReport;
  proposed: Awaited<ReturnType<typeof proposeFromFlags>>;
}

/**
 * What a rules run is, however it is started (the schedule, `nudge rules run`): evaluate, write
 * flags, then turn open flags into interventions. Proposing also follows an unchanged run: flags
 * left open by an earlier failure still get their intervention.
 */
export async function runRulesAndPropose(
  db: Database,
  request: { asOfDay: number; trigger: RunTrigger; force?: boolean; policy: ApprovalPolicy; channels: readonly ChannelName[] },
): Promise<RunAndPropose> {
  const report = await runRules(db, { asOfDay: request.asOfDay, trigger: request.trigger, force: request.force });
  const proposed = await proposeFromFlags(db, { policy: request.policy, channels: request.channels });
  return { report, proposed };
}

/**
 * An admin releases a rule's held nudges (audited by the rules module): the flags reopen and are
 * proposed at once, as a run would, rather than waiting for tomorrow's run.
 */
export async function releaseHeldAndPropose(
  db: Database,
  rule: string,
  staff: StaffIdentity,
  settings: { policy: ApprovalPolicy; channels: readonly ChannelName[] },
): Promise<{ rule: string; flags: number; proposed: Awaited<ReturnType<typeof proposeFromFlags>> }> {
  const released = await releaseHeld(db, rule, staff);
  const proposed = await proposeFromFlags(db, settings);
  return { ...released, proposed };
}

/**
 * Why a run would have nothing to evaluate, or null when it has: a first start on an empty
 * database must not spend the day's slot (and write an empty run) before any rule or feed exists.
 */
export async function nothingToEvaluate(db: Database): Promise<string | null> {
  const [rules, students, feeds] = await Promise.all([
    db.prisma.rule.count({ where: { enabled: true } }),
    db.prisma.student.count(),
    db.prisma.feedFreshness.count(),
  ]);
  if (rules === 0) return "no rule is enabled";
  if (students === 0) return "no students have been loaded";
  if (feeds === 0) return "no engagement feed has been loaded";
  return null;
}

export function rulesJobs(
  db: Database,
  settings: { schedule: string; timezone: string; policy: ApprovalPolicy; channels: readonly ChannelName[] },
): ScheduledJob[] {
  return [
    {
      name: "rules-run",
      description: "evaluate the enabled rules over yesterday's data, write flags with their evidence, propose interventions",
      schedule: settings.schedule,
      catchUp: true,
      async run({ scheduledFor, trigger }): Promise<JobFigures | JobSkipped> {
        const nothing = await nothingToEvaluate(db);
        if (nothing) return new JobSkipped(nothing);
        // The slot's day, not today's: a catch-up at 09:00 for the 06:00 slot still evaluates yesterday.
        const { report, proposed } = await runRulesAndPropose(db, {
          asOfDay: asOfDayFor(scheduledFor, settings.timezone),
          trigger,
          policy: settings.policy,
          channels: settings.channels,
        });
        return {
          runId: report.runId,
          asOf: report.asOf,
          unchanged: report.unchanged,
          studentsEvaluated: report.studentsEvaluated,
          flagsWritten: report.flagsWritten,
          rulesRun: report.rules.length,
          rulesSkipped: report.skipped.length,
          durationMs: report.durationMs,
          interventionsCreated: proposed.interventionsCreated,
          autoApproved: proposed.autoApproved,
          awaitingApproval: proposed.awaitingApproval,
          mergedFlags: proposed.merged,
        };
      },
    },
  ];
}
