/** The privacy module's scheduled job: retention of students' data after their enrolment ends (POLICY P9). */
import type { Database } from "../prisma/index.ts";
import { deliverDataCopies, type SubjectAccessDelivery } from "./subject-access.ts";
import { runRetention, type RetentionSettings } from "./retention.ts";
import type { JobFigures, ScheduledJob } from "../jobs/index.ts";

export function privacyJobs(db: Database, settings: RetentionSettings & { schedule: string; subjectAccessDelivery: SubjectAccessDelivery }): ScheduledJob[] {
  return [
    {
      name: "retention",
      description: "remove contact details once enrolment has ended, anonymise after NUDGE_RETENTION_ANONYMISE_DAYS, keep aggregate counts",
      schedule: settings.schedule,
      catchUp: true,
      async run({ scheduledFor }): Promise<JobFigures> {
        // As of the slot: a late catch-up does what the missed run would have, and a repeat finds nothing left.
        const { dryRun: _dryRun, ...figures } = await runRetention(db, settings, { asOf: scheduledFor });
        return figures;
      },
    },
    {
      name: "subject-access",
      description: "complete requests for a copy of one's data once the email has gone; with NUDGE_SUBJECT_ACCESS_DELIVERY=email, send new ones",
      schedule: "15 * * * *",
      catchUp: false,
      run: async () => ({ ...(await deliverDataCopies(db, settings.subjectAccessDelivery)) }),
    },
  ];
}
