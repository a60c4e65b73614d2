/**
 * Whose email reply this is: the student an email of ours went to, when the reply's In-Reply-To or
 * References name it; otherwise the one student whose address sent it. A shared address is not
 * guessed at.
 */
import type { Database } from "../prisma/index.ts";
import { studentsByEmail } from "./lookup.ts";

export type EmailReplySender = { studentId: number; interventionId?: number; matchedBy: "in-reply-to" | "from-address" } | { problem: string };

export async function senderOfEmailReply(db: Database, reply: { inReplyTo: readonly string[]; from: string }): Promise<EmailReplySender> {
  if (reply.inReplyTo.length) {
    const deliveries = await db.prisma.delivery.findMany({
      where: { channel: "email", providerMessageId: { in: [...reply.inReplyTo] } },
      select: { providerMessageId: true, interventionId: true, intervention: { select: { studentId: true } } },
    });
    // In-Reply-To first, then References from the most recent.
    for (const id of reply.inReplyTo) {
      const delivery = deliveries.find((d) => d.providerMessageId === id);
      if (delivery) return { studentId: delivery.intervention.studentId, interventionId: delivery.interventionId, matchedBy: "in-reply-to" };
    }
  }
  const students = await studentsByEmail(db, reply.from);
  if (students.length === 1) return { studentId: students[0]!, matchedBy: "from-address" };
  if (students.length > 1) return { problem: "the sender's address belongs to more than one student" };
  return { problem: "the sender is not a known student and the email answers none of ours" };
}

/** Whether a student is (still) on record: a link may outlive its student. */
export async function studentExists(db: Database, studentId: number): Promise<boolean> {
  return (await db.prisma.student.findUnique({ where: { id: studentId }, select: { id: true } })) !== null;
}
