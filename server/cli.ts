/**
 * `nudge` command line. Every command has --help; those that report take --json and then print
 * exactly one JSON object on stdout. Exit codes (core/errors.ts): 0 done; 1 refused, failed, or
 * the configuration is wrong; 2 the command asked for something wrong, missing or no longer possible.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { exitCodeFor, isNudgeError, NudgeError } from "../core/index.ts";
import { registerIngestCommand } from "./cli-ingest.ts";
import { registerJobsCommand } from "./cli-jobs.ts";
import { registerRulesCommand } from "./cli-rules.ts";
import { registerStaffCommand } from "./cli-staff.ts";
import { registerAuditCommand } from "./cli-audit.ts";
import { registerStudentCommand } from "./cli-student.ts";
import { registerOutboxCommand } from "./cli-outbox.ts";
import { registerInterventionsCommand } from "./cli-interventions.ts";
import { registerRetentionCommand } from "./cli-retention.ts";
import { registerRequestsCommand } from "./cli-requests.ts";
import { registerRepliesCommand } from "./cli-replies.ts";
import { registerAskCommand } from "./cli-ask.ts";
import { registerReportCommand } from "./cli-report.ts";
import { withApp } from "./cli-database.ts";
import { print, type JsonOption } from "./cli-output.ts";
import { loadConfig } from "./config.ts";

class ProductionRefusal extends NudgeError {
  static override kind = "refused" as const;
  static override code = "production_refused";
}

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}`);
    return n;
  };
}

function isoDate(value: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError("must be a date as YYYY-MM-DD");
  }
  return new Date(`${value}T00:00:00Z`);
}

function yesterdayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
}

export function buildProgram(): Command {
  const program = new Command("nudge")
    .description("Nudge: student-engagement interventions. Settings come from the environment and .env (see docs/operators/configuration.md).")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  const db = program.command("db").description("database schema: migrate and inspect");

  db.command("migrate")
    .description("create the database if needed and apply pending migrations (SQLite or PostgreSQL, from DATABASE_URL)")
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption) => {
      const result = await withApp(
        async (app) => {
          const applied = await app.operations.migrate();
          const status = await app.operations.migrationStatus();
          return { database: app.databaseKind, applied, schemaVersion: status.schemaVersion };
        },
        { migrate: false },
      );
      print(options, result, [
        `${result.database}: ${result.applied.length ? `applied ${result.applied.join(", ")}` : "already up to date"}`,
        `schema version: ${result.schemaVersion}`,
      ]);
    });

  db.command("status")
    .description("show applied and pending migrations; exits 1 when the database is not up to date")
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption) => {
      const result = await withApp(async (app) => ({ database: app.databaseKind, ...(await app.operations.migrationStatus()) }), { migrate: false });
      const upToDate = result.pending.length === 0 && result.modified.length === 0;
      print(options, { ...result, upToDate }, [
        `${result.database}: schema version ${result.schemaVersion ?? "(none)"}`,
        `applied: ${result.applied.length}, pending: ${result.pending.length ? result.pending.join(", ") : "none"}`,
        ...(result.modified.length ? [`changed after applying: ${result.modified.join(", ")}`] : []),
        ...(result.unknown.length ? [`in the database but not in this version: ${result.unknown.join(", ")}`] : []),
        upToDate ? "up to date" : "not up to date: run `npx nudge db migrate`",
      ]);
      if (!upToDate) process.exitCode = 1;
    });

  registerIngestCommand(program);
  registerJobsCommand(program);
  registerRulesCommand(program);
  registerStaffCommand(program);
  registerAuditCommand(program);
  registerStudentCommand(program);
  registerOutboxCommand(program);
  registerInterventionsCommand(program);
  registerRetentionCommand(program);
  registerRequestsCommand(program);
  registerRepliesCommand(program);
  registerAskCommand(program);
  registerReportCommand(program);

  const demo = program.command("demo").description("synthetic data for demos, tests and benchmarks");
  demo
    .command("seed")
    .description("write a realistic synthetic cohort: staff, tutor groups, programmes, modules, enrolments and daily engagement")
    .addOption(new Option("--students <n>", "number of students").argParser(positiveInt("--students", 1_000_000)).makeOptionMandatory())
    .addOption(new Option("--days <d>", "days of engagement data").argParser(positiveInt("--days", 730)).makeOptionMandatory())
    .addOption(new Option("--seed <s>", "random seed: the same seed gives the same data").argParser(positiveInt("--seed", 2 ** 31 - 1)).default(1))
    .addOption(new Option("--end <date>", "last day of data, YYYY-MM-DD (default: yesterday)").argParser(isoDate))
    .option("--reset", "delete existing data first (the database must otherwise hold no students)")
    .option(
      "--effect <RULE=DELTA>",
      "import and run the starter rule RULE over the last six weeks, record the nudge sent to each nudged student, and give them DELTA more VLE active days in the 14 days after (see nudge rules effect, nudge report effectiveness)",
    )
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption & { students: number; days: number; seed: number; end?: Date; reset?: boolean; effect?: string }) => {
      // Synthetic people, and --reset deletes the audit log with everything else: never in production.
      if (loadConfig().isProduction) throw new ProductionRefusal("demo seed is refused when NODE_ENV=production");
      const started = performance.now();
      const effect = options.effect ? (await import("../demo/index.ts")).parseEffect(options.effect) : undefined;
      const endDate = options.end ?? yesterdayUtc();
      const { counts, effected } = await withApp(async (app) => {
        const counts = await app.demo.seed({ students: options.students, days: options.days, seed: options.seed, endDate, reset: options.reset ?? false });
        const endDay = Math.floor(endDate.getTime() / 86_400_000);
        const effected = effect ? await app.demo.effect({ ...effect, seed: options.seed, endDay }) : undefined;
        return { counts, effected };
      });
      const seconds = Math.round((performance.now() - started) / 10) / 100;
      print(options, { ...counts, effect: effected, seconds }, [
        ...(effected
          ? [
              `effect: ${effected.rule} ran ${effected.days.from}..${effected.days.to}; ${effected.nudged} students nudged, ${effected.heldOut} held out; ${effected.activeDaysAdded} VLE active days added after nudges (${effected.delta} per nudged student)`,
            ]
          : []),
        `seeded ${counts.students} students over ${counts.startDate}..${counts.endDate} in ${seconds}s`,
        `  staff ${counts.staff}, programmes ${counts.programmes}, modules ${counts.modules}, tutor groups ${counts.tutorGroups}`,
        `  engagement rows ${counts.engagementDays}, attendance ${counts.attendance}, submissions ${counts.submissions}`,
        `  profiles: ${Object.entries(counts.profiles)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`,
        `  fingerprint ${counts.fingerprint}`,
      ]);
    });

  return program;
}

function fail(message: string, code: number, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  process.stderr.write(`nudge: ${message}\n`);
  process.exitCode = code;
}

export async function runCli(argv: string[]): Promise<void> {
  const json = argv.includes("--json");
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; commander has already printed its message.
      if (error.exitCode !== 0) process.exitCode = 2;
      return;
    }
    // Errors meant for the person carry a message written for them; anything else is a bug.
    if (isNudgeError(error)) return fail(error.message, exitCodeFor(error), json);
    fail(`unexpected error: ${(error as Error).message}`, 1, json);
  }
}

await runCli(process.argv.slice(2));
