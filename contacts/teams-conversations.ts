/**
 * Remembers each person's 1:1 Teams conversation with the bot, so the outbox can message them
 * later (a bot can only write first into a conversation it has seen). People are recognised by
 * their Entra object id; nothing is stored for anyone the service does not know.
 */
import { personByAadObjectId } from "../access/index.ts";
import { isUniqueViolation, type Database } from "../prisma/index.ts";

/** What the bot saw of a person's 1:1 chat (bot/conversation-seen.ts). */
export interface ConversationSeen {
  /** `present`: the chat exists; `removed`: the person removed the app. */
  what: "present" | "removed";
  teamsUserId: string;
  aadObjectId?: string;
  conversationId: string;
  serviceUrl: string;
  tenantId: string | null;
  /** The Bot Framework conversation reference, as a plain object: proactive sends start from it. */
  reference: object;
}

/**
 * - `created`: the conversation is remembered, and it is the first the person has had with the
 *   bot (first contact: the student is welcomed with the short privacy notice);
 * - `stored`: the conversation is remembered (and marked reachable again);
 * - `uninstalled`: the person removed the app, their conversation is marked unreachable;
 * - `unknown`: no student or staff member has this Entra object id (or no conversation was stored).
 */
export type RememberOutcome = "created" | "stored" | "uninstalled" | "unknown";

export async function rememberConversation(db: Database, seen: ConversationSeen): Promise<RememberOutcome> {
  if (seen.what === "removed") {
    const { count } = await db.prisma.conversationReference.updateMany({
      where: { teamsUserId: seen.teamsUserId },
      data: { unavailableAt: new Date(), unavailableReason: "uninstalled" },
    });
    return count > 0 ? "uninstalled" : "unknown";
  }
  try {
    return await store(db, seen);
  } catch (error) {
    // Two first activities at once (Teams sends an install and a conversation update together):
    // the other one created the row, so this one is not the first contact. Stored again as an update.
    if (!isUniqueViolation(error)) throw error;
    return store(db, seen);
  }
}

async function store(db: Database, seen: ConversationSeen): Promise<RememberOutcome> {
  const { studentId, staffId } = await personByAadObjectId(db, seen.aadObjectId);
  if (studentId === null && staffId === null) return "unknown";
  const { teamsUserId } = seen;
  const fields = {
    studentId,
    staffId,
    conversationId: seen.conversationId,
    serviceUrl: seen.serviceUrl,
    tenantId: seen.tenantId,
    reference: seen.reference,
    unavailableAt: null,
    unavailableReason: null,
  };
  return db.prisma.$transaction(async (tx) => {
    // A person has one conversation with the bot; an older one under another Teams user id (say,
    // from an earlier app registration) is stale.
    const owners = [...(studentId ? [{ studentId }] : []), ...(staffId ? [{ staffId }] : [])];
    const existing = await tx.conversationReference.count({ where: { OR: [{ teamsUserId }, ...owners] } });
    if (existing === 0) {
      // A plain insert: of two racing first activities exactly one succeeds (unique teamsUserId).
      await tx.conversationReference.create({ data: { teamsUserId, ...fields } });
      return "created" as const;
    }
    await tx.conversationReference.deleteMany({ where: { teamsUserId: { not: teamsUserId }, OR: owners } });
    await tx.conversationReference.upsert({ where: { teamsUserId }, create: { teamsUserId, ...fields }, update: fields });
    return "stored" as const;
  });
}
