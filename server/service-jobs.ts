/**
 * Every job the service schedules, in one list that the service and `nudge jobs` share: each
 * module defines its jobs; here they get the settings they need from the configuration.
 */
import type { ChannelName } from "../core/index.ts";
import type { App } from "../app/index.ts";
import type { ChannelSender, StaffSenders } from "../delivery/index.ts";
import { tutorCalendarOf } from "../integrations/index.ts";
import { loadApprovalPolicy } from "../interventions/index.ts";
import { newOwnerId, type ScheduledJob } from "../jobs/index.ts";
import type { TutorCalendar } from "../meetings/index.ts";
import type { Config } from "./config.ts";
import { conversationSettings, referralSettings } from "./privacy-routes.ts";

export interface ServiceJobDeps {
  /** The channel senders, made on first use (the service passes its bot's; the CLI builds its own). */
  senders: () => ReadonlyMap<ChannelName, ChannelSender>;
  /** Senders for the staff outbox (alerts, notices, digests), made on first use like the senders. */
  staffSenders?: () => StaffSenders;
  /** Tutors' calendars; default: Microsoft Graph when the configuration has it (the service shares its bot's). */
  calendar?: TutorCalendar;
}

export function serviceJobs(nudge: App, config: Config, deps: ServiceJobDeps): ScheduledJob[] {
  const policy = loadApprovalPolicy(config.approvalPolicyFile);
  return [
    ...nudge.ingest.jobs({
      dropFolder: config.dropFolder,
      timezone: config.timezone,
      xapiRetentionDays: config.xapi.retentionDays,
      xapiVerbMap: config.xapi.verbMap,
    }),
    ...nudge.interventions.jobs({ schedule: config.rulesSchedule, timezone: config.timezone, policy, channels: config.channels }),
    ...nudge.delivery.jobs({
      schedule: config.delivery.outboxSchedule,
      senders: deps.senders,
      staffSenders: deps.staffSenders,
      dispatch: { owner: newOwnerId(), rules: config.delivery, maxAttempts: config.delivery.maxAttempts },
      afterDispatch: () => nudge.digest.markSentDigestsSeen(),
    }),
    ...nudge.privacy.jobs({ ...config.retention, timezone: config.timezone, subjectAccessDelivery: config.subjectAccessDelivery }),
    ...nudge.digest.jobs({
      schedule: config.tutors.digestSchedule,
      links: config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl, secret: config.linkSecret } : undefined,
    }),
    ...nudge.meetings.jobs({
      schedule: config.tutors.meetingNoticesSchedule,
      reminderHours: config.tutors.reminderHours,
      calendar: deps.calendar ?? tutorCalendarOf(config.graph),
    }),
    ...nudge.safeguarding.jobs({ schedule: config.safeguarding.schedule, settings: conversationSettings(config).safeguarding }),
    ...nudge.referrals.jobs({ schedule: config.referrals.remindSchedule, settings: referralSettings(config) }),
  ];
}
