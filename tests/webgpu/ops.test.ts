// The tensor ops of issue 16 on the registered 'webgpu' backend (Dawn over SwiftShader, see
// tests/helpers/webgpu.ts): forward and input gradients equal js's, with every step on the device (an
// index the ops make there, as sort's, is never read back; .data of a device tensor would throw).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { difference } from '../helpers/values.js';
import { runOp, tensorOps, values } from '../helpers/tensor-ops.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';

let reason: string | null = null;
beforeAll(async () => {
  const probe = await webgpuKernelsForTests('tests/webgpu/ops.test.ts');
  probe.kernels?.dispose();
  reason = probe.reason;
});
afterAll(() => tg.setBackend('js'));

describe('the tensor ops on webgpu equal js', () => {
  test.each(tensorOps)('%s', async (name, inputs, f) => {
    if (reason) return;
    const want = await runOp('js', inputs, f);
    const got = await runOp('webgpu', inputs, f);
    got.forEach((t, k) => expect(difference(`${name} ${k === 0 ? 'output' : `gradient of input ${k - 1}`}`, t, want[k])).toBeNull());
  });

  test('where keeps −0 and picks ∞ and NaN only from the side it takes', async () => {
    if (reason) return;
    await tg.setBackend('webgpu');
    const out = tg.where(values([1, 0, 1, 0], [4]), values([-0, NaN, 1, Infinity], [4]), values([Infinity, -0, NaN, 2], [4]));
    const got = Array.from(await out.dataAsync());
    expect(got.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(['-0', '-0', 1, 2]);
  });

  test("sort's indices stay on the device and equal js's", async () => {
    if (reason) return;
    const x = () => values([2, NaN, -1, 2, 0, 5, 5, -3], [2, 4]);
    await tg.setBackend('webgpu');
    const { indices } = tg.sort(x(), 1);
    expect(indices.onDevice).toBe(true);
    expect(Array.from(await indices.dataAsync())).toEqual([2, 0, 3, 1, 3, 0, 1, 2]);
  });
});
