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

  /**
   * Fills out[0 .. count) with the next numbers of nextUint32(), with the state in locals: the bulk
   * fills below draw from this, as fast as the generator goes (no call or field access per number).
   */
  fillUint32(out: Uint32Array, count = out.length): Uint32Array {
    const s = this.#s;
    let s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    const n = Math.min(count, out.length);
    for (let i = 0; i < n; i++) {
      const m = Math.imul(s1, 5);
      out[i] = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return out;
  }

  /** out[i] = low + (high − low) · uniform(), the same numbers as calling uniform() out.length times. */
  fillUniform(out: Float32Array, low = 0, high = 1): Float32Array {
    const bits = scratchBits();
    const span = high - low;
    for (let start = 0; start < out.length; start += bits.length) {
      const n = Math.min(bits.length, out.length - start);
      this.fillUint32(bits, n);
      for (let i = 0; i < n; i++) out[start + i] = low + span * ((bits[i] >>> 8) / 16777216);
    }
    return out;
  }

  /**
   * out[i] = mean + std · z with z standard normal, by the ziggurat (Marsaglia & Tsang, 256 layers):
   * 98.5% of values cost one 32-bit draw, two table lookups and a compare, no log or trig, which is what makes
   * the init of large models quick. A different algorithm from normal() (Box-Muller), so other numbers
   * for the same state; deterministic like everything here.
   */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    const bits = scratchBits();
    const rare = scratchRare();
    for (let start = 0; start < out.length; start += bits.length) {
      const n = Math.min(bits.length, out.length - start);
      this.fillUint32(bits, n);
      const nRare = zigguratChunk(bits, n, out, start, mean, std, rare);
      zigguratFixup(bits, rare, nRare, out, start, mean, std, this);
    }
    return out;
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

// The ziggurat's 256 layers of equal area v under the half-normal density f(x) = exp(−x²/2): layer i is
// the box [0, X[i]) x [F[i], F[i+1]), layer 0 the base box plus the tail beyond R.
const ZIG_R = 3.6541528853610088;
const ZIG_V = 4.92867323399e-3;
const ZIG_X = new Float64Array(257);
const ZIG_F = new Float64Array(257);
ZIG_X[0] = ZIG_V / Math.exp(-0.5 * ZIG_R * ZIG_R);
ZIG_X[1] = ZIG_R;
for (let i = 1; i < 255; i++) ZIG_X[i + 1] = Math.sqrt(-2 * Math.log(ZIG_V / ZIG_X[i] + Math.exp(-0.5 * ZIG_X[i] * ZIG_X[i])));
ZIG_X[256] = 0;
for (let i = 0; i <= 256; i++) ZIG_F[i] = Math.exp(-0.5 * ZIG_X[i] * ZIG_X[i]);
const ZIG_W = ZIG_X.map((x) => x / 8388608); // a 23-bit magnitude to a point in the layer
// the least 23-bit magnitude whose point m · W[i] is at or beyond X[i + 1]: below it, under the curve
const ZIG_K = Int32Array.from({ length: 256 }, (_, i) => {
  let m = Math.min(8388608, Math.ceil(ZIG_X[i + 1] / ZIG_W[i]));
  while (m > 0 && (m - 1) * ZIG_W[i] >= ZIG_X[i + 1]) m--;
  while (m < 8388608 && m * ZIG_W[i] < ZIG_X[i + 1]) m++;
  return m;
});

/**
 * The ziggurat's common case for n draws: out[start + j] from bits[j] where the point falls inside the
 * next layer's width (~98.5%); the others' j go to `rare` (their count is returned) for zigguratSlow.
 * Kept apart from the fixup (in fillNormal's loop, V8 compiled this ~1.6x slower), and free of calls
 * and branches.
 */
function zigguratChunk(bits: Uint32Array, n: number, out: Float32Array, start: number, mean: number, std: number, rare: Uint16Array): number {
  let nRare = 0;
  for (let j = 0; j < n; j++) {
    // bits 0–7 pick the layer, bit 8 the sign, bits 9–31 the point in the layer
    const b = bits[j];
    const layer = b & 255;
    const m = b >>> 9;
    // the sign as ±1 by arithmetic: a branch on a coin flip mispredicts half the time
    out[start + j] = mean + std * (m * ZIG_W[layer] * (1 - ((b >>> 7) & 2)));
    // m ≥ K[layer] (both below 2^23) is rare: counted by the sign bit of K − m − 1, without a branch
    rare[nRare] = j;
    nRare += (ZIG_K[layer] - m - 1) >>> 31;
  }
  return nRare;
}

/** Settles the rare draws zigguratChunk left (out[start + rare[r]] from bits[rare[r]]) by zigguratSlow. */
function zigguratFixup(bits: Uint32Array, rare: Uint16Array, nRare: number, out: Float32Array, start: number, mean: number, std: number, g: Generator): void {
  for (let r = 0; r < nRare; r++) {
    const b = bits[rare[r]];
    const z = zigguratSlow(b & 255, (b >>> 9) * ZIG_W[b & 255], g);
    out[start + rare[r]] = mean + std * (z * (1 - ((b >>> 7) & 2)));
  }
}

/**
 * The ziggurat's rare cases (~1.5%): a point of `layer` at `x` beyond the next layer's width, in the wedge
 * between the box and the curve or (layer 0) in the tail. Returns |z|, drawing afresh from `g` (after
 * the chunk fillNormal holds) when rejected.
 */
function zigguratSlow(layer: number, x: number, g: Generator): number {
  for (;;) {
    if (layer === 0) {
      // the tail beyond R (Marsaglia's method): R + a with a ~ Exp(R), accepted with prob exp(−a²/2)
      for (;;) {
        const a = -Math.log(1 - (g.nextUint32() >>> 8) / 16777216) / ZIG_R;
        const e = -Math.log(1 - (g.nextUint32() >>> 8) / 16777216);
        if (e + e >= a * a) return ZIG_R + a;
      }
    }
    // the wedge: accept if a uniform height falls under f(x)
    const y = ZIG_F[layer] + ((g.nextUint32() >>> 8) / 16777216) * (ZIG_F[layer + 1] - ZIG_F[layer]);
    if (y < Math.exp(-0.5 * x * x)) return x;
    // rejected: a new point in a new layer (the sign was drawn with the first one and stays)
    const b = g.nextUint32();
    layer = b & 255;
    x = (b >>> 9) * ZIG_W[layer];
    if (x < ZIG_X[layer + 1]) return x;
  }
}

// one chunk of raw draws shared by the bulk fills: small enough to stay in cache, allocated once
let bitsChunk: Uint32Array | null = null;
const scratchBits = () => (bitsChunk ??= new Uint32Array(4096));
let rareChunk: Uint16Array | null = null;
const scratchRare = () => (rareChunk ??= new Uint16Array(4096));

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
