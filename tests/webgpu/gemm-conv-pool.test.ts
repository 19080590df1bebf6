// The webgpu GEMM, convolutions and pooling against js on random shapes (tests/helpers/equivalence.js),
// in Node on Dawn over SwiftShader (tests/helpers/webgpu.ts); once more with the large sizes for gemm
// and the convolutions, past the 64×64 tile of the tiled product (kernels-webgpu/gemm.ts).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../engine/index.js';
import { jsKernels } from '../../engine/backends/js/index.js';
import type { Kernels } from '../../engine/kernels.js';
import { checkKernel } from '../helpers/equivalence.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';
import type { WebGpuDeviceKernels } from '../../kernels-webgpu/kernels.js';
import { gemmKernels } from '../../kernels-webgpu/gemm.js';
import { convKernels } from '../../kernels-webgpu/conv.js';
import { difference, randomValues } from '../helpers/values.js';

let kernels: WebGpuDeviceKernels | null = null;
beforeAll(async () => {
  ({ kernels } = await webgpuKernelsForTests('tests/webgpu/gemm-conv-pool.test.ts'));
});
afterAll(() => kernels?.dispose());

const check = (name: string, large: boolean, under = kernels as Kernels) => checkKernel(name, { fc, Tensor, kernels: under, reference: jsKernels, numRuns: 20, large });

describe('webgpu gemm, convolutions and pooling equal js', () => {
  test.each(['gemm', 'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward'])('%s', async (name) => {
    if (!kernels) return;
    expect(await check(name, false)).toBeNull();
  });
  test.each(['gemm', 'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight'])('%s, sizes past the tile', async (name) => {
    if (!kernels) return;
    expect(await check(name, true)).toBeNull();
  }, 120_000);
});

describe('a product of few tiles is split along k, and the parts add up', () => {
  test('by default, past 256 of k per part: an 8×8 gemm over k = 4096 is two dispatches (the parts, their sum)', async () => {
    if (!kernels) return;
    const p = { batch: 1, m: 8, n: 8, k: 4096, transA: false, transB: true, batchA: 1, batchB: 1 };
    const [a, b] = [new Tensor(randomValues(8 * 4096, 1), [1, 8, 4096]), new Tensor(randomValues(8 * 4096, 2), [1, 8, 4096])];
    const before = kernels.info().dispatches;
    const got = kernels.gemm(a, b, p);
    expect(kernels.info().dispatches - before).toBe(2);
    await got.dataAsync();
    expect(difference('split gemm', got, jsKernels.gemm(a, b, p))).toBeNull();
  });
  // parts of one step of k (16), on the large cases, whose k are long enough to split (but conv2d's with a bias)
  test.each(['gemm', 'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight'])('%s, in parts of 16', async (name) => {
    if (!kernels) return;
    const split = { ...gemmKernels(kernels.gpu, { minSplitK: 16 }), ...convKernels(kernels.gpu, { minSplitK: 16 }) } as unknown as Kernels;
    expect(await check(name, true, split)).toBeNull();
  }, 120_000);
});

test('a tensor of the wrong size is refused, naming the kernel, what it expected and what came', () => {
  if (!kernels) return;
  const p = { batch: 1, m: 2, n: 3, k: 4, transA: false, transB: false, batchA: 1, batchB: 1 };
  expect(() => kernels!.gemm(new Tensor(new Float32Array(7), [7]), new Tensor(new Float32Array(12), [4, 3]), p)).toThrow('webgpu gemm: A (1 of m×k) should hold 8 values, got 7 [7]');
});
