// randomFill: Philox4x32-10, bit for bit engine/backends/js/random.ts (which cites the paper and states
// the stream: element i is word (counter + i) % 4 of block (counter + i) / 4). One thread per block of
// four words, writing the (up to) four elements the block serves. WGSL has no 64-bit product, so the
// high half of a 32×32-bit multiply is built from 16-bit halves; the low half is u32 multiplication,
// which wraps. The bernoulli test u < p is made exact on the 24-bit integer behind u (p itself would
// round to float32): u < p ⟺ bits < ⌈p·2^24⌉.

import type { Kernels, RandomParams } from '../engine/kernels.js';
import { flatIndexWgsl, grid, WORKGROUP_SIZE, type Shader, type WebGpu } from './device.js';

const philoxWgsl = /* wgsl */ `
const M0 = 0xd2511f53u;
const M1 = 0xcd9e8d57u;
const W0 = 0x9e3779b9u;
const W1 = 0xbb67ae85u;

// the high 32 bits of the 64-bit product a·b
fn mulHi(a: u32, b: u32) -> u32 {
  let aLow = a & 0xffffu;
  let aHigh = a >> 16u;
  let bLow = b & 0xffffu;
  let bHigh = b >> 16u;
  let low = aLow * bLow;
  let cross1 = aLow * bHigh;
  let cross2 = aHigh * bLow;
  // the carry out of the low 32 bits: three terms below 2^16 each, no overflow
  let carry = ((low >> 16u) + (cross1 & 0xffffu) + (cross2 & 0xffffu)) >> 16u;
  return aHigh * bHigh + (cross1 >> 16u) + (cross2 >> 16u) + carry;
}

fn philox(counter: vec4u, key: vec2u) -> vec4u {
  var x = counter;
  var k = key;
  for (var round = 0; round < 10; round++) {
    let hi0 = mulHi(M0, x.x);
    let lo0 = M0 * x.x;
    let hi1 = mulHi(M1, x.z);
    let lo1 = M1 * x.z;
    x = vec4u(hi1 ^ x.y ^ k.x, lo1, hi0 ^ x.w ^ k.y, lo0);
    k += vec2u(W0, W1);
  }
  return x;
}`;

const randomFill: Shader = {
  name: 'randomFill',
  code: /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
// the first block's number as two words; startWord: the word of element 0 in it; threshold: ⌈p·2^24⌉
struct Params { size: u32, blocks: u32, key0: u32, key1: u32, firstLow: u32, firstHigh: u32, startWord: u32, bernoulli: u32, threshold: u32, value: f32 }
@group(0) @binding(1) var<storage, read> p: Params;
${flatIndexWgsl}
${philoxWgsl}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = flatIndex(id, groups, ${WORKGROUP_SIZE}u);
  if (t >= p.blocks) { return; }
  let low = p.firstLow + t;
  let high = p.firstHigh + select(0u, 1u, low < t); // the carry of the 64-bit block number
  let words = philox(vec4u(low, high, 0u, 0u), vec2u(p.key0, p.key1));
  for (var w = 0u; w < 4u; w++) {
    let i = i32(t * 4u + w) - i32(p.startWord);
    if (i < 0 || u32(i) >= p.size) { continue; }
    let bits = words[w] >> 8u; // 24 bits: exact in float32
    out[i] = select(f32(bits) / 16777216.0, select(0.0, p.value, bits < p.threshold), p.bernoulli != 0u);
  }
}`,
};

export function randomKernels(gpu: WebGpu): Pick<Kernels, 'randomFill'> {
  return {
    randomFill(p: RandomParams) {
      if (p.distribution !== 'uniform' && p.distribution !== 'bernoulli') throw new RangeError(`webgpu randomFill: unknown distribution '${p.distribution}' (expected uniform or bernoulli)`);
      if (!Number.isSafeInteger(p.counter) || p.counter < 0) throw new RangeError(`webgpu randomFill: counter must be a non-negative integer, got ${p.counter}`);
      const out = gpu.empty(p.shape);
      if (out.size === 0) return out;
      const first = Math.floor(p.counter / 4);
      const startWord = p.counter % 4;
      const blocks = Math.ceil((startWord + out.size) / 4);
      // u < p for a 24-bit u = bits / 2^24; NaN and p <= 0 never, p >= 1 always
      const probability = p.p ?? 0;
      const threshold = probability > 0 ? Math.min(Math.ceil(probability * 2 ** 24), 2 ** 24) : 0;
      const params = [out.size, blocks, p.key[0] >>> 0, p.key[1] >>> 0, first % 2 ** 32, Math.floor(first / 2 ** 32), startWord, +(p.distribution === 'bernoulli'), threshold, { f32: p.value ?? 1 }];
      gpu.run(randomFill, [gpu.bufferOf(out)], params, grid(blocks));
      return out;
    },
  };
}
