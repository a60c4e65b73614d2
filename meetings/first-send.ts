/**
 * When an invitation approved now can first reach the student: the outbox's own send-time checks
 * (pause, quiet hours, weekly cap, opt-outs, expiry) asked ahead of time. The slots offered start
 * after that moment, so none falls before the student can see the message; an invitation that
 * would expire before it could go (a pause past its expiry) or reach nobody is not made at all.
 */
import type { ChannelName } from "../core/index.ts";
import { dateLabel, timeLabel } from "../core/index.ts";
import { checkBeforeSend, type DeliveryRules } from "../interventions/index.ts";
import type { Database } from "../prisma/index.ts";
import { MeetingError } from "./slots.ts";

/** The outbox's defaults (NUDGE_WEEKLY_CAP, NUDGE_MESSAGE_EXPIRY_DAYS), for callers given no rules. */
export const DEFAULT_DELIVERY_RULES: DeliveryRules = { weeklyCap: 3, expiryDays: 7 };

export interface FirstSend {
  /** The first moment the outbox would send it. */
  at: Date;
  /** Why it waits until then ("paused by the student"), or null when it can go now. */
  heldReason: string | null;
}

/** Holds looked through before giving up: a pause, then quiet hours, then the weekly cap, then quiet hours again. */
const MAX_STEPS = 8;

/** What the send checks say about a channel, in words for staff. */
function reasonInWords(reason: string): string {
  if (/opted out of teams/i.test(reason)) return "they opted out of Teams";
  if (/opted out of sms/i.test(reason)) return "they opted out of text messages";
  if (/opted out of email/i.test(reason)) return "they opted out of email";
  if (/no Teams conversation|Teams unavailable/i.test(reason)) return "Nudge can't reach them in Teams";
  if (/no mobile/i.test(reason)) return "there is no mobile number for them";
  if (/no email/i.test(reason)) return "there is no email address for them";
  if (/contact details removed/i.test(reason)) return "their contact details were removed when their course ended";
  if (/erased/i.test(reason)) return "their record was erased";
  if (/restricted/i.test(reason)) return "they asked us to stop using their data for now";
  if (/no longer actively enrolled/i.test(reason)) return "they are no longer actively enrolled";
  if (/consent/i.test(reason)) return "they opted out of learning analytics";
  return "the outbox can't send to them";
}

/** Why a message waits, in a few words for the tutor: "paused by the student". */
export function heldInWords(reason: string | null): string {
  if (!reason) return "";
  if (/paused/i.test(reason)) return "paused by the student";
  if (/quiet hours/i.test(reason)) return "quiet hours";
  if (/weekly cap/i.test(reason)) return "weekly limit reached";
  if (/retry/i.test(reason)) return "to be retried";
  return reason;
}

/**
 * The first moment the outbox would send an invitation approved `now` on the channels in `order`
 * (falling back along it as the outbox does). MeetingError, said plainly, when it never could.
 */
export async function firstSend(
  db: Database,
  request: { studentId: number; studentName: string; order: readonly ChannelName[]; rules: DeliveryRules; timeZone: string },
  now: Date,
): Promise<FirstSend> {
  const channels = [...request.order];
  const skipped: string[] = [];
  let at = now;
  let heldReason: string | null = null;
  for (let step = 0; step < MAX_STEPS && channels.length > 0; step++) {
    const decision = await checkBeforeSend(
      db.prisma,
      { studentId: request.studentId, interventionId: 0, channel: channels[0]!, kind: "invitation_to_talk", approvedAt: now },
      request.rules,
      at,
    );
    if (decision.action === "send") return { at, heldReason };
    if (decision.action === "hold") {
      at = decision.until > at ? decision.until : new Date(at.getTime() + 60_000);
      heldReason = decision.reason;
      continue;
    }
    if (decision.action === "skip-channel") {
      skipped.push(reasonInWords(decision.reason));
      channels.shift();
      continue;
    }
    if (decision.expire) {
      const expires = new Date(now.getTime() + request.rules.expiryDays * 86_400_000);
      const paused = heldReason !== null && /paused/i.test(heldReason);
      const why = paused
        ? `${request.studentName} has paused messages until ${dateLabel(at, request.timeZone)}`
        : `${request.studentName}'s messages are held until ${dateLabel(at, request.timeZone)} (${heldInWords(heldReason)})`;
      throw new MeetingError(`invitation would expire before it could be sent: held until ${at.toISOString()} (${heldReason})`, {
        kind: "conflict",
        plain: `${why}, so an invitation approved now would expire on ${dateLabel(expires, request.timeZone)} before it could reach them. Nothing was sent: ${paused ? "invite them again once their pause is over" : "try again then"}.`,
      });
    }
    throw new MeetingError(`invitation cannot be sent: ${decision.reason}`, {
      kind: "conflict",
      plain: `Nothing can be sent to ${request.studentName} at the moment: ${reasonInWords(decision.reason)}. Nothing was sent.`,
    });
  }
  if (channels.length === 0)
    throw new MeetingError(`no channel can reach the student: ${skipped.join("; ")}`, {
      kind: "conflict",
      plain: `An invitation can't reach ${request.studentName}: ${[...new Set(skipped)].join(", and ")}. Nothing was sent.`,
    });
  throw new MeetingError(`the student's messages are held beyond ${at.toISOString()} (${heldReason})`, {
    kind: "conflict",
    plain: `${request.studentName}'s messages are held until after ${timeLabel(at, request.timeZone)} on ${dateLabel(at, request.timeZone)} (${heldInWords(heldReason)}). Nothing was sent: try again then.`,
  });
}
