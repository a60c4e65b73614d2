import { HOUR_MS } from "../core/index.ts";

/**
 * Delay before retry `attempt` (1-based): exponential with "equal jitter" (half fixed, half random,
 * so retries of many messages spread out), never less than the provider's Retry-After. Hand-written
 * because the retry is stored as the row's next due time, not awaited in a loop as retry libraries do.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, baseMs = 30_000, random: () => number = Math.random): number {
  const exponential = Math.min(HOUR_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.max(retryAfterMs ?? 0, Math.round(jittered));
}

/** HTTP `Retry-After` (RFC 9110: delay in seconds, or an HTTP date) as milliseconds from now. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
