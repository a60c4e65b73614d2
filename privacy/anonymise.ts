/**
 * What erasure (on request) and retention (over time) share when they anonymise a student: the
 * anonymised counts kept for statistics (POLICY P9), and removing every free text and identifier
 * from the rows that stay.
 */
import { clearStaffMessageCards, clearTemplateData } from "./queries.ts";
import type { Tx } from "../prisma/index.ts";

/** What replaces a removed text. */
export const REMOVED = "[removed]";

/** UK academic year (1 August to 31 July) of an instant, as "2026-27". */
export function academicYear(at: Date): string {
  const year = at.getUTCMonth() >= 7 ? at.getUTCFullYear() : at.getUTCFullYear() - 1;
  return `${year}-${String((year + 1) % 100).padStart(2, "0")}`;
}

export interface StatisticKey {
  metric: string;
  period: string;
  dimension: string;
}

/** Counts kept from the student's rows (plus `extra` ones), none of which can be traced back to them. */
export async function anonymisedCounts(
  tx: Tx,
  studentId: number,
  extra: ReadonlyArray<[metric: string, at: Date, dimension: string]> = [],
): Promise<Array<[StatisticKey, number]>> {
  const counts = new Map<string, [StatisticKey, number]>();
  const add = (metric: string, at: Date, dimension: string) => {
    const key = { metric, period: academicYear(at), dimension };
    const id = `${key.metric}\u0000${key.period}\u0000${key.dimension}`;
    const entry = counts.get(id) ?? [key, 0];
    entry[1]++;
    counts.set(id, entry);
  };
  for (const [metric, at, dimension] of extra) add(metric, at, dimension);
  for (const row of await tx.intervention.findMany({ where: { studentId }, select: { kind: true, state: true, createdAt: true } }))
    add("interventions", row.createdAt, `kind=${row.kind};state=${row.state}`);
  for (const row of await tx.flag.findMany({ where: { studentId }, select: { ruleId: true, raisedAt: true } }))
    add("flags", row.raisedAt, `rule=${row.ruleId}`);
  for (const row of await tx.reply.findMany({ where: { studentId }, select: { classification: true, receivedAt: true } }))
    add("replies", row.receivedAt, `classification=${row.classification}`);
  for (const row of await tx.meeting.findMany({ where: { studentId }, select: { state: true, outcome: true, createdAt: true } }))
    add("meetings", row.createdAt, `state=${row.state};outcome=${row.outcome ?? "none"}`);
  for (const row of await tx.referralCase.findMany({ where: { studentId }, select: { kind: true, state: true, outcome: true, createdAt: true } }))
    add("referral_cases", row.createdAt, `kind=${row.kind};state=${row.state};outcome=${row.outcome ?? "none"}`);
  return [...counts.values()];
}

/** Every free text and identifier about the student in the rows that stay. */
export async function removeTexts(tx: Tx, studentId: number): Promise<void> {
  const byStudent = { studentId };
  await tx.flag.updateMany({ where: byStudent, data: { evidence: {} } });
  await tx.ruleFeedback.updateMany({ where: { flag: byStudent, comment: { not: null } }, data: { comment: null } });
  await tx.intervention.updateMany({ where: byStudent, data: { body: REMOVED, decisionNote: null } });
  await tx.intervention.updateMany({ where: { ...byStudent, subject: { not: null } }, data: { subject: REMOVED } });
  await tx.intervention.updateMany({ where: { ...byStudent, originalBody: { not: null } }, data: { originalBody: REMOVED } });
  await clearTemplateData(tx, studentId);
  await tx.delivery.updateMany({ where: { intervention: byStudent }, data: { lastError: null, providerMessageId: null, providerStatus: null } });
  await tx.reply.updateMany({ where: byStudent, data: { text: REMOVED, providerMessageId: null } });
  await tx.meeting.updateMany({ where: byStudent, data: { proposedSlots: [], location: null, onlineMeetingUrl: null, graphEventId: null, icsUid: null } });
  await tx.consent.updateMany({ where: { ...byStudent, note: { not: null } }, data: { note: null } });
  await tx.dataRequest.updateMany({ where: { ...byStudent, note: { not: null } }, data: { note: null } });
  // Alerts and notices to staff quote the student's words and contact details.
  await tx.staffMessage.updateMany({ where: byStudent, data: { subject: REMOVED, text: REMOVED, lastError: null, providerMessageId: null } });
  await clearStaffMessageCards(tx, studentId);
  await tx.staffMessage.updateMany({ where: { ...byStudent, state: { in: ["pending", "sending"] } }, data: { state: "cancelled" } });
  await tx.safeguardingConcern.updateMany({ where: byStudent, data: { toldStudent: null } });
  // The referrer's note and the team's outcome note are about the student.
  await tx.referralCase.updateMany({ where: byStudent, data: { note: null, outcomeNote: null } });
}
