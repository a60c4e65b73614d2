/** Who a Teams user is: the student or member of staff with their Entra object id, if any. */
import type { Database } from "../prisma/index.ts";

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
