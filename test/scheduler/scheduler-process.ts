/**
 * A scheduler in a process of its own, for the two-instance test: it runs the job "tick" every
 * second against DATABASE_URL and appends "<slot> <pid>" to TICKS_FILE for each run. It says
 * "ready" once scheduling, and on SIGTERM lets a run in progress finish, then exits 0.
 */
import { createJobStore } from "../../jobs/index.ts";
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { openDatabase } from "../../prisma/index.ts";
import { startScheduler } from "../../scheduler/index.ts";
import { createLogger } from "../../core/index.ts";

const ticksFile = process.env.TICKS_FILE!;
const db = await openDatabase(process.env.DATABASE_URL!);
const scheduler = startScheduler(
  [
    {
      name: "tick",
      description: "every second (two-instance test)",
      schedule: "* * * * * *",
      catchUp: false,
      async run({ scheduledFor }) {
        appendFileSync(ticksFile, `${scheduledFor.toISOString()} ${process.pid}\n`);
        // Holding the lease a while makes the other instance meet it, not just the run record.
        await sleep(300);
        return { pid: process.pid };
      },
    },
  ],
  { store: createJobStore(db), timezone: "Europe/London", logger: createLogger("warn", process.stderr), leaseTtlMs: 5000 },
);
process.stdout.write(`ready ${scheduler.owner}\n`);

process.once("SIGTERM", () => {
  void scheduler
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
