/**
 * Every job the service schedules, in one list that the service and `nudge jobs` share: each
 * module's jobs are added here, with the settings they need from the configuration.
 */
import { type ChannelName } from "../core/index.ts";
import type { ChannelSender } from "../delivery/index.ts";
import { loadApprovalPolicy } from "../interventions/index.ts";
import type { Database } from "../prisma/index.ts";
import type { Config } from "../server/config.ts";
import { ingestJobs } from "./ingest-jobs.ts";
import { rulesJobs } from "./rules-jobs.ts";
import { outboxJobs } from "./outbox-jobs.ts";
import { privacyJobs } from "./privacy-jobs.ts";
import { tutorJobs } from "./tutor-jobs.ts";
import type { StaffNotifier } from "../delivery/index.ts";
import { tutorCalendarOf } from "../integrations/index.ts";
import type { TutorCalendar } from "../meetings/index.ts";
import { newOwnerId } from "./leases.ts";
import { safeguardingJobs } from "./safeguarding-jobs.ts";
import type { StaffSenders } from "../delivery/index.ts";
import { conversationSettings } from "../server/privacy-routes.ts";
import type { ScheduledJob } from "./jobs.ts";

export interface ServiceJobDeps {
  /** The channel senders, made on first use (the service passes its bot's; the CLI builds its own). */
  senders: () => ReadonlyMap<ChannelName, ChannelSender>;
  /** Messages to staff (digest cards, meeting notices), made on first use like the senders. */
  staff: () => StaffNotifier;
  /** Senders for the staff outbox (safeguarding alerts, students' requests). */
  staffSenders?: () => StaffSenders;
  /** Tutors' calendars; default: Microsoft Graph when the configuration has it (the service shares its bot's). */
  calendar?: TutorCalendar;
}

export function serviceJobs(db: Database, config: Config, deps: ServiceJobDeps): ScheduledJob[] {
  const policy = loadApprovalPolicy(config.approvalPolicyFile);
  const senders = deps.senders;
  return [
    ...ingestJobs(db, { dropFolder: config.dropFolder, timezone: config.timezone, xapiRetentionDays: config.xapi.retentionDays }),
    ...rulesJobs(db, { schedule: config.rulesSchedule, timezone: config.timezone, policy, channels: config.channels }),
    ...outboxJobs(db, {
      schedule: config.delivery.outboxSchedule,
      senders,
      staffSenders: deps.staffSenders,
      dispatch: { owner: newOwnerId(), rules: config.delivery, maxAttempts: config.delivery.maxAttempts },
    }),
    ...privacyJobs(db, { ...config.retention, timezone: config.timezone, subjectAccessDelivery: config.subjectAccessDelivery }),
    ...tutorJobs(db, { ...config.tutors, staff: deps.staff, calendar: deps.calendar ?? tutorCalendarOf(config.graph) }),
    ...safeguardingJobs(db, { schedule: config.safeguarding.schedule, settings: conversationSettings(config).safeguarding }),
  ];
}
