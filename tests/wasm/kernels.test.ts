// The WASM kernels beyond equivalence with js (every kernel of every build against js is in
// tests/backends/equivalence.test.ts): in both builds (plain SIMD and relaxed SIMD), on one thread and
// on two, wrong operand sizes fail naming the kernel, and memory stays flat over many calls.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Tensor, type Conv2dParams, type GemmParams } from '../../engine/index.js';
import { createWasmKernels, relaxedSimdSupported, type WasmKernels } from '../../kernels-wasm/index.js';
import { randomValues } from '../helpers/values.js';

const rand = (shape: number[], seed: number) => new Tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);

const builds: Array<{ name: 'simd' | 'relaxed'; threads: number; kernels?: WasmKernels }> = [
  { name: 'simd', threads: 1 },
  { name: 'relaxed', threads: 1 },
  { name: 'simd', threads: 2 },
  { name: 'relaxed', threads: 2 },
];

beforeAll(async () => {
  for (const b of builds) if (b.name === 'simd' || (await relaxedSimdSupported())) b.kernels = await createWasmKernels(b.name, b.threads, { parallelMinWork: 0 });
});

afterAll(() => {
  for (const b of builds) b.kernels?.dispose();
});

describe.each(builds)('wasm kernels ($name build, $threads thread(s))', (build) => {
  const k = () => {
    if (!build.kernels) throw new Error(`the ${build.name} build does not run on this engine`);
    expect(build.kernels.threads).toBe(build.threads);
    return build.kernels;
  };

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
