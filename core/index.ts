/**
 * The foundation every module may use: the product's vocabulary, the institution's clock and
 * working hours, the one error model, logging, text normalisation, and what Nudge says to students.
 */
export {
  CHANNELS,
  ENGAGEMENT_SOURCES,
  SOURCE_WORDS,
  sourceActivity,
  isChannel,
  MINUTE_MS,
  HOUR_MS,
  DAY_MS,
  WEEK_MS,
  type ChannelName,
  type EngagementSource,
} from "./vocabulary.ts";
export { DEFAULT_TIMEZONE, isTimeZone, wallClock, zonedInstant, partsOf, timeLabel, dateLabel, whenLabel, type WallClock } from "./zoned-time.ts";
export { nextWorkingInstant, relativeDayInWords, DEFAULT_WORKING_HOURS, type WorkingHours } from "./working-hours.ts";
export { normalise, wordsOf } from "./normalise-text.ts";
export { escapeMarkdown, unescapeMarkdown } from "./markdown-text.ts";
export { nestsDeeperThan, MAX_JSON_DEPTH } from "./json-depth.ts";
export { say, STUDENT_MESSAGES, type StudentMessageKey } from "./student-messages.ts";
export { createLogger, REDACT_PATHS, type Logger } from "./logger.ts";
export { consoleText, routeConsoleToLog } from "./library-console.ts";
export { ITEMS_PER_YIELD, SLICE_MS, TimeSlice, yieldToEventLoop } from "./event-loop.ts";
export { isRecord } from "./is-record.ts";
export { signedLinkToken, readSignedLinkToken, signedLinkUrl, type LinkRecipient } from "./signed-links.ts";
export { NudgeError, isNudgeError, exitCodeFor, httpStatusFor, staffSentenceFor, ERROR_KINDS, type ErrorKind } from "./errors.ts";
