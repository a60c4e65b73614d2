/**
 * A scheduler in a process of its own, for the two-instance test: it runs the job "tick" against
 * DATABASE_URL and appends "<slot> <pid>" to TICKS_FILE for each run. Its clock is the test: each
 * line "fire <ISO time>" on stdin is a slot of the job, answered "fired <ISO time>" once this
 * process has done with it. It says "ready" once scheduling, and on SIGTERM lets a run in progress
 * finish, then exits 0.
 */
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "../../core/index.ts";
import { createJobStore } from "../../jobs/index.ts";
import { openDatabase } from "../../prisma/index.ts";
import { startScheduler, type SlotTimer } from "../../scheduler/index.ts";

const ticksFile = process.env.TICKS_FILE!;
const db = await openDatabase(process.env.DATABASE_URL!);
let fire: ((slot: Date) => Promise<void>) | undefined;
const timer: SlotTimer = (_job, _timezone, onSlot) => {
  fire = onSlot;
  return { stop: () => void (fire = undefined) };
};
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
  { store: createJobStore(db), timezone: "Europe/London", logger: createLogger("warn", process.stderr), leaseTtlMs: 5000, timer },
);
process.stdout.write(`ready ${scheduler.owner}\n`);

createInterface({ input: process.stdin }).on("line", (line) => {
  const slot = /^fire (\S+)$/.exec(line.trim())?.[1];
  if (!slot || !fire) return;
  void fire(new Date(slot)).then(() => process.stdout.write(`fired ${slot}\n`));
});

process.once("SIGTERM", () => {
  void scheduler
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
