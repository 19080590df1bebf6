// The spatial ops once on the 'webgpu' backend (Node, Dawn over SwiftShader; see tests/helpers/webgpu.ts):
// output and the gradients of every input equal the 'js' backend's (tests/helpers/spatial-cases.ts), with
// no readback before the results are read. The ops run on existing kernels, so this checks that the
// parameters they hand those kernels (a transposed conv's output padding, a height of 1, float32 ids)
// work on the device as on the CPU.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { runSpatialCase, spatialCases } from '../helpers/spatial-cases.js';
import { difference } from '../helpers/values.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';

let reason: string | null = null;
beforeAll(async () => {
  const probe = await webgpuKernelsForTests('tests/webgpu/spatial.test.ts');
  probe.kernels?.dispose();
  reason = probe.reason;
});
afterAll(() => tg.setBackend('js'));

describe("the spatial ops on webgpu have js's outputs and gradients", () => {
  test.each(spatialCases)('%s', async (name, op, shapes) => {
    if (reason) return;
    const want = await runSpatialCase('js', op, shapes);
    const got = await runSpatialCase('webgpu', op, shapes, () => tg.webgpuBackendInfo()!.readbacks);
    expect(tg.getBackend()).toBe('webgpu');
    got.forEach((t, i) => expect(difference(`${name}: ${i === 0 ? 'output' : `gradient of input ${i - 1}`}`, t, want[i])).toBeNull());
  }, 120_000);
});
