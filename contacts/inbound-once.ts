/**
 * Acting on an inbound message once: a provider replays a webhook it thinks failed, and an old
 * signed START replayed after a later STOP must not opt a student back in. The message's own id
 * is kept; a second sight of it changes nothing.
 */
import type { ChannelName } from "../core/index.ts";
import { isUniqueViolation, type Database } from "../prisma/index.ts";

/** True the first time this message is seen (and it is now recorded), false for a replay. */
export async function firstSight(db: Database, channel: ChannelName, providerMessageId: string): Promise<boolean> {
  try {
    await db.prisma.inboundMessage.create({ data: { providerMessageId, channel } });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}
