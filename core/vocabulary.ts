/**
 * The product's words, defined once: the channels students are reached on and the sources of
 * engagement data. The database's enums must say the same (a test holds them to it).
 */
export const CHANNELS = ["teams", "sms", "email"] as const;
export type ChannelName = (typeof CHANNELS)[number];

export function isChannel(value: unknown): value is ChannelName {
  return typeof value === "string" && (CHANNELS as readonly string[]).includes(value);
}

/** Where a unit of engagement came from (POLICY P4). */
export const ENGAGEMENT_SOURCES = ["vle", "attendance", "library", "submission", "printing"] as const;
export type EngagementSource = (typeof ENGAGEMENT_SOURCES)[number];

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
