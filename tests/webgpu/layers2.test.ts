// The second round of issue 16's layers once on the 'webgpu' backend (Node, Dawn over SwiftShader; see
// tests/helpers/webgpu.ts): interpolate bicubic and area, convTranspose1d, embedding with maxNorm, conv3d,
// maxPool3d, avgPool3d and batchNorm over 5-D input (BatchNorm3d's). Output
// and the gradients of every input equal the 'js' backend's, with no readback before the results are read
// (tests/helpers/spatial-cases.ts runs them). The ops are composed of existing kernels and ops, so this
// checks that they stay on the device: the interpolation matrices, a height of 1, the renormalised table
// written back with copy_.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import type { Tensor } from '../../index.js';
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

/** A table with rows well above norm 1 (the inputs are near unit scale), so maxNorm scales most of them. */
const renormed = (w: Tensor) => {
  const table = w.mul(3); // a non-leaf: the in-place renorm writes it, and the gradient flows through the mul to w
  return tg.embedding(tg.tensor([[3, 0, 1], [4, 4, 2]]), table, { maxNorm: 1 }).add(tg.embedding(tg.tensor([1, 2]), table, null, 0.8, 1).sum(0));
};

const cases: Array<[string, (...xs: Tensor[]) => Tensor, number[][]]> = [
  ['interpolate bicubic x(1.5, 0.6) and alignCorners to [7, 3]', (x) => tg.interpolate(x, { scaleFactor: [1.5, 0.6], mode: 'bicubic' }).sum().add(tg.interpolate(x, { size: [7, 3], mode: 'bicubic', alignCorners: true }).mean()), [[2, 3, 6, 5]]],
  ['interpolate area 1-D, 2-D and 3-D', (x) => tg.interpolate(x, [4, 3], null, 'area').sum().add(tg.interpolate(x.flatten(2), 7, null, 'area').mean()).add(tg.interpolate(x.unsqueeze(2), { scaleFactor: [2, 0.5, 0.7], mode: 'area' }).mean()), [[1, 2, 6, 5]]],
  ['convTranspose1d: stride 2, padding 1, outputPadding 1, 2 groups, dilation 2, bias', (x, w, b) => tg.convTranspose1d(x, w, b, 2, 1, 1, 2, 2), [[2, 4, 9], [4, 3, 3], [6]]],
  ['embedding with maxNorm (normType 2 and 1)', renormed, [[5, 6]]],
  ['conv3d: stride (1, 2, 1), padding (1, 0, 1), dilation (2, 1, 1), 2 groups, bias', (x, w, b) => tg.conv3d(x, w, b, { stride: [1, 2, 1], padding: [1, 0, 1], dilation: [2, 1, 1], groups: 2 }), [[2, 4, 4, 5, 3], [6, 2, 2, 3, 2], [6]]],
  ['maxPool3d and avgPool3d: padding, ceil mode, excluding the padding', (x) => tg.maxPool3d(x, [3, 2, 2], 2, [1, 1, 0], 1, true).sum().add(tg.avgPool3d(x, [3, 2, 2], 2, [1, 1, 0], true, false).mean()), [[2, 3, 6, 5, 4]]],
  ['batchNorm over [N, C, D, H, W] in training', (x, w, b) => tg.batchNorm(x, tg.zeros([3]), tg.ones([3]), w, b, { training: true }), [[2, 3, 3, 4, 2], [3], [3]]],
];

describe("the second round of layers on webgpu has js's outputs and gradients", () => {
  test.each(cases)('%s', async (name, op, shapes) => {
    if (reason) return;
    const want = await runSpatialCase('js', op, shapes);
    const got = await runSpatialCase('webgpu', op, shapes, () => tg.webgpuBackendInfo()!.readbacks);
    expect(tg.getBackend()).toBe('webgpu');
    got.forEach((t, i) => expect(difference(`${name}: ${i === 0 ? 'output' : `gradient of input ${i - 1}`}`, t, want[i])).toBeNull());
  }, 120_000);
});
