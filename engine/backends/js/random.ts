// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3", SC 2011; the generator of JAX, cuRAND and PyTorch on CUDA). Ten rounds of a keyed
// multiply-and-xor turn a 128-bit counter into four 32-bit words: element i of a fill is word i % 4
// of the block at counter (counter + i) / 4, a pure function of (key, position). A GPU thread per
// element computes the same bits with 32-bit integer math, so every backend makes the same mask.

import type { RandomParams } from '../../kernels.js';
import { sizeOf } from '../../shape.js';
import { Tensor } from '../../tensor.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product a·m of two uint32s (the low ones are Math.imul's). */
function mulHi(a: number, m: number): number {
  // split m into 16-bit halves: a·mL and a·mH are below 2^48, exact in float64
  const t = a * (m & 0xffff);
  const u = a * (m >>> 16) + Math.floor(t / 65536);
  return Math.floor(u / 65536) >>> 0;
}

/** The four words of counter block (c0, c1, c2, c3) under key (k0, k1), into out[0..3]. */
export function philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = c2 >>> 0, x3 = c3 >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulHi(M0, x0), lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulHi(M1, x2), lo1 = Math.imul(M1, x2) >>> 0;
    const y0 = (hi1 ^ x1 ^ k0) >>> 0;
    const y2 = (hi0 ^ x3 ^ k1) >>> 0;
    x0 = y0;
    x1 = lo1;
    x2 = y2;
    x3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

export function randomFill(p: RandomParams): Tensor {
  const Y = new Float32Array(sizeOf(p.shape));
  const words = new Uint32Array(4);
  const [k0, k1] = p.key;
  const bernoulli = p.distribution === 'bernoulli';
  const { p: probability = 0, value = 1 } = p;
  // element i is word (counter + i) % 4 of block (counter + i) / 4: one block serves four elements
  const first = Math.floor(p.counter / 4);
  for (let b = first, i = -(p.counter % 4); i < Y.length; b++, i += 4) {
    philox(b % 2 ** 32, Math.floor(b / 2 ** 32), 0, 0, k0, k1, words);
    for (let w = 0; w < 4; w++) {
      if (i + w < 0 || i + w >= Y.length) continue;
      const u = (words[w] >>> 8) / 16777216; // 24 bits: exact in float32
      Y[i + w] = bernoulli ? (u < probability ? value : 0) : u;
    }
  }
  return new Tensor(Y, p.shape);
}
