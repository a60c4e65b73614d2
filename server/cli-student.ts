/**
 * `nudge student export <student-number> [--out FILE] --as STAFF`: subject access (POLICY P7).
 * JSON to stdout, or to FILE with a readable HTML copy beside it (FILE with .html).
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { authorise, exportHtml, exportStudent, ExportError } from "../privacy/index.ts";
import { withDatabase } from "./cli-database.ts";

export function registerStudentCommand(program: Command): void {
  const student = program.command("student").description("one student's data, for data-protection duties");
  student
    .command("export")
    .description("everything held about a student, as JSON (nudge-subject-access/1) and a readable HTML summary")
    .argument("<student-number>")
    .option("--out <file.json>", "write the JSON here and the HTML beside it (default: JSON on stdout)")
    .requiredOption("--as <staff-number>", "who is exporting (needs the right to export: admins handling the request); audited")
    .action(async (studentNumber: string, options: { out?: string; as: string }) => {
      await withDatabase(async (db) => {
        const target = await db.prisma.student.findUnique({ where: { studentNumber }, select: { id: true } });
        if (!target) throw new ExportError(`no student ${studentNumber}`);
        const staff = await authorise(db, options.as, "student.export", { studentId: target.id });
        const data = await exportStudent(db, studentNumber, { kind: "staff", staffNumber: staff.staffNumber });
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
}
