/**
 * The morning digest: each personal tutor with something new gets their digest through the staff
 * outbox, as a card in Teams or, when Teams cannot reach them, by email. The replies the digest
 * shows count as seen only once its message has been sent (`markSentDigestsSeen`, after each
 * outbox cycle); a digest that could not be sent leaves them unseen for the next one.
 */
import type { JobFigures, ScheduledJob } from "../jobs/index.ts";
import { PRIORITY, queueStaffNotice } from "../notices/index.ts";
import type { Database } from "../prisma/index.ts";
import { composeDigest } from "./cards.ts";
import { markRepliesSeen, tuteesForDigest } from "./entries.ts";
import { digestLinkLines, digestLinkUrl } from "./email-links.ts";

/** Where the digest email's link points and what signs it; without them the email says to use Teams. */
export interface DigestLinkSettings {
  publicBaseUrl: string;
  secret: string;
}

export function digestJobs(db: Database, settings: { schedule: string; links?: DigestLinkSettings }): ScheduledJob[] {
  return [
    {
      name: "tutor-digest",
      description: "send each personal tutor with something new their digest (Teams card, or email without Teams)",
      schedule: settings.schedule,
      catchUp: true,
      run: ({ scheduledFor }) => sendDigests(db, scheduledFor, settings.links),
    },
  ];
}

export async function sendDigests(db: Database, now: Date, links?: DigestLinkSettings): Promise<JobFigures> {
  await markSentDigestsSeen(db, now);
  const tutors = await db.prisma.staff.findMany({
    where: { active: true, roles: { some: { role: "personal_tutor" } } },
    select: {
      id: true,
      staffNumber: true,
      displayName: true,
      timezone: true,
      conversationReference: { select: { teamsUserId: true, unavailableAt: true } },
    },
    orderBy: { id: "asc" },
  });
  // "New" counts since each tutor's last scheduled digest (as `digestStudents`), read for all tutors at once.
  const previous = new Map(
    (await db.prisma.tutorDigest.groupBy({ by: ["staffId"], where: { trigger: "schedule" }, _max: { sentAt: true } })).map((d) => [d.staffId, d._max.sentAt]),
  );
  const figures = { tutors: tutors.length, queued: 0, nothingNew: 0, byEmail: 0 };
  for (const tutor of tutors) {
    const found = await tuteesForDigest(db, tutor.id, previous.get(tutor.id) ?? null, now);
    if (found.newIds.size === 0) {
      figures.nothingNew++;
      continue;
    }
    const conversation = tutor.conversationReference;
    const inTeams = conversation !== null && conversation.unavailableAt === null;
    const identity = { staffId: tutor.id, staffNumber: tutor.staffNumber, displayName: tutor.displayName, timezone: tutor.timezone };
    const digest = await composeDigest(db, tutor.staffNumber, "schedule", inTeams ? [conversation.teamsUserId] : [], now, found, identity);
    if (!digest) continue;
    await db.prisma.$transaction(async (tx) => {
      const [messageId] = await queueStaffNotice(
        tx,
        { staffId: tutor.id },
        {
          kind: "digest",
          priority: PRIORITY.routine,
          subject: digest.email.subject,
          // Every digest email carries the link: the Teams card may fall back to email at send time.
          text: links
            ? `${digest.email.text}\n\n${digestLinkLines(digestLinkUrl(links.publicBaseUrl, links.secret, digest.digestId, tutor.staffNumber))}`
            : digest.email.text,
          card: digest.card,
          route: "teams-then-email",
          dueAt: now,
        },
      );
      await tx.tutorDigest.update({ where: { id: digest.digestId }, data: { staffMessageId: messageId!, shownReplyIds: digest.shownReplyIds } });
    });
    figures.queued++;
    if (!inTeams) figures.byEmail++;
  }
  return figures;
}

/** Replies on digests whose message has gone (by Teams or its email fallback) are now seen. */
export async function markSentDigestsSeen(db: Database, now = new Date()): Promise<number> {
  const waiting = await db.prisma.tutorDigest.findMany({
    where: { staffMessageId: { not: null }, repliesSeenAt: null },
    select: { id: true, staffMessageId: true, shownReplyIds: true },
  });
  if (waiting.length === 0) return 0;
  const ids = waiting.map((d) => d.staffMessageId!);
  const sent = await db.prisma.staffMessage.findMany({
    where: { state: "sent", OR: [{ id: { in: ids } }, { fallbackOf: { in: ids } }] },
    select: { id: true, fallbackOf: true },
  });
  const delivered = new Set(sent.map((m) => m.fallbackOf ?? m.id));
  let marked = 0;
  for (const digest of waiting) {
    if (!delivered.has(digest.staffMessageId!)) continue;
    await markRepliesSeen(db, Array.isArray(digest.shownReplyIds) ? (digest.shownReplyIds as number[]) : [], now);
    await db.prisma.tutorDigest.update({ where: { id: digest.id }, data: { repliesSeenAt: now } });
    marked++;
  }
  return marked;
}
