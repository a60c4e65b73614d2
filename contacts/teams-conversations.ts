/**
 * Remembers each person's 1:1 Teams conversation with the bot, so the outbox can message them
 * later (a bot can only write first into a conversation it has seen). People are recognised by
 * their Entra object id; nothing is stored for anyone the service does not know.
 */
import { TurnContext, type Activity } from "botbuilder";
import { personByAadObjectId } from "../access/index.ts";
import type { Database } from "../prisma/index.ts";
import { isUniqueViolation } from "../prisma/index.ts";

/**
 * - `created`: the conversation is remembered, and it is the first the person has had with the
 *   bot (first contact: the student is welcomed with the short privacy notice);
 * - `stored`: the conversation is remembered (and marked reachable again);
 * - `uninstalled`: the person removed the app, their conversation is marked unreachable;
 * - `unknown`: no student or staff member has this Entra object id (or no conversation was stored);
 * - `ignored`: not a 1:1 Teams activity that says anything about the conversation.
 */
export type RememberOutcome = "created" | "stored" | "uninstalled" | "unknown" | "ignored";

export async function rememberConversation(db: Database, activity: Partial<Activity>): Promise<RememberOutcome> {
  const teamsUserId = activity.from?.id;
  const conversation = activity.conversation;
  const serviceUrl = activity.serviceUrl;
  if (activity.channelId !== "msteams" || conversation?.conversationType !== "personal") return "ignored";
  if (!teamsUserId || !conversation.id || !serviceUrl) return "ignored";

  switch (whatItSays(activity, teamsUserId)) {
    case "removed": {
      const { count } = await db.prisma.conversationReference.updateMany({
        where: { teamsUserId },
        data: { unavailableAt: new Date(), unavailableReason: "uninstalled" },
      });
      return count > 0 ? "uninstalled" : "unknown";
    }
    case "present": {
      const where = { teamsUserId, conversationId: conversation.id, serviceUrl };
      try {
        return await store(db, activity, where);
      } catch (error) {
        // Two first activities at once (Teams sends an install and a conversation update together):
        // the other one created the row, so this one is not the first contact. Stored again as an update.
        if (!isUniqueViolation(error)) throw error;
        return store(db, activity, where);
      }
    }
    case "nothing":
      return "ignored";
  }
}

function whatItSays(activity: Partial<Activity>, teamsUserId: string): "present" | "removed" | "nothing" {
  switch (activity.type) {
    case "message":
      return "present";
    case "installationUpdate": {
      // Teams sends "add"/"remove", and "add-upgrade"/"remove-upgrade" around app upgrades.
      const action = activity.action?.split("-")[0];
      return action === "add" ? "present" : action === "remove" ? "removed" : "nothing";
    }
    case "conversationUpdate": {
      // In a personal chat Teams lists the bot and, usually, the user as added; either means the chat exists.
      const added = activity.membersAdded ?? [];
      return added.some((m) => m.id === teamsUserId || m.id === activity.recipient?.id) ? "present" : "nothing";
    }
    default:
      return "nothing";
  }
}

interface Where {
  teamsUserId: string;
  conversationId: string;
  serviceUrl: string;
}

async function store(db: Database, activity: Partial<Activity>, { teamsUserId, conversationId, serviceUrl }: Where): Promise<RememberOutcome> {
  const { prisma } = db;
  const { studentId, staffId } = await personByAadObjectId(db, activity.from?.aadObjectId);
  if (studentId === null && staffId === null) return "unknown";

  const fields = {
    studentId,
    staffId,
    conversationId,
    serviceUrl,
    tenantId: activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? null,
    // JSON round trip: a plain object, without the undefined fields Prisma would reject.
    reference: JSON.parse(JSON.stringify(TurnContext.getConversationReference(activity))) as object,
    unavailableAt: null,
    unavailableReason: null,
  };
  return prisma.$transaction(async (tx) => {
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
