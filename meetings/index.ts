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
  offersTimes,
  MEETING_OUTCOME_WORDS,
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
export { approveSuggestion, type SuggestionApproved, type SuggestionOptions } from "./approve-suggestion.ts";
export { DEFAULT_DELIVERY_RULES, heldInWords } from "./first-send.ts";
export { setOffice, officeOf, type OfficeChange, type OfficeDetails } from "./office.ts";

import { cardOfOwnMessage, chooseSlotCard, outcomeAndCard } from "./cards.ts";
import { inviteToTalk, recordOutcome } from "./meetings.ts";
import { meetingJobs, sendMeetingNotices } from "./jobs.ts";
import { approveSuggestion } from "./approve-suggestion.ts";
import { officeOf, setOffice } from "./office.ts";

/** What the edges may ask of meetings (app/ binds the database). */
export const useCases = {
  outcomeAndCard,
  chooseSlotCard,
  cardOfOwnMessage,
  inviteToTalk,
  approveSuggestion,
  recordOutcome,
  sendMeetingNotices,
  setOffice,
  officeOf,
  jobs: meetingJobs,
};
