// Gradchecks on the 'webgpu' backend (Node, Dawn over SwiftShader): the kernel-backed ops' analytic
// gradients, computed on the device, against central finite differences of forwards on the device, read
// with dataAsync (tests/helpers/gradcheck.ts's gradcheckAsync). A wrong gradient must fail.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import type { Tensor } from '../../index.js';
import { assertGradcheckAsync, gradcheckAsync, type GradcheckOptions } from '../helpers/gradcheck.js';
import { randomValues } from '../helpers/values.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';

let reason: string | null = null;
beforeAll(async () => {
  const probe = await webgpuKernelsForTests('tests/webgpu/gradients.test.ts');
  probe.kernels?.dispose();
  reason = probe.reason;
  if (!reason) await tg.setBackend('webgpu');
});
afterAll(() => tg.setBackend('js'));

const values = (shape: number[], seed: number, scale = 1) => new tg.Tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed).map((v) => v * scale), shape);
/** distinct values spaced 0.1 apart, so that max pooling's choice survives the finite-difference step */
const distinct = (shape: number[], seed: number) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = new tg.Generator(seed);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return new tg.Tensor(Float32Array.from(v), shape);
};
const KINKED: GradcheckOptions = { absoluteStep: true, eps: 1e-2 };

const cases: Array<[string, (...xs: Tensor[]) => Tensor, () => Tensor[], GradcheckOptions?]> = [
  ['conv2d, stride 2, padding (1, 0), dilation 2, 2 groups, bias', (x, w, b) => tg.conv2d(x, w, b, { stride: 2, padding: [1, 0], dilation: 2, groups: 2 }), () => [values([2, 4, 7, 6], 1), values([6, 2, 3, 2], 2), values([6], 3)]],
  ['maxPool2d 3x3 stride 2 padding 1', (x) => tg.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), () => [distinct([2, 2, 6, 5], 4)], KINKED],
  ['avgPool2d 2x3 stride (1, 2) padding 1, excluding the padding', (x) => tg.avgPool2d(x, { kernelSize: [2, 3], stride: [1, 2], padding: 1, countIncludePad: false }), () => [values([1, 3, 5, 6], 5)]],
  ['adaptiveAvgPool2d to uneven windows', (x) => tg.adaptiveAvgPool2d(x, [3, 2]), () => [values([2, 2, 7, 5], 6)]],
  ['batchNorm in training, affine', (x, w, b) => tg.batchNorm(x, tg.zeros([3]), tg.ones([3]), w, b, { training: true, eps: 1e-3 }), () => [values([4, 3, 2, 3], 7, 2), values([3], 8), values([3], 9)]],
  ['linear, logSoftmax, gelu, leakyRelu', (x, w, b) => tg.linear(x, w, b).gelu().leakyRelu(0.1).logSoftmax(1), () => [values([3, 5], 10), values([4, 5], 11), values([4], 12)]],
  ['crossEntropy with label smoothing', (x) => tg.crossEntropy(x, [2, 0, 1], { labelSmoothing: 0.1 }), () => [values([3, 4], 13)]],
  ['pad (reflect), then a broadcast product and a sum over dims', (x, y) => tg.pad(x, [1, 2, 0, 1], { mode: 'reflect' }).mul(y).sum([0, 2]), () => [values([2, 2, 3, 4], 14), values([2, 1, 7], 15)]],
  ['matmul of batched, broadcast operands', (a, b) => tg.matmul(a, b), () => [values([2, 3, 4], 16), values([4, 2], 17)]],
];

describe('gradchecks on webgpu', () => {
  test.each(cases)('%s', async (name, f, inputs, opts) => {
    if (reason) return;
    await assertGradcheckAsync(f, inputs(), { name, ...opts });
  }, 120_000);

  test('a wrong gradient computed on the device fails the check, naming the elements', async () => {
    if (reason) return;
    // relu's forward on the device with half its gradient
    const halfRelu = (x: Tensor) => tg.record(x.relu(), 'halfRelu', [x], (g) => [g.mul(x.gt(0)).mul(0.5)]);
    const result = await gradcheckAsync(halfRelu, [values([2, 3], 18)], { name: 'halfRelu' });
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/gradcheck\(halfRelu\): inputs #0 \[2,3\] → output \[2,3\]; \d+ of 6 gradient elements differ/);
  });
});
