/**
 * Who is asking: staff are recognised by their staff number (the CLI's --as) or their Entra object
 * id (Teams). `authorise` asks the access gate and records a refusal in the audit log, so an
 * attempt outside someone's role leaves a trace as well as an answer.
 */
import { NudgeError } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { decide, type Target } from "./decide.ts";
import { writeAudit } from "../audit/index.ts";
import type { CapabilityName, Role } from "./permissions.ts";

export interface StaffIdentity {
  staffId: number;
  staffNumber: string;
  displayName: string;
  /** Their own timezone (IANA), for the times on what they are shown. */
  timezone: string;
}

declare const proof: unique symbol;

/**
 * A member of staff the gate has allowed capability `C` (to the student asked about). Only
 * `authorise` makes one, so a rights function that takes it cannot be called unchecked: a plain
 * `StaffIdentity` from `staffByNumber` does not compile there.
 */
export type Authorised<C extends CapabilityName = CapabilityName> = StaffIdentity & { readonly [proof]: C };

/** Refused: the message is fit to show the person. */
export class AccessRefused extends NudgeError {
  static override kind = "refused" as const;
  static override code = "access_refused";
}

export async function staffByNumber(db: Database, staffNumber: string): Promise<StaffIdentity | null> {
  const staff = await db.prisma.staff.findUnique({ where: { staffNumber } });
  return staff ? { staffId: staff.id, staffNumber: staff.staffNumber, displayName: staff.displayName, timezone: staff.timezone } : null;
}

/** The staff member, if they may do `capability` (to `target`); otherwise AccessRefused, audited. */
export async function authorise<C extends CapabilityName>(
  db: Database,
  staffNumber: string,
  capability: C,
  target?: Target,
  onlyRoles?: readonly Role[],
): Promise<Authorised<C>> {
  const staff = await staffByNumber(db, staffNumber);
  const decision = staff
    ? await decide(db, { kind: "staff", staffId: staff.staffId }, capability, target, new Date(), onlyRoles)
    : { allowed: false, reason: "not a known member of staff" };
  if (staff && decision.allowed) return staff as Authorised<C>;
  await writeAudit(db.prisma, {
    actor: { kind: "staff", staffNumber },
    action: "access.refused",
    targetType: target ? "student" : "capability",
    targetId: target ? String(target.studentId) : capability,
    studentId: target?.studentId,
    details: { capability, reason: decision.reason },
  });
  throw new AccessRefused(`${staffNumber} may not ${capability}: ${decision.reason}`);
}
