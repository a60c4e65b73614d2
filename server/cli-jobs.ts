/**
 * `nudge jobs list [--json]` and `nudge jobs run <job> [--json]`: the service's scheduled jobs,
 * their next and last runs, and a run now through the same lease and run record as the scheduler.
 */
import type { Command } from "commander";
import { DEFAULT_LEASE_TTL_MS, jobStatuses, runJob, type JobStatus, type RunOutcome } from "../scheduler/index.ts";
import { newOwnerId, type JobRunRecord, type Lease } from "../jobs/index.ts";
import { serviceJobs } from "./service-jobs.ts";
import { withApp } from "./cli-database.ts";
import { print, type JsonOption } from "./cli-output.ts";
import { createLogger } from "../core/index.ts";

/** "2026-12-01 03:15" (seconds when there are any) in the institution's timezone. */
function localTime(date: Date, timezone: string): string {
  const text = new Intl.DateTimeFormat("sv-SE", { timeZone: timezone, dateStyle: "short", timeStyle: "medium" }).format(date);
  return text.endsWith(":00") ? text.slice(0, -3) : text;
}

/** In name order: PostgreSQL's jsonb does not keep the order the job wrote them in. */
function figuresText(figures: Record<string, unknown>): string {
  return Object.entries(figures)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key} ${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join(", ");
}

function runText(run: JobRunRecord, timezone: string): string {
  const ms = run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null;
  const seconds = ms === null ? "" : ms < 1000 ? ` in ${ms} ms` : ` in ${Math.round(ms / 100) / 10} s`;
  const figures = figuresText(run.figures);
  return [
    `${localTime(run.scheduledFor, timezone)}${run.trigger ? ` (${run.trigger.replace("_", "-")})` : ""}: ${run.status}${seconds}`,
    run.error ? `: ${run.error}` : figures ? `: ${figures}` : "",
  ].join("");
}

function leaseText(lease: Lease, timezone: string): string {
  return `held by ${lease.owner} until ${localTime(lease.leaseUntil, timezone)}`;
}

function statusLines(job: JobStatus): string[] {
  return [
    `${job.name}: ${job.description}`,
    `  schedule  ${job.schedule} (${job.timezone})${job.catchUp ? ", a missed run is caught up at start" : ""}`,
    `  next run  ${job.nextRun ? localTime(job.nextRun, job.timezone) : "none"}`,
    `  last run  ${job.lastRun ? runText(job.lastRun, job.timezone) : "never"}`,
    ...(job.lease ? [`  lease     ${leaseText(job.lease, job.timezone)}`] : []),
  ];
}

function outcomeLines(job: string, result: RunOutcome, timezone: string): string[] {
  if (result.outcome === "ran") return [`${job}: ${runText(result.run, timezone)}`];
  if (result.outcome === "busy")
    return [`${job}: not run: another instance is running it${result.lease ? ` (lease ${leaseText(result.lease, timezone)})` : ""}`];
  return [`${job}: not run: this slot already has a run`];
}

export function registerJobsCommand(program: Command): void {
  const jobs = program.command("jobs").description("scheduled jobs: list them with their last and next runs, or run one now");

  jobs
    .command("list")
    .description("every scheduled job: schedule, next run, last run with its status and figures, and the lease if an instance holds it")
    .option("--json", "print one JSON object: timezone, jobs")
    .action(async (options: JsonOption) => {
      const result = await withApp(async (app, config) => {
        const { lazyChannelSenders } = await import("./channel-senders.ts");
        const senders = lazyChannelSenders(config, createLogger("silent"));
        return {
          timezone: config.timezone,
          jobs: await jobStatuses(app.jobs.store(), serviceJobs(app, config, { senders: senders.get, staffSenders: senders.staffSenders }), config.timezone),
        };
      });
      print(
        options,
        result,
        result.jobs.length
          ? result.jobs
              .map((job) => statusLines(job).join("\n"))
              .join("\n\n")
              .split("\n")
          : ["no scheduled jobs"],
      );
    });

  jobs
    .command("run")
    .description("run a job now, as a manual run: it takes the job's lease and is recorded like a scheduled run")
    .argument("<job>", "the job's name (see `nudge jobs list`)")
    .option("--json", "print one JSON object: job, outcome, run or lease")
    .addHelpText("after", "\nExit status: 0 the job succeeded (or skipped), 1 it failed or another instance is running it, 2 no such job.")
    .action(async (name: string, options: JsonOption) => {
      await withApp(async (app, config) => {
        // Loaded here only: the senders bring the Teams, Twilio and SMTP libraries.
        const { lazyChannelSenders } = await import("./channel-senders.ts");
        const senders = lazyChannelSenders(config, createLogger(config.logLevel));
        const all = serviceJobs(app, config, { senders: senders.get, staffSenders: senders.staffSenders });
        const job = all.find((j) => j.name === name);
        if (!job) {
          const known = all.map((j) => j.name);
          const message = `no job named '${name}'; the jobs are: ${known.join(", ")}`;
          if (options.json) process.stdout.write(`${JSON.stringify({ error: message, jobs: known })}\n`);
          process.stderr.write(`nudge: ${message}\n`);
          process.exitCode = 2;
          return;
        }
        const settings = { owner: newOwnerId(), leaseTtlMs: DEFAULT_LEASE_TTL_MS, logger: createLogger("silent") };
        const result = await runJob(app.jobs.store(), job, { scheduledFor: new Date(), trigger: "manual" }, settings).finally(() => senders.close());
        print(options, { job: job.name, ...result }, outcomeLines(job.name, result, config.timezone));
        if (result.outcome !== "ran" || result.run.status === "failed") process.exitCode = 1;
      });
    });
}
