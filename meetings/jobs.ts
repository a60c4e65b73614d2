/**
 * Booked meetings' notices for the tutor, every few minutes, through the staff outbox: the
 * calendar invitation once a student books (the event in their calendar when Microsoft Graph is
 * configured, otherwise a card in Teams and an .ics by email), a reminder before (the student's
 * goes too), and the outcome question after. Each notice is claimed before it is queued, so it
 * goes out once.
 */
import { meetingBookedCard, outcomeCard } from "../adaptive-cards/index.ts";
import type { JobFigures, ScheduledJob } from "../jobs/index.ts";
import { PRIORITY, queueStaffNotice } from "../notices/index.ts";
import type { Database } from "../prisma/index.ts";
import { meetingCalendar } from "./calendar-invite.ts";
import { bookedCardData, outcomeCardData } from "./cards.ts";
import { bookInTutorCalendar, dueMeetingNotices, markNotified, queueStudentReminder } from "./meetings.ts";
import type { TutorCalendar } from "./tutor-calendar.ts";

export function meetingJobs(db: Database, settings: { schedule: string; reminderHours: number; calendar?: TutorCalendar }): ScheduledJob[] {
  return [
    {
      name: "meeting-notices",
      description: "tutors' calendar invitations for booked meetings, reminders before, the outcome question after",
      schedule: settings.schedule,
      catchUp: false,
      run: () => sendMeetingNotices(db, settings.reminderHours, new Date(), settings.calendar),
    },
  ];
}

export async function sendMeetingNotices(db: Database, reminderHours: number, now: Date, calendar?: TutorCalendar): Promise<JobFigures> {
  const due = await dueMeetingNotices(db, now, { reminderHours });
  const figures = { invitations: 0, calendarEvents: 0, calendarFallbacks: 0, reminders: 0, outcomeQuestions: 0 };
  const notice = { kind: "meeting_notice" as const, priority: PRIORITY.soon, dueAt: now };
  for (const meeting of due.tutorInvitations) {
    if (!(await markNotified(db, meeting.id, "tutorNotifiedAt", now))) continue;
    // Claimed first, so the event is made once; a calendar that fails falls back to the .ics emails.
    const booking = await bookInTutorCalendar(db, meeting.id, calendar, now);
    if (booking.via === "none") continue;
    if (booking.via === "calendar") figures.calendarEvents++;
    else if (booking.reason) figures.calendarFallbacks++;
    const data = await bookedCardData(db, meeting.id, "tutor");
    const text = `${data.withWhom} booked a chat with you: ${data.when}.${data.location ? ` Where: ${data.location}.` : ""}`;
    const subject = `Chat booked: ${data.withWhom}, ${data.when}`;
    const ics = booking.via === "ics" ? await meetingCalendar(db, meeting.id, "REQUEST") : null;
    await db.prisma.$transaction(async (tx) => {
      // The card in Teams; by email instead when Teams cannot reach them.
      await queueStaffNotice(
        tx,
        { staffId: meeting.tutorId },
        { ...notice, studentId: meeting.studentId, subject, text, card: meetingBookedCard(data), route: ics ? "teams" : "teams-then-email" },
      );
      // The event is already in the tutor's calendar when Graph made it (they organise it): an .ics would add it twice.
      if (ics)
        await queueStaffNotice(
          tx,
          { staffId: meeting.tutorId },
          {
            ...notice,
            studentId: meeting.studentId,
            subject,
            text,
            calendar: { method: ics.method, filename: ics.filename, content: ics.content },
            route: "email",
          },
        );
    });
    figures.invitations++;
  }
  for (const meeting of due.reminders) {
    if (!(await markNotified(db, meeting.id, "reminderSentAt", now))) continue;
    await queueStudentReminder(db, meeting.id, now);
    const data = await bookedCardData(db, meeting.id, "tutor");
    const text = `Reminder: your chat with ${data.withWhom} is ${data.when}.`;
    await db.prisma.$transaction((tx) =>
      queueStaffNotice(tx, { staffId: meeting.tutorId }, { ...notice, studentId: meeting.studentId, subject: text, text, route: "teams-then-email" }),
    );
    figures.reminders++;
  }
  for (const meeting of due.outcomeRequests) {
    if (!(await markNotified(db, meeting.id, "outcomeRequestedAt", now))) continue;
    const data = await outcomeCardData(db, meeting.id);
    const text = `How did your chat with ${data.studentName} (${data.studentNumber}) go? Record the outcome on the card in Teams (say "help" to Nudge there), so the flags that led to it can close.`;
    await db.prisma.$transaction((tx) =>
      queueStaffNotice(
        tx,
        { staffId: meeting.tutorId },
        {
          ...notice,
          studentId: meeting.studentId,
          subject: `How did the chat with ${data.studentName} go?`,
          text,
          card: outcomeCard(data),
          route: "teams-then-email",
        },
      ),
    );
    figures.outcomeQuestions++;
  }
  return figures;
}
