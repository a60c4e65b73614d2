/** Invitations to talk: slots from office hours, booking, calendar invitations, reminders and outcomes. */
export {
  inviteToTalk,
  chooseSlot,
  answerSlotReply,
  slotChoiceOf,
  recordOutcome,
  dueMeetingNotices,
  markNotified,
  queueStudentReminder,
  bookInTutorCalendar,
  storedSlots,
  type CalendarBooking,
  type InviteRequest,
  type InviteResult,
  type SlotChoiceRequest,
  type SlotChoiceResult,
  type OutcomeName,
  type OutcomeRequest,
  type OutcomeResult,
  type MeetingNotice,
  type DueMeetingNotices,
  type NoticeField,
} from "./meetings.ts";
export { MeetingError, proposeSlots, parseOfficeHours, slotLabel, shortSlotLabel, type Slot, type SlotOptions, type OfficeHoursWindow } from "./slots.ts";
export { meetingCalendar, type MeetingCalendar, type CalendarMethod } from "./calendar-invite.ts";
export { calendarBusy, type TutorCalendar, type TutorCalendarEvent, type CalendarBusyResult } from "./tutor-calendar.ts";
export { studentTeamsCard, invitationCardData, bookedCardData, outcomeCardData } from "./cards.ts";
export { sendMeetingNotices, meetingJobs } from "./jobs.ts";
export { outcomeAndCard, chooseSlotCard, cardOfOwnMessage } from "./cards.ts";

import { cardOfOwnMessage, chooseSlotCard, outcomeAndCard } from "./cards.ts";
import { inviteToTalk, recordOutcome } from "./meetings.ts";
import { meetingJobs, sendMeetingNotices } from "./jobs.ts";

/** What the edges may ask of meetings (app/ binds the database). */
export const useCases = { outcomeAndCard, chooseSlotCard, cardOfOwnMessage, inviteToTalk, recordOutcome, sendMeetingNotices, jobs: meetingJobs };
