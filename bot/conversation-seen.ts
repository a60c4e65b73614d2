/**
 * What a Teams activity says about the person's 1:1 chat with the bot: that it exists (a message,
 * an install, the chat being created) or that they removed the app. Bot Framework's shapes stay
 * here; contacts/ stores the result.
 */
import { TurnContext, type Activity } from "botbuilder";
import type { ConversationSeen } from "../contacts/index.ts";

export function conversationSeen(activity: Partial<Activity>): ConversationSeen | null {
  const teamsUserId = activity.from?.id;
  const conversation = activity.conversation;
  const serviceUrl = activity.serviceUrl;
  if (activity.channelId !== "msteams" || conversation?.conversationType !== "personal") return null;
  if (!teamsUserId || !conversation.id || !serviceUrl) return null;
  const what = whatItSays(activity, teamsUserId);
  if (what === "nothing") return null;
  return {
    what,
    teamsUserId,
    aadObjectId: activity.from?.aadObjectId,
    conversationId: conversation.id,
    serviceUrl,
    tenantId: conversation.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? null,
    // JSON round trip: a plain object, without the undefined fields Prisma would reject.
    reference: JSON.parse(JSON.stringify(TurnContext.getConversationReference(activity))) as object,
  };
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
