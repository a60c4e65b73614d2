/** The outbox's scheduled job: send what is due, on every instance's schedule, claims keeping them apart. */
import type { ChannelName } from "../core/index.ts";
import type { JobFigures, ScheduledJob } from "../jobs/index.ts";
import type { Database } from "../prisma/index.ts";
import { dispatchDue, type DispatchSettings } from "./outbox.ts";
import type { ChannelSender } from "./ports.ts";
import type { StaffSenders } from "./staff-outbox.ts";

export interface OutboxJobSettings {
  schedule: string;
  dispatch: DispatchSettings;
  senders: () => ReadonlyMap<ChannelName, ChannelSender>;
  staffSenders?: () => StaffSenders;
  /** What follows a pass (the digest marks the replies of sent digests seen). */
  afterDispatch?: () => Promise<unknown>;
}

export function outboxJobs(db: Database, settings: OutboxJobSettings): ScheduledJob[] {
  return [
    {
      name: "outbox-dispatch",
      description: "send the messages that are due: staff alerts first, then students' (send-time checks, retries, fallback to the next channel)",
      schedule: settings.schedule,
      // A missed slot needs no catch-up: the next pass sends everything still due.
      catchUp: false,
      async run(): Promise<JobFigures> {
        const started = Date.now();
        const figures = await dispatchDue(db, settings.senders(), {
          ...settings.dispatch,
          ...(settings.staffSenders ? { staff: settings.staffSenders() } : {}),
        });
        await settings.afterDispatch?.();
        return { ...figures, durationMs: Date.now() - started };
      },
    },
  ];
}
