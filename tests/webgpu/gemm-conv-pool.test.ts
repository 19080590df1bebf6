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
import type { WebGpuKernels } from '../../kernels-webgpu/kernels.js';

let kernels: WebGpuKernels | null = null;
beforeAll(async () => {
  ({ kernels } = await webgpuKernelsForTests('tests/webgpu/gemm-conv-pool.test.ts'));
});
afterAll(() => kernels?.dispose());

const check = (name: string, large: boolean) => checkKernel(name, { fc, Tensor, kernels: kernels as Kernels, reference: jsKernels, numRuns: 20, large });

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
