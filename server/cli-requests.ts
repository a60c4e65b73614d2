/**
 * `nudge requests`: students' data-protection requests (POLICY P7) for the staff who handle them.
 *   list                       open requests, oldest due first, overdue marked
 *   fulfil DR-12 --send        email the student a copy of their data (through the outbox)
 *   fulfil DR-12 --out F.json  write the copy (JSON and HTML) to hand over another way; completes it
 */
import { writeFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import { DataCopyError, exportHtml } from "../privacy/index.ts";
import { withApp } from "./cli-database.ts";
import { print, type JsonOption } from "./cli-output.ts";

/** "DR-12" as the student was told it, or just 12. */
function requestArgument(value: string): number {
  const match = /^(?:DR-)?(\d+)$/i.exec(value.trim());
  if (!match || !Number.isSafeInteger(Number(match[1])) || Number(match[1]) < 1)
    throw new InvalidArgumentError(`'${value}' must be a request reference such as DR-12`);
  return Number(match[1]);
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export function registerRequestsCommand(program: Command): void {
  const requests = program.command("requests").description("students' data-protection requests: list them, send or hand over a copy of a student's data");

  requests
    .command("list")
    .description("open requests (received or in progress), the oldest due first; overdue ones are marked")
    .requiredOption("--as <staff>", "your staff number (needs the right to read the audit log: admins handling requests)")
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption & { as: string }) => {
      const result = { requests: await withApp((app) => app.privacy.openRequests(options.as)) };
      print(
        options,
        result,
        result.requests.length
          ? result.requests.map(
              (r) =>
                `${r.reference} ${r.kind} for ${r.student ?? "(erased)"}, ${r.state}, due ${day(r.dueBy)}${r.overdue ? " OVERDUE" : ""}${r.note ? ` (${r.note})` : ""}`,
            )
          : ["no open requests"],
      );
    });

  requests
    .command("fulfil")
    .description("answer a request for a copy of one's data: --send emails it to the student, --out writes it for you to hand over")
    .argument("<reference>", "the request, e.g. DR-12", requestArgument)
    .requiredOption("--as <staff>", "your staff number (needs the right to export: admins handling requests); audited")
    .option("--send", "email the copy to the student's address on record (built when sent)")
    .option("--out <file.json>", "write the copy here and a readable HTML beside it; the request is then complete")
    .option("--json", "print one JSON object")
    .action(async (id: number, options: JsonOption & { as: string; send?: boolean; out?: string }) => {
      if (Boolean(options.send) === Boolean(options.out))
        throw new DataCopyError("say how the copy reaches the student: --send (email) or --out FILE (you hand it over)");
      const result = await withApp(async (app) => {
        if (options.send) {
          const { interventionId, studentNumber } = await app.privacy.sendDataCopy(id, options.as);
          return {
            reference: `DR-${id}`,
            sent: "email",
            interventionId,
            lines: [`DR-${id}: the copy is queued for ${studentNumber} by email (intervention ${interventionId}); the request completes once it has gone`],
          };
        }
        const html = options.out!.replace(/(\.json)?$/i, ".html");
        await app.privacy.handOverDataCopy(id, options.as, (data) => {
          writeFileSync(options.out!, `${JSON.stringify(data, null, 2)}\n`);
          writeFileSync(html, exportHtml(data));
        });
        return {
          reference: `DR-${id}`,
          written: [options.out!, html],
          lines: [`DR-${id}: the copy is in ${options.out} and ${html}; the request is complete`],
        };
      });
      const { lines, ...json } = result;
      print(options, json, lines);
    });
}
