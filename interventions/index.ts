/** Interventions: lifecycle, approval policy (POLICY P2), proposals from flags, replies. */
export { TRANSITIONS, IllegalTransition, canTransition, transition, createProposed, type InterventionActor } from "./lifecycle.ts";
export { DEFAULT_POLICY, APPROVABLE_KINDS, ApprovalPolicyError, loadApprovalPolicy, parseApprovalPolicy, type ApprovalPolicy, type ApprovableKind } from "./approval-policy.ts";
export { proposeFromFlags, type ProposeReport, type ProposeSettings, type TemplateData } from "./propose.ts";
export { approveIntervention, rejectIntervention, DecisionRejected, type ApproveRequest } from "./approve.ts";
export { checkBeforeSend, quietHoursEnd, type DeliveryRules, type SendDecision } from "./send-checks.ts";
export { explainEvidence, fullName, messageValues, SOURCE_WORDS } from "./message-values.ts";
export { tutorDigest, studentsForDigest, markRepliesSeen, evidenceLine, TREND_WEEKS, type DigestEntry, type DigestOptions, type TutorDigestPage } from "./digest.ts";
export { dismissFlags, snoozeFlags, referStudent, TutorActionError, VERDICTS, type Verdict } from "./tutor-actions.ts";
export { personalTutorName } from "./tutors.ts";
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
export { queueDataCopy, completeAccessRequest, deliverDataCopies, openAccessRequest, DataCopyError, SUBJECT_ACCESS_DELIVERIES, type SubjectAccessDelivery, type DataCopyFigures } from "./data-copy.ts";
