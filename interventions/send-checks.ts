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

import type { Database, Db } from "../prisma/index.ts";
import type { InterventionKind } from "../prisma/index.ts";
import { nthRecentSend, studentSendFacts, weeklySendCounts, type StudentSendFacts } from "./queries.ts";

export type { StudentSendFacts } from "./queries.ts";

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

/** One formatter per timezone: building one costs far more than using it. */
const clocks = new Map<string, Intl.DateTimeFormat>();

function clockOf(timeZone: string): Intl.DateTimeFormat {
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    clocks.set(timeZone, clock);
  }
  return clock;
}

/** Local minutes after midnight of `at` in `timeZone`. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = clockOf(timeZone).formatToParts(at);
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

/** Messages counted against the weekly cap in the 7 days before the send. */
export interface WeeklySends {
  /** How many (at most the cap need be counted). */
  count: number;
  /** When count reaches the cap: when the cap-th most recent went, the oldest one still counted. */
  oldestCounted: Date | null;
}

/** The facts a decision is made on: the student (null: no such student) and their week. */
export interface SendFacts {
  student: StudentSendFacts | null;
  weekly: WeeklySends;
}

/**
 * The send-time decision over facts already read: the same rules for one row (checkBeforeSend) and
 * for a dispatcher's whole batch (loadSendFacts reads the facts of every student in it at once).
 */
export function decideBeforeSend(facts: SendFacts, context: Omit<SendContext, "studentId" | "interventionId">, rules: DeliveryRules, now: Date): SendDecision {
  const { student, weekly } = facts;
  if (!student || student.erasedAt) return { action: "cancel", reason: "the student's record was erased" };
  if (student.restrictedAt) return { action: "cancel", reason: "processing is restricted for this student" };
  if (student.enrolmentStatus !== "active") return { action: "cancel", reason: `the student is no longer actively enrolled (${student.enrolmentStatus})` };
  const answer = context.kind === "reply";
  const consent = student.analyticsConsent;
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
  if (weekly.count >= rules.weeklyCap && weekly.oldestCounted) {
    return { action: "hold", until: new Date(weekly.oldestCounted.getTime() + WEEK_MS), reason: `weekly cap of ${rules.weeklyCap} messages reached` };
  }
  return { action: "send" };
}

/** The start of the 7 days the weekly cap counts, for a send at `now`. */
export const weekBefore = (now: Date) => new Date(now.getTime() - WEEK_MS);

/** The checks for one message: reads the student and their week, then decides. */
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
  const recent = await prisma.delivery.findMany({
    where: {
      state: { in: ["sent", "delivered"] },
      sentAt: { gt: weekBefore(now) },
      intervention: { studentId: context.studentId, kind: { not: "reply" } },
    },
    orderBy: { sentAt: "desc" },
    take: rules.weeklyCap,
    select: { sentAt: true },
  });
  const facts: SendFacts = {
    student: student ? { ...student, analyticsConsent: student.consents[0]?.state ?? null } : null,
    weekly: { count: recent.length, oldestCounted: recent.length >= rules.weeklyCap ? (recent[recent.length - 1]?.sentAt ?? null) : null },
  };
  return decideBeforeSend(facts, context, rules, now);
}

/**
 * The facts for many students at once (a dispatcher's batch): two statements for the lot, and one
 * more per student already at the cap (to find when the oldest counted message went).
 */
export async function loadSendFacts(db: Database, studentIds: readonly number[], rules: DeliveryRules, now: Date): Promise<Map<number, SendFacts>> {
  const ids = [...new Set(studentIds)];
  const facts = new Map<number, SendFacts>();
  if (ids.length === 0) return facts;
  const [students, counts] = await Promise.all([studentSendFacts(db, ids), weeklySendCounts(db, ids, weekBefore(now))]);
  for (const id of ids) {
    const count = Math.min(counts.get(id) ?? 0, rules.weeklyCap);
    const oldestCounted = count >= rules.weeklyCap ? await nthRecentSend(db, id, weekBefore(now), rules.weeklyCap) : null;
    facts.set(id, { student: students.get(id) ?? null, weekly: { count, oldestCounted } });
  }
  return facts;
}
