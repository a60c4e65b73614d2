/**
 * The calendar invitation (iCalendar, RFC 5545) for a booked meeting: one event for the student
 * and the tutor alike, organised by the tutor, both attending with RSVP. The email sender attaches
 * it when an intervention's template data names a meeting's calendar (`calendar` in TemplateData).
 */
import { createEvent, type Attendee, type EventAttributes } from "ics";
import type { Database } from "../prisma/index.ts";
import { firstName, fullName } from "../interventions/index.ts";
import { MeetingError } from "./slots.ts";

export type CalendarMethod = "REQUEST" | "CANCEL";

export interface MeetingCalendar {
  /** "meeting-12.ics" */
  filename: string;
  /** The iCalendar text (CRLF line ends). */
  content: string;
  method: CalendarMethod;
}

const PRODUCT_ID = "-//Nudge//Meetings//EN";

/** The .ics for a meeting that has a booked time: REQUEST to invite, CANCEL to withdraw it. */
export async function meetingCalendar(db: Database, meetingId: number, method: CalendarMethod): Promise<MeetingCalendar> {
  const meeting = await db.prisma.meeting.findUnique({
    where: { id: meetingId },
    include: {
      student: { select: { givenName: true, familyName: true, preferredName: true, email: true } },
      tutor: { select: { displayName: true, email: true } },
    },
  });
  if (!meeting) throw new MeetingError(`meeting ${meetingId} does not exist`, { kind: "not_found" });
  if (!meeting.startsAt || !meeting.endsAt || !meeting.icsUid)
    throw new MeetingError(`meeting ${meetingId} has no booked time: there is nothing to put in a calendar`);

  const { student, tutor } = meeting;
  const attendees: Attendee[] = (
    [
      { name: fullName(student) || "Student", email: student.email ?? undefined, rsvp: true, partstat: "NEEDS-ACTION", role: "REQ-PARTICIPANT" },
      { name: tutor.displayName, email: tutor.email ?? undefined, rsvp: true, partstat: "NEEDS-ACTION", role: "REQ-PARTICIPANT" },
    ] satisfies Attendee[]
  ).filter((a) => a.email);
  // The tutor's office, else the Teams meeting's link (LOCATION is what calendars show as "where").
  const where = meeting.location ?? meeting.onlineMeetingUrl ?? undefined;
  const event: EventAttributes = {
    productId: PRODUCT_ID,
    method,
    uid: meeting.icsUid,
    // A cancellation must carry a higher sequence than the invitation it withdraws.
    sequence: method === "CANCEL" ? 1 : 0,
    status: method === "CANCEL" ? "CANCELLED" : "CONFIRMED",
    start: meeting.startsAt.getTime(),
    startInputType: "utc",
    startOutputType: "utc",
    end: meeting.endsAt.getTime(),
    endInputType: "utc",
    endOutputType: "utc",
    title: `Chat: ${firstName(student)} and ${tutor.displayName}`,
    description: `A short chat between ${firstName(student)} and ${tutor.displayName}, arranged through Nudge.${meeting.onlineMeetingUrl ? ` Join online: ${meeting.onlineMeetingUrl}` : ""}`,
    ...(where ? { location: where } : {}),
    ...(meeting.onlineMeetingUrl ? { url: meeting.onlineMeetingUrl } : {}),
    organizer: { name: tutor.displayName, ...(tutor.email ? { email: tutor.email } : {}) },
    attendees,
    busyStatus: "BUSY",
  };
  const { error, value } = createEvent(event);
  if (error || !value) throw new Error(`meeting ${meetingId}: the calendar invitation could not be built: ${error?.message ?? "no output"}`);
  return { filename: method === "CANCEL" ? `meeting-${meetingId}-cancelled.ics` : `meeting-${meetingId}.ics`, content: value, method };
}
