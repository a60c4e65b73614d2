/**
 * Marks a student's Teams conversation as unreachable after Teams refused a send (403: app
 * uninstalled or bot blocked; 404: conversation gone), so the outbox stops trying Teams first.
 * The bot clears the mark when the student next writes or reinstalls the app.
 */
import type { Db } from "../prisma/index.ts";

/** Returns false when the student has no stored conversation. */
export async function markConversationUnavailable(prisma: Db, studentId: number, reason: string, at: Date = new Date()): Promise<boolean> {
  const { count } = await prisma.conversationReference.updateMany({
    where: { studentId },
    data: { unavailableAt: at, unavailableReason: reason },
  });
  return count > 0;
}
