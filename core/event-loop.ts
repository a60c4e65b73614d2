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

/** The longest stretch of synchronous work a time slice allows before handing the event loop back. */
export const SLICE_MS = 10;

/**
 * Yields by time rather than by count, for loops whose items cost anything from a microsecond to
 * a millisecond (a rule condition of 500 nodes, a statement with large extensions): `await
 * slice.pause()` between items hands the event loop back once `ms` have passed since the last time.
 */
export class TimeSlice {
  #started = performance.now();
  constructor(private readonly ms: number = SLICE_MS) {}

  /** Whether the slice has run its length (then `pause` would yield). */
  get due(): boolean {
    return performance.now() - this.#started >= this.ms;
  }

  async pause(): Promise<void> {
    if (!this.due) return;
    await yieldToEventLoop();
    this.#started = performance.now();
  }
}
