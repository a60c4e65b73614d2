/**
 * Every job the service schedules, in one list that the service and `nudge jobs` share: each
 * module defines its jobs; here they get the settings they need from the configuration.
 */
import type { ChannelName } from "../core/index.ts";
import { outboxJobs, type ChannelSender, type StaffSenders } from "../delivery/index.ts";
import { digestJobs, markSentDigestsSeen } from "../digest/index.ts";
import { ingestJobs } from "../ingest/index.ts";
import { tutorCalendarOf } from "../integrations/index.ts";
import { loadApprovalPolicy, rulesJobs } from "../interventions/index.ts";
import { newOwnerId, type ScheduledJob } from "../jobs/index.ts";
import { meetingJobs, type TutorCalendar } from "../meetings/index.ts";
import type { Database } from "../prisma/index.ts";
import { privacyJobs } from "../privacy/index.ts";
import { safeguardingJobs } from "../safeguarding/index.ts";
import type { Config } from "./config.ts";
import { conversationSettings } from "./privacy-routes.ts";

export interface ServiceJobDeps {
  /** The channel senders, made on first use (the service passes its bot's; the CLI builds its own). */
  senders: () => ReadonlyMap<ChannelName, ChannelSender>;
  /** Senders for the staff outbox (alerts, notices, digests), made on first use like the senders. */
  staffSenders?: () => StaffSenders;
  /** Tutors' calendars; default: Microsoft Graph when the configuration has it (the service shares its bot's). */
  calendar?: TutorCalendar;
}

export function serviceJobs(db: Database, config: Config, deps: ServiceJobDeps): ScheduledJob[] {
  const policy = loadApprovalPolicy(config.approvalPolicyFile);
  return [
    ...ingestJobs(db, { dropFolder: config.dropFolder, timezone: config.timezone, xapiRetentionDays: config.xapi.retentionDays }),
    ...rulesJobs(db, { schedule: config.rulesSchedule, timezone: config.timezone, policy, channels: config.channels }),
    ...outboxJobs(db, {
      schedule: config.delivery.outboxSchedule,
      senders: deps.senders,
      staffSenders: deps.staffSenders,
      dispatch: { owner: newOwnerId(), rules: config.delivery, maxAttempts: config.delivery.maxAttempts },
      afterDispatch: () => markSentDigestsSeen(db),
    }),
    ...privacyJobs(db, { ...config.retention, timezone: config.timezone, subjectAccessDelivery: config.subjectAccessDelivery }),
    ...digestJobs(db, { schedule: config.tutors.digestSchedule }),
    ...meetingJobs(db, { schedule: config.tutors.meetingNoticesSchedule, reminderHours: config.tutors.reminderHours, calendar: deps.calendar ?? tutorCalendarOf(config.graph) }),
    ...safeguardingJobs(db, { schedule: config.safeguarding.schedule, settings: conversationSettings(config).safeguarding }),
  ];
}
