/**
 * Who is asking: staff are recognised by their staff number (the CLI's --as) or their Entra object
 * id (Teams). `authorise` asks the access gate and records a refusal in the audit log, so an
 * attempt outside someone's role leaves a trace as well as an answer.
 */
import type { Database } from "../prisma/index.ts";
import { decide, type Target } from "./decide.ts";
import { writeAudit } from "../audit/index.ts";
import type { CapabilityName, Role } from "./permissions.ts";

export interface StaffIdentity {
  staffId: number;
  staffNumber: string;
  displayName: string;
}

/** Refused: the message is fit to show the person. */
export class AccessRefused extends Error {
  override name = "AccessRefused";
}

export async function staffByNumber(db: Database, staffNumber: string): Promise<StaffIdentity | null> {
  const staff = await db.prisma.staff.findUnique({ where: { staffNumber } });
  return staff ? { staffId: staff.id, staffNumber: staff.staffNumber, displayName: staff.displayName } : null;
}

/** The staff member, if they may do `capability` (to `target`); otherwise AccessRefused, audited. */
export async function authorise(db: Database, staffNumber: string, capability: CapabilityName, target?: Target, onlyRoles?: readonly Role[]): Promise<StaffIdentity> {
  const staff = await staffByNumber(db, staffNumber);
  const decision = staff
    ? await decide(db, { kind: "staff", staffId: staff.staffId }, capability, target, new Date(), onlyRoles)
    : { allowed: false, reason: "not a known member of staff" };
  if (staff && decision.allowed) return staff;
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
