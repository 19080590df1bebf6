// Seedable random numbers. Everything random in typegrad (rand, randn, dropout, init, shuffling,
// augmentation) draws from a Generator, so a run repeats exactly for a seed.
// The generator is xoshiro128** (small, fast with 32-bit integer math, good statistical quality);
// seeds are spread over its 128-bit state with splitmix32. The numbers differ from PyTorch's
// mt19937: same seed, same numbers within typegrad, not across libraries.

export class Generator {
  #s = new Uint32Array(4);
  #spareNormal: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed)) throw new TypeError(`manualSeed: seed must be a safe integer, got ${seed}`);
    // Fold both halves of a 53-bit seed in, so 1 and 2**32 + 1 differ.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x9e3779b9);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = z ^ (z >>> 16);
    }
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1; // the all-zero state never leaves zero
    this.#spareNormal = null;
    return this;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 24 random bits: every value is exactly representable in float32. */
  uniform(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Standard normal, by the Box-Muller transform (two draws give two normals). */
  normal(): number {
    if (this.#spareNormal !== null) {
      const z = this.#spareNormal;
      this.#spareNormal = null;
      return z;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.#spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** An integer uniform in [low, high), without modulo bias. */
  int(low: number, high: number): number {
    const span = high - low;
    if (!Number.isInteger(low) || !Number.isInteger(high) || span <= 0 || span > 2 ** 32) {
      throw new RangeError(`randint: expected integers low < high with high - low <= 2^32, got low=${low}, high=${high}`);
    }
    const limit = Math.floor(2 ** 32 / span) * span;
    let v = this.nextUint32();
    while (v >= limit) v = this.nextUint32();
    return low + (v % span);
  }

  /** The full state, for checkpoints: `setState(getState())` replays the same numbers. */
  getState(): number[] {
    return [...this.#s, this.#spareNormal ?? NaN];
  }

  setState(state: readonly number[]): this {
    if (!Array.isArray(state) || state.length !== 5) throw new RangeError(`Generator.setState: expected the 5 numbers of getState(), got ${Array.isArray(state) ? `${state.length} values` : typeof state}`);
    const words = state.slice(0, 4);
    if (!words.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32) || words.every((v) => v === 0) || typeof state[4] !== 'number') {
      throw new RangeError(`Generator.setState: expected four uint32 words (not all 0) and a number, got [${state.join(', ')}]`);
    }
    for (let i = 0; i < 4; i++) this.#s[i] = state[i];
    this.#spareNormal = Number.isNaN(state[4]) ? null : state[4];
    return this;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator used when an op is not given one. Starts from a fixed seed, like PyTorch's. */
export const defaultGenerator = new Generator(0);

export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/**
 * Runs `fn` with the default generator seeded with `seed`, then gives the default generator back the
 * state it had, as PyTorch's `with torch.random.fork_rng(): torch.manual_seed(seed)`. Everything inside
 * that draws from the default generator (random transforms without `{ generator }`, rand, dropout)
 * draws from the seeded stream, and the code around it sees no draws at all. A DataLoader runs each
 * sample's get() this way. Only the synchronous part of `fn` runs under the seed: code after an
 * `await` inside it draws from the default generator's own stream again.
 */
export function withSeed<T>(seed: number, fn: () => T): T {
  const saved = defaultGenerator.getState();
  defaultGenerator.manualSeed(seed);
  try {
    return fn();
  } finally {
    defaultGenerator.setState(saved);
  }
}
