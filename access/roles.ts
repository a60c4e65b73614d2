/**
 * Granting and revoking staff roles: the root of who may see and do what (POLICY P5). Personal
 * tutors also come from student records (UDD staff_link); every other role is granted here, each
 * grant and revocation audited with who did it.
 */
import { NudgeError } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { writeAudit, type AuditActor } from "../audit/index.ts";
import { roleScopeKey } from "./role-scope.ts";

export const STAFF_ROLES = ["personal_tutor", "level_tutor", "programme_leader", "student_centre", "safeguarding", "admin", "operator"] as const;
export type StaffRoleName = (typeof STAFF_ROLES)[number];

/** Bad input to a role change (unknown person, programme, a scope the role does not take). */
export class RoleChangeError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "role_change_invalid";
}

export interface RoleGrant {
  staffNumber: string;
  role: StaffRoleName;
  programmeCode?: string;
  yearOfStudy?: number;
  /** Creates the staff record when it does not exist yet (e.g. the first admin). */
  displayName?: string;
}

export interface HeldRole {
  role: StaffRoleName;
  programme: string | null;
  yearOfStudy: number | null;
}

/** Which scope each role takes: level tutors a programme and year, programme leaders a programme. */
function checkScope(grant: RoleGrant): void {
  const needsProgramme = grant.role === "level_tutor" || grant.role === "programme_leader";
  if (needsProgramme && !grant.programmeCode) throw new RoleChangeError(`${grant.role} needs --programme`);
  if (grant.role === "level_tutor" && grant.yearOfStudy === undefined) throw new RoleChangeError("level_tutor needs --year");
  if (!needsProgramme && grant.programmeCode) throw new RoleChangeError(`${grant.role} is not scoped to a programme`);
  if (grant.role !== "level_tutor" && grant.yearOfStudy !== undefined) throw new RoleChangeError(`${grant.role} is not scoped to a year`);
}

async function scopeOf(db: Database, grant: RoleGrant): Promise<{ programmeId: number | null; scopeKey: string }> {
  checkScope(grant);
  let programmeId: number | null = null;
  if (grant.programmeCode) {
    const programme = await db.prisma.programme.findUnique({ where: { code: grant.programmeCode } });
    if (!programme) throw new RoleChangeError(`no programme with code ${grant.programmeCode}`);
    programmeId = programme.id;
  }
  return { programmeId, scopeKey: roleScopeKey(grant.role, { programmeId, yearOfStudy: grant.yearOfStudy ?? null }) };
}

export async function grantRole(db: Database, grant: RoleGrant, actor: AuditActor): Promise<{ created: boolean; staffCreated: boolean }> {
  const { programmeId, scopeKey } = await scopeOf(db, grant);
  return db.prisma.$transaction(async (tx) => {
    let staff = await tx.staff.findUnique({ where: { staffNumber: grant.staffNumber } });
    const staffCreated = !staff;
    if (!staff) {
      if (!grant.displayName) throw new RoleChangeError(`no member of staff ${grant.staffNumber}: load staff records first, or give --name to create them`);
      staff = await tx.staff.create({ data: { staffNumber: grant.staffNumber, displayName: grant.displayName } });
    }
    const existing = await tx.staffRoleAssignment.findUnique({ where: { staffId_scopeKey: { staffId: staff.id, scopeKey } } });
    if (existing) return { created: false, staffCreated };
    await tx.staffRoleAssignment.create({ data: { staffId: staff.id, role: grant.role, programmeId, yearOfStudy: grant.yearOfStudy ?? null, scopeKey } });
    await writeAudit(tx, {
      actor,
      action: "staff.role.grant",
      targetType: "staff",
      targetId: grant.staffNumber,
      details: { role: grant.role, scope: scopeKey, staffCreated },
    });
    return { created: true, staffCreated };
  });
}

export async function revokeRole(db: Database, grant: RoleGrant, actor: AuditActor): Promise<{ removed: boolean }> {
  const { scopeKey } = await scopeOf(db, grant);
  return db.prisma.$transaction(async (tx) => {
    const staff = await tx.staff.findUnique({ where: { staffNumber: grant.staffNumber } });
    if (!staff) throw new RoleChangeError(`no member of staff ${grant.staffNumber}`);
    const removed = await tx.staffRoleAssignment.deleteMany({ where: { staffId: staff.id, scopeKey } });
    if (removed.count === 0) return { removed: false };
    await writeAudit(tx, {
      actor,
      action: "staff.role.revoke",
      targetType: "staff",
      targetId: grant.staffNumber,
      details: { role: grant.role, scope: scopeKey },
    });
    return { removed: true };
  });
}

export async function rolesOfStaff(db: Database, staffNumber: string): Promise<HeldRole[]> {
  const staff = await db.prisma.staff.findUnique({
    where: { staffNumber },
    include: { roles: { include: { programme: true }, orderBy: { scopeKey: "asc" } } },
  });
  if (!staff) throw new RoleChangeError(`no member of staff ${staffNumber}`);
  return staff.roles.map((r) => ({ role: r.role as StaffRoleName, programme: r.programme?.code ?? null, yearOfStudy: r.yearOfStudy }));
}

export interface StaffWithRoles {
  staffNumber: string;
  displayName: string;
  roles: HeldRole[];
}

/** Everyone who holds a role (or the given role), by staff number: who to name with --as, who decides what. */
export async function staffWithRoles(db: Database, filter: { role?: StaffRoleName } = {}): Promise<StaffWithRoles[]> {
  const rows = await db.prisma.staff.findMany({
    where: { roles: { some: filter.role ? { role: filter.role } : {} } },
    include: { roles: { include: { programme: true }, orderBy: { scopeKey: "asc" } } },
    orderBy: { staffNumber: "asc" },
  });
  return rows.map((staff) => ({
    staffNumber: staff.staffNumber,
    displayName: staff.displayName,
    roles: staff.roles.map((r) => ({ role: r.role as StaffRoleName, programme: r.programme?.code ?? null, yearOfStudy: r.yearOfStudy })),
  }));
}
