// Every webgpu kernel against js on random shapes (tests/helpers/equivalence.js), in Node on Dawn over
// SwiftShader (tests/helpers/webgpu.ts).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../engine/index.js';
import { jsKernels } from '../../engine/backends/js/index.js';
import type { Kernels } from '../../engine/kernels.js';
import { checkKernel } from '../helpers/equivalence.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';
import type { WebGpuDeviceKernels } from '../../kernels-webgpu/kernels.js';

let kernels: WebGpuDeviceKernels | null = null;
beforeAll(async () => {
  ({ kernels } = await webgpuKernelsForTests('tests/webgpu/kernels.test.ts'));
});
afterAll(() => kernels?.dispose());

const check = (name: string, numRuns = 20) => checkKernel(name, { fc, Tensor, kernels: kernels as Kernels, reference: jsKernels, numRuns, large: false });

describe('webgpu kernels equal js', () => {
  test.each(['relu', 'reluBackward', 'biasAdd'])('%s', async (name) => {
    if (!kernels) return;
    expect(await check(name)).toBeNull();
  });
});

test('a webgpu result cannot be read synchronously: .data names dataAsync, which reads it', async () => {
  if (!kernels) return;
  const y = kernels.relu(new Tensor(Float32Array.of(-1, 2, Number.NaN), [3]));
  expect(() => y.data).toThrow(/webgpu: tensor\.data cannot read a GPU buffer synchronously; use `await tensor\.dataAsync\(\)`/);
  expect([...(await y.dataAsync())]).toEqual([0, 2, Number.NaN]);
  expect([...y.data]).toEqual([0, 2, Number.NaN]);
});
