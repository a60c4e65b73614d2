/**
 * Personal tutors' scheduled jobs: the daily digest card (only to a tutor with something new), and
 * the meeting notices: the tutor's calendar invitation once a student books (the event in their
 * calendar when Microsoft Graph is configured), reminders before, and the outcome question after.
 * Each notice is claimed before it is sent, so it goes out once.
 */
import { bookedCardData, outcomeCardData } from "../meetings/index.ts";
import { composeDigest, digestStudents } from "../digest/index.ts";
import { meetingBookedCard, outcomeCard } from "../adaptive-cards/index.ts";
import type { StaffNotifier } from "../delivery/index.ts";
import { bookInTutorCalendar, dueMeetingNotices, markNotified, meetingCalendar, queueStudentReminder, type TutorCalendar } from "../meetings/index.ts";
import { markRepliesSeen } from "../digest/index.ts";
import type { Database } from "../prisma/index.ts";
import type { JobFigures, ScheduledJob } from "./jobs.ts";

export interface TutorJobSettings {
  digestSchedule: string;
  meetingNoticesSchedule: string;
  reminderHours: number;
  staff: () => StaffNotifier;
  /** Tutors' calendars (Microsoft Graph) when configured: booked meetings become events there. */
  calendar?: TutorCalendar;
}

export function tutorJobs(db: Database, settings: TutorJobSettings): ScheduledJob[] {
  return [
    {
      name: "tutor-digest",
      description: "send each personal tutor with something new their digest card in Teams",
      schedule: settings.digestSchedule,
      catchUp: true,
      run: ({ scheduledFor }) => sendDigests(db, settings.staff(), scheduledFor),
    },
    {
      name: "meeting-notices",
      description: "tutors' calendar invitations for booked meetings, reminders before, the outcome question after",
      schedule: settings.meetingNoticesSchedule,
      catchUp: false,
      run: () => sendMeetingNotices(db, settings.staff(), settings.reminderHours, new Date(), settings.calendar),
    },
  ];
}

export async function sendDigests(db: Database, staff: StaffNotifier, now: Date): Promise<JobFigures> {
  const tutors = await db.prisma.staff.findMany({
    where: { active: true, roles: { some: { role: "personal_tutor" } } },
    select: { id: true, staffNumber: true, conversationReference: { select: { teamsUserId: true, unavailableAt: true } } },
    orderBy: { id: "asc" },
  });
  const figures = { tutors: tutors.length, sent: 0, nothingNew: 0, noTeams: 0, failed: 0 };
  for (const tutor of tutors) {
    const found = await digestStudents(db, tutor.staffNumber, now);
    if (found.newIds.size === 0) {
      figures.nothingNew++;
      continue;
    }
    const conversation = tutor.conversationReference;
    if (!conversation || conversation.unavailableAt) {
      figures.noTeams++;
      continue;
    }
    const digest = await composeDigest(db, tutor.staffNumber, "schedule", [conversation.teamsUserId], now, found);
    if (!digest) continue;
    try {
      const posted = await staff.teams(tutor.id, { card: digest.card });
      if (!posted) throw new Error("no Teams conversation");
      await db.prisma.tutorDigest.update({ where: { id: digest.digestId }, data: { conversationId: posted.conversationId, activityId: posted.activityId } });
      await markRepliesSeen(db, digest.shownReplyIds, now);
      figures.sent++;
    } catch {
      // Not sent, so it must not count as seen: the next run offers the same items again.
      await db.prisma.tutorDigest.delete({ where: { id: digest.digestId } });
      figures.failed++;
    }
  }
  return figures;
}

export async function sendMeetingNotices(db: Database, staff: StaffNotifier, reminderHours: number, now: Date, calendar?: TutorCalendar): Promise<JobFigures> {
  const due = await dueMeetingNotices(db, now, { reminderHours });
  const figures = { invitations: 0, calendarEvents: 0, calendarFallbacks: 0, reminders: 0, outcomeQuestions: 0 };
  for (const meeting of due.tutorInvitations) {
    if (!(await markNotified(db, meeting.id, "tutorNotifiedAt", now))) continue;
    // Claimed first, so the event is made once; a calendar that fails falls back to the .ics emails.
    const booking = await bookInTutorCalendar(db, meeting.id, calendar, now);
    if (booking.via === "none") continue;
    if (booking.via === "calendar") figures.calendarEvents++;
    else if (booking.reason) figures.calendarFallbacks++;
    const data = await bookedCardData(db, meeting.id, "tutor");
    await staff.teams(meeting.tutorId, { card: meetingBookedCard(data) });
    // The event is already in the tutor's calendar (they organise it): an .ics would add it twice.
    if (booking.via === "ics") {
      await staff.email(meeting.tutorId, { subject: `Chat booked: ${data.withWhom}, ${data.when}`, text: `${data.withWhom} booked a chat with you: ${data.when}.${data.location ? ` Where: ${data.location}.` : ""}`, calendar: await meetingCalendar(db, meeting.id, "REQUEST") });
    }
    figures.invitations++;
  }
  for (const meeting of due.reminders) {
    if (!(await markNotified(db, meeting.id, "reminderSentAt", now))) continue;
    await queueStudentReminder(db, meeting.id, now);
    const data = await bookedCardData(db, meeting.id, "tutor");
    await staff.teams(meeting.tutorId, { text: `Reminder: your chat with ${data.withWhom} is ${data.when}.` });
    figures.reminders++;
  }
  for (const meeting of due.outcomeRequests) {
    if (!(await markNotified(db, meeting.id, "outcomeRequestedAt", now))) continue;
    await staff.teams(meeting.tutorId, { card: outcomeCard(await outcomeCardData(db, meeting.id)) });
    figures.outcomeQuestions++;
  }
  return figures;
}
