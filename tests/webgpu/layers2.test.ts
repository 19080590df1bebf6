// The second round of issue 16's layers once on the 'webgpu' backend (Node, Dawn over SwiftShader; see
// tests/helpers/webgpu.ts): interpolate bicubic and area, convTranspose1d, embedding with maxNorm, conv3d,
// maxPool3d, avgPool3d and batchNorm over 5-D input (BatchNorm3d's), the cases of
// tests/helpers/layers2-cases.ts. Output and the gradients of every input equal the 'js' backend's, with
// no readback before the results are read. The ops are composed of existing kernels and ops, so this
// checks that they stay on the device: the interpolation matrices, a height of 1, the depth slices, the
// renormalised table written back with copy_.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { layers2Cases } from '../helpers/layers2-cases.js';
import { runSpatialCase } from '../helpers/spatial-cases.js';
import { difference } from '../helpers/values.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';

let reason: string | null = null;
beforeAll(async () => {
  const probe = await webgpuKernelsForTests('tests/webgpu/layers2.test.ts');
  probe.kernels?.dispose();
  reason = probe.reason;
});
afterAll(() => tg.setBackend('js'));

describe("the second round of layers on webgpu has js's outputs and gradients", () => {
  test.each(layers2Cases)('%s', async (name, op, shapes) => {
    if (reason) return;
    const want = await runSpatialCase('js', op, shapes);
    const got = await runSpatialCase('webgpu', op, shapes, () => tg.webgpuBackendInfo()!.readbacks);
    expect(tg.getBackend()).toBe('webgpu');
    got.forEach((t, i) => expect(difference(`${name}: ${i === 0 ? 'output' : `gradient of input ${i - 1}`}`, t, want[i])).toBeNull());
  }, 120_000);
});
