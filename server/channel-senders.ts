/**
 * The channel senders the configuration switches on, built once per process. Only the outbox
 * dispatcher is handed them (the outbox is the only way out).
 */
import type { ChannelName } from "../core/index.ts";
import type { TeamsMessenger } from "../channels/index.ts";
import { createTeamsSender } from "../channels/index.ts";
import { createSmsSender } from "../channels/index.ts";
import { createEmailSender, createStaffEmailSender } from "../channels/index.ts";
import type { StaffSenders } from "../delivery/index.ts";
import type { ChannelSender } from "../delivery/index.ts";
import { createProactiveMessenger } from "../bot/index.ts";
import type { Config } from "./config.ts";
import type { Logger } from "../core/index.ts";

/** The address links in messages point at: the public one, else this service on localhost (development). */
export function publicAddress(config: Config): string {
  return config.publicBaseUrl?.replace(/\/+$/, "") ?? `http://localhost:${config.port || 3978}`;
}

export function createChannelSenders(config: Config, logger: Logger, teams?: TeamsMessenger): Map<ChannelName, ChannelSender> {
  const senders = new Map<ChannelName, ChannelSender>();
  for (const channel of config.channels) {
    if (channel === "teams") {
      if (teams) senders.set("teams", createTeamsSender(teams));
      else logger.warn("teams channel enabled but no bot in this process: Teams messages wait for the service");
    } else if (channel === "sms") {
      if (config.twilio) senders.set("sms", createSmsSender({ ...config.twilio, publicBaseUrl: config.publicBaseUrl }));
      else logger.warn("sms channel enabled without TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM: SMS falls back to the next channel");
    } else if (channel === "email") {
      if (config.smtp) senders.set("email", createEmailSender({ ...config.smtp, publicBaseUrl: publicAddress(config), linkSecret: config.linkSecret }));
      else logger.warn("email channel enabled without SMTP_HOST and EMAIL_FROM: email falls back to the next channel");
    }
  }
  return senders;
}

export async function closeChannelSenders(senders: ReadonlyMap<ChannelName, ChannelSender>): Promise<void> {
  await Promise.all([...senders.values()].map((s) => s.close?.()));
}

/**
 * Senders for messages to staff: Teams whatever the students' channels are (sharing the students'
 * Teams sender, so one rate limit covers the bot), and email whenever SMTP is configured.
 */
export function createStaffSenders(config: Config, students: ReadonlyMap<ChannelName, ChannelSender>, teams?: TeamsMessenger): StaffSenders {
  return {
    teams: students.get("teams") ?? (teams ? createTeamsSender(teams) : undefined),
    email: config.smtp ? createStaffEmailSender(config.smtp) : undefined,
  };
}

export async function closeStaffSenders(senders: StaffSenders): Promise<void> {
  await senders.email?.close();
}

/**
 * Senders for a process without the HTTP service (`nudge outbox dispatch`, `nudge jobs run`): made
 * on first use, with a bot adapter of its own for proactive Teams messages.
 */
export function lazyChannelSenders(
  config: Config,
  logger: Logger,
): { get(): ReadonlyMap<ChannelName, ChannelSender>; staffSenders(): StaffSenders; close(): Promise<void> } {
  let senders: Map<ChannelName, ChannelSender> | undefined;
  let staffSenders: StaffSenders | undefined;
  let messenger: TeamsMessenger | undefined;
  const teams = () => (config.channels.includes("teams") ? (messenger ??= createProactiveMessenger(config.bot, logger)) : undefined);
  const get = () => (senders ??= createChannelSenders(config, logger, teams()));
  return {
    get,
    staffSenders() {
      staffSenders ??= createStaffSenders(config, get(), (messenger ??= createProactiveMessenger(config.bot, logger)));
      return staffSenders;
    },
    async close() {
      if (senders) await closeChannelSenders(senders);
      if (staffSenders) await closeStaffSenders(staffSenders);
    },
  };
}
