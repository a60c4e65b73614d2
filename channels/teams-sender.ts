/**
 * The Teams channel sender. It talks to a `TeamsMessenger` (implemented in bot/ over the Bot
 * Framework adapter), keeps within Teams' rate limits by waiting, and turns Bot Connector errors
 * into the channel contract's failure kinds.
 */
import { HOUR_MS } from "../core/index.ts";
import { parseRetryAfter } from "../delivery/index.ts";
import { RollingLimiter, systemClock, type Clock, type RateWindow } from "./rate-limiter.ts";
import { ChannelFailure, PROVIDER_TIMEOUT_MS, type ChannelSender, type OutboundMessage, type SendResult } from "../delivery/index.ts";
import { attachmentOf, type AdaptiveCard } from "../adaptive-cards/index.ts";

export interface TeamsActivity {
  type: "message";
  text?: string;
  attachments?: unknown[];
}

/** Sends one activity into a stored conversation; rejects with the Bot Connector's error as is. */
export interface TeamsMessenger {
  sendToConversation(reference: unknown, activity: TeamsActivity, options?: { signal?: AbortSignal }): Promise<{ id: string }>;
}

export interface TeamsSenderOptions {
  /** Sends per second to one conversation (Teams allows 7). The 2 s, 30 s and 1 h windows always apply. */
  perConversationPerSecond?: number;
  /** Sends per second across the app (Teams allows 50 per app per tenant; one tenant is assumed). */
  perAppPerSecond?: number;
  /** How long the Bot Connector gets to answer one send. */
  timeoutMs?: number;
  /** The rate limiters' clock. */
  clock?: Clock;
}

/**
 * "Optimize your bot with rate limiting in Teams" (Microsoft Learn, Teams platform docs, bots/how-to/rate-limit):
 * per bot per conversation, send to conversation: 7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per hour;
 * and a global limit of 50 requests per second per app per tenant.
 */
function conversationWindows(perSecond = 7): RateWindow[] {
  return [
    { limit: perSecond, perMs: 1_000 },
    { limit: 8, perMs: 2_000 },
    { limit: 60, perMs: 30_000 },
    { limit: 1_800, perMs: HOUR_MS },
  ];
}
const APP_PER_SECOND = 50;

/** A message as Teams gets it: the card, which carries the text and its buttons, or the text alone. */
export function teamsActivity(message: { text?: string; card?: object }): TeamsActivity {
  return message.card ? { type: "message", attachments: [attachmentOf(message.card as AdaptiveCard)] } : { type: "message", text: message.text ?? "" };
}

/** The provider id the outbox keeps for a Teams message: conversation and activity. */
export function teamsMessageId(conversationId: string, activityId: string): string {
  return `${conversationId}|${activityId}`;
}

export function createTeamsSender(messenger: TeamsMessenger, options: TeamsSenderOptions = {}): ChannelSender {
  const clock = options.clock ?? systemClock;
  const conversations = new RollingLimiter(conversationWindows(options.perConversationPerSecond), clock);
  const app = new RollingLimiter([{ limit: options.perAppPerSecond ?? APP_PER_SECOND, perMs: 1_000 }], clock);
  const timeoutMs = options.timeoutMs ?? PROVIDER_TIMEOUT_MS;

  return {
    channel: "teams",
    async send(message: OutboundMessage): Promise<SendResult> {
      const reference = message.recipient.teamsReference;
      const conversationId = conversationIdOf(reference);
      if (!conversationId) throw new ChannelFailure("unavailable", "no Teams conversation: the student has not installed the app");

      // The wait for a slot is ours and is not part of the provider's timeout.
      await conversations.acquire(conversationId, () => app.acquire("app"));
      const activity = teamsActivity(message);
      try {
        const { id } = await withTimeout(timeoutMs, (signal) => messenger.sendToConversation(reference, activity, { signal }));
        // Activity ids are unique only within a conversation (often a millisecond timestamp), and
        // the outbox keeps provider ids unique across every delivery: qualify it. No id, none kept.
        return { providerMessageId: id ? teamsMessageId(conversationId, id) : "" };
      } catch (error) {
        throw teamsFailure(error);
      }
    },
  };
}

function conversationIdOf(reference: unknown): string | undefined {
  const id = (reference as { conversation?: { id?: unknown } } | null | undefined)?.conversation?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

class ProviderTimeout extends Error {}

/**
 * Aborts the request after `ms`. A request that reached Teams before the abort may still be
 * delivered, so a retry after a timeout can duplicate a message; Teams has no idempotency key.
 */
async function withTimeout<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new ProviderTimeout(`Teams did not answer within ${ms} ms`));
      controller.abort();
    }, ms);
  });
  const running = run(controller.signal);
  running.catch(() => undefined); // it rejects once aborted, after the race is decided
  try {
    return await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Teams asks for retries on 429, 412, 502 and 504 (same rate-limit page); 500 and 503 are transient too. */
const RETRYABLE_STATUS = new Set([412, 429, 500, 502, 503, 504]);
/** 403: the app was uninstalled or the user blocked the bot; 404: the conversation is gone. */
const UNAVAILABLE_STATUS = new Set([403, 404]);
/** Node's error codes for a connection that failed or was cut, and the HTTP client's own. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "REQUEST_SEND_ERROR",
]);

interface ConnectorError {
  name?: string;
  message?: string;
  code?: string | number;
  statusCode?: number;
  response?: { status?: number; headers?: unknown };
}

/** Maps what the Bot Framework connector throws (a RestError with `statusCode` and `response`) to the contract. */
export function teamsFailure(error: unknown): ChannelFailure {
  if (error instanceof ChannelFailure) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as ConnectorError;
  const text = e.message ?? String(error);
  if (error instanceof ProviderTimeout) return new ChannelFailure("retryable", text);

  const status = e.statusCode ?? e.response?.status;
  // The connector puts Teams' own error code (e.g. "ConversationBlockedByUser") in `code`.
  const detail = { status, providerCode: e.code };
  if (typeof status === "number") {
    if (UNAVAILABLE_STATUS.has(status)) return new ChannelFailure("unavailable", `Teams answered ${status}: ${text}`, detail);
    if (RETRYABLE_STATUS.has(status)) {
      const retryAfterMs = parseRetryAfter(headerValue(e.response?.headers, "retry-after"));
      return new ChannelFailure("retryable", `Teams answered ${status}: ${text}`, retryAfterMs === undefined ? detail : { ...detail, retryAfterMs });
    }
    return new ChannelFailure("permanent", `Teams answered ${status}: ${text}`, detail);
  }
  if (e.name === "AbortError" || (typeof e.code === "string" && NETWORK_CODES.has(e.code))) {
    return new ChannelFailure("retryable", `Teams could not be reached: ${text}`, { providerCode: e.code });
  }
  return new ChannelFailure("permanent", `Teams send failed: ${text}`, { providerCode: e.code });
}

/** Headers arrive as the HTTP pipeline's `HttpHeaders` (with `get`) or as a plain object. */
function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== "object" || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  const value = typeof get === "function" ? get.call(headers, name) : (headers as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}
