/** That a student was shown the privacy notice, recorded so the university can show they were told (POLICY P6). */
import { writeAudit } from "../audit/index.ts";
import type { Database } from "../prisma/index.ts";

export type NoticeOccasion = "first contact" | "asked";

export async function recordNoticeGiven(db: Database, studentId: number, occasion: NoticeOccasion, channel: string): Promise<void> {
  const { studentNumber } = await db.prisma.student.findUniqueOrThrow({ where: { id: studentId }, select: { studentNumber: true } });
  await writeAudit(db.prisma, {
    actor: { kind: "system", component: "bot" },
    action: "privacy.notice",
    targetType: "student",
    targetId: studentNumber,
    studentId,
    details: { occasion, channel },
  });
}
