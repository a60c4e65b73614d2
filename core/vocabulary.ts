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

/**
 * Each source in words, once for every module: `name` where a source is named in a phrase ("no
 * VLE activity", "how fresh is the attendance data?"), `activity` for what it records about a
 * student ("VLE activity up to 3 November", the privacy notice's list).
 */
export const SOURCE_WORDS: Readonly<Record<EngagementSource, { name: string; activity: string }>> = {
  vle: { name: "VLE", activity: "VLE activity" },
  attendance: { name: "attendance", activity: "attendance registers" },
  library: { name: "library", activity: "library visits" },
  submission: { name: "submission", activity: "assignment submissions" },
  printing: { name: "printing", activity: "printing" },
};

/** A source's activity in words, or the key itself for anything that is not a source. */
export function sourceActivity(source: string): string {
  return (SOURCE_WORDS as Record<string, { activity: string } | undefined>)[source]?.activity ?? source;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
