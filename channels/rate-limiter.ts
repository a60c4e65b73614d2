/**
 * A rolling-window rate limiter that waits rather than fails. Each window allows at most `limit`
 * events per key in any `perMs` span. Rolling windows, not a token bucket: Teams states its limits
 * as several windows at once (7 per second and 8 per 2 seconds), and a 7-per-second bucket would
 * allow 14 in 2 seconds.
 */

export interface RateWindow {
  limit: number;
  perMs: number;
}

/** Injectable so tests check the schedule without waiting for it. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Idle keys are dropped every this many grants, so the map holds only recent conversations. */
const SWEEP_EVERY = 1024;

export class RollingLimiter {
  /** Grant times per key, oldest first, never more than the largest limit. */
  private readonly history = new Map<string, number[]>();
  /** The tail of each key's queue: callers for one key go in arrival order. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly horizonMs: number;
  private readonly keep: number;
  private grants = 0;

  constructor(
    private readonly windows: readonly RateWindow[],
    private readonly clock: Clock = systemClock,
  ) {
    if (windows.length === 0 || windows.some((w) => !(Number.isInteger(w.limit) && w.limit >= 1 && w.perMs > 0))) {
      throw new Error(`invalid rate windows: ${JSON.stringify(windows)}`);
    }
    this.horizonMs = Math.max(...windows.map((w) => w.perMs));
    this.keep = Math.max(...windows.map((w) => w.limit));
  }

  /**
   * Resolves once one more event for `key` fits every window, and counts it. `thenWait` (another
   * limiter, say) runs while this key's turn is held, so the time counted is the time the caller
   * actually goes and the windows hold for what is sent, not for what was scheduled.
   */
  acquire(key: string, thenWait?: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const turn = previous.then(async () => {
      for (let wait = this.delay(key); wait > 0; wait = this.delay(key)) await this.clock.sleep(wait);
      await thenWait?.();
      this.record(key);
    });
    // A failed turn must not hold up the callers behind it.
    const settled = turn.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return turn;
  }

  /** Milliseconds until one more event for `key` fits every window (0: now). */
  private delay(key: string): number {
    const times = this.history.get(key);
    if (!times) return 0;
    const now = this.clock.now();
    let wait = 0;
    for (const { limit, perMs } of this.windows) {
      // The window is full while the limit-th most recent event is less than perMs old.
      const nth = times[times.length - limit];
      if (nth !== undefined) wait = Math.max(wait, nth + perMs - now);
    }
    return wait;
  }

  private record(key: string): void {
    const now = this.clock.now();
    const times = this.history.get(key) ?? [];
    times.push(now);
    if (times.length > this.keep) times.splice(0, times.length - this.keep);
    this.history.set(key, times);
    if (++this.grants % SWEEP_EVERY === 0) this.sweep(now);
  }

  private sweep(now: number): void {
    for (const [key, times] of this.history) {
      const last = times[times.length - 1];
      if ((last === undefined || last <= now - this.horizonMs) && !this.queues.has(key)) this.history.delete(key);
    }
  }
}
