/**
 * The last word before anything leaves (invariant 4): everything that can change between a
 * flag and a send is read again at send time: enrolment, erasure, restriction of processing,
 * analytics consent, the channel's opt-out and reachability, the student's pause, quiet hours in
 * the student's timezone, the weekly cap across every rule and channel, and expiry.
 */
import { DAY_MS } from "../core/index.ts";
import { withholds } from "../access/index.ts";
import type { ChannelName } from "../core/index.ts";
import { isOptedOut } from "../contacts/index.ts";

import type { Db } from "../prisma/index.ts";
import type { InterventionKind } from "../prisma/index.ts";

export interface DeliveryRules {
  /** Most messages per student in any 7 days (answers to the student's own messages excepted). */
  weeklyCap: number;
  /** Minutes after local midnight; undefined: none. */
  quietHours?: { from: number; to: number };
  /** Days after approval an unsent message expires. */
  expiryDays: number;
}

export type SendDecision =
  | { action: "send" }
  /** Wait, then check again. */
  | { action: "hold"; until: Date; reason: string }
  /** Never send this intervention (expire: it went stale rather than became wrong). */
  | { action: "cancel"; reason: string; expire?: boolean }
  /** This channel cannot be used for this student: fall back to the next. */
  | { action: "skip-channel"; reason: string };

export interface SendContext {
  studentId: number;
  interventionId: number;
  channel: ChannelName;
  kind: InterventionKind;
  approvedAt: Date | null;
}

const WEEK_MS = 7 * DAY_MS;

/** Local minutes after midnight of `at` in `timeZone`. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return value("hour") * 60 + value("minute");
}

/** When quiet hours end, if `at` is inside them: the instant the student's clock next reads `quiet.to`. */
export function quietHoursEnd(at: Date, timeZone: string, quiet: { from: number; to: number }): Date | null {
  const local = localMinutes(at, timeZone);
  const inside = quiet.from <= quiet.to ? local >= quiet.from && local < quiet.to : local >= quiet.from || local < quiet.to;
  if (!inside) return null;
  const minutesLeft = (quiet.to - local + 24 * 60) % (24 * 60);
  const startOfMinute = Math.floor(at.getTime() / 60_000) * 60_000;
  const end = startOfMinute + minutesLeft * 60_000;
  // A clock change before the end moves it by the change (an hour early in autumn, late in spring):
  // correct by the difference, unless `quiet.to` falls in the hour skipped in spring.
  const drift = ((localMinutes(new Date(end), timeZone) - quiet.to + 36 * 60) % (24 * 60)) - 12 * 60;
  const corrected = end - drift * 60_000;
  const exact = drift !== 0 && corrected > at.getTime() && localMinutes(new Date(corrected), timeZone) === quiet.to;
  return new Date(exact ? corrected : end);
}

function reachability(
  channel: ChannelName,
  student: {
    mobile: string | null;
    email: string | null;
    contactRemovedAt: Date | null;
    conversationReference: { unavailableAt: Date | null; unavailableReason: string | null } | null;
  },
): string | null {
  if (student.contactRemovedAt && channel !== "teams") return "contact details removed at the end of enrolment";
  switch (channel) {
    case "teams":
      if (!student.conversationReference) return "no Teams conversation (the app is not installed for the student)";
      if (student.conversationReference.unavailableAt)
        return `Teams unavailable: ${student.conversationReference.unavailableReason ?? "blocked or uninstalled"}`;
      return null;
    case "sms":
      return student.mobile ? null : "no mobile number";
    case "email":
      return student.email ? null : "no email address";
  }
}

export async function checkBeforeSend(prisma: Db, context: SendContext, rules: DeliveryRules, now: Date): Promise<SendDecision> {
  const student = await prisma.student.findUnique({
    where: { id: context.studentId },
    select: {
      enrolmentStatus: true,
      erasedAt: true,
      restrictedAt: true,
      contactRemovedAt: true,
      pausedUntil: true,
      timezone: true,
      mobile: true,
      email: true,
      teamsOptOutAt: true,
      smsOptOutAt: true,
      emailOptOutAt: true,
      conversationReference: { select: { unavailableAt: true, unavailableReason: true } },
      consents: { where: { purpose: "analytics" }, orderBy: [{ recordedAt: "desc" }, { id: "desc" }], take: 1, select: { state: true } },
    },
  });
  if (!student || student.erasedAt) return { action: "cancel", reason: "the student's record was erased" };
  if (student.restrictedAt) return { action: "cancel", reason: "processing is restricted for this student" };
  if (student.enrolmentStatus !== "active") return { action: "cancel", reason: `the student is no longer actively enrolled (${student.enrolmentStatus})` };
  const answer = context.kind === "reply";
  const consent = student.consents[0]?.state;
  if (!answer && withholds(consent)) return { action: "cancel", reason: `analytics consent ${consent}` };
  if (!answer && context.approvedAt && now.getTime() - context.approvedAt.getTime() > rules.expiryDays * DAY_MS) {
    return { action: "cancel", reason: `not sent within ${rules.expiryDays} days of approval`, expire: true };
  }

  if (isOptedOut(student, context.channel)) return { action: "skip-channel", reason: `the student opted out of ${context.channel}` };
  const unreachable = reachability(context.channel, student);
  if (unreachable) return { action: "skip-channel", reason: unreachable };

  // An answer to the student's own message goes straight back: they are waiting for it.
  if (answer) return { action: "send" };
  if (student.pausedUntil && student.pausedUntil > now) return { action: "hold", until: student.pausedUntil, reason: "paused by the student" };
  if (rules.quietHours) {
    const end = quietHoursEnd(now, student.timezone, rules.quietHours);
    if (end) return { action: "hold", until: end, reason: "quiet hours" };
  }
  const recent = await prisma.delivery.findMany({
    where: {
      state: { in: ["sent", "delivered"] },
      sentAt: { gt: new Date(now.getTime() - WEEK_MS) },
      intervention: { studentId: context.studentId, kind: { not: "reply" } },
    },
    orderBy: { sentAt: "desc" },
    take: rules.weeklyCap,
    select: { sentAt: true },
  });
  if (recent.length >= rules.weeklyCap) {
    const oldest = recent[recent.length - 1]!.sentAt!;
    return { action: "hold", until: new Date(oldest.getTime() + WEEK_MS), reason: `weekly cap of ${rules.weeklyCap} messages reached` };
  }
  return { action: "send" };
}
