/**
 * Long loops over a request's data (a 10 MB xAPI push is 26,000 statements) hand the event loop
 * back every so often, so /readyz, Teams and the webhooks are answered meanwhile. A chain of
 * already-resolved promises never does: only a macrotask lets other callbacks run.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Items between yields: a few milliseconds of per-item work. */
export const ITEMS_PER_YIELD = 250;
