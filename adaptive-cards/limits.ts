/**
 * Teams' limits on a card, and the bounds the digest's data is assumed to keep so that a page of
 * `DIGEST_PAGE_SIZE` students stays within them.
 */

/**
 * The most JSON a card may have, in bytes. Microsoft documents a bot message limit of 100 KB counted
 * in UTF-16, with 80 KB recommended ("Format your bot messages", learn.microsoft.com/microsoftteams/
 * platform/bots/how-to/format-your-bot-messages; the page said 40 KB until 2025), and about 28 KB for
 * a message posted through the Teams connector (learn.microsoft.com/connectors/teams, "Known issues
 * and limitations"). 28 KB of UTF-8 is at most 56 KB of UTF-16: a card within it fits the bot limit,
 * old or new, with room for the activity around it.
 */
export const MAX_CARD_BYTES = 28 * 1024;

/**
 * Buttons in one action set: Teams shows at most six ("Designing Adaptive Cards for your app": "A
 * maximum of six are allowed"; Microsoft's Teams host config has `maxActions: 6`).
 */
export const MAX_ACTIONS = 6;

/**
 * The longest text each field of a digest student may have (characters). Builders of
 * `DigestStudent` clip to these; the worst-case sample uses them all at once.
 */
export const DIGEST_TEXT_LIMITS = {
  name: 80,
  studentNumber: 16,
  programme: 100,
  evidence: 400,
  trendLabel: 80,
  /** Weeks of the trend (digest/entries.ts TREND_WEEKS): each is a bar with its number on the card. */
  sparkline: 6,
  /** Each line; the card shows the first three. */
  historyLine: 120,
  proposalKind: 20,
  /** As for an edited message (interventions/approve.ts). */
  proposalText: 2000,
  done: 120,
  /** A student's message pinned until someone acknowledges it (the whole of it is in the alert). */
  concernText: 300,
  concernHeading: 120,
} as const;

/**
 * Students on one digest page: the most for which the worst case (every text at its limit, every
 * student with a proposal and all six actions) stays under `MAX_CARD_BYTES` — measured by the
 * templates test.
 */
export const DIGEST_PAGE_SIZE = 3;
