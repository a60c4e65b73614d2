/**
 * Sums per key for millions of keys in little memory: an open-addressing hash table over typed
 * arrays, keyed by a non-negative safe integer.
 *
 * Hand-written because a `Map<number, number>` with ~3.75M keys above 2^31 (the OULAD studentVle
 * rollup) boxes every key and value as a heap number: peak RSS was 764 MB against a 512 MB budget.
 * This table costs 16 bytes a slot (~130 MB at that size) and hands keys back sorted, so the
 * database inserts them in index order.
 */
export class DailyTotals {
  private keys: Float64Array;
  private sums: Int32Array;
  private rows: Int32Array;
  private used: Uint8Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1 << 16) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity <<= 1;
    this.keys = new Float64Array(capacity);
    this.sums = new Int32Array(capacity);
    this.rows = new Int32Array(capacity);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
  }

  private slotOf(key: number): number {
    // Mix the low and high 32 bits (keys go up to 2^53).
    const low = key >>> 0;
    const high = (key / 0x1_0000_0000) >>> 0;
    let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & this.mask;
    while (this.used[slot] === 1 && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
    return slot;
  }

  /** Adds `amount` (and one input row) to `key`'s total. */
  add(key: number, amount: number): void {
    let slot = this.slotOf(key);
    if (this.used[slot] === 0) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow();
        slot = this.slotOf(key);
      }
      this.used[slot] = 1;
      this.keys[slot] = key;
      this.size++;
    }
    this.sums[slot]! += amount;
    this.rows[slot]!++;
  }

  get(key: number): { sum: number; rows: number } | undefined {
    const slot = this.slotOf(key);
    return this.used[slot] === 1 ? { sum: this.sums[slot]!, rows: this.rows[slot]! } : undefined;
  }

  /** Input rows added in all. */
  totalRows(): number {
    let total = 0;
    for (let slot = 0; slot < this.rows.length; slot++) total += this.rows[slot]!;
    return total;
  }

  /** Keys in ascending order. */
  sortedKeys(): Float64Array {
    const out = new Float64Array(this.size);
    let n = 0;
    for (let slot = 0; slot < this.keys.length; slot++) if (this.used[slot] === 1) out[n++] = this.keys[slot]!;
    return out.sort();
  }

  private grow(): void {
    const { keys, sums, rows, used } = this;
    const capacity = keys.length * 2;
    this.keys = new Float64Array(capacity);
    this.sums = new Int32Array(capacity);
    this.rows = new Int32Array(capacity);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
    for (let slot = 0; slot < keys.length; slot++) {
      if (used[slot] !== 1) continue;
      const target = this.slotOf(keys[slot]!);
      this.used[target] = 1;
      this.keys[target] = keys[slot]!;
      this.sums[target] = sums[slot]!;
      this.rows[target] = rows[slot]!;
    }
  }
}
