/**
 * `nudge student export <student-number> [--out FILE] --as STAFF`: subject access (POLICY P7).
 * JSON to stdout, or to FILE with a readable HTML copy beside it (FILE with .html).
 * `nudge student rectify <student-number> --field F --value V --as STAFF`: correct one field.
 * `nudge student erase <student-number> --as STAFF`: erase the student's personal data (POLICY P9).
 * `nudge student restrict <student-number> [--lift] --as STAFF`: restriction of processing (POLICY P7).
 * `nudge student consent <student-number> --purpose P --state S --as STAFF`: record consent given,
 * refused or withdrawn on the student's behalf (a form, a conversation), with its source.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { checkConsent, checkRectification, CONSENT_PURPOSES, CONSENT_STATES, exportHtml, RECTIFIABLE_FIELDS } from "../privacy/index.ts";
import { withApp } from "./cli-database.ts";
import { print, type JsonOption } from "./cli-output.ts";

const shown = (value: string | null) => (value === null ? "(empty)" : JSON.stringify(value));
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function registerStudentCommand(program: Command): void {
  const student = program.command("student").description("one student's data, for data-protection duties");
  student
    .command("export")
    .description("everything held about a student, as JSON (nudge-subject-access/1) and a readable HTML summary")
    .argument("<student-number>")
    .option("--out <file.json>", "write the JSON here and the HTML beside it (default: JSON on stdout)")
    .requiredOption("--as <staff-number>", "who is exporting (needs the right to export: admins handling the request); audited")
    .action(async (studentNumber: string, options: { out?: string; as: string }) => {
      await withApp(async (app) => {
        const data = await app.privacy.exportFor(studentNumber, options.as);
        const json = `${JSON.stringify(data, null, 2)}\n`;
        if (!options.out) {
          process.stdout.write(json);
          return;
        }
        const html = options.out.replace(/(\.json)?$/i, ".html");
        writeFileSync(options.out, json);
        writeFileSync(html, exportHtml(data));
        const rows = Object.values(data.sections).reduce((n, r) => n + r.length, 0);
        process.stdout.write(`${studentNumber}: ${rows} rows in ${Object.keys(data.sections).length} sections written to ${options.out} and ${html}\n`);
      });
    });

  student
    .command("restrict")
    .description("restrict processing of a student's data (nothing is evaluated or sent) while a request is handled, or --lift it; audited")
    .argument("<student-number>")
    .requiredOption("--as <staff-number>", "who is doing it (needs the right to rectify: admins handling requests); audited")
    .option("--lift", "lift the restriction")
    .option("--note <note>", "why, kept with the record")
    .option("--json", "print one JSON object")
    .action(async (studentNumber: string, options: JsonOption & { as: string; lift?: boolean; note?: string }) => {
      const result = await withApp((app) => app.privacy.restrictFor(studentNumber, options.as, !options.lift, options.note));
      const state = result.restricted ? "restricted" : "no longer restricted";
      print(options, result, [
        result.changed
          ? `${studentNumber}: processing ${state}${result.restricted ? `; ${count(result.flagsClosed, "open flag")} closed, ${count(result.interventionsCancelled, "unsent message")} cancelled (recorded as DR-${result.dataRequestId})` : ""}`
          : `${studentNumber}: already ${state}; nothing changed`,
      ]);
    });

  student
    .command("consent")
    .description("record a student's consent, refusal or withdrawal for one purpose, on their behalf; audited")
    .argument("<student-number>")
    .requiredOption("--purpose <purpose>", CONSENT_PURPOSES.join(", "))
    .requiredOption("--state <state>", CONSENT_STATES.join(", "))
    .requiredOption("--as <staff-number>", "who is recording it (needs the right to record consent: admins); audited")
    .option("--source <source>", "where the choice was made, e.g. form, email, conversation", "admin")
    .option("--note <note>", "kept with the record")
    .option("--json", "print one JSON object")
    .action(async (studentNumber: string, options: JsonOption & { purpose: string; state: string; as: string; source: string; note?: string }) => {
      // Checked before anything is read.
      checkConsent(options.purpose, options.state);
      const result = await withApp((app) =>
        app.privacy.consentFor(studentNumber, options.as, { purpose: options.purpose, state: options.state, source: options.source, note: options.note }),
      );
      const stopped =
        result.flagsClosed || result.interventionsCancelled
          ? `; ${count(result.flagsClosed, "open flag")} closed, ${count(result.interventionsCancelled, "unsent message")} cancelled`
          : "";
      print(options, result, [`${studentNumber}: ${result.purpose} consent ${result.state} (was ${result.previous ?? "not recorded"})${stopped}`]);
    });

  student
    .command("rectify")
    .description("correct one field of a student's record; the old and new values are audited")
    .argument("<student-number>")
    .requiredOption("--field <name>", `the field: ${RECTIFIABLE_FIELDS.join(", ")}`)
    .requiredOption("--value <value>", 'the corrected value ("" removes a preferred name, email or mobile)')
    .requiredOption("--as <staff-number>", "who is correcting it (needs the right to rectify: admins handling the request); audited")
    .option("--json", "print one JSON object")
    .action(async (studentNumber: string, options: JsonOption & { field: string; value: string; as: string }) => {
      // The field and value are checked before anything is read.
      checkRectification(options.field, options.value);
      const result = await withApp((app) => app.privacy.rectifyFor({ studentNumber, field: options.field, value: options.value }, options.as));
      print(options, result, [
        result.changed
          ? `${studentNumber}: ${result.field} changed from ${shown(result.oldValue)} to ${shown(result.newValue)} (recorded as DR-${result.dataRequestId})`
          : `${studentNumber}: ${result.field} is already ${shown(result.newValue)}; nothing changed`,
      ]);
    });

  student
    .command("erase")
    .description("erase a student's personal data (names, contact details, engagement data, message and reply texts), keeping anonymised counts; audited")
    .argument("<student-number>")
    .requiredOption("--as <staff-number>", "who is erasing it (needs the right to erase: admins handling the request); audited")
    .option("--json", "print one JSON object")
    .action(async (studentNumber: string, options: JsonOption & { as: string }) => {
      const result = await withApp((app) => app.privacy.eraseFor(studentNumber, options.as));
      const deleted = Object.values(result.deleted).reduce((n, c) => n + c, 0);
      print(
        options,
        result,
        result.alreadyErased
          ? [`${studentNumber}: already erased on ${result.erasedAt.toISOString().slice(0, 10)} (now ${result.erasedNumber}); nothing changed`]
          : [
              `${studentNumber}: erased; the record is now ${result.erasedNumber} (recorded as DR-${result.dataRequestId})`,
              `  ${count(deleted, "row")} deleted; ${count(result.interventionsCancelled, "intervention")} and ${count(result.deliveriesCancelled, "delivery", "deliveries")} cancelled; ${count(result.flagsClosed, "flag")} closed`,
              `  ${count(result.statistics, "anonymised count")} kept`,
            ],
      );
    });
}
