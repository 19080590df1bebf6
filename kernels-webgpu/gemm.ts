// Matrix multiply in WGSL, and the tiled product that the convolutions (conv.ts) share with it.
//
// The tiled product computes C[z][row][col] = Σ_kk A(z, row, kk) · B(z, kk, col) for row < m, col < n,
// kk < k, where A, B and the store of C are WGSL functions a kernel gives: gemm reads two matrices
// (transposed or not, one of them perhaps shared by every batch), a convolution computes im2col
// positions in them, so that no im2col buffer is ever made (implicit GEMM).
//
// The design, as in the matmul shaders of tfjs-webgpu and jax-js: a workgroup of 16×16 threads owns a
// 64×64 tile of C; each thread keeps a 4×4 block of it in registers, at rows ty + 16·i and columns
// tx + 16·j, so that neighbouring threads store neighbouring columns (coalesced) and read neighbouring
// words of the B tile (no bank conflicts). K is walked in steps of 16: the workgroup copies a 64×16
// slice of A and a 16×64 slice of B into workgroup memory (4 values of each per thread), waits, and
// every thread does its 4·4·16 multiply-adds from there, so each value read from global memory is
// used 64 times. A copy walks the direction in which its operand is contiguous in memory (along k for
// a row-major A, along m for a transposed one), so that neighbouring threads read neighbouring
// addresses; the tiles' rows are padded by one word, so that a copy along k does not land every thread
// of a row in the same bank. Values past the edges of A and B load as zeros and results past the edges
// of C are not stored: every size works, and every thread reaches every barrier.

import type { GemmParams, Kernels } from '../engine/kernels.js';
import type { Tensor } from '../engine/tensor.js';
import type { ParamField, Shader, WebGpu } from './device.js';

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

/** What a kernel built on the tiled product gives: its bindings and the three functions of its operands. */
export interface TiledProduct {
  name: string;
  /** the storage buffers the kernel reads, bound at 0, 1, … in this order; `out` follows them, then the params */
  inputs: readonly string[];
  /** WGSL fields of `struct Params` after its first three, `m, n, k: u32` (the product's sizes) */
  params: string;
  /** WGSL body of `fn readA(z: u32, row: u32, kk: u32) -> f32`, called only for row < m, kk < k */
  readA: string;
  /** whether A is contiguous along k (else along m): the direction its tile is copied in */
  aAlongK: boolean;
  /** WGSL body of `fn readB(z: u32, kk: u32, col: u32) -> f32`, called only for kk < k, col < n */
  readB: string;
  /** whether B is contiguous along k (else along n) */
  bAlongK: boolean;
  /** WGSL body of `fn write(z: u32, row: u32, col: u32, value: f32)`, storing C's element into `out`, called only for row < m, col < n */
  write: string;
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

/** The compute shader of a tiled product (dispatch it with `tiledGrid`). */
export function tiledProductShader(spec: TiledProduct): Shader {
  const bindings = spec.inputs.map((input, i) => `@group(0) @binding(${i}) var<storage, read> ${input}: array<f32>;`).join('\n');
  return {
    name: spec.name,
    code: /* wgsl */ `
${bindings}
@group(0) @binding(${spec.inputs.length}) var<storage, read_write> out: array<f32>;
struct Params { m: u32, n: u32, k: u32, ${spec.params} }
@group(0) @binding(${spec.inputs.length + 1}) var<storage, read> p: Params;
${spec.extra ?? ''}
fn readA(z: u32, row: u32, kk: u32) -> f32 { ${spec.readA} }
fn readB(z: u32, kk: u32, col: u32) -> f32 { ${spec.readB} }
fn write(z: u32, row: u32, col: u32, value: f32) { ${spec.write} }

var<workgroup> tileA: array<f32, ${TILE_K * ROW}>;
var<workgroup> tileB: array<f32, ${TILE_K * ROW}>;

@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) t: u32) {
  let z = group.z;
  let row0 = group.y * ${TILE}u;
  let col0 = group.x * ${TILE}u;
  var acc: array<vec4f, ${PER_THREAD}>; // acc[i][j]: C[row0 + local.y + ${THREADS}i][col0 + local.x + ${THREADS}j]
  for (var k0 = 0u; k0 < p.k; k0 += ${TILE_K}u) {
    ${tileCopy('tileA', spec.aAlongK, (i, kk) => `row0 + ${i} < p.m && k0 + ${kk} < p.k`, (i, kk) => `readA(z, row0 + ${i}, k0 + ${kk})`)}
    ${tileCopy('tileB', spec.bAlongK, (i, kk) => `k0 + ${kk} < p.k && col0 + ${i} < p.n`, (i, kk) => `readB(z, k0 + ${kk}, col0 + ${i})`)}
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
      if (row < p.m && col < p.n) { write(z, row, col, acc[i][j]); }
    }
  }
}`,
  };
}

/** The workgroups of a tiled product of m×n over `batches` (the z of its functions). */
export function tiledGrid(name: string, m: number, n: number, batches: number): [number, number, number] {
  const groups: [number, number, number] = [Math.ceil(n / TILE), Math.ceil(m / TILE), batches];
  if (groups.some((g) => g > MAX_WORKGROUPS_PER_DIM)) {
    throw new RangeError(`webgpu ${name}: a product of ${m}×${n} over ${batches} batches needs [${groups}] workgroups of ${TILE}×${TILE}, more than ${MAX_WORKGROUPS_PER_DIM} along a dimension`);
  }
  return groups;
}

/** Runs a tiled product: `params` are the fields of its struct after m, n, k. */
export function runTiledProduct(gpu: WebGpu, shader: Shader, buffers: readonly GPUBuffer[], size: { m: number; n: number; k: number; batches: number }, params: readonly ParamField[]): void {
  gpu.run(shader, buffers, [size.m, size.n, size.k, ...params], tiledGrid(shader.name, size.m, size.n, size.batches));
}

/** Throws, naming the kernel, when `t` does not hold `expected` values (a GPU would read past it silently). */
export function expectSize(kernel: string, what: string, t: Tensor, expected: number): void {
  if (t.size !== expected) throw new RangeError(`webgpu ${kernel}: ${what} should hold ${expected} values, got ${t.size} [${t.shape}]`);
}

/** gemm's shader for one pair of transpositions: the transposition decides the index and the copy's direction. */
const gemmShaders = new Map<string, Shader>();
function gemmShader(transA: boolean, transB: boolean): Shader {
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
      write: 'out[(z * p.m + row) * p.n + col] = value;',
    });
    gemmShaders.set(key, shader);
  }
  return shader;
}

export function gemmKernels(gpu: WebGpu): Pick<Kernels, 'gemm'> {
  return {
    gemm(a, b, p: GemmParams) {
      const { batch, m, n, k } = p;
      expectSize('gemm', `A (${p.batchA} of ${p.transA ? 'k×m' : 'm×k'})`, a, p.batchA * m * k);
      expectSize('gemm', `B (${p.batchB} of ${p.transB ? 'n×k' : 'k×n'})`, b, p.batchB * k * n);
      const out = gpu.empty([batch, m, n]);
      const strides = [p.batchA === 1 ? 0 : m * k, p.batchB === 1 ? 0 : k * n];
      runTiledProduct(gpu, gemmShader(p.transA, p.transB), [gpu.bufferOf(a), gpu.bufferOf(b), gpu.bufferOf(out)], { m, n, k, batches: batch }, strides);
      return out;
    },
  };
}
