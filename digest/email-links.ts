/**
 * The digest for tutors without Teams: the digest email carries a signed link to a page that lists
 * every tutee on the digest with the same actions as the card (approve, send an edited version,
 * invite to talk, dismiss with a verdict, snooze, acknowledge a pinned message). The token names
 * the digest and the tutor it was sent to; a forged or altered link, another tutor's digest and
 * a digest older than DIGEST_LINK_DAYS show nothing. Opening the page changes nothing (mail
 * scanners follow links); only its buttons (POSTs) act, through the same use cases as the card,
 * so approval, access checks and the audit are the card's own.
 */
import { readSignedLinkToken, signedLinkUrl } from "../core/index.ts";
import { writeAudit } from "../audit/index.ts";
import type { Database } from "../prisma/index.ts";
import { tutorDigest, type DigestEntry } from "./entries.ts";
import { digestAction, type DigestActionDeps, type StaffMember } from "./tutor-tools.ts";
import { markRepliesSeen } from "./entries.ts";

export const DIGEST_LINK_PATH = "/digest";
const PURPOSE = "digest:act";
/** A link older than this opens nothing: a forwarded or old email should not act for long. */
export const DIGEST_LINK_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export function digestLinkUrl(publicBaseUrl: string, secret: string, digestId: number, staffNumber: string): string {
  return signedLinkUrl(publicBaseUrl, DIGEST_LINK_PATH, secret, PURPOSE, digestId, { kind: "staff", staffNumber });
}

/** The lines the digest email ends with when it can carry the link. */
export function digestLinkLines(url: string): string {
  return `Without Teams, open your digest here to approve, edit, invite, dismiss or snooze (the link is yours alone and works for ${DIGEST_LINK_DAYS} days):\n${url}`;
}

export type LinkedDigest =
  | { state: "valid"; digestId: number; staff: StaffMember; sentAt: Date; studentIds: number[] }
  | { state: "expired"; sentAt: Date }
  | { state: "invalid" };

/** What a token opens, checked against the stored digest: it must be this tutor's, recent, and the tutor still active. */
export async function digestOfLink(db: Database, secret: string, token: string | null | undefined, now = new Date()): Promise<LinkedDigest> {
  const link = readSignedLinkToken(secret, PURPOSE, token);
  if (link?.recipient.kind !== "staff") return { state: "invalid" };
  const digest = await db.prisma.tutorDigest.findUnique({
    where: { id: link.id },
    select: { id: true, sentAt: true, studentIds: true, staff: { select: { id: true, staffNumber: true, displayName: true, active: true } } },
  });
  if (!digest || digest.staff.staffNumber !== link.recipient.staffNumber || !digest.staff.active) return { state: "invalid" };
  if (now.getTime() - digest.sentAt.getTime() > DIGEST_LINK_DAYS * DAY_MS) return { state: "expired", sentAt: digest.sentAt };
  const studentIds = (Array.isArray(digest.studentIds) ? digest.studentIds : []).filter((id): id is number => typeof id === "number");
  return {
    state: "valid",
    digestId: digest.id,
    staff: { staffId: digest.staff.id, staffNumber: digest.staff.staffNumber, displayName: digest.staff.displayName },
    sentAt: digest.sentAt,
    studentIds,
  };
}

export interface DigestLinkPage {
  tutorName: string;
  sentAt: Date;
  entries: DigestEntry[];
}

/** Every tutee on the digest as things stand now (each read audited, as the card's are). */
export async function digestLinkPage(db: Database, linked: Extract<LinkedDigest, { state: "valid" }>, now = new Date()): Promise<DigestLinkPage> {
  const { tutor, entries } = await tutorDigest(db, linked.staff.staffNumber, {
    studentIds: linked.studentIds,
    decisionsSince: linked.sentAt,
    purpose: "digest by email link",
    now,
  });
  await markRepliesSeen(
    db,
    entries.flatMap((e) => e.shownReplyIds),
    now,
  );
  return { tutorName: tutor.displayName, sentAt: linked.sentAt, entries };
}

export const LINK_ACTIONS = ["approve", "edit", "invite", "dismiss", "snooze", "acknowledge"] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

export interface LinkActionRequest {
  action: string;
  studentId: number;
  interventionId?: number;
  concernId?: number;
  editedText?: string;
  verdict?: string;
  comment?: string;
}

/**
 * A button on the page: the card's own action for the same digest and student. A student who is
 * not on this digest is refused and audited, as a card of someone else's would be. Returns the
 * refusal in words, or null when done; errors of the use cases propagate to the route.
 */
export async function actOnDigestLink(
  db: Database,
  linked: Extract<LinkedDigest, { state: "valid" }>,
  request: LinkActionRequest,
  deps: Omit<DigestActionDeps, "refreshUserIds">,
): Promise<string | null> {
  if (!(LINK_ACTIONS as readonly string[]).includes(request.action)) return "That button isn't one this page knows. Please reload the page and try again.";
  if (!linked.studentIds.includes(request.studentId)) {
    await writeAudit(db.prisma, {
      actor: { kind: "staff", staffNumber: linked.staff.staffNumber },
      action: "access.refused",
      targetType: "digest",
      targetId: String(linked.digestId),
      details: { action: request.action, reason: "student not on this digest", via: "email link" },
    });
    return "That student isn't on this digest, so nothing was changed. The attempt has been recorded.";
  }
  const suffix = String(request.studentId);
  const result = await digestAction(
    db,
    linked.staff,
    `digest.${request.action}`,
    {
      digestId: linked.digestId,
      studentId: request.studentId,
      interventionId: request.interventionId,
      concernId: request.concernId,
      days: 7,
      [`editedText-${suffix}`]: request.editedText,
      [`verdict-${suffix}`]: request.verdict,
      [`comment-${suffix}`]: request.comment,
    },
    { ...deps, refreshUserIds: [] },
  );
  return typeof result === "string" ? result : null;
}
