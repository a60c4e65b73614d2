/**
 * A student's opt-out of one channel (SMS STOP, the email unsubscribe link, "stop" in Teams) and
 * opting back in (SMS START). The outbox re-reads these at send time, so an opt-out takes effect
 * for messages already queued. Each change is audited with the student as the actor.
 */
import type { ChannelName } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { writeAudit } from "../audit/index.ts";

const COLUMN = { teams: "teamsOptOutAt", sms: "smsOptOutAt", email: "emailOptOutAt" } as const;

export interface OptOutChange {
  studentId: number;
  channel: ChannelName;
  optedOut: boolean;
  /** How the student said it, e.g. "sms-keyword:STOP", "email-one-click", "teams-reply". */
  source: string;
  at?: Date;
}

/** Applies the change; returns false when it was already so (nothing written, nothing audited). */
export async function setChannelOptOut(db: Database, change: OptOutChange): Promise<boolean> {
  const column = COLUMN[change.channel];
  const at = change.at ?? new Date();
  return db.prisma.$transaction(async (tx) => {
    const student = await tx.student.findUnique({
      where: { id: change.studentId },
      select: { studentNumber: true, teamsOptOutAt: true, smsOptOutAt: true, emailOptOutAt: true },
    });
    if (!student) throw new Error(`student ${change.studentId} not found`);
    if (isOptedOut(student, change.channel) === change.optedOut) return false;
    await tx.student.update({ where: { id: change.studentId }, data: { [column]: change.optedOut ? at : null } });
    await writeAudit(tx, {
      actor: { kind: "student", studentNumber: student.studentNumber },
      action: change.optedOut ? "channel.opt_out" : "channel.opt_in",
      targetType: "channel",
      targetId: change.channel,
      studentId: change.studentId,
      details: { source: change.source },
    });
    return true;
  });
}

export function isOptedOut(student: { teamsOptOutAt: Date | null; smsOptOutAt: Date | null; emailOptOutAt: Date | null }, channel: ChannelName): boolean {
  return student[COLUMN[channel]] !== null;
}
