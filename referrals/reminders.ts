/**
 * A case nobody has acknowledged after `remindHours` is sent to its team again, once, marked as a
 * reminder. The audit entry of the reminder is what says it was sent (a case has no column for it).
 */
import { HOUR_MS } from "../core/index.ts";
import { writeAudit } from "../audit/index.ts";
import type { JobFigures, ScheduledJob } from "../jobs/index.ts";
import type { Database } from "../prisma/index.ts";
import { resolveDestination, tellDestination } from "./open-case.ts";
import type { CaseKind, ReferralSettings } from "./settings.ts";

/** Cases looked at per run; the rest wait for the next. */
const BATCH = 200;

export async function remindUnacknowledged(db: Database, settings: ReferralSettings, now = new Date()): Promise<{ reminded: number; nobodyToRemind: number }> {
  const figures = { reminded: 0, nobodyToRemind: 0 };
  if (settings.remindHours <= 0) return figures;
  const due = await db.prisma.referralCase.findMany({
    where: { state: "open", createdAt: { lte: new Date(now.getTime() - settings.remindHours * HOUR_MS) } },
    orderBy: { createdAt: "asc" },
    take: BATCH,
    select: { id: true, studentId: true, kind: true },
  });
  for (const kase of due) {
    const reminded = await db.prisma.auditLog.count({ where: { action: "referral.case_reminded", targetType: "referral_case", targetId: String(kase.id) } });
    if (reminded) continue;
    const destination = settings.destinations[kase.kind as CaseKind];
    const resolved = destination ? await resolveDestination(db.prisma, destination) : null;
    if (!resolved || resolved.people.length + resolved.mailboxes.length === 0) {
      figures.nobodyToRemind++;
      continue;
    }
    await db.prisma.$transaction(async (tx) => {
      const recipients = await tellDestination(tx, kase.id, kase.studentId, resolved, settings, now, true);
      await writeAudit(tx, {
        actor: { kind: "system", component: "referrals" },
        action: "referral.case_reminded",
        targetType: "referral_case",
        targetId: String(kase.id),
        studentId: kase.studentId,
        details: { after: `${settings.remindHours} hours`, recipients },
      });
    });
    figures.reminded++;
  }
  return figures;
}

export function referralJobs(db: Database, options: { schedule: string; settings: ReferralSettings }): ScheduledJob[] {
  return [
    {
      name: "referral-reminders",
      description: "remind the team of referral and escalation cases nobody has acknowledged in time",
      schedule: options.schedule,
      // A missed run needs no catch-up: the next one reminds everything overdue.
      catchUp: false,
      async run(): Promise<JobFigures> {
        return { ...(await remindUnacknowledged(db, options.settings)) };
      },
    },
  ];
}
