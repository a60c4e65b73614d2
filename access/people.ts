/**
 * Who a Teams user is: the student or member of staff with their Entra object id, if any. Someone
 * who is both (a doctoral student who tutors) is treated as staff, since staff commands are a
 * superset of what a student can ask.
 */
import type { Database } from "../prisma/index.ts";
import { decide } from "./decide.ts";
import { CAPABILITIES, MATRIX, type CapabilityName, type Role } from "./permissions.ts";

export type Person =
  | { kind: "staff"; staffId: number; staffNumber: string; displayName: string; timezone: string }
  | { kind: "student"; studentId: number; studentNumber: string; firstName: string | null }
  | { kind: "unknown" };

export async function personByAadObjectId(db: Database, aadObjectId: string | undefined): Promise<{ studentId: number | null; staffId: number | null }> {
  if (!aadObjectId) return { studentId: null, staffId: null };
  // Ingest stores object ids in lower case; the other spellings catch rows written by hand.
  const spellings = [...new Set([aadObjectId, aadObjectId.toLowerCase(), aadObjectId.toUpperCase()])];
  const [student, staff] = await Promise.all([
    db.prisma.student.findFirst({ where: { entraObjectId: { in: spellings } }, select: { id: true } }),
    db.prisma.staff.findFirst({ where: { entraObjectId: { in: spellings } }, select: { id: true } }),
  ]);
  return { studentId: student?.id ?? null, staffId: staff?.id ?? null };
}

export async function whoIs(db: Database, aadObjectId: string | undefined): Promise<Person> {
  const { studentId, staffId } = await personByAadObjectId(db, aadObjectId);
  if (staffId !== null) {
    const staff = await db.prisma.staff.findUnique({ where: { id: staffId }, select: { staffNumber: true, displayName: true, active: true, timezone: true } });
    if (staff?.active) return { kind: "staff", staffId, staffNumber: staff.staffNumber, displayName: staff.displayName, timezone: staff.timezone };
  }
  if (studentId !== null) {
    const student = await db.prisma.student.findUnique({ where: { id: studentId }, select: { studentNumber: true, preferredName: true, givenName: true } });
    if (student)
      return {
        kind: "student",
        studentId,
        studentNumber: student.studentNumber,
        firstName: student.preferredName?.trim() || student.givenName?.trim() || null,
      };
  }
  return { kind: "unknown" };
}

/**
 * Whether a member of staff may do each of `capabilities`: what their help lists. One about a
 * single student is whether a role they hold gives it over some students (each student is still
 * asked of `decide` when it comes to it).
 */
export async function mayDo(db: Database, staffId: number, capabilities: readonly CapabilityName[]): Promise<Record<string, boolean>> {
  const staff = await db.prisma.staff.findUnique({ where: { id: staffId }, select: { active: true, roles: { select: { role: true } } } });
  const held = staff?.active ? staff.roles.map((r) => r.role as Role) : [];
  const answers = await Promise.all(
    capabilities.map(
      async (c) =>
        [
          c,
          CAPABILITIES[c].individual ? held.some((role) => MATRIX[role][c] !== undefined) : (await decide(db, { kind: "staff", staffId }, c)).allowed,
        ] as const,
    ),
  );
  return Object.fromEntries(answers);
}
