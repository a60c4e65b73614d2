/**
 * Seeded random streams.
 *
 * Every student gets independent streams keyed by (seed, student index, stream name), so each
 * table can be generated in its own pass and still agree with the others: the attendance pass
 * and the EngagementDaily pass both replay the same "attendance" stream for a student and see
 * the same marks, without keeping millions of rows in memory between passes.
 */
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";

/** FNV-1a over the stream name: a small integer that identifies the stream. */
export function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's finaliser: a bijection on 32-bit integers that spreads every input bit. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Folds any safe integer (negative or beyond 32 bits) into 32 bits without losing the high part. */
function fold(value: number): number {
  const low = value | 0;
  const high = Math.floor(value / 0x1_0000_0000) | 0;
  return mix32(low ^ mix32(high + 0x5bd1e995));
}

const TWO_POW_32 = 0x1_0000_0000;

/** A seeded stream of numbers with the few distributions the generator needs. */
export class Stream {
  constructor(private readonly rng: RandomGenerator) {}

  /** Uniform in [0, 1); 32 bits are plenty for synthetic data and cost one draw. */
  float(): number {
    return (this.rng.next() + 0x8000_0000) / TWO_POW_32;
  }

  /** Uniform integer in [from, to]. */
  int(from: number, to: number): number {
    return from + Math.floor(this.float() * (to - from + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Index into `weights`, chosen in proportion to them. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const weight of weights) total += weight;
    let target = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i] as number;
      if (target < 0) return i;
    }
    return weights.length - 1;
  }

  /** Roughly normal (Irwin-Hall of 4 uniforms): bounded, cheap, good enough for marks and noise. */
  normal(mean: number, sd: number): number {
    const sum = this.float() + this.float() + this.float() + this.float();
    return mean + (sum - 2) * sd * 1.732;
  }
}

/**
 * The stream for (seed, index, name). The 128-bit generator state is built from the three keys
 * through bijections, so distinct keys never share a state (a single 32-bit hash would collide
 * for some pair among 30,000 students); the first outputs are discarded to decorrelate
 * neighbouring states.
 */
export function stream(seed: number, index: number, name: string): Stream {
  const a = fold(seed);
  const b = mix32(fold(index) ^ a);
  const c = mix32(hashName(name) ^ b);
  const d = mix32(a + b + c + 0x27d4eb2f) | 1;
  const rng = xoroshiro128plusFromState([a, b, c, d]);
  for (let i = 0; i < 8; i++) rng.next();
  return new Stream(rng);
}
