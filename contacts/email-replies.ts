/**
 * Whose email reply this is: the student an email of ours went to, when the reply's In-Reply-To or
 * References name it; otherwise the one student whose address sent it. A shared address is not
 * guessed at.
 *
 * A From address proves nothing (anyone can write any From). A reply is *verified* when it names
 * one of our own Message-IDs (each carries 64 random bits, so only someone who received that email
 * can name it), or when the university's mail system vouches for the sender (DMARC pass, read by
 * the edge from its Authentication-Results). Only a verified message may change anything about
 * the student: conversations/ holds an unverified request for a person to confirm.
 */
import type { Database } from "../prisma/index.ts";
import { studentsByEmail } from "./lookup.ts";

export type EmailReplySender =
  | { studentId: number; interventionId?: number; matchedBy: "in-reply-to" | "from-address"; verified: boolean }
  | { problem: string };

/** `authenticated`: the university's mail system says DMARC passed for the From address. */
export async function senderOfEmailReply(
  db: Database,
  reply: { inReplyTo: readonly string[]; from: string; authenticated: boolean },
): Promise<EmailReplySender> {
  if (reply.inReplyTo.length) {
    const deliveries = await db.prisma.delivery.findMany({
      where: { channel: "email", providerMessageId: { in: [...reply.inReplyTo] } },
      select: { providerMessageId: true, interventionId: true, intervention: { select: { studentId: true } } },
    });
    // In-Reply-To first, then References from the most recent.
    for (const id of reply.inReplyTo) {
      const delivery = deliveries.find((d) => d.providerMessageId === id);
      if (delivery) return { studentId: delivery.intervention.studentId, interventionId: delivery.interventionId, matchedBy: "in-reply-to", verified: true };
    }
  }
  const students = await studentsByEmail(db, reply.from);
  if (students.length === 1) return { studentId: students[0]!, matchedBy: "from-address", verified: reply.authenticated };
  if (students.length > 1) return { problem: "the sender's address belongs to more than one student" };
  return { problem: "the sender is not a known student and the email answers none of ours" };
}

/** Whether a student is (still) on record: a link may outlive its student. */
export async function studentExists(db: Database, studentId: number): Promise<boolean> {
  return (await db.prisma.student.findUnique({ where: { id: studentId }, select: { id: true } })) !== null;
}
