/**
 * Subject access and portability (POLICY P7): everything held about one student, as JSON in a
 * documented shape (`nudge-subject-access/1`) and as a readable HTML summary. One section per
 * table that holds the student's data, named after the table; `test/privacy/export.test.ts` finds
 * those tables from the schema, so a new table without a section here fails the suite.
 *
 * This is the student's own copy: special-category fields and outcomes are included (they are
 * the student's data); staff appear by name and role only. The export itself is audited.
 */
import { NudgeError } from "../core/index.ts";
import escapeHtml from "escape-html";
import type { Database } from "../prisma/index.ts";
import { writeAudit, type AuditActor } from "../audit/index.ts";

export const EXPORT_FORMAT = "nudge-subject-access/1";

export type Row = Record<string, unknown>;

export interface SubjectAccessExport {
  format: typeof EXPORT_FORMAT;
  exportedAt: string;
  studentNumber: string;
  /** What each section is, in words (the same for every export). */
  about: Record<string, string>;
  /** Table name → the student's rows in it. */
  sections: Record<string, Row[]>;
}

export class ExportError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "export_invalid";
}

export const SECTIONS: Record<string, string> = {
  Student: "Your record: names, contact details, Teams identity, channel preferences and opt-outs, enrolment status; special-category fields only if held.",
  ProgrammeEnrolment: "The courses you are or were enrolled on, with year of study and dates.",
  ModuleEnrolment: "The modules you take or took; final results where recorded (never used to flag anyone).",
  TutorAssignment: "Who supports you: your personal tutor and others, with dates.",
  ExtenuatingCircumstance: "Periods when extenuating circumstances applied (only the dates are kept, never the reason).",
  EngagementDaily: "Daily totals of engagement per source (VLE, attendance, library, submissions) and module: what the rules read.",
  Attendance: "Your attendance at timetabled sessions.",
  Submission: "Your assessment submissions, with status and marks where recorded.",
  ActivityStatement: "VLE activity statements received about you (the raw statement is kept for a limited time only).",
  Flag: "Times a rule flagged you, with the evidence: the metrics, data sources and their dates.",
  RuleFeedback: "What staff said about flags raised about you (useful, not useful, wrong data).",
  Intervention: "Messages and other support proposed or sent to you, and who approved them.",
  Delivery: "Each attempt to deliver a message to you, per channel.",
  Reply: "Your replies, with what Nudge understood each to mean.",
  SafeguardingConcern: "Times a message of yours suggested you might be at risk or going through a hard time, who was told and who responded.",
  StaffMessage: "Messages to staff about you: alerts and notices about your messages, and requests you made.",
  ReferralCase: "Times a member of staff passed your details to a team (a referral or an escalation): their note, who took it on and when, and how it ended.",
  Meeting: "Invitations to talk and meetings, with their outcome.",
  ConversationReference: "The Teams conversation the service uses to message you.",
  Consent: "Your consent choices over time.",
  DataRequest: "Your data-protection requests (access, rectification, erasure, restriction, objection).",
  AuditLog: "Who accessed or acted on your record, and when.",
};

/** Staff as they appear in a student's export: name and number, nothing else about them. */
const staffName = { select: { staffNumber: true, displayName: true } } as const;

export async function exportStudent(db: Database, studentNumber: string, actor: AuditActor, now: Date = new Date()): Promise<SubjectAccessExport> {
  const p = db.prisma;
  const student = await p.student.findUnique({ where: { studentNumber } });
  if (!student) throw new ExportError(`no student ${studentNumber}`, { kind: "not_found" });
  const studentId = student.id;
  const byStudent = { where: { studentId } };
  const flags = await p.flag.findMany({ ...byStudent, orderBy: { raisedAt: "asc" } });
  const interventions = await p.intervention.findMany({ ...byStudent, include: { approvedBy: staffName }, orderBy: { createdAt: "asc" } });
  const sections: Record<string, Row[]> = {
    Student: [student],
    ProgrammeEnrolment: await p.programmeEnrolment.findMany({ ...byStudent, include: { programme: { select: { code: true, title: true } } } }),
    ModuleEnrolment: await p.moduleEnrolment.findMany({
      ...byStudent,
      include: { moduleInstance: { select: { presentationCode: true, module: { select: { code: true, title: true } } } } },
    }),
    TutorAssignment: await p.tutorAssignment.findMany({ ...byStudent, include: { staff: staffName } }),
    ExtenuatingCircumstance: await p.extenuatingCircumstance.findMany(byStudent),
    EngagementDaily: await p.engagementDaily.findMany({ ...byStudent, orderBy: [{ day: "asc" }, { source: "asc" }] }),
    Attendance: await p.attendance.findMany({ ...byStudent, include: { event: { select: { kind: true, startsAt: true } } } }),
    Submission: await p.submission.findMany({ ...byStudent, include: { assessment: { select: { title: true, dueAt: true } } } }),
    ActivityStatement: await p.activityStatement.findMany({ ...byStudent, orderBy: { day: "asc" } }),
    Flag: flags,
    RuleFeedback: await p.ruleFeedback.findMany({ where: { flagId: { in: flags.map((f) => f.id) } }, include: { staff: staffName } }),
    Intervention: interventions,
    Delivery: await p.delivery.findMany({ where: { interventionId: { in: interventions.map((i) => i.id) } } }),
    Reply: await p.reply.findMany(byStudent),
    SafeguardingConcern: await p.safeguardingConcern.findMany({ ...byStudent, orderBy: { raisedAt: "asc" } }),
    StaffMessage: await p.staffMessage.findMany({ ...byStudent, include: { staff: staffName }, orderBy: { createdAt: "asc" } }),
    ReferralCase: await p.referralCase.findMany({ ...byStudent, orderBy: { createdAt: "asc" } }),
    Meeting: await p.meeting.findMany({ ...byStudent, include: { tutor: staffName } }),
    ConversationReference: await p.conversationReference.findMany(byStudent),
    Consent: await p.consent.findMany({ ...byStudent, orderBy: { recordedAt: "asc" } }),
    DataRequest: await p.dataRequest.findMany(byStudent),
    AuditLog: await p.auditLog.findMany({ ...byStudent, orderBy: { at: "asc" } }),
  };
  await writeAudit(p, {
    actor,
    action: "student.export",
    targetType: "student",
    targetId: studentNumber,
    studentId,
    details: { format: EXPORT_FORMAT, rows: Object.values(sections).reduce((n, rows) => n + rows.length, 0) },
  });
  return { format: EXPORT_FORMAT, exportedAt: now.toISOString(), studentNumber, about: SECTIONS, sections };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return escapeHtml(value.toISOString().replace("T", " ").slice(0, 16));
  if (typeof value === "object") return `<code>${escapeHtml(JSON.stringify(value))}</code>`;
  return escapeHtml(String(value));
}

/** The same export as a page a person can read: one table per section. */
export function exportHtml(data: SubjectAccessExport): string {
  const sections = Object.entries(data.sections).map(([name, rows]) => {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    const table = rows.length
      ? `<table><thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>${rows
          .map((row) => `<tr>${columns.map((c) => `<td>${cell(row[c])}</td>`).join("")}</tr>`)
          .join("")}</tbody></table>`
      : "<p>Nothing held.</p>";
    return `<section><h2>${escapeHtml(name)} (${rows.length})</h2><p>${escapeHtml(data.about[name] ?? "")}</p>${table}</section>`;
  });
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Your data held by Nudge: ${escapeHtml(data.studentNumber)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}code{white-space:pre-wrap;word-break:break-word}</style>
</head><body>
<h1>Your data held by Nudge</h1>
<p>Student ${escapeHtml(data.studentNumber)}, exported ${escapeHtml(data.exportedAt.replace("T", " ").slice(0, 16))} UTC. The same data, machine-readable, is in the JSON file (${escapeHtml(data.format)}).</p>
${sections.join("\n")}
</body></html>
`;
}
