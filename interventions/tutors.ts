/** The student's current personal tutor, by name, as messages and answers mention them. */
import type { Database } from "../prisma/index.ts";

export async function personalTutorName(db: Database, studentId: number, now: Date): Promise<string | null> {
  const assignment = await db.prisma.tutorAssignment.findFirst({
    where: { studentId, role: "personal_tutor", startDate: { lte: now }, OR: [{ endDate: null }, { endDate: { gt: now } }] },
    orderBy: { startDate: "desc" },
    select: { staff: { select: { displayName: true } } },
  });
  return assignment?.staff.displayName ?? null;
}
