/**
 * Consent (POLICY P7, P8): a student's choice per purpose (learning analytics as a whole, or one
 * special category), recorded with its source and time, never overwritten: the latest record is
 * in force and the earlier ones are the history. A student records their own (a reply in Teams,
 * SMS or email); staff record one on a student's behalf (a form, a conversation), within their role.
 *
 * Refusing or withdrawing analytics consent stops everything at once, in the same transaction:
 * open flags are closed and messages not yet sent cancelled (answers to the student's own messages
 * excepted: the withdrawal itself is answered). The outbox re-checks consent before every send too.
 */
import { NudgeError } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { writeAudit, type AuditActor } from "../audit/index.ts";
import { cancelUnsent } from "./cancel-unsent.ts";
import { consentInForce, type Authorised } from "../access/index.ts";

export const CONSENT_PURPOSES = [
  "analytics",
  "special_category_health",
  "special_category_disability",
  "special_category_ethnicity",
  "special_category_other",
] as const;
export type ConsentPurposeName = (typeof CONSENT_PURPOSES)[number];
export const CONSENT_STATES = ["granted", "refused", "withdrawn"] as const;
export type ConsentStateName = (typeof CONSENT_STATES)[number];

export class ConsentError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "consent_invalid";
}

export interface ConsentChange {
  studentId: number;
  purpose: string;
  state: string;
  /** Where it came from: teams, sms, email, or the staff route (e.g. "admin", "form"). */
  source: string;
  note?: string;
}

export interface ConsentResult {
  consentId: number;
  purpose: ConsentPurposeName;
  state: ConsentStateName;
  /** The state in force before, if any. */
  previous: ConsentStateName | null;
  flagsClosed: number;
  interventionsCancelled: number;
}

/** Checks the purpose and state, naming the field and the values allowed. */
export function checkConsent(purpose: string, state: string): { purpose: ConsentPurposeName; state: ConsentStateName } {
  if (!(CONSENT_PURPOSES as readonly string[]).includes(purpose)) throw new ConsentError(`purpose: "${purpose}" is not one of ${CONSENT_PURPOSES.join(", ")}`);
  if (!(CONSENT_STATES as readonly string[]).includes(state)) throw new ConsentError(`state: "${state}" is not one of ${CONSENT_STATES.join(", ")}`);
  return { purpose: purpose as ConsentPurposeName, state: state as ConsentStateName };
}

/**
 * Records a consent choice. `staff`: who recorded it on the student's behalf (the caller has
 * checked `consent.record` for them); without it, the student did.
 */
export async function recordConsent(db: Database, change: ConsentChange, staff?: Authorised<"consent.record">, now = new Date()): Promise<ConsentResult> {
  const { purpose, state } = checkConsent(change.purpose, change.state);
  const student = await db.prisma.student.findUnique({ where: { id: change.studentId }, select: { studentNumber: true, erasedAt: true } });
  if (!student || student.erasedAt) throw new ConsentError(`student ${change.studentId} is not on record`, { kind: "not_found" });
  const previous = await consentInForce(db, change.studentId, purpose);
  const actor: AuditActor = staff ? { kind: "staff", staffNumber: staff.staffNumber } : { kind: "student", studentNumber: student.studentNumber };
  return db.prisma.$transaction(async (tx) => {
    const consent = await tx.consent.create({
      data: {
        studentId: change.studentId,
        purpose,
        state,
        source: change.source,
        recordedAt: now,
        recordedById: staff?.staffId ?? null,
        note: change.note?.trim() || null,
      },
    });
    let flagsClosed = 0;
    let interventionsCancelled = 0;
    if (purpose === "analytics" && state !== "granted") {
      const reason = `analytics consent ${state}`;
      ({ count: flagsClosed } = await tx.flag.updateMany({
        where: { studentId: change.studentId, state: { in: ["open", "snoozed"] } },
        data: { state: "closed", closedAt: now, closedReason: reason },
      }));
      ({ interventionsCancelled } = await cancelUnsent(tx, change.studentId, actor, reason, now, { keepAnswers: true }));
    }
    await writeAudit(tx, {
      actor,
      action: `consent.${state}`,
      targetType: "student",
      targetId: student.studentNumber,
      studentId: change.studentId,
      details: { purpose, previous, source: change.source, flagsClosed, interventionsCancelled },
    });
    return { consentId: consent.id, purpose, state, previous, flagsClosed, interventionsCancelled };
  });
}
