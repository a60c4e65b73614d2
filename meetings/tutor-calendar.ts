/**
 * The tutor's own calendar, where the institution lets the service read and write it (Microsoft
 * Graph, `channels/graph-calendar.ts`): busy times keep the slots offered clear of the tutor's
 * other commitments, and a booked meeting becomes an event there, with an online meeting link and
 * the calendar's own invitation to the student. The domain is handed an implementation; without
 * one, office hours and the .ics emails do the same job.
 */
import type { Slot } from "./slots.ts";

/** A booked meeting as an event in the tutor's calendar, organised by the tutor. */
export interface TutorCalendarEvent {
  tutorEmail: string;
  /** Invited as a required attendee; null: the event is the tutor's alone. */
  studentEmail: string | null;
  studentName: string;
  subject: string;
  start: Date;
  end: Date;
  /** Plain text. */
  body: string;
  /** The same on a repeated request, so a calendar that supports it creates the event once. */
  transactionId?: string;
}

export interface TutorCalendar {
  /** Times the tutor is busy (or tentatively so, or away) between `from` and `to`. */
  busy(tutor: { email: string }, from: Date, to: Date): Promise<Slot[]>;
  /** Creates the event and sends its invitations; `joinUrl` is null when no online meeting came with it. */
  book(event: TutorCalendarEvent): Promise<{ eventId: string; joinUrl: string | null }>;
  /** Withdraws the event, telling its attendees. */
  cancel(tutor: { email: string }, eventId: string): Promise<void>;
}

/** What was learnt from the tutor's calendar for an invitation: said in the invitation's audit entry. */
export type CalendarBusyResult = { source: "calendar"; busy: Slot[] } | { source: "office hours only"; busy: Slot[]; reason: string };

/**
 * The tutor's busy times from their calendar. Never throws: an invitation from office hours alone
 * is still a good invitation, so a calendar that fails (or a tutor without an address) only costs
 * the extra check, and the reason is kept for the audit entry.
 */
export async function calendarBusy(calendar: TutorCalendar, tutorEmail: string | null, from: Date, to: Date): Promise<CalendarBusyResult> {
  if (!tutorEmail) return { source: "office hours only", busy: [], reason: "the tutor has no email address to look up their calendar" };
  try {
    return { source: "calendar", busy: await calendar.busy({ email: tutorEmail }, from, to) };
  } catch (error) {
    return { source: "office hours only", busy: [], reason: `the tutor's calendar could not be read: ${(error as Error).message}` };
  }
}
