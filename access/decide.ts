/**
 * Every access decision in one place (POLICY P5): may this person do this, to this student?
 * Reads the permission matrix and resolves the scope against the database: a personal tutor's
 * current tutees, a level tutor's programme and year, a programme leader's programme.
 */
import { DAY_MS } from "../core/index.ts";
import { consentInForce } from "./consent.ts";
import type { Database, Prisma } from "../prisma/index.ts";
import { CAPABILITIES, MATRIX, type CapabilityName, type Role, type Scope } from "./permissions.ts";

export type Actor = { kind: "student"; studentId: number } | { kind: "staff"; staffId: number };

export type SpecialCategory = "special_category_health" | "special_category_disability" | "special_category_ethnicity" | "special_category_other";

export interface Target {
  studentId: number;
  /** For `student.special_category.read`: which category (consent is per purpose, POLICY P8). */
  purpose?: SpecialCategory;
}

export interface Decision {
  allowed: boolean;
  /** The role and scope that allowed it. */
  role?: Role;
  scope?: Scope;
  /** Why, in words fit for an audit entry or a polite refusal. */
  reason: string;
}

interface RoleHeld {
  role: Role;
  programmeId: number | null;
  yearOfStudy: number | null;
}

async function rolesOf(db: Database, staffId: number): Promise<RoleHeld[] | null> {
  const staff = await db.prisma.staff.findUnique({ where: { id: staffId }, include: { roles: true } });
  if (!staff?.active) return null;
  return staff.roles.map((r) => ({ role: r.role as Role, programmeId: r.programmeId, yearOfStudy: r.yearOfStudy }));
}

/** Whether the student falls within a staff role's scope, now. */
async function inScope(db: Database, staffId: number, held: RoleHeld, scope: Scope, studentId: number, now: Date): Promise<boolean> {
  switch (scope) {
    case "all":
      return true;
    case "tutees":
      return (
        (await db.prisma.tutorAssignment.count({
          where: { staffId, studentId, role: "personal_tutor", startDate: { lte: now }, OR: [{ endDate: null }, { endDate: { gt: now } }] },
        })) > 0
      );
    case "programme":
    case "programme_year":
      if (held.programmeId === null || (scope === "programme_year" && held.yearOfStudy === null)) return false;
      return (
        (await db.prisma.programmeEnrolment.count({
          where: {
            studentId,
            programmeId: held.programmeId,
            status: "active",
            ...(scope === "programme_year" ? { yearOfStudy: held.yearOfStudy! } : {}),
          },
        })) > 0
      );
    case "concerns":
      return (
        (await db.prisma.safeguardingConcern.count({
          where: { studentId, OR: [{ state: "open" }, { raisedAt: { gte: new Date(now.getTime() - CONCERN_SCOPE_DAYS * DAY_MS) } }] },
        })) > 0
      );
    default:
      return false;
  }
}

/** How long after a concern safeguarding staff may still see and follow up the student. */
export const CONCERN_SCOPE_DAYS = 90;

/** Special-category data is opt-in: the consent in force must grant it. */
async function consentGranted(db: Database, studentId: number, purpose: SpecialCategory): Promise<boolean> {
  return (await consentInForce(db, studentId, purpose)) === "granted";
}

export async function decide(
  db: Database,
  actor: Actor,
  capability: CapabilityName,
  target?: Target,
  now: Date = new Date(),
  /** Only these roles count (e.g. the roles the approval policy names for a kind of intervention). */
  onlyRoles?: readonly Role[],
): Promise<Decision> {
  const individual = CAPABILITIES[capability].individual;
  if (individual && !target) return { allowed: false, reason: `${capability} needs the student it is about` };
  const special = capability === "student.special_category.read";
  if (special && !target?.purpose) return { allowed: false, reason: "special-category access needs the category (consent is per purpose)" };

  if (actor.kind === "student") {
    const scope = MATRIX.student[capability];
    if (!scope) return { allowed: false, reason: `students may not ${capability}` };
    if (scope === "own" && target?.studentId !== actor.studentId) return { allowed: false, reason: "students see only their own data" };
    return { allowed: true, role: "student", scope, reason: "the student's own data" };
  }

  const roles = await rolesOf(db, actor.staffId);
  if (!roles) return { allowed: false, reason: "not a known, active member of staff" };
  if (roles.length === 0) return { allowed: false, reason: "holds no role in Nudge" };
  let refusal = `no role held allows ${capability}`;
  for (const held of roles) {
    if (onlyRoles && !onlyRoles.includes(held.role)) {
      refusal = `only ${onlyRoles.map((r) => r.replace(/_/g, " ")).join(", ")} may do this`;
      continue;
    }
    const scope = MATRIX[held.role][capability];
    if (!scope) continue;
    if (!individual) return { allowed: true, role: held.role, scope, reason: `as ${held.role}` };
    if (!(await inScope(db, actor.staffId, held, scope, target!.studentId, now))) {
      refusal = `the student is not within their ${held.role.replace(/_/g, " ")} scope (${scope.replace(/_/g, " ")})`;
      continue;
    }
    if (special && !(await consentGranted(db, target!.studentId, target!.purpose!))) {
      return { allowed: false, role: held.role, scope, reason: `no consent from the student for ${target!.purpose!.replace(/_/g, " ")}` };
    }
    return { allowed: true, role: held.role, scope, reason: `as ${held.role} (${scope.replace(/_/g, " ")})` };
  }
  return { allowed: false, reason: refusal };
}

/**
 * `decide` for many students at once (a page of a digest, a list of tutees): the same answer, and
 * the same reason, as asking `decide` for each (capability, student) pair, with the staff member's
 * roles read once and each scope checked for all the students in one query, shared between the
 * capabilities. `result[capability][i]` is the decision for `targets[i]`.
 */
export async function decideEach<C extends CapabilityName>(
  db: Database,
  actor: Actor,
  capabilities: readonly C[],
  targets: readonly Target[],
  now: Date = new Date(),
  onlyRoles?: readonly Role[],
): Promise<Record<C, Decision[]>> {
  const result = {} as Record<C, Decision[]>;
  if (actor.kind === "student") {
    for (const capability of capabilities) result[capability] = await Promise.all(targets.map((t) => decide(db, actor, capability, t, now, onlyRoles)));
    return result;
  }
  const roles = await rolesOf(db, actor.staffId);
  // One query per scope (and programme, year), whichever capability asks first.
  const inScopeSets = new Map<string, Promise<Set<number>>>();
  const studentsInScope = (held: RoleHeld, scope: Scope) => {
    const key = `${scope}:${held.programmeId}:${held.yearOfStudy}`;
    let found = inScopeSets.get(key);
    if (!found) {
      found = inScopeMany(db, actor.staffId, held, scope, [...new Set(targets.map((t) => t.studentId))], now);
      inScopeSets.set(key, found);
    }
    return found;
  };
  for (const capability of capabilities) {
    const individual = CAPABILITIES[capability].individual;
    const special = capability === "student.special_category.read";
    const decisions: (Decision | undefined)[] = targets.map((target) =>
      special && !target.purpose ? { allowed: false, reason: "special-category access needs the category (consent is per purpose)" } : undefined,
    );
    if (!roles || roles.length === 0) {
      const reason = roles ? "holds no role in Nudge" : "not a known, active member of staff";
      for (const i of decisions.keys()) decisions[i] ??= { allowed: false, reason };
    } else {
      const refusals = targets.map(() => `no role held allows ${capability}`);
      for (const held of roles) {
        const open = targets.flatMap((_, i) => (decisions[i] ? [] : [i]));
        if (open.length === 0) break;
        if (onlyRoles && !onlyRoles.includes(held.role)) {
          for (const i of open) refusals[i] = `only ${onlyRoles.map((r) => r.replace(/_/g, " ")).join(", ")} may do this`;
          continue;
        }
        const scope = MATRIX[held.role][capability];
        if (!scope) continue;
        if (!individual) {
          for (const i of open) decisions[i] = { allowed: true, role: held.role, scope, reason: `as ${held.role}` };
          continue;
        }
        const inScope = await studentsInScope(held, scope);
        for (const i of open) {
          const target = targets[i]!;
          if (!inScope.has(target.studentId)) {
            refusals[i] = `the student is not within their ${held.role.replace(/_/g, " ")} scope (${scope.replace(/_/g, " ")})`;
            continue;
          }
          decisions[i] =
            special && !(await consentGranted(db, target.studentId, target.purpose!))
              ? { allowed: false, role: held.role, scope, reason: `no consent from the student for ${target.purpose!.replace(/_/g, " ")}` }
              : { allowed: true, role: held.role, scope, reason: `as ${held.role} (${scope.replace(/_/g, " ")})` };
        }
      }
      for (const [i, reason] of refusals.entries()) decisions[i] ??= { allowed: false, reason };
    }
    result[capability] = decisions as Decision[];
  }
  return result;
}

/** Which of these students fall within a staff role's scope, now: `inScope` for many, in one query. */
async function inScopeMany(db: Database, staffId: number, held: RoleHeld, scope: Scope, studentIds: number[], now: Date): Promise<Set<number>> {
  const ids = (rows: { studentId: number }[]) => new Set(rows.map((r) => r.studentId));
  const studentId = { in: studentIds };
  switch (scope) {
    case "all":
      return new Set(studentIds);
    case "tutees":
      return ids(
        await db.prisma.tutorAssignment.findMany({
          where: { staffId, studentId, role: "personal_tutor", startDate: { lte: now }, OR: [{ endDate: null }, { endDate: { gt: now } }] },
          select: { studentId: true },
        }),
      );
    case "programme":
    case "programme_year":
      if (held.programmeId === null || (scope === "programme_year" && held.yearOfStudy === null)) return new Set();
      return ids(
        await db.prisma.programmeEnrolment.findMany({
          where: { studentId, programmeId: held.programmeId, status: "active", ...(scope === "programme_year" ? { yearOfStudy: held.yearOfStudy! } : {}) },
          select: { studentId: true },
        }),
      );
    case "concerns":
      return ids(
        await db.prisma.safeguardingConcern.findMany({
          where: { studentId, OR: [{ state: "open" }, { raisedAt: { gte: new Date(now.getTime() - CONCERN_SCOPE_DAYS * DAY_MS) } }] },
          select: { studentId: true },
        }),
      );
    default:
      return new Set();
  }
}

/**
 * The students a member of staff may do `capability` to, as a filter for a search: the same
 * scopes `inScope` checks one student against, so a search can look among exactly those students
 * instead of taking the first matches and filtering. `null` when they may do it to no one.
 * Callers still ask `decide` for each student they show (it also checks special-category consent).
 */
export async function scopeFilter(db: Database, staffId: number, capability: CapabilityName, now: Date = new Date()): Promise<Prisma.StudentWhereInput | null> {
  const roles = await rolesOf(db, staffId);
  if (!roles) return null;
  const any: Prisma.StudentWhereInput[] = [];
  for (const held of roles) {
    const scope = MATRIX[held.role][capability];
    switch (scope) {
      case "all":
        return {};
      case "tutees":
        any.push({
          tutorAssignments: { some: { staffId, role: "personal_tutor", startDate: { lte: now }, OR: [{ endDate: null }, { endDate: { gt: now } }] } },
        });
        break;
      case "programme":
      case "programme_year":
        if (held.programmeId === null || (scope === "programme_year" && held.yearOfStudy === null)) break;
        any.push({
          programmeEnrolments: {
            some: { programmeId: held.programmeId, status: "active", ...(scope === "programme_year" ? { yearOfStudy: held.yearOfStudy! } : {}) },
          },
        });
        break;
      case "concerns":
        any.push({ safeguardingConcerns: { some: { OR: [{ state: "open" }, { raisedAt: { gte: new Date(now.getTime() - CONCERN_SCOPE_DAYS * DAY_MS) } }] } } });
        break;
      default:
        break;
    }
  }
  return any.length ? { OR: any } : null;
}
