/**
 * Invitations to talk and the meetings they become.
 *
 *   inviteToTalk   a tutor invites (or accepts the student's "I need help"): free slots from their
 *                  office hours, a message per channel with the slots, approved by that tutor, queued
 *   chooseSlot     the student picks a slot (a Teams button, or "2" by SMS or email): booked once,
 *                  with the calendar invitation emailed to them
 *   bookInTutorCalendar   with the tutor's calendar (Microsoft Graph): the booking as an event there
 *                  with a Teams link, its invitations instead of the .ics emails
 *   recordOutcome  after it started, the tutor says what happened; the flags behind it are closed
 *   dueMeetingNotices / markNotified / queueStudentReminder   what the scheduler sends around it
 *
 * Meeting states: proposed -> booked -> held | no_show; proposed or booked -> cancelled (erasure,
 * or an invitation whose times have all gone). Every change is audited in its own transaction.
 */
import { lockTutor } from "./queries.ts";
import type { ChannelName } from "../core/index.ts";
import { say, dateLabel, timeLabel, DAY_MS, HOUR_MS } from "../core/index.ts";

import type { MeetingOutcome, MeetingState } from "../prisma/index.ts";
import type { Database } from "../prisma/index.ts";
import { authorise } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import { MAX_SMS_SEGMENTS, smsSegmentsOf } from "../rules/index.ts";
import type { ApprovalPolicy } from "../interventions/index.ts";
import { createProposed, IllegalTransition, transition } from "../interventions/index.ts";
import type { Tx } from "../prisma/index.ts";
import { firstName, fullName } from "../interventions/index.ts";
import { channelOrderFor, type RenderedTexts, type TemplateData } from "../interventions/index.ts";
import { channelOrderOf, queueApproved } from "../interventions/index.ts";
import { choicesInWords, MeetingError, proposeSlots, shortSlotLabel, slotLabel, whenLabel, type Slot } from "./slots.ts";
import { calendarBusy, type TutorCalendar } from "./tutor-calendar.ts";
import type { DeliveryRules } from "../interventions/index.ts";
import { DEFAULT_DELIVERY_RULES, firstSend } from "./first-send.ts";

export { MeetingError, type Slot } from "./slots.ts";

export interface InviteRequest {
  studentId: number;
  /** The deciding tutor: the slots come from their office hours, and they approve the message. */
  staffNumber: string;
  /** Kept with the decision for staff (like an approval's note); never sent to the student. */
  note?: string;
  /**
   * The suggestion being approved: a rule's invitation to talk, the student's own "I need help",
   * or an escalation. Without it, the student's waiting invitation if any, else a new one.
   */
  interventionId?: number;
  /** The tutor's own wording in place of the invitation's first lines; the times are added to it. */
  editedText?: string;
}

export interface InviteResult {
  interventionId: number;
  meetingId: number;
  slots: Slot[];
  /** When the outbox will first send it (now, or when a pause or the weekly cap ends). */
  sendsAt: Date;
  /** Why it waits until then, or null. */
  heldReason: string | null;
}

export interface SlotChoiceRequest {
  studentId: number;
  /** 1-based, as offered ("reply 1, 2 or 3"). */
  choice: number;
  /** The meeting the choice is for (a card button names it); default the student's latest invitation. */
  meetingId?: number;
  /** Where the student answered: the answer goes back there. */
  channel: ChannelName;
}

export interface SlotChoiceResult {
  meetingId: number;
  /** The booked time (also when it was booked before); null when nothing is booked. */
  startsAt: Date | null;
  endsAt: Date | null;
  /** What to say back to the student, on their channel. */
  answer: string;
  booked: boolean;
}

export type OutcomeName = MeetingOutcome;

export interface OutcomeRequest {
  meetingId: number;
  staffNumber: string;
  outcome: OutcomeName;
  /** The tutor's own words on what was agreed, kept on the student's record (optional). */
  note?: string;
}

export interface OutcomeResult {
  meetingId: number;
  state: Extract<MeetingState, "held" | "no_show">;
  outcome: OutcomeName;
  /** Flags behind the invitation and the recent nudges, closed by the outcome. */
  flagsClosed: number;
}

export interface MeetingNotice {
  /** The meeting's id (also as `meetingId`). */
  id: number;
  meetingId: number;
  studentId: number;
  tutorId: number;
  startsAt: Date;
  endsAt: Date;
}

export interface DueMeetingNotices {
  /** Booked, the tutor not yet sent the calendar invitation. */
  tutorInvitations: MeetingNotice[];
  /** Booked, starting within the reminder window, the student not yet reminded. */
  reminders: MeetingNotice[];
  /** Ended, the tutor not yet asked for the outcome. */
  outcomeRequests: MeetingNotice[];
}

export type NoticeField = "tutorNotifiedAt" | "reminderSentAt" | "outcomeRequestedAt";

const OUTCOMES: readonly OutcomeName[] = ["met", "no_show", "support_agreed", "referred"];
/** How each outcome reads to staff (the outcome card's buttons say the same). */
export const MEETING_OUTCOME_WORDS: Readonly<Record<string, string>> = {
  met: "we met",
  no_show: "the student didn't come",
  support_agreed: "support agreed",
  referred: "referred on",
};
const MAX_OUTCOME_NOTE = 1000;
const ALL_CHANNELS: readonly ChannelName[] = ["teams", "sms", "email"];
/** Nudges within this many days count as what the meeting answered (their flags close with it). */
const OUTCOME_CLOSES_DAYS = 30;
const SYSTEM = { kind: "system", component: "meetings" } as const;

// ---------------------------------------------------------------------------------------------
// Small reads shared by the stories below
// ---------------------------------------------------------------------------------------------

/** The slots as stored on a meeting (`[{start, end}]`, ISO strings). */
export function storedSlots(value: unknown): Slot[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((s): s is { start: string; end: string } => typeof s?.start === "string" && typeof s?.end === "string")
    .map((s) => ({ start: new Date(s.start), end: new Date(s.end) }));
}

type SlotStatus = "open" | "past" | "taken";

/** Each offered slot, 1-based: still open, already past, or taken by another booked meeting of the tutor. */
async function slotStatuses(
  tx: Tx,
  meeting: { id: number; tutorId: number; proposedSlots: unknown },
  now: Date,
): Promise<{ choice: number; slot: Slot; status: SlotStatus }[]> {
  const slots = storedSlots(meeting.proposedSlots);
  if (slots.length === 0) return [];
  const booked = await tx.meeting.findMany({
    where: {
      tutorId: meeting.tutorId,
      state: "booked",
      id: { not: meeting.id },
      startsAt: { lt: new Date(Math.max(...slots.map((s) => s.end.getTime()))) },
      endsAt: { gt: new Date(Math.min(...slots.map((s) => s.start.getTime()))) },
    },
    select: { startsAt: true, endsAt: true },
  });
  return slots.map((slot, i) => {
    const taken = booked.some((b) => b.startsAt! < slot.end && b.endsAt! > slot.start);
    return { choice: i + 1, slot, status: slot.start <= now ? "past" : taken ? "taken" : "open" };
  });
}

/** "1) Tue 3 Dec 10:00 3) Thu 5 Dec 14:00" */
function slotList(choices: readonly { choice: number; slot: Slot }[], timeZone: string): string {
  return choices.map((c) => `${c.choice}) ${shortSlotLabel(c.slot, timeZone)}`).join(" ");
}

function placeOf(meeting: { location: string | null; onlineMeetingUrl: string | null }): string {
  if (meeting.location) return say("meeting_place", { location: meeting.location });
  if (meeting.onlineMeetingUrl) return say("meeting_online", { url: meeting.onlineMeetingUrl });
  return "";
}

function bodyOf(texts: RenderedTexts, order: readonly ChannelName[]): string {
  const first = order.map((c) => texts[c]).find((t) => t !== undefined);
  return first === undefined ? "" : typeof first === "string" ? first : first.body;
}

// ---------------------------------------------------------------------------------------------
// The invitation
// ---------------------------------------------------------------------------------------------

interface InvitationWords {
  student: string;
  tutor: string;
  slots: Slot[];
  /** The tutor's: every time is shown in it. */
  timeZone: string;
  /** Said when the student's own timezone differs. */
  zoneNote: string;
  /** The approver's own wording, in place of the usual first lines; the times follow it. */
  ownWords?: string;
}

function smsInvitation(w: InvitationWords): string | undefined {
  const choices = choicesInWords(w.slots.map((_, i) => i + 1));
  const list = slotList(
    w.slots.map((slot, i) => ({ choice: i + 1, slot })),
    w.timeZone,
  );
  const values = { student: w.student, tutor: w.tutor, choices, slots: list, zone_note: w.zoneNote };
  const candidates = [say("invitation_sms", values), say("invitation_sms_shorter", values), say("invitation_sms_shortest", values)];
  // Names with characters outside GSM-7 halve what fits: the shorter wordings, else no SMS.
  return candidates.find((text) => smsSegmentsOf(text).segments <= MAX_SMS_SEGMENTS);
}

/** The invitation on each channel: in Teams the card shows the slots as buttons. */
export function invitationTexts(w: InvitationWords): RenderedTexts {
  const numbers = w.slots.map((_, i) => i + 1);
  const minutes = Math.round((w.slots[0]!.end.getTime() - w.slots[0]!.start.getTime()) / 60_000);
  const teams = say("invitation_teams", { student: w.student, tutor: w.tutor, zone_note: w.zoneNote });
  const subject = say("invitation_email_subject", { tutor: w.tutor });
  const body = say("invitation_email", {
    student: w.student,
    tutor: w.tutor,
    minutes,
    zone_note: w.zoneNote,
    slots: w.slots.map((slot, i) => `${i + 1}) ${slotLabel(slot, w.timeZone)}`).join("\n"),
    choices: choicesInWords(numbers),
  });
  const sms = smsInvitation(w);
  if (w.ownWords !== undefined) return inOwnWords(w, { sms, subject });
  return { teams, ...(sms ? { sms } : {}), email: { subject, body } };
}

/** The approver's wording with the times: on a card the buttons carry them, by email and SMS the text lists them. */
function inOwnWords(w: InvitationWords, usual: { sms: string | undefined; subject: string }): RenderedTexts {
  const text = w.ownWords!;
  const choices = choicesInWords(w.slots.map((_, i) => i + 1));
  const body = say("invitation_email_own_words", {
    text,
    slots: w.slots.map((slot, i) => `${i + 1}) ${slotLabel(slot, w.timeZone)}`).join("\n"),
    choices,
    zone_note: w.zoneNote,
  });
  const list = slotList(
    w.slots.map((slot, i) => ({ choice: i + 1, slot })),
    w.timeZone,
  );
  const own = say("invitation_sms_own_words", { text, choices, slots: list });
  // Too long for a text: the usual short wording, which still carries the times.
  const sms = smsSegmentsOf(own).segments <= MAX_SMS_SEGMENTS ? own : usual.sms;
  return { teams: text, ...(sms ? { sms } : {}), email: { subject: usual.subject, body } };
}

const MAX_OWN_WORDS = 2000;

function ownWordsOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!trimmed)
    throw new MeetingError("text: the edited invitation is empty", {
      plain: "The message is empty: please write what to send, or leave the suggestion as it is.",
    });
  if (trimmed.length > MAX_OWN_WORDS)
    throw new MeetingError(`text: the edited invitation has ${trimmed.length} characters; keep it within ${MAX_OWN_WORDS}`, {
      plain: `The message is too long: please keep it within ${MAX_OWN_WORDS} characters (it has ${trimmed.length}).`,
    });
  return trimmed;
}

/**
 * What stops a new invitation: a meeting with this tutor still waiting for the student's choice
 * (with a time still free) or booked and not over. An invitation none of whose times is still free
 * is cancelled instead, so the tutor can offer new ones.
 */
async function clearTheWay(
  tx: Tx,
  request: { studentId: number; tutorId: number; studentName: string; tutorName: string; timeZone: string; actor: { kind: "staff"; staffNumber: string } },
  now: Date,
): Promise<void> {
  const meetings = await tx.meeting.findMany({
    where: { studentId: request.studentId, tutorId: request.tutorId, state: { in: ["proposed", "booked"] } },
    orderBy: { id: "asc" },
    include: { intervention: { select: { state: true } } },
  });
  for (const meeting of meetings) {
    if (meeting.state === "booked") {
      if (meeting.endsAt! > now) {
        const when = slotLabel({ start: meeting.startsAt!, end: meeting.endsAt! }, request.timeZone);
        throw new MeetingError(`${request.studentName} already has a meeting booked with ${request.tutorName}: ${when}`, {
          kind: "conflict",
          plain: `${request.studentName} already has a meeting booked with ${request.tutorName}: ${when}. Nothing new was sent.`,
        });
      }
      continue;
    }
    // An invitation whose message never went (expired, cancelled, failed) offers nothing any more.
    const undelivered = ["expired", "cancelled", "failed", "rejected"].includes(meeting.intervention.state);
    const statuses = await slotStatuses(tx, meeting, now);
    if (!undelivered && statuses.some((s) => s.status === "open"))
      throw new MeetingError(
        `${request.studentName} already has an invitation to talk from ${request.tutorName} waiting for an answer (meeting ${meeting.id})`,
        {
          kind: "conflict",
          plain: `${request.studentName} already has an invitation to talk from ${request.tutorName} waiting for them to pick a time. Nothing new was sent.`,
        },
      );
    const cancelled = await tx.meeting.updateMany({ where: { id: meeting.id, state: "proposed" }, data: { state: "cancelled" } });
    if (cancelled.count === 1) {
      await writeAudit(tx, {
        actor: request.actor,
        action: "meeting.cancelled",
        targetType: "meeting",
        targetId: String(meeting.id),
        studentId: request.studentId,
        details: {
          reason: undelivered
            ? `its invitation was never delivered (${meeting.intervention.state}); replaced by a new invitation`
            : "none of the times offered is still free; replaced by a new invitation",
        },
      });
    }
  }
}

/** Suggestions that are an offer of times once approved. */
const OFFERS_TIMES = ["invitation_to_talk", "escalation"] as const;
type OfferKind = (typeof OFFERS_TIMES)[number];
const WAITING = ["proposed", "awaiting_approval"] as const;
const ALREADY_DECIDED = "Someone has already decided on this suggestion, so nothing was changed. Refresh the card to see where things stand.";

export function offersTimes(kind: string): kind is OfferKind {
  return (OFFERS_TIMES as readonly string[]).includes(kind);
}

/** The suggestion named by an approval, if it is still waiting for a decision. */
async function suggestionToApprove(db: Database, interventionId: number) {
  const found = await db.prisma.intervention.findUnique({
    where: { id: interventionId },
    select: { id: true, kind: true, state: true, studentId: true, body: true, originalBody: true, channelOrder: true, templateData: true },
  });
  if (!found || !offersTimes(found.kind))
    throw new MeetingError(`intervention ${interventionId} is not an invitation to talk or an escalation`, {
      kind: "not_found",
      plain: "Sorry, I couldn't find that suggestion any more. Refresh the card to see where things stand.",
    });
  if (!(WAITING as readonly string[]).includes(found.state))
    throw new MeetingError(`intervention ${interventionId} is ${found.state}: it can no longer be approved`, { kind: "conflict", plain: ALREADY_DECIDED });
  return { ...found, kind: found.kind as OfferKind };
}

/**
 * An invitation to talk, however it is started: the tutor's "Invite to talk", or approving a
 * suggestion that offers times (a rule's invitation, the student's "I need help", an escalation).
 * The student's waiting invitation (or the named suggestion) is the one approved; otherwise one is
 * proposed by the tutor; any other invitation waiting for the student joins it. The slots come
 * from the tutor's office hours, clear of their booked meetings and, given their calendar, of
 * whatever else is in it, and start after the message can first reach the student (a pause ends,
 * the weekly cap frees up). An invitation that could not reach them before it expires, or that has
 * no time to offer, is refused in plain words and nothing is sent.
 */
export async function inviteToTalk(
  db: Database,
  request: InviteRequest,
  policy: ApprovalPolicy,
  now = new Date(),
  calendar?: TutorCalendar,
  delivery: DeliveryRules = DEFAULT_DELIVERY_RULES,
): Promise<InviteResult> {
  const chosen = request.interventionId === undefined ? null : await suggestionToApprove(db, request.interventionId);
  const studentId = chosen?.studentId ?? request.studentId;
  const kind: OfferKind = chosen?.kind ?? "invitation_to_talk";
  const staff = await authorise(db, request.staffNumber, "intervention.decide", { studentId }, policy[kind].roles);
  const actor = { kind: "staff", staffNumber: staff.staffNumber } as const;
  const ownWords = ownWordsOf(request.editedText);
  const tutor = await db.prisma.staff.findUniqueOrThrow({
    where: { id: staff.staffId },
    select: { displayName: true, officeHours: true, officeLocation: true, timezone: true, email: true },
  });
  const student = await db.prisma.student.findUniqueOrThrow({
    where: { id: studentId },
    select: { givenName: true, preferredName: true, channelOrder: true, preferredChannel: true, timezone: true },
  });
  const studentName = firstName(student);
  const who = { studentId, tutorId: staff.staffId, studentName, tutorName: tutor.displayName, timeZone: tutor.timezone, actor };
  await db.prisma.$transaction((tx) => clearTheWay(tx, who, now)); // refuse early, before the slots are worked out

  const pending =
    chosen ??
    (await db.prisma.intervention.findFirst({
      where: { studentId, kind: "invitation_to_talk", state: { in: [...WAITING] } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, kind: true, body: true, originalBody: true, channelOrder: true, templateData: true },
    }));
  // The channels it may go by, before the texts are known (an SMS is dropped later if it cannot fit).
  const every: RenderedTexts = { teams: "", sms: "", email: { subject: "", body: "" } };
  const provisional = channelOrderOf(pending?.channelOrder);
  const sending = await firstSend(
    db,
    {
      studentId,
      studentName,
      order: provisional.length ? provisional : channelOrderFor(student, ["teams", "email", "sms"], every, ALL_CHANNELS),
      rules: delivery,
      timeZone: tutor.timezone,
    },
    now,
  );

  const horizonDays = 14;
  const from = sending.at;
  const horizon = new Date(from.getTime() + (horizonDays + 1) * DAY_MS);
  const busy = await db.prisma.meeting.findMany({
    where: { tutorId: staff.staffId, state: "booked", startsAt: { lt: horizon }, endsAt: { gt: from } },
    select: { startsAt: true, endsAt: true },
  });
  // Between transactions: a slow calendar must not hold database locks.
  const fromCalendar = calendar ? await calendarBusy(calendar, tutor.email, from, horizon) : undefined;
  const slots = proposeSlots(tutor.officeHours, tutor.timezone, from, {
    horizonDays,
    tutorName: tutor.displayName,
    busy: [...busy.map((b) => ({ start: b.startsAt!, end: b.endsAt! })), ...(fromCalendar?.busy ?? [])],
  });
  if (slots.length === 0) {
    const after = from > now ? ` after ${dateLabel(from, tutor.timezone)}, when ${studentName} can next get messages` : "";
    throw new MeetingError(
      `${tutor.displayName} has no free time in their office hours${fromCalendar?.source === "calendar" ? " (their calendar is busy at the rest)" : ""} in the ${horizonDays} days from ${from.toISOString()}`,
      {
        kind: "conflict",
        plain: `${tutor.displayName} has no free time in their office hours${fromCalendar?.source === "calendar" ? " (their calendar is busy at the rest)" : ""} in the ${horizonDays} days${after}, so there are no times to offer ${studentName}. Nothing was sent.`,
      },
    );
  }
  // The event is made when the student books: only possible with the calendar and the tutor's mailbox.
  const bookInCalendar = calendar !== undefined && tutor.email !== null;
  const calendarDetails =
    fromCalendar &&
    (fromCalendar.source === "calendar"
      ? { freeBusy: "calendar", busyTimes: fromCalendar.busy.length }
      : { freeBusy: "office hours only", reason: fromCalendar.reason });

  const zoneNote = student.timezone === tutor.timezone ? "" : ` Times are ${tutor.timezone.replace(/_/g, " ")} time.`;
  const texts = invitationTexts({ student: studentName, tutor: tutor.displayName, slots, timeZone: tutor.timezone, zoneNote, ownWords });
  const kept = provisional.filter((c) => texts[c] !== undefined);
  const order = kept.length ? kept : channelOrderFor(student, ["teams", "email", "sms"], texts, ALL_CHANNELS);
  const body = bodyOf(texts, order);
  const note = request.note?.trim() || null;

  try {
    return await db.prisma.$transaction(async (tx) => {
      await clearTheWay(tx, who, now);
      const interventionId = pending
        ? pending.id
        : (
            await createProposed(
              tx,
              {
                studentId,
                kind: "invitation_to_talk",
                channelOrder: order,
                body,
                subject: texts.email!.subject,
                templateData: { texts, evidence: [], flagIds: [] } as object,
                proposedBy: `staff:${staff.staffNumber}`,
              },
              actor,
            )
          ).id;
      // Any other invitation still waiting for this student is answered by this one.
      const others = await tx.intervention.findMany({
        where: { studentId, kind: "invitation_to_talk", state: { in: [...WAITING] }, id: { not: interventionId } },
        select: { id: true, state: true, templateData: true, proposedBy: true },
      });
      const before = (pending?.templateData ?? {}) as Partial<TemplateData>;
      const flagIds = new Set(before.flagIds ?? []);
      const evidence = [...(before.evidence ?? [])];
      for (const other of others) {
        const theirs = (other.templateData ?? {}) as Partial<TemplateData>;
        for (const id of theirs.flagIds ?? []) flagIds.add(id);
        evidence.push(...(theirs.evidence ?? []));
        if (other.state === "proposed") await transition(tx, { interventionId: other.id, to: "awaiting_approval", actor });
        await transition(tx, {
          interventionId: other.id,
          to: "cancelled",
          actor,
          details: { reason: "joined the invitation to talk approved", joined: interventionId },
        });
        await writeAudit(tx, {
          actor,
          action: "intervention.merged",
          targetType: "intervention",
          targetId: String(interventionId),
          studentId,
          details: { kind: "invitation_to_talk", joined: other.id, flags: theirs.flagIds ?? [], proposedBy: other.proposedBy },
        });
      }
      const proposedSlots = slots.map((s) => ({ start: s.start.toISOString(), end: s.end.toISOString() }));
      const meeting = await tx.meeting.create({
        data: { interventionId, studentId, tutorId: staff.staffId, state: "proposed", proposedSlots, location: tutor.officeLocation },
      });
      const data: TemplateData = {
        ...before,
        evidence,
        flagIds: [...flagIds],
        texts,
        meetingId: meeting.id,
        bookInTutorCalendar: bookInCalendar || undefined,
      };

      const current = await tx.intervention.findUniqueOrThrow({ where: { id: interventionId }, select: { state: true } });
      if (current.state === "proposed") await transition(tx, { interventionId, to: "awaiting_approval", actor });
      await transition(tx, {
        interventionId,
        to: "approved",
        actor,
        changes: {
          approvedById: staff.staffId,
          approvedAt: now,
          decisionNote: note,
          channelOrder: order,
          body,
          ...(pending && pending.body !== body ? { originalBody: pending.originalBody ?? pending.body } : {}),
          subject: texts.email!.subject,
          templateData: data as object,
        },
        details: { kind, meetingId: meeting.id, note, edited: ownWords !== undefined },
      });
      await queueApproved(tx, interventionId, actor, now);
      // The outbox would hold it anyway; saying so now lets the tutor's card tell the truth at once.
      if (sending.at > now)
        await tx.delivery.updateMany({ where: { interventionId, state: "pending" }, data: { dueAt: sending.at, heldReason: sending.heldReason } });
      await writeAudit(tx, {
        actor,
        action: "meeting.proposed",
        targetType: "meeting",
        targetId: String(meeting.id),
        studentId,
        details: {
          interventionId,
          kind,
          slots: proposedSlots,
          reused: pending !== null,
          ...(others.length ? { joined: others.map((o) => o.id) } : {}),
          ...(sending.at > now ? { heldUntil: sending.at.toISOString(), heldReason: sending.heldReason } : {}),
          ...(calendarDetails ? { tutorCalendar: calendarDetails } : {}),
        },
      });
      return { interventionId, meetingId: meeting.id, slots, sendsAt: sending.at, heldReason: sending.heldReason };
    });
  } catch (error) {
    if (error instanceof IllegalTransition)
      throw new MeetingError(
        `the invitation to talk ${error.interventionId} was decided meanwhile (it is ${error.from ?? "gone"}): look again before inviting`,
        {
          kind: "conflict",
          plain: ALREADY_DECIDED,
        },
      );
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The student's choice
// ---------------------------------------------------------------------------------------------

/** "2", "2.", "option 2", "#2": a message that is only a slot number. */
export function slotChoiceOf(text: string): number | null {
  const match = /^\s*(?:(?:option|slot|choice|number|no\.?|#)\s*)?(\d{1,2})\s*[.)!]?\s*$/i.exec(text);
  return match ? Number(match[1]) : null;
}

async function meetingForChoice(db: Database, request: SlotChoiceRequest, now: Date) {
  if (request.meetingId !== undefined) {
    const meeting = await db.prisma.meeting.findUnique({ where: { id: request.meetingId } });
    if (!meeting || meeting.studentId !== request.studentId)
      throw new MeetingError(`meeting ${request.meetingId} is not an invitation to this student`, { kind: "not_found" });
    return meeting;
  }
  return awaitingChoice(db, request.studentId, now);
}

/** The student's latest invitation waiting for a choice, else their latest booked meeting not yet over. */
async function awaitingChoice(db: Database, studentId: number, now: Date) {
  const latest = { orderBy: [{ createdAt: "desc" as const }, { id: "desc" as const }] };
  return (
    (await db.prisma.meeting.findFirst({ where: { studentId, state: "proposed" }, ...latest })) ??
    (await db.prisma.meeting.findFirst({ where: { studentId, state: "booked", endsAt: { gt: now } }, ...latest }))
  );
}

/** Thrown inside the booking transaction to undo it: the slot went to someone else meanwhile. */
class SlotTaken extends Error {}

/**
 * The student picks a slot. Booked at most once: the update names the state it expects, and the
 * tutor's row is locked while the slot is checked, so neither a repeated choice nor two students
 * picking the same time double-books.
 */
export async function chooseSlot(db: Database, request: SlotChoiceRequest, now = new Date()): Promise<SlotChoiceResult> {
  const meeting = await meetingForChoice(db, request, now);
  if (!meeting) throw new MeetingError("there is no invitation to talk waiting for this student's choice", { kind: "not_found" });
  const [tutor, student, invitation] = await Promise.all([
    db.prisma.staff.findUniqueOrThrow({ where: { id: meeting.tutorId }, select: { displayName: true, timezone: true } }),
    db.prisma.student.findUniqueOrThrow({
      where: { id: meeting.studentId },
      select: { studentNumber: true, givenName: true, preferredName: true, email: true },
    }),
    db.prisma.intervention.findUnique({ where: { id: meeting.interventionId }, select: { templateData: true } }),
  ]);
  // The tutor's calendar invites the student itself (an attendee of the event, from the tutor's
  // own mailbox): a .ics as well would put the meeting in their calendar twice, and declining one
  // would leave the other. So the .ics waits: bookInTutorCalendar queues it if the event fails.
  const calendarInvites = (invitation?.templateData as Partial<TemplateData> | null)?.bookInTutorCalendar === true;
  const zone = tutor.timezone;
  const result = (answer: string, booked: boolean, slot?: Slot | null): SlotChoiceResult => ({
    meetingId: meeting.id,
    startsAt: slot?.start ?? null,
    endsAt: slot?.end ?? null,
    answer,
    booked,
  });
  const alreadyBooked = (m: { startsAt: Date | null; endsAt: Date | null; location: string | null; onlineMeetingUrl: string | null }) => {
    const slot = { start: m.startsAt!, end: m.endsAt! };
    return result(say("meeting_already_booked", { when: slotLabel(slot, zone), tutor: tutor.displayName, place: placeOf(m) }), true, slot);
  };
  const notOpen = () => result(say("meeting_not_open", { tutor: tutor.displayName }), false);

  if (meeting.state === "booked") return alreadyBooked(meeting);
  if (meeting.state !== "proposed") return notOpen();

  const statuses = await slotStatuses(db.prisma, meeting, now);
  const open = statuses.filter((s) => s.status === "open");
  const stillFree = open.length
    ? say("meeting_still_free", { slots: slotList(open, zone), choices: choicesInWords(open.map((s) => s.choice)) })
    : say("meeting_none_free_others", { tutor: tutor.displayName });
  const picked = statuses.find((s) => s.choice === request.choice);
  if (!picked) {
    if (!open.length) return result(say("meeting_none_free", { tutor: tutor.displayName }), false);
    return result(
      say("meeting_not_a_choice", { choice: request.choice, choices: choicesInWords(open.map((s) => s.choice)), slots: slotList(open, zone) }),
      false,
    );
  }
  if (picked.status === "past") return result(say("meeting_past", { when: slotLabel(picked.slot, zone), still_free: stillFree }), false);
  if (picked.status === "taken") return result(say("meeting_taken", { when: slotLabel(picked.slot, zone), still_free: stillFree }), false);

  const label = slotLabel(picked.slot, zone);
  const place = placeOf(meeting);
  const actor = { kind: "student", studentNumber: student.studentNumber } as const;
  let outcome: "booked" | "lost";
  try {
    outcome = await db.prisma.$transaction(async (tx) => {
      await lockTutor(db, tx, meeting.tutorId);
      const current = await slotStatuses(tx, meeting, now);
      if (current[picked.choice - 1]?.status !== "open") throw new SlotTaken();
      const won = await tx.meeting.updateMany({
        where: { id: meeting.id, state: "proposed" },
        data: { state: "booked", startsAt: picked.slot.start, endsAt: picked.slot.end, icsUid: `meeting-${meeting.id}@nudge` },
      });
      if (won.count !== 1) return "lost";
      await writeAudit(tx, {
        actor,
        action: "meeting.booked",
        targetType: "meeting",
        targetId: String(meeting.id),
        studentId: meeting.studentId,
        details: { choice: picked.choice, startsAt: picked.slot.start.toISOString(), endsAt: picked.slot.end.toISOString(), channel: request.channel },
      });
      if (student.email && !calendarInvites)
        await queueCalendarInvitation(
          tx,
          { meetingId: meeting.id, studentId: meeting.studentId, studentName: firstName(student), tutorName: tutor.displayName, label, place },
          now,
        );
      return "booked";
    });
  } catch (error) {
    if (!(error instanceof SlotTaken)) throw error;
    const remaining = (await slotStatuses(db.prisma, meeting, now)).filter((s) => s.status === "open");
    const rest = remaining.length
      ? say("meeting_still_free", { slots: slotList(remaining, zone), choices: choicesInWords(remaining.map((s) => s.choice)) })
      : stillFree;
    return result(say("meeting_taken", { when: label, still_free: rest }), false);
  }
  if (outcome === "lost") {
    const current = await db.prisma.meeting.findUniqueOrThrow({ where: { id: meeting.id } });
    return current.state === "booked" ? alreadyBooked(current) : notOpen();
  }
  const calendar = student.email ? say("meeting_booked_calendar_on_its_way") : "";
  return result(say("meeting_booked", { when: label, tutor: tutor.displayName, place, calendar }), true, picked.slot);
}

/** The booked meeting's calendar invitation to the student, by email: an answer to their choice. */
async function queueCalendarInvitation(
  tx: Tx,
  m: { meetingId: number; studentId: number; studentName: string; tutorName: string; label: string; place: string },
  now: Date,
): Promise<void> {
  const subject = say("meeting_booked_email_subject", { tutor: m.tutorName, when: m.label });
  const body = say("meeting_booked_email", { student: m.studentName, tutor: m.tutorName, when: m.label, place: m.place });
  const data: TemplateData = {
    texts: { email: { subject, body } },
    evidence: [],
    flagIds: [],
    meetingId: m.meetingId,
    calendar: { meetingId: m.meetingId, method: "REQUEST" },
  };
  const { id } = await createProposed(
    tx,
    {
      studentId: m.studentId,
      kind: "reply",
      channelOrder: ["email"],
      subject,
      body,
      templateData: data as object,
      proposedBy: "student",
      dedupeKey: `meeting:${m.meetingId}:calendar:REQUEST`,
    },
    SYSTEM,
    { meetingId: m.meetingId },
  );
  await transition(tx, {
    interventionId: id,
    to: "approved",
    actor: SYSTEM,
    changes: { approvedAt: now },
    details: { policy: "the calendar invitation for a meeting the student booked", meetingId: m.meetingId },
  });
  await queueApproved(tx, id, SYSTEM, now);
}

// ---------------------------------------------------------------------------------------------
// The booked meeting in the tutor's calendar
// ---------------------------------------------------------------------------------------------

export type CalendarBooking =
  /** The event is in the tutor's calendar; its invitations went to both. */
  | { via: "calendar"; eventId: string; joinUrl: string | null }
  /** No event: the .ics emails carry the invitation (the student's is queued). */
  | { via: "ics"; reason?: string }
  /** Nothing to invite to any more (cancelled meanwhile). */
  | { via: "none"; reason: string };

/**
 * The booked meeting as an event in the tutor's calendar, for an invitation made with one (the
 * meeting-notices job calls this once per booking, after `chooseSlot`'s transaction: the student's
 * answer never waits for the calendar, whichever channel they booked on). When the event cannot be
 * made, the student's .ics invitation that `chooseSlot` held back is queued instead, and the
 * caller emails the tutor theirs: the meeting is never left without an invitation.
 */
export async function bookInTutorCalendar(db: Database, meetingId: number, calendar: TutorCalendar | undefined, now = new Date()): Promise<CalendarBooking> {
  const meeting = await db.prisma.meeting.findUnique({
    where: { id: meetingId },
    include: {
      intervention: { select: { templateData: true } },
      student: { select: { givenName: true, familyName: true, preferredName: true, email: true } },
      tutor: { select: { displayName: true, email: true, timezone: true } },
    },
  });
  if (!meeting) throw new MeetingError(`meeting ${meetingId} does not exist`, { kind: "not_found" });
  if ((meeting.intervention.templateData as Partial<TemplateData> | null)?.bookInTutorCalendar !== true) return { via: "ics" };
  if (meeting.graphEventId) return { via: "calendar", eventId: meeting.graphEventId, joinUrl: meeting.onlineMeetingUrl };
  if (meeting.state !== "booked" || !meeting.startsAt || !meeting.endsAt) return { via: "none", reason: `meeting ${meetingId} is ${meeting.state}` };
  const { student, tutor } = meeting;
  const slot = { start: meeting.startsAt, end: meeting.endsAt };
  const target = { targetType: "meeting", targetId: String(meetingId), studentId: meeting.studentId } as const;

  let reason: string;
  if (!calendar) reason = "the tutor's calendar is no longer configured";
  else if (!tutor.email) reason = "the tutor has no email address";
  else {
    try {
      const event = await calendar.book({
        tutorEmail: tutor.email,
        studentEmail: student.email,
        studentName: fullName(student) || "Student",
        subject: say("meeting_calendar_subject", { student: firstName(student), tutor: tutor.displayName }),
        start: slot.start,
        end: slot.end,
        body: say("meeting_calendar_body", { student: firstName(student), tutor: tutor.displayName }),
        transactionId: meeting.icsUid ?? `meeting-${meetingId}@nudge`,
      });
      const stored = await db.prisma.$transaction(async (tx) => {
        const { count } = await tx.meeting.updateMany({
          where: { id: meetingId, state: "booked", graphEventId: null },
          data: { graphEventId: event.eventId, ...(event.joinUrl ? { onlineMeetingUrl: event.joinUrl } : {}) },
        });
        if (count === 1)
          await writeAudit(tx, {
            actor: SYSTEM,
            action: "meeting.calendar_event",
            ...target,
            details: { eventId: event.eventId, onlineMeeting: event.joinUrl !== null, studentInvited: student.email !== null },
          });
        return count === 1;
      });
      if (stored) return { via: "calendar", ...event };
      // Cancelled (an erasure) while the event was being made: it must not stay in two calendars.
      await calendar.cancel({ email: tutor.email }, event.eventId).catch(() => undefined);
      return { via: "none", reason: `meeting ${meetingId} changed while its calendar event was being made` };
    } catch (error) {
      reason = `the tutor's calendar did not take the event: ${(error as Error).message}`;
    }
  }
  await db.prisma.$transaction(async (tx) => {
    const queued = await tx.intervention.findUnique({ where: { dedupeKey: `meeting:${meetingId}:calendar:REQUEST` }, select: { id: true } });
    if (student.email && !queued) {
      await queueCalendarInvitation(
        tx,
        {
          meetingId,
          studentId: meeting.studentId,
          studentName: firstName(student),
          tutorName: tutor.displayName,
          label: slotLabel(slot, tutor.timezone),
          place: placeOf(meeting),
        },
        now,
      );
    }
    await writeAudit(tx, {
      actor: SYSTEM,
      action: "meeting.calendar_fallback",
      ...target,
      details: { reason, studentInvitation: student.email ? "by email (.ics)" : "none: no email address" },
    });
  });
  return { via: "ics", reason };
}

/**
 * A student's message that is only a slot number ("2"), while they have an invitation waiting (or
 * a meeting just booked): the choice, made. Null when the message is not that.
 */
export async function answerSlotReply(
  db: Database,
  message: { studentId: number; channel: ChannelName; text: string },
  now = new Date(),
): Promise<SlotChoiceResult | null> {
  const choice = slotChoiceOf(message.text);
  if (choice === null) return null;
  const meeting = await awaitingChoice(db, message.studentId, now);
  if (!meeting) return null;
  return chooseSlot(db, { studentId: message.studentId, choice, meetingId: meeting.id, channel: message.channel }, now);
}

// ---------------------------------------------------------------------------------------------
// After the meeting
// ---------------------------------------------------------------------------------------------

/** The flags the meeting answered: the invitation's, and those of the student's nudges in the last 30 days. */
async function flagsBehind(tx: Tx, meeting: { studentId: number; interventionId: number }, now: Date): Promise<number[]> {
  const interventions = await tx.intervention.findMany({
    where: {
      studentId: meeting.studentId,
      OR: [{ id: meeting.interventionId }, { kind: "nudge", createdAt: { gte: new Date(now.getTime() - OUTCOME_CLOSES_DAYS * DAY_MS) } }],
    },
    select: { flagId: true, templateData: true },
  });
  const ids = new Set<number>();
  for (const i of interventions) {
    if (i.flagId !== null) ids.add(i.flagId);
    for (const id of (i.templateData as Partial<TemplateData> | null)?.flagIds ?? []) ids.add(id);
  }
  return [...ids];
}

/**
 * The tutor says what happened. Only for a booked meeting that has started, once; the flags behind
 * it are closed with the outcome as the reason (open, snoozed or actioned ones: a dismissed flag
 * keeps the tutor's verdict).
 */
export async function recordOutcome(db: Database, request: OutcomeRequest, now = new Date()): Promise<OutcomeResult> {
  if (!OUTCOMES.includes(request.outcome))
    throw new MeetingError(`outcome: "${request.outcome}" is not one of ${OUTCOMES.join(", ")}`, {
      plain: "Please choose how the meeting went: we met, the student didn't come, support agreed, or referred on.",
    });
  const note = request.note?.trim() || null;
  if (note !== null && note.length > MAX_OUTCOME_NOTE)
    throw new MeetingError(`note: ${note.length} characters; keep it within ${MAX_OUTCOME_NOTE}`, {
      plain: `The note is too long: please keep it within ${MAX_OUTCOME_NOTE} characters (it has ${note.length}).`,
    });
  const meeting = await db.prisma.meeting.findUnique({ where: { id: request.meetingId } });
  if (!meeting) throw new MeetingError(`meeting ${request.meetingId} does not exist`, { kind: "not_found" });
  const staff = await authorise(db, request.staffNumber, "student.contact", { studentId: meeting.studentId });
  const viewer = await db.prisma.staff.findUniqueOrThrow({ where: { id: staff.staffId }, select: { timezone: true } });
  const recordedAlready = async (m: { outcome: string | null; outcomeRecordedById: number | null; outcomeRecordedAt: Date | null }) => {
    const by =
      m.outcomeRecordedById === null ? null : await db.prisma.staff.findUnique({ where: { id: m.outcomeRecordedById }, select: { displayName: true } });
    const on = m.outcomeRecordedAt ? ` on ${dateLabel(m.outcomeRecordedAt, viewer.timezone)}` : "";
    const outcome = MEETING_OUTCOME_WORDS[m.outcome ?? ""] ?? m.outcome?.replace(/_/g, " ");
    return new MeetingError(
      `the outcome of meeting ${meeting.id} was already recorded by ${by?.displayName ?? "someone else"}${m.outcomeRecordedAt ? ` on ${m.outcomeRecordedAt.toISOString().slice(0, 10)}` : ""}: ${m.outcome?.replace(/_/g, " ")}`,
      { kind: "conflict", plain: `${by?.displayName ?? "Someone else"} already recorded how this meeting went${on}: ${outcome}.` },
    );
  };
  if (meeting.outcome !== null) throw await recordedAlready(meeting);
  if (meeting.state !== "booked")
    throw new MeetingError(`meeting ${meeting.id} is ${meeting.state}: only a booked meeting has an outcome`, {
      kind: "conflict",
      plain:
        meeting.state === "cancelled"
          ? "This meeting was cancelled, so there is nothing to record."
          : "This meeting was never booked, so there is nothing to record yet.",
    });
  if (meeting.startsAt! > now)
    throw new MeetingError(`meeting ${meeting.id} has not started yet: it starts ${meeting.startsAt!.toISOString()}`, {
      kind: "conflict",
      plain: `This meeting hasn't started yet: you can record how it went after ${timeLabel(meeting.startsAt!, viewer.timezone)} on ${dateLabel(meeting.startsAt!, viewer.timezone)}.`,
    });

  const state = request.outcome === "no_show" ? "no_show" : "held";
  const actor = { kind: "staff", staffNumber: staff.staffNumber } as const;
  const closed = await db.prisma.$transaction(async (tx) => {
    const won = await tx.meeting.updateMany({
      where: { id: meeting.id, state: "booked", outcome: null },
      data: { state, outcome: request.outcome, outcomeNote: note, outcomeRecordedAt: now, outcomeRecordedById: staff.staffId },
    });
    if (won.count !== 1) return null;
    const flagIds = await flagsBehind(tx, meeting, now);
    const { count } = await tx.flag.updateMany({
      where: { id: { in: flagIds }, studentId: meeting.studentId, state: { in: ["open", "snoozed", "actioned"] } },
      data: { state: "closed", closedAt: now, closedReason: `meeting: ${request.outcome}` },
    });
    await writeAudit(tx, {
      actor,
      action: "meeting.outcome",
      targetType: "meeting",
      targetId: String(meeting.id),
      studentId: meeting.studentId,
      details: { outcome: request.outcome, state, flagsClosed: count, note },
    });
    return count;
  });
  if (closed === null) throw await recordedAlready(await db.prisma.meeting.findUniqueOrThrow({ where: { id: meeting.id } }));
  return { meetingId: meeting.id, state, outcome: request.outcome, flagsClosed: closed };
}

// ---------------------------------------------------------------------------------------------
// Notices the scheduler sends
// ---------------------------------------------------------------------------------------------

const noticeSelect = { id: true, studentId: true, tutorId: true, startsAt: true, endsAt: true } as const;
const asNotice = (m: { id: number; studentId: number; tutorId: number; startsAt: Date | null; endsAt: Date | null }): MeetingNotice => ({
  id: m.id,
  meetingId: m.id,
  studentId: m.studentId,
  tutorId: m.tutorId,
  startsAt: m.startsAt!,
  endsAt: m.endsAt!,
});

/** What is due: the tutor's calendar invitation, the student's reminder, the request for the outcome. */
export async function dueMeetingNotices(db: Database, now: Date, options: { reminderHours?: number } = {}): Promise<DueMeetingNotices> {
  const reminderHours = options.reminderHours ?? 24;
  const find = (where: object) =>
    db.prisma.meeting.findMany({ where: { state: "booked", ...where }, orderBy: [{ startsAt: "asc" }, { id: "asc" }], select: noticeSelect });
  const [tutorInvitations, reminders, outcomeRequests] = await Promise.all([
    find({ tutorNotifiedAt: null }),
    find({ reminderSentAt: null, startsAt: { gt: now, lte: new Date(now.getTime() + reminderHours * HOUR_MS) } }),
    find({ outcomeRequestedAt: null, endsAt: { lt: now } }),
  ]);
  return { tutorInvitations: tutorInvitations.map(asNotice), reminders: reminders.map(asNotice), outcomeRequests: outcomeRequests.map(asNotice) };
}

/** Marks a notice sent; true only for the one caller that marked it (the others must not send). */
export async function markNotified(db: Database, meetingId: number, field: NoticeField, now: Date): Promise<boolean> {
  const { count } = await db.prisma.meeting.updateMany({ where: { id: meetingId, [field]: null }, data: { [field]: now } });
  return count === 1;
}

/**
 * The reminder to the student before their meeting, on the channels they prefer, approved by the
 * system as part of the booking they made. Once per meeting: a second call returns the first.
 */
export async function queueStudentReminder(db: Database, meetingId: number, now = new Date()): Promise<{ interventionId: number; created: boolean }> {
  const meeting = await db.prisma.meeting.findUnique({
    where: { id: meetingId },
    include: {
      student: { select: { givenName: true, preferredName: true, channelOrder: true, preferredChannel: true } },
      tutor: { select: { displayName: true, timezone: true } },
    },
  });
  if (!meeting) throw new MeetingError(`meeting ${meetingId} does not exist`, { kind: "not_found" });
  if (meeting.state !== "booked")
    throw new MeetingError(`meeting ${meetingId} is ${meeting.state}: only a booked meeting has a reminder`, { kind: "conflict" });
  const dedupeKey = `meeting:${meetingId}:reminder`;
  const existing = await db.prisma.intervention.findUnique({ where: { dedupeKey }, select: { id: true } });
  if (existing) return { interventionId: existing.id, created: false };

  const { tutor } = meeting;
  const slot = { start: meeting.startsAt!, end: meeting.endsAt! };
  const when = whenLabel(slot.start, now, tutor.timezone);
  const place = placeOf(meeting);
  const values = { tutor: tutor.displayName, when, place, slot: slotLabel(slot, tutor.timezone), student: firstName(meeting.student) };
  const sms = [say("reminder_sms", values), say("reminder_sms_shorter", values)].find((text) => smsSegmentsOf(text).segments <= MAX_SMS_SEGMENTS);
  const texts: RenderedTexts = {
    teams: say("reminder_teams", values),
    ...(sms ? { sms } : {}),
    email: { subject: say("reminder_email_subject", values), body: say("reminder_email", values) },
  };
  const order = channelOrderFor(meeting.student, ALL_CHANNELS, texts, ALL_CHANNELS);
  const data: TemplateData = { texts, evidence: [], flagIds: [], meetingId };
  try {
    return await db.prisma.$transaction(async (tx) => {
      const { id } = await createProposed(
        tx,
        {
          studentId: meeting.studentId,
          kind: "reply",
          channelOrder: order,
          subject: texts.email!.subject,
          body: bodyOf(texts, order),
          templateData: data as object,
          proposedBy: "student",
          dedupeKey,
        },
        SYSTEM,
        { meetingId, reminder: true },
      );
      await transition(tx, {
        interventionId: id,
        to: "approved",
        actor: SYSTEM,
        changes: { approvedAt: now },
        details: { policy: "the reminder of a meeting the student booked", meetingId },
      });
      await queueApproved(tx, id, SYSTEM, now);
      return { interventionId: id, created: true };
    });
  } catch (error) {
    // Another instance queued it meanwhile: the dedupe key holds it to one.
    if ((error as { code?: unknown } | null)?.code !== "P2002") throw error;
    const first = await db.prisma.intervention.findUniqueOrThrow({ where: { dedupeKey }, select: { id: true } });
    return { interventionId: first.id, created: false };
  }
}
