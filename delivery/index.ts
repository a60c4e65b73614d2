/**
 * Delivery: the outbox, the only way out. Students' messages pass the send-time checks; staff
 * messages go first, in their own lane. Channel adapters implement the port in ports.ts.
 */
export { dispatchDue, dispatchOnce, claimDue, newDispatcherId, recordBounces, retryDelayMs, type DispatchSettings, type DispatchFigures } from "./outbox.ts";
export { dispatchStaffMessages, type StaffSenders, type StaffDispatchSettings, type StaffDispatchFigures } from "./staff-outbox.ts";
export {
  ChannelFailure,
  PROVIDER_TIMEOUT_MS,
  type ChannelSender,
  type StaffEmailSender,
  type OutboundMessage,
  type SendResult,
  type FailureKind,
  type CalendarAttachment,
} from "./ports.ts";
export { parseRetryAfter } from "./retry.ts";
export { applySmsStatus, type SmsStatusUpdate, type SmsStatusOutcome } from "./sms-status.ts";
export { outboxJobs, type OutboxJobSettings } from "./jobs.ts";
export { outboxStatus, type OutboxStatus } from "./status.ts";

import { dispatchDue, recordBounces } from "./outbox.ts";
import { applySmsStatus } from "./sms-status.ts";
import { outboxStatus } from "./status.ts";
import { outboxJobs } from "./jobs.ts";

/** What the edges may ask of delivery (app/ binds the database). */
export const useCases = { dispatchDue, recordBounces, applySmsStatus, outboxStatus, jobs: outboxJobs };
