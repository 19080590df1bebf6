// Backend equivalence: every WASM kernel, in both builds (plain SIMD and relaxed SIMD), on one thread
// and on two (worker threads over shared memory), against the plain-loop JS reference on random shapes — odd sizes, 1×N, sizes past the GEMM's cache blocks,
// strides, asymmetric paddings, dilations, groups. Tolerance: 1e-4 relative to the result's magnitude.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Tensor, kernels, poolOutputSize, setBackend, type Conv2dParams, type GemmParams, type Kernels, type Pool2dParams } from '../../engine/index.js';
import { jsKernels } from '../../engine/backends/js/index.js';
import { createWasmKernels, relaxedSimdSupported, wasmBackendInfo, type WasmKernels } from '../../kernels-wasm/index.js';
import * as tg from '../../engine/index.js';

/** Deterministic values in [-1, 1) from a seed (fast-check picks the seed; shrinking keeps it). */
function values(n: number, seed: number, ties = false): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    const u = s / 2 ** 32;
    out[i] = ties ? Math.floor(u * 5) - 2 : u * 2 - 1; // small integers make ties for max pooling
  }
  return out;
}

const rand = (shape: number[], seed: number, ties = false) => new Tensor(values(shape.reduce((a, b) => a * b, 1), seed, ties), shape);

function expectClose(kernel: string, actual: Tensor, expected: Tensor): void {
  expect(actual.shape, `${kernel} shape`).toEqual(expected.shape);
  const a = actual.data, e = expected.data;
  let scale = 1;
  for (let i = 0; i < e.length; i++) if (Number.isFinite(e[i])) scale = Math.max(scale, Math.abs(e[i]));
  for (let i = 0; i < e.length; i++) {
    const same = a[i] === e[i] || (Number.isNaN(a[i]) && Number.isNaN(e[i])); // also ±Infinity
    if (!same && !(Math.abs(a[i] - e[i]) <= 1e-4 * scale)) {
      throw new Error(`${kernel}: element ${i} is ${a[i]}, expected ${e[i]} (tolerance ${1e-4 * scale})`);
    }
  }
}

const builds: Array<{ name: 'simd' | 'relaxed'; threads: number; kernels?: WasmKernels }> = [
  { name: 'simd', threads: 1 },
  { name: 'relaxed', threads: 1 },
  { name: 'simd', threads: 2 },
  { name: 'relaxed', threads: 2 },
];

beforeAll(async () => {
  // on two threads every kernel is split, however small, so that the properties exercise the splitting
  for (const b of builds) if (b.name === 'simd' || (await relaxedSimdSupported())) b.kernels = await createWasmKernels(b.name, b.threads, { parallelMinWork: 0 });
});

afterAll(() => {
  for (const b of builds) b.kernels?.dispose();
});

const runs = { numRuns: 60 };

const gemmCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  m: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 100, max: 260 })),
  n: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 30, max: 70 })),
  k: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 240, max: 530 })),
  transA: fc.boolean(),
  transB: fc.boolean(),
  sharedA: fc.boolean(),
  sharedB: fc.boolean(),
  seed: fc.integer({ min: 1 }),
});

const convCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 3 }),
    inPerGroup: fc.integer({ min: 1, max: 4 }),
    outPerGroup: fc.integer({ min: 1, max: 5 }),
    inHeight: fc.integer({ min: 1, max: 12 }),
    inWidth: fc.integer({ min: 1, max: 13 }),
    kernelHeight: fc.integer({ min: 1, max: 4 }),
    kernelWidth: fc.integer({ min: 1, max: 4 }),
    strideHeight: fc.integer({ min: 1, max: 3 }),
    strideWidth: fc.integer({ min: 1, max: 3 }),
    pads: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)),
    dilationHeight: fc.integer({ min: 1, max: 3 }),
    dilationWidth: fc.integer({ min: 1, max: 3 }),
    pointwise: fc.boolean(),
    seed: fc.integer({ min: 1 }),
  })
  .map((c): Conv2dParams & { seed: number } => {
    const [padTop, padBottom, padLeft, padRight] = c.pointwise ? [0, 0, 0, 0] : c.pads;
    const kH = c.pointwise ? 1 : c.kernelHeight, kW = c.pointwise ? 1 : c.kernelWidth;
    const sH = c.pointwise ? 1 : c.strideHeight, sW = c.pointwise ? 1 : c.strideWidth;
    const out = (n: number, k: number, s: number, d: number, p0: number, p1: number) => Math.floor((n + p0 + p1 - d * (k - 1) - 1) / s) + 1;
    return {
      batch: c.batch, groups: c.groups, inChannels: c.inPerGroup * c.groups, outChannels: c.outPerGroup * c.groups,
      inHeight: c.inHeight, inWidth: c.inWidth, kernelHeight: kH, kernelWidth: kW, strideHeight: sH, strideWidth: sW,
      padTop, padBottom, padLeft, padRight, dilationHeight: c.dilationHeight, dilationWidth: c.dilationWidth,
      outHeight: out(c.inHeight, kH, sH, c.dilationHeight, padTop, padBottom),
      outWidth: out(c.inWidth, kW, sW, c.dilationWidth, padLeft, padRight),
      seed: c.seed,
    };
  })
  .filter((p) => p.outHeight >= 1 && p.outWidth >= 1);

// 3×3, stride 1, dilation 1, one group, 16+ channels both sides, planes of 8+: the Winograd F(4×4, 3×3)
// path of all three conv kernels (smaller planes, which some paddings make, take im2col). Small and odd
// planes (tiles past the edge), paddings 0..3 either side (past 2 the input gradient crops), batches that
// split into more than one chunk of tiles.
const winogradCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    inChannels: fc.integer({ min: 16, max: 37 }),
    outChannels: fc.integer({ min: 16, max: 37 }),
    inHeight: fc.oneof(fc.integer({ min: 8, max: 13 }), fc.integer({ min: 20, max: 41 })),
    inWidth: fc.oneof(fc.integer({ min: 8, max: 13 }), fc.integer({ min: 20, max: 41 })),
    pads: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)),
    seed: fc.integer({ min: 1 }),
  })
  .map((c): Conv2dParams & { seed: number } => {
    const [padTop, padBottom, padLeft, padRight] = c.pads;
    return {
      batch: c.batch, groups: 1, inChannels: c.inChannels, outChannels: c.outChannels, inHeight: c.inHeight, inWidth: c.inWidth,
      kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
      padTop, padBottom, padLeft, padRight,
      outHeight: c.inHeight + padTop + padBottom - 2, outWidth: c.inWidth + padLeft + padRight - 2, seed: c.seed,
    };
  })
  .filter((p) => p.outHeight >= 1 && p.outWidth >= 1);

const poolCase = fc
  .oneof(
    fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      channels: fc.integer({ min: 1, max: 4 }),
      inHeight: fc.integer({ min: 1, max: 14 }),
      inWidth: fc.integer({ min: 1, max: 15 }),
      kernelHeight: fc.integer({ min: 1, max: 4 }),
      kernelWidth: fc.integer({ min: 1, max: 4 }),
      strideHeight: fc.integer({ min: 1, max: 3 }),
      strideWidth: fc.integer({ min: 1, max: 3 }),
      padH: fc.nat(2),
      padW: fc.nat(2),
      dilationHeight: fc.integer({ min: 1, max: 2 }),
      dilationWidth: fc.integer({ min: 1, max: 2 }),
      ceilMode: fc.boolean(),
      countIncludePad: fc.boolean(),
      ties: fc.boolean(),
      nan: fc.boolean(),
      seed: fc.integer({ min: 1 }),
    }),
    // the CNNs' 2x2 / stride 2 pooling, which has its own SIMD path, on planes wide enough for it
    fc.record({
      batch: fc.integer({ min: 1, max: 2 }),
      channels: fc.integer({ min: 1, max: 3 }),
      inHeight: fc.integer({ min: 1, max: 20 }),
      inWidth: fc.integer({ min: 1, max: 37 }),
      kernelHeight: fc.constant(2),
      kernelWidth: fc.constant(2),
      strideHeight: fc.constant(2),
      strideWidth: fc.constant(2),
      padH: fc.nat(1),
      padW: fc.nat(1),
      dilationHeight: fc.constant(1),
      dilationWidth: fc.constant(1),
      ceilMode: fc.boolean(),
      countIncludePad: fc.boolean(),
      ties: fc.boolean(),
      nan: fc.boolean(),
      seed: fc.integer({ min: 1 }),
    }),
  )
  .map((c) => {
    const padHeight = Math.min(c.padH, Math.floor(c.kernelHeight / 2));
    const padWidth = Math.min(c.padW, Math.floor(c.kernelWidth / 2));
    const p: Pool2dParams = {
      batch: c.batch, channels: c.channels, inHeight: c.inHeight, inWidth: c.inWidth,
      kernelHeight: c.kernelHeight, kernelWidth: c.kernelWidth, strideHeight: c.strideHeight, strideWidth: c.strideWidth,
      padHeight, padWidth, dilationHeight: c.dilationHeight, dilationWidth: c.dilationWidth, countIncludePad: c.countIncludePad,
      outHeight: poolOutputSize(c.inHeight, c.kernelHeight, c.strideHeight, padHeight, c.dilationHeight, c.ceilMode),
      outWidth: poolOutputSize(c.inWidth, c.kernelWidth, c.strideWidth, padWidth, c.dilationWidth, c.ceilMode),
    };
    return { p, ceilMode: c.ceilMode, ties: c.ties, nan: c.nan, seed: c.seed };
  })
  .filter(({ p }) => p.outHeight >= 1 && p.outWidth >= 1);

describe.each(builds)('wasm kernels ($name build, $threads thread(s)) match the JS reference', (build) => {
  const k = () => {
    if (!build.kernels) throw new Error(`the ${build.name} build does not run on this engine`);
    expect(build.kernels.threads).toBe(build.threads);
    return build.kernels;
  };

  test('gemm: batched, transposed, shared operands, edge tiles and cache blocks', () => {
    fc.assert(
      fc.property(gemmCase, (c) => {
        const batchA = c.sharedA ? 1 : c.batch, batchB = c.sharedB ? 1 : c.batch;
        const p: GemmParams = { batch: c.batch, m: c.m, n: c.n, k: c.k, transA: c.transA, transB: c.transB, batchA, batchB };
        const a = rand([batchA, ...(c.transA ? [c.k, c.m] : [c.m, c.k])], c.seed);
        const b = rand([batchB, ...(c.transB ? [c.n, c.k] : [c.k, c.n])], c.seed + 1);
        expectClose('gemm', k().gemm(a, b, p), jsKernels.gemm(a, b, p));
      }),
      { numRuns: 40 },
    );
  });

  test('gemm: 1×N, N×1 and k = 1', () => {
    for (const [m, n, kk] of [[1, 37, 5], [37, 1, 5], [1, 1, 1], [9, 11, 1], [1, 300, 300]]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const p: GemmParams = { batch: 1, m, n, k: kk, transA, transB, batchA: 1, batchB: 1 };
          const a = rand([1, m * kk], m + kk), b = rand([1, kk * n], n);
          expectClose('gemm', k().gemm(a, b, p), jsKernels.gemm(a, b, p));
        }
      }
    }
  });

  test('conv2d forward with bias, and without', () => {
    fc.assert(
      fc.property(convCase, fc.boolean(), (p, withBias) => {
        const x = rand([p.batch, p.inChannels, p.inHeight, p.inWidth], p.seed);
        const w = rand([p.outChannels, p.inChannels / p.groups, p.kernelHeight, p.kernelWidth], p.seed + 1);
        const b = withBias ? rand([p.outChannels], p.seed + 2) : null;
        expectClose('conv2d', k().conv2d(x, w, b, p), jsKernels.conv2d(x, w, b, p));
      }),
      runs,
    );
  });

  test('conv2d backward input', () => {
    fc.assert(
      fc.property(convCase, (p) => {
        const gy = rand([p.batch, p.outChannels, p.outHeight, p.outWidth], p.seed);
        const w = rand([p.outChannels, p.inChannels / p.groups, p.kernelHeight, p.kernelWidth], p.seed + 1);
        expectClose('conv2dBackwardInput', k().conv2dBackwardInput(gy, w, p), jsKernels.conv2dBackwardInput(gy, w, p));
      }),
      runs,
    );
  });

  test('conv2d backward weight', () => {
    fc.assert(
      fc.property(convCase, (p) => {
        const gy = rand([p.batch, p.outChannels, p.outHeight, p.outWidth], p.seed);
        const x = rand([p.batch, p.inChannels, p.inHeight, p.inWidth], p.seed + 1);
        expectClose('conv2dBackwardWeight', k().conv2dBackwardWeight(gy, x, p), jsKernels.conv2dBackwardWeight(gy, x, p));
      }),
      runs,
    );
  });

  test('Winograd 3x3 convolutions: forward with and without bias, both gradients', () => {
    fc.assert(
      fc.property(winogradCase, fc.boolean(), (p, withBias) => {
        const x = rand([p.batch, p.inChannels, p.inHeight, p.inWidth], p.seed);
        const w = rand([p.outChannels, p.inChannels, 3, 3], p.seed + 1);
        const b = withBias ? rand([p.outChannels], p.seed + 2) : null;
        const gy = rand([p.batch, p.outChannels, p.outHeight, p.outWidth], p.seed + 3);
        expectClose('conv2d', k().conv2d(x, w, b, p), jsKernels.conv2d(x, w, b, p));
        expectClose('conv2dBackwardInput', k().conv2dBackwardInput(gy, w, p), jsKernels.conv2dBackwardInput(gy, w, p));
        expectClose('conv2dBackwardWeight', k().conv2dBackwardWeight(gy, x, p), jsKernels.conv2dBackwardWeight(gy, x, p));
      }),
      { numRuns: 25 },
    );
  });

  test('CNN-sized kernels: odd batch, grouped, strided, GEMM split by rows and by columns', () => {
    const p: Conv2dParams = {
      batch: 5, inChannels: 12, inHeight: 19, inWidth: 17, outChannels: 18, outHeight: 10, outWidth: 9, kernelHeight: 3, kernelWidth: 3,
      strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationHeight: 1, dilationWidth: 1, groups: 3,
    };
    const x = rand([5, 12, 19, 17], 11), w = rand([18, 4, 3, 3], 12), b = rand([18], 13), gy = rand([5, 18, 10, 9], 14);
    expectClose('conv2d', k().conv2d(x, w, b, p), jsKernels.conv2d(x, w, b, p));
    expectClose('conv2dBackwardInput', k().conv2dBackwardInput(gy, w, p), jsKernels.conv2dBackwardInput(gy, w, p));
    expectClose('conv2dBackwardWeight', k().conv2dBackwardWeight(gy, x, p), jsKernels.conv2dBackwardWeight(gy, x, p));
    for (const [m, n, kk, batch] of [[67, 45, 90, 1], [13, 250, 90, 1], [40, 41, 60, 3]]) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        const gp: GemmParams = { batch, m, n, k: kk, transA, transB, batchA: batch, batchB: 1 };
        const a = rand([batch, m * kk], m), bb = rand([1, kk * n], n);
        expectClose('gemm', k().gemm(a, bb, gp), jsKernels.gemm(a, bb, gp));
      }
    }
    const pp: Pool2dParams = {
      batch: 5, channels: 16, inHeight: 64, inWidth: 66, outHeight: 32, outWidth: 33, kernelHeight: 2, kernelWidth: 2,
      strideHeight: 2, strideWidth: 2, padHeight: 0, padWidth: 0, dilationHeight: 1, dilationWidth: 1, countIncludePad: true,
    };
    const xp = rand([5, 16, 64, 66], 15), gp = rand([5, 16, 32, 33], 16);
    const mine = k().maxPool2d(xp, pp), ref = jsKernels.maxPool2d(xp, pp);
    expectClose('maxPool2d', mine.output, ref.output);
    expect(Array.from(mine.indices.data)).toEqual(Array.from(ref.indices.data));
    expectClose('maxPool2dBackward', k().maxPool2dBackward(gp, ref.indices, pp), jsKernels.maxPool2dBackward(gp, ref.indices, pp));
    expectClose('avgPool2d', k().avgPool2d(xp, pp), jsKernels.avgPool2d(xp, pp));
    expectClose('avgPool2dBackward', k().avgPool2dBackward(gp, pp), jsKernels.avgPool2dBackward(gp, pp));
  });

  test('conv2d on a CNN-sized layer (many GEMM blocks)', () => {
    const p: Conv2dParams = {
      batch: 2, inChannels: 32, inHeight: 16, inWidth: 16, outChannels: 64, outHeight: 16, outWidth: 16, kernelHeight: 3, kernelWidth: 3,
      strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationHeight: 1, dilationWidth: 1, groups: 1,
    };
    const x = rand([2, 32, 16, 16], 1), w = rand([64, 32, 3, 3], 2), gy = rand([2, 64, 16, 16], 3);
    expectClose('conv2d', k().conv2d(x, w, null, p), jsKernels.conv2d(x, w, null, p));
    expectClose('conv2dBackwardInput', k().conv2dBackwardInput(gy, w, p), jsKernels.conv2dBackwardInput(gy, w, p));
    expectClose('conv2dBackwardWeight', k().conv2dBackwardWeight(gy, x, p), jsKernels.conv2dBackwardWeight(gy, x, p));
  });

  test('max pooling forward (values and argmax indices, ties, NaN) and backward', () => {
    fc.assert(
      fc.property(poolCase, ({ p, ties, nan, seed }) => {
        const x = rand([p.batch, p.channels, p.inHeight, p.inWidth], seed, ties);
        if (nan) x.data[seed % x.size] = NaN;
        const mine = k().maxPool2d(x, p), ref = jsKernels.maxPool2d(x, p);
        expectClose('maxPool2d', mine.output, ref.output);
        expect(Array.from(mine.indices.data)).toEqual(Array.from(ref.indices.data));
        // A window wholly in the padding has index -1 (PyTorch's too); the JS reference then adds its gradient
        // to the previous plane's last input, the WASM kernel drops it. Compare only well-defined cases.
        if (ref.indices.data.some((i) => i < 0)) return;
        const gy = rand([p.batch, p.channels, p.outHeight, p.outWidth], seed + 1);
        expectClose('maxPool2dBackward', k().maxPool2dBackward(gy, ref.indices, p), jsKernels.maxPool2dBackward(gy, ref.indices, p));
      }),
      runs,
    );
  });

  test('average pooling forward and backward (count_include_pad both ways, ceil mode)', () => {
    fc.assert(
      fc.property(poolCase, ({ p: p0, ceilMode, seed }) => {
        // average pooling has no dilation: recompute the output size without it
        const p = { ...p0, dilationHeight: 1, dilationWidth: 1 };
        p.outHeight = poolOutputSize(p.inHeight, p.kernelHeight, p.strideHeight, p.padHeight, 1, ceilMode);
        p.outWidth = poolOutputSize(p.inWidth, p.kernelWidth, p.strideWidth, p.padWidth, 1, ceilMode);
        if (p.outHeight < 1 || p.outWidth < 1) return;
        const x = rand([p.batch, p.channels, p.inHeight, p.inWidth], seed);
        expectClose('avgPool2d', k().avgPool2d(x, p), jsKernels.avgPool2d(x, p));
        const gy = rand([p.batch, p.channels, p.outHeight, p.outWidth], seed + 1);
        expectClose('avgPool2dBackward', k().avgPool2dBackward(gy, p), jsKernels.avgPool2dBackward(gy, p));
      }),
      runs,
    );
  });

  test('relu and its gradient (NaN, ±infinity, −0, odd lengths), bias add and bias gradient per channel', () => {
    const special = [NaN, Infinity, -Infinity, -0, 0, 1e-30, -1e-30];
    fc.assert(
      fc.property(fc.record({ outer: fc.integer({ min: 1, max: 5 }), channels: fc.integer({ min: 1, max: 9 }), inner: fc.integer({ min: 1, max: 23 }), seed: fc.integer({ min: 1 }) }), (c) => {
        const shape = [c.outer, c.channels, c.inner];
        const x = rand(shape, c.seed);
        special.forEach((v, i) => (x.data[(c.seed + 3 * i) % x.size] = v));
        const y = jsKernels.relu(x);
        expectClose('relu', k().relu(x), y);
        const g = rand(shape, c.seed + 1);
        expectClose('reluBackward', k().reluBackward(g, y), jsKernels.reluBackward(g, y));
        const bias = rand([c.channels], c.seed + 2);
        expectClose('biasAdd', k().biasAdd(x, bias, c), jsKernels.biasAdd(x, bias, c));
        expectClose('reduce (channel sum, a bias gradient)', k().reduce(g, { op: 'sum', dims: [0, 2] }), jsKernels.reduce(g, { op: 'sum', dims: [0, 2] }));
      }),
      runs,
    );
  });

  test('batch normalization: statistics (also of values far from 0), forward, gradient sums and backward', () => {
    fc.assert(
      fc.property(fc.record({ outer: fc.integer({ min: 1, max: 5 }), channels: fc.integer({ min: 1, max: 9 }), inner: fc.integer({ min: 1, max: 40 }), offset: fc.constantFrom(0, 0, 100), seed: fc.integer({ min: 1 }) }), (c) => {
        const shape = [c.outer, c.channels, c.inner];
        const x = rand(shape, c.seed);
        if (c.offset) x.data.forEach((v, i) => (x.data[i] = v + c.offset)); // a mean far from 0: the variance must still come out right
        const g = rand(shape, c.seed + 1);
        const perChannel = (s: number) => rand([c.channels], s);
        const forward = { mean: perChannel(c.seed + 2), scale: perChannel(c.seed + 3), shift: perChannel(c.seed + 4) };
        const mean = perChannel(c.seed + 5);
        const backward = { mean: perChannel(c.seed + 6), gradScale: perChannel(c.seed + 7), inputScale: perChannel(c.seed + 8), shift: perChannel(c.seed + 9) };
        const [stats, statsJs] = [k().batchNormStats(x, c), jsKernels.batchNormStats(x, c)];
        expectClose('batchNormStats mean', stats.mean, statsJs.mean);
        expectClose('batchNormStats variance', stats.variance, statsJs.variance);
        expectClose('batchNormForward', k().batchNormForward(x, forward, c), jsKernels.batchNormForward(x, forward, c));
        const [sums, sumsJs] = [k().batchNormGradSums(g, x, mean, c), jsKernels.batchNormGradSums(g, x, mean, c)];
        expectClose('batchNormGradSums sumGrad', sums.sumGrad, sumsJs.sumGrad);
        expectClose('batchNormGradSums sumGradCentered', sums.sumGradCentered, sumsJs.sumGradCentered);
        expectClose('batchNormBackward', k().batchNormBackward(g, x, backward, c), jsKernels.batchNormBackward(g, x, backward, c));
      }),
      runs,
    );
  });

  test('wrong operand sizes fail naming the kernel and the sizes', () => {
    const p: GemmParams = { batch: 1, m: 2, n: 3, k: 4, transA: false, transB: false, batchA: 1, batchB: 1 };
    expect(() => k().gemm(rand([1, 2, 5], 1), rand([1, 4, 3], 2), p)).toThrow(/wasm gemm: A has 10 values .* batchA·m·k .*= 8/);
  });

  test('memory stays flat over many training-like steps', () => {
    const p: Conv2dParams = {
      batch: 4, inChannels: 8, inHeight: 12, inWidth: 12, outChannels: 16, outHeight: 12, outWidth: 12, kernelHeight: 3, kernelWidth: 3,
      strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationHeight: 1, dilationWidth: 1, groups: 1,
    };
    const x = rand([4, 8, 12, 12], 1), w = rand([16, 8, 3, 3], 2), gy = rand([4, 16, 12, 12], 3);
    const kk = k();
    const step = () => {
      kk.conv2d(x, w, null, p);
      kk.conv2dBackwardInput(gy, w, p);
      kk.conv2dBackwardWeight(gy, x, p);
    };
    step();
    const after1 = kk.memoryBytes;
    for (let i = 0; i < 300; i++) step();
    expect(kk.memoryBytes).toBe(after1);
  });
});

test("the registered 'wasm' backend trains a conv → pool → linear net like the JS backend", async () => {
  const run = async (backend: 'wasm' | 'js') => {
    await setBackend(backend);
    const x = tg.tensor(values(2 * 3 * 9 * 9, 5), [2, 3, 9, 9], { requiresGrad: true });
    const w = tg.tensor(values(4 * 3 * 3 * 3, 6), [4, 3, 3, 3], { requiresGrad: true });
    const b = tg.tensor(values(4, 7), [4], { requiresGrad: true });
    const fcW = tg.tensor(values(5 * 64, 8), [5, 64], { requiresGrad: true });
    const h = tg.maxPool2d(tg.relu(tg.conv2d(x, w, b, { padding: 1, stride: 1 })), 2);
    const y = tg.linear(tg.reshape(tg.avgPool2d(h, { kernelSize: 1 }), [2, 64]), fcW);
    y.mul(y).sum().backward();
    return [y, x.grad!, w.grad!, b.grad!, fcW.grad!];
  };
  try {
    const viaWasm = await run('wasm');
    expect(wasmBackendInfo()?.build).toMatch(/simd|relaxed/);
    expect(kernels()).not.toBe(jsKernels);
    const viaJs = await run('js');
    viaWasm.forEach((t, i) => expectClose(`tensor ${i}`, t, viaJs[i]));
  } finally {
    await setBackend('js');
  }
});
