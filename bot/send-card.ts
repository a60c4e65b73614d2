/** Posting one of our cards in the turn's conversation. */
import type { TurnContext } from "botbuilder";
import { attachmentOf, type AdaptiveCard } from "../adaptive-cards/index.ts";

export async function sendCard(context: TurnContext, card: AdaptiveCard): Promise<void> {
  await context.sendActivity({ attachments: [attachmentOf(card)] });
}
