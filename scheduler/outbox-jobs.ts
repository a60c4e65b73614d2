/** The outbox's scheduled job: send what is due, on every instance's schedule, claims keeping them apart. */
import { type ChannelName } from "../core/index.ts";
import { dispatchDue, type DispatchSettings } from "../delivery/index.ts";
import type { ChannelSender } from "../delivery/index.ts";
import type { StaffSenders } from "../delivery/index.ts";
import type { Database } from "../prisma/index.ts";
import type { JobFigures, ScheduledJob } from "./jobs.ts";

export function outboxJobs(db: Database, settings: { schedule: string; dispatch: DispatchSettings; senders: () => ReadonlyMap<ChannelName, ChannelSender>; staffSenders?: () => StaffSenders }): ScheduledJob[] {
  return [
    {
      name: "outbox-dispatch",
      description: "send the messages that are due: staff alerts first, then students' (send-time checks, retries, fallback to the next channel)",
      schedule: settings.schedule,
      // A missed slot needs no catch-up: the next pass sends everything still due.
      catchUp: false,
      async run(): Promise<JobFigures> {
        const started = Date.now();
        const figures = await dispatchDue(db, settings.senders(), { ...settings.dispatch, ...(settings.staffSenders ? { staff: settings.staffSenders() } : {}) });
        return { ...figures, durationMs: Date.now() - started };
      },
    },
  ];
}
