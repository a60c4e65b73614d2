/**
 * Staff handling a student's rights, as the edges ask for it (the CLI today): each use case finds
 * the student, asks the gate for the capability the right needs (a refusal is audited there) and
 * hands the proof to the function that does it. "No such student" is said the same way for each.
 */
import { authorise } from "../access/index.ts";
import type { Database } from "../prisma/index.ts";
import { recordConsent, ConsentError, type ConsentResult } from "./consent.ts";
import { eraseStudent, findStudentForErasure, EraseError, type EraseResult } from "./erase.ts";
import { exportStudent, ExportError, type SubjectAccessExport } from "./export.ts";
import { rectifyStudent, RectifyError, type RectifyResult } from "./rectify.ts";
import { setRestriction, RestrictError, type RestrictResult } from "./restrict.ts";
import { completeAccessRequest, openAccessRequest, queueDataCopy } from "./subject-access.ts";

type NotFound = new (message: string) => Error;

async function studentIdOf(db: Database, studentNumber: string, notFound: NotFound): Promise<number> {
  const student = await db.prisma.student.findUnique({ where: { studentNumber }, select: { id: true } });
  if (!student) throw new notFound(`no student ${studentNumber}`);
  return student.id;
}

/** Everything held about a student (subject access, POLICY P7), for the member of staff handling the request. */
export async function exportFor(db: Database, studentNumber: string, staffNumber: string): Promise<SubjectAccessExport> {
  const studentId = await studentIdOf(db, studentNumber, ExportError);
  const staff = await authorise(db, staffNumber, "student.export", { studentId });
  return exportStudent(db, studentNumber, { kind: "staff", staffNumber: staff.staffNumber });
}

export async function restrictFor(db: Database, studentNumber: string, staffNumber: string, restrict: boolean, note?: string): Promise<RestrictResult> {
  const studentId = await studentIdOf(db, studentNumber, RestrictError);
  const staff = await authorise(db, staffNumber, "student.rectify", { studentId });
  return setRestriction(db, studentNumber, restrict, staff, note);
}

export async function consentFor(
  db: Database,
  studentNumber: string,
  staffNumber: string,
  change: { purpose: string; state: string; source: string; note?: string },
): Promise<ConsentResult> {
  const studentId = await studentIdOf(db, studentNumber, ConsentError);
  const staff = await authorise(db, staffNumber, "consent.record", { studentId });
  return recordConsent(db, { studentId, ...change }, staff);
}

export async function rectifyFor(db: Database, request: { studentNumber: string; field: string; value: string }, staffNumber: string): Promise<RectifyResult> {
  const studentId = await studentIdOf(db, request.studentNumber, RectifyError);
  const staff = await authorise(db, staffNumber, "student.rectify", { studentId });
  return rectifyStudent(db, request, staff);
}

export async function eraseFor(db: Database, studentNumber: string, staffNumber: string): Promise<EraseResult> {
  // Found even once erased (by its old number), so a second erase says so rather than "no student".
  const target = await findStudentForErasure(db, studentNumber);
  if (!target) throw new EraseError(`no student ${studentNumber}`, { kind: "not_found" });
  const staff = await authorise(db, staffNumber, "student.erase", { studentId: target.id });
  return eraseStudent(db, studentNumber, staff);
}

export interface OpenRequest {
  reference: string;
  kind: string;
  state: string;
  student: string | null;
  channel: string | null;
  requestedAt: Date;
  dueBy: Date;
  overdue: boolean;
  note: string | null;
}

/** Open requests (received or in progress), the oldest due first, for those who read the audit log. */
export async function openRequests(db: Database, staffNumber: string, now = new Date()): Promise<OpenRequest[]> {
  await authorise(db, staffNumber, "audit.read");
  const open = await db.prisma.dataRequest.findMany({
    where: { state: { in: ["received", "in_progress"] } },
    orderBy: { dueBy: "asc" },
    select: { id: true, kind: true, state: true, channel: true, requestedAt: true, dueBy: true, note: true, student: { select: { studentNumber: true } } },
  });
  return open.map((r) => ({
    reference: `DR-${r.id}`,
    kind: r.kind,
    state: r.state,
    student: r.student?.studentNumber ?? null,
    channel: r.channel,
    requestedAt: r.requestedAt,
    dueBy: r.dueBy,
    overdue: r.dueBy < now,
    note: r.note,
  }));
}

/** A copy of one's data sent by email through the outbox; the request completes once it has gone. */
export async function sendDataCopy(db: Database, requestId: number, staffNumber: string): Promise<{ interventionId: number; studentNumber: string }> {
  const request = await openAccessRequest(db, requestId);
  const staff = await authorise(db, staffNumber, "student.export", { studentId: request.student.id });
  const { interventionId } = await queueDataCopy(db, requestId, { kind: "staff", staffNumber: staff.staffNumber }, staff.staffId);
  return { interventionId, studentNumber: request.student.studentNumber };
}

/**
 * A copy handed over by staff another way: `handOver` writes it (the CLI, to files); only once it
 * has done so is the request complete, so a failed write leaves the request open.
 */
export async function handOverDataCopy(
  db: Database,
  requestId: number,
  staffNumber: string,
  handOver: (copy: SubjectAccessExport) => void | Promise<void>,
): Promise<void> {
  const request = await openAccessRequest(db, requestId);
  const staff = await authorise(db, staffNumber, "student.export", { studentId: request.student.id });
  const copy = await exportStudent(db, request.student.studentNumber, { kind: "staff", staffNumber: staff.staffNumber });
  await handOver(copy);
  await completeAccessRequest(db, requestId, staff, `copy written for hand-over by ${staff.staffNumber}`);
}
