/**
 * Rectification (POLICY P7): correcting one field of a student's record. Only the fields a student
 * can ask to have corrected, each checked the way the rest of the service expects it (an E.164
 * mobile number, an IANA timezone). The old and new values are written to the audit log in the
 * same transaction as the change, with a completed data-protection request of kind
 * "rectification", so the correction can be shown and, if need be, undone.
 *
 * A correction here does not reach the source systems: the student record should be corrected
 * there too, or a later feed may bring the old value back.
 */
import { NudgeError } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { EnrolmentStatus } from "../prisma/index.ts";
import { writeAudit } from "../audit/index.ts";
import type { Authorised } from "../access/index.ts";

export const RECTIFIABLE_FIELDS = ["givenName", "familyName", "preferredName", "email", "mobile", "timezone", "enrolmentStatus"] as const;
export type RectifiableField = (typeof RECTIFIABLE_FIELDS)[number];

/** Bad input (unknown student or field, a value that does not fit): the message names the field. */
export class RectifyError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "rectify_invalid";
}

export interface RectifyRequest {
  studentNumber: string;
  field: string;
  /** The new value; "" clears a field that may be empty (preferred name, email, mobile). */
  value: string;
}

export interface RectifyResult {
  studentNumber: string;
  field: RectifiableField;
  oldValue: string | null;
  newValue: string | null;
  /** False when the record already held the value: nothing was written. */
  changed: boolean;
  /** The completed data-protection request recording the correction. */
  dataRequestId?: number;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

function isTimezone(value: string): boolean {
  if (!/^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isField(field: string): field is RectifiableField {
  return (RECTIFIABLE_FIELDS as readonly string[]).includes(field);
}

/** The value to store, or RectifyError naming the field and what it must be. */
export function checkRectification(field: string, raw: string): { field: RectifiableField; value: string | null } {
  if (!isField(field)) throw new RectifyError(`--field ${field} cannot be corrected here; use one of ${RECTIFIABLE_FIELDS.join(", ")}`);
  const value = raw.trim();
  const bad = (must: string) => new RectifyError(`${field} ${must} (got "${raw}")`);
  if (CONTROL.test(value)) throw bad("must not contain control characters");
  switch (field) {
    case "givenName":
    case "familyName":
      if (!value) throw bad("must not be empty");
      if (value.length > 200) throw bad("must be at most 200 characters");
      return { field, value };
    case "preferredName":
      if (value.length > 200) throw bad("must be at most 200 characters");
      return { field, value: value || null };
    case "email":
      if (value && (!EMAIL.test(value) || value.length > 320)) throw bad("must be an email address such as name@student.example.ac.uk, or empty to remove it");
      return { field, value: value ? value.toLowerCase() : null };
    case "mobile":
      if (value && !E164.test(value))
        throw bad("must be an E.164 number such as +447700900123 (a plus sign, the country code, no spaces), or empty to remove it");
      return { field, value: value || null };
    case "timezone":
      if (!isTimezone(value)) throw bad("must be an IANA timezone such as Europe/London");
      return { field, value };
    case "enrolmentStatus":
      if (!(Object.values(EnrolmentStatus) as string[]).includes(value)) throw bad(`must be one of ${Object.values(EnrolmentStatus).join(", ")}`);
      return { field, value };
  }
}

/** Corrects one field; `staff` must already be authorised for `student.rectify` on this student. */
export async function rectifyStudent(
  db: Database,
  request: RectifyRequest,
  staff: Authorised<"student.rectify">,
  now: Date = new Date(),
): Promise<RectifyResult> {
  const { field, value } = checkRectification(request.field, request.value);
  return db.prisma.$transaction(async (tx) => {
    const student = await tx.student.findUnique({ where: { studentNumber: request.studentNumber } });
    if (!student) throw new RectifyError(`no student ${request.studentNumber}`, { kind: "not_found" });
    if (student.erasedAt) throw new RectifyError(`student ${request.studentNumber} has been erased: there is nothing to correct`, { kind: "conflict" });
    const oldValue = (student[field] as string | null) ?? null;
    const result: RectifyResult = { studentNumber: request.studentNumber, field, oldValue, newValue: value, changed: oldValue !== value };
    if (!result.changed) return result;

    await tx.student.update({ where: { id: student.id }, data: { [field]: value } });
    const dataRequest = await tx.dataRequest.create({
      data: {
        studentId: student.id,
        kind: "rectification",
        state: "completed",
        channel: "staff",
        requestedAt: now,
        dueBy: now,
        completedAt: now,
        handledById: staff.staffId,
        note: `${field} corrected`,
      },
    });
    await writeAudit(tx, {
      actor: { kind: "staff", staffNumber: staff.staffNumber },
      action: "student.rectify",
      targetType: "student",
      targetId: request.studentNumber,
      studentId: student.id,
      details: { field, old: oldValue, new: value, dataRequestId: dataRequest.id },
    });
    return { ...result, dataRequestId: dataRequest.id };
  });
}
