/**
 * One pass of the staff outbox as the service's outbox job runs it: Teams through a bot built
 * from the configuration (its messages reach the test's Bot Connector stand-in), email through the
 * configured SMTP server, if any.
 */
import { createProactiveMessenger } from "../../bot/index.ts";
import { dispatchStaffMessages, type StaffDispatchFigures } from "../../delivery/index.ts";
import { markSentDigestsSeen } from "../../digest/index.ts";
import type { Database } from "../../prisma/index.ts";
import { closeStaffSenders, createChannelSenders, createStaffSenders } from "../../server/channel-senders.ts";
import { dispatchDue } from "../../delivery/outbox.ts";
import type { Config } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";

export async function sendStaffMessages(db: Database, config: Config, now?: Date): Promise<StaffDispatchFigures> {
  const senders = createStaffSenders(config, new Map(), createProactiveMessenger(config.bot, createLogger("silent")));
  try {
    const figures = await dispatchStaffMessages(db, senders, { owner: "test-staff-outbox", maxAttempts: 2, ...(now ? { clock: () => now } : {}) });
    await markSentDigestsSeen(db, now);
    return figures;
  } finally {
    await closeStaffSenders(senders);
  }
}

/**
 * One whole outbox cycle as the scheduled job runs it (staff first, then students), with senders
 * built from the configuration and closed after; at `at` when given, else the real clock.
 */
export async function outboxCycle(db: Database, config: Config, owner: string, at?: Date) {
  const logger = createLogger("silent");
  const messenger = createProactiveMessenger(config.bot, logger);
  const senders = createChannelSenders(config, logger, messenger);
  const staff = createStaffSenders(config, senders, messenger);
  try {
    return await dispatchDue(db, senders, { owner, rules: config.delivery, maxAttempts: 2, staff, ...(at ? { clock: () => at } : {}) });
  } finally {
    await Promise.all([...senders.values()].map((s) => s.close?.()));
    await staff.email?.close();
  }
}
