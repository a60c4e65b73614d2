/**
 * Card data read from the database: what a student's Teams message or a meeting card shows. The
 * outbox (a student's nudge or invitation) and the bot (after a button) share these, so a card
 * sent proactively and the same card updated after a click can never disagree.
 */
import { fullName, personalTutorName } from "../interventions/index.ts";
import { storedSlots } from "./meetings.ts";
import { dateLabel, slotLabel, timeLabel } from "./slots.ts";
import type { Database } from "../prisma/index.ts";
import type { InvitationCardData, MeetingBookedCardData, NudgeCardData, OutcomeCardData } from "../adaptive-cards/index.ts";
import { MEETING_OUTCOMES } from "../adaptive-cards/index.ts";
import { invitationCard, nudgeCard, outcomeCard, type AdaptiveCard } from "../adaptive-cards/index.ts";
import { chooseSlot, recordOutcome, type OutcomeName } from "./meetings.ts";

const label = (start: Date, end: Date, timezone: string) => slotLabel({ start, end }, timezone);

/** The card a student's Teams message is sent as, or null for plain text (answers to them). */
export async function studentTeamsCard(
  db: Database,
  intervention: { id: number; studentId: number; kind: string; templateData: unknown },
  text: string,
  now = new Date(),
): Promise<AdaptiveCard | null> {
  if (intervention.kind === "reply") return null;
  const meetingId = (intervention.templateData as { meetingId?: unknown } | null)?.meetingId;
  // An approved escalation is an offer of times too.
  if ((intervention.kind === "invitation_to_talk" || intervention.kind === "escalation") && typeof meetingId === "number") {
    return invitationCard(await invitationCardData(db, meetingId, now));
  }
  const data: NudgeCardData = { interventionId: intervention.id, text, tutorName: await personalTutorName(db, intervention.studentId, now), moduleUrl: null };
  return nudgeCard(data);
}

export async function invitationCardData(db: Database, meetingId: number, now = new Date()): Promise<InvitationCardData> {
  const meeting = await db.prisma.meeting.findUniqueOrThrow({
    where: { id: meetingId },
    select: {
      state: true,
      proposedSlots: true,
      startsAt: true,
      endsAt: true,
      location: true,
      onlineMeetingUrl: true,
      tutor: { select: { displayName: true, timezone: true } },
      intervention: { select: { body: true, templateData: true } },
    },
  });
  const texts = (meeting.intervention.templateData as { texts?: { teams?: string } } | null)?.texts;
  const slots = storedSlots(meeting.proposedSlots);
  const data: InvitationCardData = {
    meetingId,
    text: texts?.teams ?? meeting.intervention.body,
    tutorName: meeting.tutor.displayName,
    slots: slots.map((s, i) => ({ choice: i + 1, label: slotLabel(s, meeting.tutor.timezone) })),
    booked: null,
    closed: null,
  };
  if (meeting.state !== "proposed" && meeting.startsAt && meeting.endsAt) {
    data.booked = {
      label: label(meeting.startsAt, meeting.endsAt, meeting.tutor.timezone),
      location: meeting.location,
      onlineMeetingUrl: meeting.onlineMeetingUrl,
    };
  } else if (meeting.state === "cancelled") {
    data.closed = 'This invitation was withdrawn. Reply "I need help" if you\'d still like a chat.';
  } else if (slots.every((s) => s.start <= now)) {
    data.closed = 'These times have passed. Reply "I need help" and your tutor will suggest new ones.';
  }
  return data;
}

export async function bookedCardData(db: Database, meetingId: number, audience: "student" | "tutor"): Promise<MeetingBookedCardData> {
  const meeting = await db.prisma.meeting.findUniqueOrThrow({
    where: { id: meetingId },
    select: {
      startsAt: true,
      endsAt: true,
      location: true,
      onlineMeetingUrl: true,
      graphEventId: true,
      tutor: { select: { displayName: true, timezone: true, email: true } },
      student: { select: { givenName: true, familyName: true, preferredName: true, studentNumber: true, email: true } },
    },
  });
  const s = meeting.student;
  const email = audience === "student" ? s.email : meeting.tutor.email;
  // Booked through Microsoft Graph, the tutor organises the event: it is in their calendar, no invitation comes.
  const inTutorCalendar = audience === "tutor" && meeting.graphEventId !== null;
  return {
    audience,
    meetingId,
    withWhom: audience === "student" ? meeting.tutor.displayName : `${fullName(s)} (${s.studentNumber})`,
    when: meeting.startsAt && meeting.endsAt ? label(meeting.startsAt, meeting.endsAt, meeting.tutor.timezone) : "to be arranged",
    location: meeting.location,
    onlineMeetingUrl: meeting.onlineMeetingUrl,
    calendarNote: inTutorCalendar
      ? `It's in your calendar${meeting.onlineMeetingUrl ? ", with the Teams link" : ""}.`
      : email
        ? "A calendar invitation is on its way to you by email."
        : null,
  };
}

export async function outcomeCardData(db: Database, meetingId: number): Promise<OutcomeCardData> {
  const meeting = await db.prisma.meeting.findUniqueOrThrow({
    where: { id: meetingId },
    select: {
      startsAt: true,
      endsAt: true,
      outcome: true,
      outcomeNote: true,
      outcomeRecordedAt: true,
      outcomeRecordedById: true,
      tutor: { select: { timezone: true } },
      student: { select: { givenName: true, familyName: true, preferredName: true, studentNumber: true } },
    },
  });
  const s = meeting.student;
  const by = meeting.outcomeRecordedById
    ? await db.prisma.staff.findUnique({ where: { id: meeting.outcomeRecordedById }, select: { displayName: true } })
    : null;
  return {
    meetingId,
    studentName: fullName(s) || s.studentNumber,
    studentNumber: s.studentNumber,
    when: meeting.startsAt && meeting.endsAt ? label(meeting.startsAt, meeting.endsAt, meeting.tutor.timezone) : "not booked",
    recorded:
      meeting.outcome && meeting.outcomeRecordedAt
        ? {
            outcome: MEETING_OUTCOMES.find((o) => o.value === meeting.outcome)?.label ?? meeting.outcome,
            by: by?.displayName ?? "a member of staff",
            at: `${timeLabel(meeting.outcomeRecordedAt, meeting.tutor.timezone)} on ${dateLabel(meeting.outcomeRecordedAt, meeting.tutor.timezone)}`,
            note: meeting.outcomeNote,
          }
        : null,
  };
}

/** The tutor's answer to "how did the meeting go?": recorded, and the card as it now stands. */
export async function outcomeAndCard(db: Database, request: { meetingId: number; staffNumber: string; outcome: string; note?: string }): Promise<AdaptiveCard> {
  await recordOutcome(db, { meetingId: request.meetingId, staffNumber: request.staffNumber, outcome: request.outcome as OutcomeName, note: request.note });
  return outcomeCard(await outcomeCardData(db, request.meetingId));
}

/** A student's choice of slot on an invitation card: the card as booked, or why not. */
export async function chooseSlotCard(db: Database, request: { studentId: number; meetingId: number; choice: number }): Promise<AdaptiveCard | string> {
  const chosen = await chooseSlot(db, { studentId: request.studentId, meetingId: request.meetingId, choice: request.choice, channel: "teams" });
  if (!chosen.booked) return chosen.answer;
  return invitationCard(await invitationCardData(db, chosen.meetingId));
}

/** The card a student's own message was sent as, if the id is one of their own messages. */
export async function cardOfOwnMessage(db: Database, studentId: number, interventionId: number): Promise<AdaptiveCard | null> {
  if (!Number.isSafeInteger(interventionId)) return null;
  const intervention = await db.prisma.intervention.findUnique({
    where: { id: interventionId },
    select: { id: true, studentId: true, kind: true, templateData: true, body: true },
  });
  if (!intervention || intervention.studentId !== studentId) return null;
  const text = (intervention.templateData as { texts?: { teams?: string } } | null)?.texts?.teams ?? intervention.body;
  return studentTeamsCard(db, intervention, text);
}
