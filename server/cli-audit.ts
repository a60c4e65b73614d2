/** `nudge audit --student S | --actor A [--since DATE] [--limit N] --as STAFF [--json]`: the audit log, newest first. */
import { DAY_MS } from "../core/index.ts";
import { type Command, InvalidArgumentError, Option } from "commander";
import { withApp } from "./cli-database.ts";
import { dayOption } from "./cli-options.ts";

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError("must be a whole number from 1 to 10000");
  return n;
}

export function registerAuditCommand(program: Command): void {
  program
    .command("audit")
    .description("read the audit log: everything done with a student's data, or everything one person did (newest first)")
    .option("--student <student-number>", "entries about this student")
    .option("--actor <id>", "entries by this staff number, student number or system component (e.g. rules)")
    .addOption(new Option("--since <date>", "from this day (YYYY-MM-DD)").argParser((value) => new Date(dayOption(value) * DAY_MS)))
    .addOption(new Option("--limit <n>", "at most this many entries").argParser(limit).default(100))
    .addOption(new Option("--as <staff-number>", "who is reading (needs the admin role); the reading is audited too").makeOptionMandatory())
    .option("--json", "print one JSON object")
    .action(async (options: { student?: string; actor?: string; since?: Date; limit: number; as: string; json?: boolean }) => {
      await withApp(async (app) => {
        const trail = await app.privacy.auditTrailFor(options, options.as);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(trail)}\n`);
          return;
        }
        const lines = trail.entries.map(
          (e) =>
            `${e.at.toISOString().slice(0, 19).replace("T", " ")}  ${e.actorKind} ${e.actorId}  ${e.action}${e.target ? `  ${e.target}` : ""}${e.details ? `  ${JSON.stringify(e.details)}` : ""}`,
        );
        if (trail.more) lines.push(`… more: narrow with --since or raise --limit (${options.limit})`);
        process.stdout.write(`${lines.length ? lines.join("\n") : "no entries"}\n`);
      });
    });
}
