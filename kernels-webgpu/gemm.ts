// Matrix multiply in WGSL, and the tiled product that the convolutions (conv.ts) share with it.
//
// The tiled product computes C[z][row][col] = Σ_kk A(z, row, kk) · B(z, kk, col) for row < m, col < n,
// kk < k, where A, B and the store of C are WGSL functions a kernel gives: gemm reads two matrices
// (transposed or not, one of them perhaps shared by every batch), a convolution computes im2col
// positions in them, so that no im2col buffer is ever made (implicit GEMM).
//
// The design is the usual register-blocked tiling (tfjs-webgpu's packed matmul is one): a workgroup
// of 16×16 threads owns a 64×64 tile of C; each thread keeps a 4×4 block of it in registers, at rows
// ty + 16·i and columns tx + 16·j, so that neighbouring threads store neighbouring columns
// (coalesced) and read neighbouring words of the B tile (no bank conflicts). K is walked in steps of
// 16: the workgroup copies a 64×16 slice of A and a 16×64 slice of B into workgroup memory (4 values
// of each per thread), waits, and every thread does its 4·4·16 multiply-adds from there, so each
// value read from global memory is used 64 times. A copy walks the direction in which its operand is
// contiguous in memory (along k for a row-major A, along m for a transposed one), so that neighbouring
// threads read neighbouring addresses; the tiles' rows are padded by one word, so that a copy along k
// does not land every thread of a row in the same bank. Values past the edges of A and B load as
// zeros and results past the edges of C are not stored: every size works, and every thread reaches
// every barrier.
//
// Split k: a product of few tiles and a long k (a convolution's weight gradient sums over every pixel
// of the batch, onto a small weight) would keep a handful of workgroups busy for its whole length and
// the rest of the GPU idle. Such a product runs as `splits` products over consecutive parts of k, side
// by side (z counts them), each storing its C into its own slice of a scratch tensor; a second pass
// adds the slices up. Kernels with an epilogue (the convolution's bias) are not split: it would be
// added once per part.

import type { GemmParams, Kernels } from '../engine/kernels.js';
import type { Tensor } from '../engine/tensor.js';
import { flatIndexWgsl, grid, WORKGROUP_SIZE, type ParamField, type Shader, type WebGpu } from './device.js';

/** C's tile per workgroup: TILE×TILE outputs, by THREADS×THREADS threads of (TILE/THREADS)² each. */
const TILE = 64;
const THREADS = 16;
const PER_THREAD = TILE / THREADS;
/** the step along k */
const TILE_K = 16;
/** a tile row in workgroup memory: TILE words and one of padding */
const ROW = TILE + 1;
/** values of each operand tile that one thread copies */
const LOADS = (TILE * TILE_K) / (THREADS * THREADS);

/** WebGPU's guaranteed limit on workgroups along one dimension of a dispatch. */
const MAX_WORKGROUPS_PER_DIM = 65535;
/** Fewer workgroups than this leave much of a GPU idle (tens of cores, several workgroups each): a product of fewer tiles is split along k. */
const ENOUGH_WORKGROUPS = 128;

export interface TilingOptions {
  /** the least of k that one part of a split product sums (default 256); tests make it TILE_K to split nearly every product */
  minSplitK?: number;
}

/** What a kernel built on the tiled product gives: its bindings and the functions of its operands and result. */
export interface TiledProduct {
  name: string;
  /** the storage buffers the kernel reads, bound at 0, 1, … in this order; `out` follows them, then the params */
  inputs: readonly string[];
  /** WGSL fields of `struct Params` after the product's own (`m, n, k`, the sizes, and those of the split) */
  params: string;
  /** WGSL body of `fn readA(z: u32, row: u32, kk: u32) -> f32`, called only for row < m, kk < k */
  readA: string;
  /** whether A is contiguous along k (else along m): the direction its tile is copied in */
  aAlongK: boolean;
  /** WGSL body of `fn readB(z: u32, kk: u32, col: u32) -> f32`, called only for kk < k, col < n */
  readB: string;
  /** whether B is contiguous along k (else along n) */
  bAlongK: boolean;
  /** WGSL body of `fn outIndex(z: u32, row: u32, col: u32) -> u32`, where C's element goes in `out`, called only for row < m, col < n */
  outIndex: string;
  /** WGSL body of `fn epilogue(z: u32, row: u32, col: u32, value: f32) -> f32`, what is stored for C's element (default: itself) */
  epilogue?: string;
  /** more WGSL at the top level (helper functions) */
  extra?: string;
}

/**
 * WGSL: how thread `t` of the workgroup copies its LOADS values of an operand tile of TILE×TILE_K
 * into `tile`, stored k-major (tile[kk·ROW + i]): `read(i, kk)` where `inside(i, kk)`, else a zero.
 */
function tileCopy(tile: string, alongK: boolean, inside: (i: string, kk: string) => string, read: (i: string, kk: string) => string): string {
  // e counts the tile's values in the order of memory: along k, TILE_K neighbouring threads share a row;
  // along the other side, TILE of them share a k
  const [i, kk] = alongK ? [`e / ${TILE_K}u`, `e % ${TILE_K}u`] : [`e % ${TILE}u`, `e / ${TILE}u`];
  return `
    for (var r = 0u; r < ${LOADS}u; r++) {
      let e = t + r * ${THREADS * THREADS}u;
      let i = ${i};
      let kk = ${kk};
      var v = 0.0;
      if (${inside('i', 'kk')}) { v = ${read('i', 'kk')}; }
      ${tile}[kk * ${ROW}u + i] = v;
    }`;
}

/** A tiled product's shader, and whether it may be split along k (it has no epilogue). */
export interface TiledShader extends Shader {
  readonly splittable: boolean;
}

/** The compute shader of a tiled product (run it with runTiledProduct). */
export function tiledProductShader(spec: TiledProduct): TiledShader {
  const bindings = spec.inputs.map((input, i) => `@group(0) @binding(${i}) var<storage, read> ${input}: array<f32>;`).join('\n');
  return {
    name: spec.name,
    splittable: !spec.epilogue,
    code: /* wgsl */ `
${bindings}
@group(0) @binding(${spec.inputs.length}) var<storage, read_write> out: array<f32>;
// splits: parts of k, of kSplit each (the last may be shorter); part s stores its C at s·outSize in out
struct Params { m: u32, n: u32, k: u32, splits: u32, kSplit: u32, outSize: u32, ${spec.params} }
@group(0) @binding(${spec.inputs.length + 1}) var<storage, read> p: Params;
${spec.extra ?? ''}
fn readA(z: u32, row: u32, kk: u32) -> f32 { ${spec.readA} }
fn readB(z: u32, kk: u32, col: u32) -> f32 { ${spec.readB} }
fn outIndex(z: u32, row: u32, col: u32) -> u32 { ${spec.outIndex} }
fn epilogue(z: u32, row: u32, col: u32, value: f32) -> f32 { ${spec.epilogue ?? 'return value;'} }

var<workgroup> tileA: array<f32, ${TILE_K * ROW}>;
var<workgroup> tileB: array<f32, ${TILE_K * ROW}>;

@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) t: u32) {
  let z = group.z / p.splits;
  let split = group.z % p.splits;
  let kBegin = split * p.kSplit;
  let kEnd = min(kBegin + p.kSplit, p.k);
  let row0 = group.y * ${TILE}u;
  let col0 = group.x * ${TILE}u;
  var acc: array<vec4f, ${PER_THREAD}>; // acc[i][j]: C[row0 + local.y + ${THREADS}i][col0 + local.x + ${THREADS}j]
  for (var k0 = kBegin; k0 < kEnd; k0 += ${TILE_K}u) {
    ${tileCopy('tileA', spec.aAlongK, (i, kk) => `row0 + ${i} < p.m && k0 + ${kk} < kEnd`, (i, kk) => `readA(z, row0 + ${i}, k0 + ${kk})`)}
    ${tileCopy('tileB', spec.bAlongK, (i, kk) => `k0 + ${kk} < kEnd && col0 + ${i} < p.n`, (i, kk) => `readB(z, k0 + ${kk}, col0 + ${i})`)}
    workgroupBarrier();
    for (var kk = 0u; kk < ${TILE_K}u; kk++) {
      let b = vec4f(${[...Array(PER_THREAD).keys()].map((j) => `tileB[kk * ${ROW}u + local.x + ${j * THREADS}u]`).join(', ')});
      for (var i = 0u; i < ${PER_THREAD}u; i++) {
        acc[i] = fma(vec4f(tileA[kk * ${ROW}u + local.y + i * ${THREADS}u]), b, acc[i]);
      }
    }
    workgroupBarrier(); // the tiles are overwritten next step
  }
  for (var i = 0u; i < ${PER_THREAD}u; i++) {
    let row = row0 + local.y + i * ${THREADS}u;
    for (var j = 0u; j < ${PER_THREAD}u; j++) {
      let col = col0 + local.x + j * ${THREADS}u;
      if (row < p.m && col < p.n) { out[split * p.outSize + outIndex(z, row, col)] = epilogue(z, row, col, acc[i][j]); }
    }
  }
}`,
  };
}

/** The sum of a split product's parts: out[e] = Σ_s partial[s·size + e]. */
const sumOfSplits: Shader = {
  name: 'the sum of a split product',
  code: /* wgsl */ `
@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct Params { size: u32, splits: u32 }
@group(0) @binding(2) var<storage, read> p: Params;
${flatIndexWgsl}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let e = flatIndex(id, groups, ${WORKGROUP_SIZE}u);
  if (e >= p.size) { return; }
  var sum = 0.0;
  for (var s = 0u; s < p.splits; s++) { sum += partial[s * p.size + e]; }
  out[e] = sum;
}`,
};

/** The sizes of a tiled product: C is m×n for each of `batches` (the z of its functions), summed over k. */
export interface ProductSize {
  m: number;
  n: number;
  k: number;
  batches: number;
}

/**
 * Runs a tiled product that writes `out`: `inputs` are the buffers of its `inputs`, `params` the fields
 * of its struct after the product's own. Split along k when its tiles are too few to fill a GPU.
 */
export function runTiledProduct(gpu: WebGpu, shader: TiledShader, inputs: readonly GPUBuffer[], out: Tensor, size: ProductSize, params: readonly ParamField[], options: TilingOptions = {}): void {
  const { m, n, k, batches } = size;
  const tiles = Math.ceil(m / TILE) * Math.ceil(n / TILE) * batches;
  const minSplitK = Math.max(options.minSplitK ?? 256, TILE_K);
  const wanted = shader.splittable && tiles < ENOUGH_WORKGROUPS ? Math.min(Math.ceil(ENOUGH_WORKGROUPS / Math.max(tiles, 1)), Math.floor(k / minSplitK)) : 1;
  // parts of whole steps of k; the count again, since rounding up the parts may leave fewer
  const kSplit = Math.max(Math.ceil(k / Math.max(wanted, 1) / TILE_K) * TILE_K, TILE_K);
  const splits = Math.max(1, Math.ceil(k / kSplit));
  const groups: [number, number, number] = [Math.ceil(n / TILE), Math.ceil(m / TILE), batches * splits];
  if (groups.some((g) => g > MAX_WORKGROUPS_PER_DIM)) {
    throw new RangeError(`webgpu ${shader.name}: a product of ${m}×${n} over ${batches} batches needs [${groups}] workgroups of ${TILE}×${TILE}, more than ${MAX_WORKGROUPS_PER_DIM} along a dimension`);
  }
  const fields = (outSize: number) => [m, n, k, splits, kSplit, outSize, ...params];
  if (splits === 1) {
    gpu.run(shader, [...inputs, gpu.bufferOf(out)], fields(out.size), groups);
    return;
  }
  const partial = gpu.empty([splits, out.size]);
  gpu.run(shader, [...inputs, gpu.bufferOf(partial)], fields(out.size), groups);
  gpu.run(sumOfSplits, [gpu.bufferOf(partial), gpu.bufferOf(out)], [out.size, splits], grid(out.size));
  partial.dispose(); // reusable once the two dispatches are submitted (device.ts's pool)
}

/** Throws, naming the kernel, when `t` does not hold `expected` values (a GPU would read past it silently). */
export function expectSize(kernel: string, what: string, t: Tensor, expected: number): void {
  if (t.size !== expected) throw new RangeError(`webgpu ${kernel}: ${what} should hold ${expected} values, got ${t.size} [${t.shape}]`);
}

/** gemm's shader for one pair of transpositions: the transposition decides the index and the copy's direction. */
const gemmShaders = new Map<string, TiledShader>();
function gemmShader(transA: boolean, transB: boolean): TiledShader {
  const key = `${transA} ${transB}`;
  let shader = gemmShaders.get(key);
  if (!shader) {
    shader = tiledProductShader({
      name: `gemm${transA ? ' transA' : ''}${transB ? ' transB' : ''}`,
      inputs: ['a', 'b'],
      // a batch's first value in A and B: 0 for a matrix shared by every batch
      params: 'aBatchStride: u32, bBatchStride: u32,',
      readA: `return a[z * p.aBatchStride + ${transA ? 'kk * p.m + row' : 'row * p.k + kk'}];`,
      aAlongK: !transA,
      readB: `return b[z * p.bBatchStride + ${transB ? 'col * p.k + kk' : 'kk * p.n + col'}];`,
      bAlongK: transB,
      outIndex: 'return (z * p.m + row) * p.n + col;',
    });
    gemmShaders.set(key, shader);
  }
  return shader;
}

export function gemmKernels(gpu: WebGpu, options: TilingOptions = {}): Pick<Kernels, 'gemm'> {
  return {
    gemm(a, b, p: GemmParams) {
      const { batch, m, n, k } = p;
      expectSize('gemm', `A (${p.batchA} of ${p.transA ? 'k×m' : 'm×k'})`, a, p.batchA * m * k);
      expectSize('gemm', `B (${p.batchB} of ${p.transB ? 'n×k' : 'k×n'})`, b, p.batchB * k * n);
      const out = gpu.empty([batch, m, n]);
      const strides = [p.batchA === 1 ? 0 : m * k, p.batchB === 1 ? 0 : k * n];
      runTiledProduct(gpu, gemmShader(p.transA, p.transB), [gpu.bufferOf(a), gpu.bufferOf(b)], out, { m, n, k, batches: batch }, strides, options);
      return out;
    },
  };
}
