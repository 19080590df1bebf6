// Issue 16's activations and normalizations on the registered 'webgpu' backend (Node, Dawn over SwiftShader,
// see tests/helpers/webgpu.ts): each op's forward and its gradients (input, and weight and bias where it has
// them) equal js's, computed without a single readback until the results are read with dataAsync.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import type { Tensor } from '../../index.js';
import { difference, randomValues } from '../helpers/values.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';

let reason: string | null = null;
beforeAll(async () => {
  const probe = await webgpuKernelsForTests('tests/webgpu/activation-norm.test.ts');
  probe.kernels?.dispose();
  reason = probe.reason;
});
afterAll(() => tg.setBackend('js'));

const values = (shape: number[], seed: number, scale = 1) => new tg.Tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed).map((v) => v * scale), shape);

/** An op of some leaf inputs; all of them get gradients. */
interface Case {
  name: string;
  inputs: () => Tensor[];
  f: (...xs: Tensor[]) => Tensor;
}

const x4 = (scale = 3) => values([2, 4, 3, 3], 1, scale);
const cases: Case[] = [
  { name: 'prelu', inputs: () => [x4(), values([4], 2)], f: tg.prelu },
  { name: 'elu', inputs: () => [x4()], f: (x) => tg.elu(x, 0.7) },
  { name: 'selu', inputs: () => [x4()], f: tg.selu },
  { name: 'celu', inputs: () => [x4()], f: (x) => tg.celu(x, 1.5) },
  { name: 'silu', inputs: () => [x4()], f: tg.silu },
  { name: 'mish', inputs: () => [x4()], f: tg.mish },
  { name: 'hardswish', inputs: () => [x4(10)], f: tg.hardswish },
  { name: 'hardsigmoid', inputs: () => [x4(10)], f: tg.hardsigmoid },
  { name: 'softsign', inputs: () => [x4()], f: tg.softsign },
  { name: 'softmin', inputs: () => [x4()], f: (x) => tg.softmin(x, 1) },
  { name: 'layerNorm', inputs: () => [x4(), values([3, 3], 3), values([3, 3], 4)], f: (x, w, b) => tg.layerNorm(x, [3, 3], w, b) },
  { name: 'groupNorm', inputs: () => [x4(), values([4], 5), values([4], 6)], f: (x, w, b) => tg.groupNorm(x, 2, w, b) },
  { name: 'instanceNorm', inputs: () => [x4(), values([4], 7), values([4], 8)], f: (x, w, b) => tg.instanceNorm(x, null, null, w, b) },
  { name: 'localResponseNorm', inputs: () => [x4()], f: (x) => tg.localResponseNorm(x, 3, 0.5, 0.75, 2) },
];

/** The op's output and every input's gradient (upstream: fixed random values), read asynchronously; and the readbacks before that read. */
async function run(backend: tg.BackendName, c: Case): Promise<{ results: Tensor[]; readbacks: number }> {
  await tg.setBackend(backend);
  const inputs = c.inputs().map((t) => t.setRequiresGrad());
  const before = backend === 'webgpu' ? tg.webgpuBackendInfo()!.readbacks : 0;
  const out = c.f(...inputs);
  out.backward(values([...out.shape], 99));
  const readbacks = backend === 'webgpu' ? tg.webgpuBackendInfo()!.readbacks - before : 0;
  const computed = [out, ...inputs.map((t) => t.grad!)];
  const results = await Promise.all(computed.map(async (t) => new tg.Tensor(Float32Array.from(await t.dataAsync()), t.shape)));
  return { results, readbacks };
}

describe("issue 16's activations and normalizations on webgpu", () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s: forward and gradients as js, no readback on the way', async (_, c) => {
    if (reason) return;
    const want = await run('js', c);
    const got = await run('webgpu', c);
    expect(got.readbacks).toBe(0);
    got.results.forEach((t, i) => expect(difference(`${c.name} ${i === 0 ? 'output' : `gradient ${i - 1}`}`, t, want.results[i])).toBeNull());
  });

  test('InstanceNorm2d with running statistics: a training step updates them on the device, evaluation uses them', async () => {
    if (reason) return;
    const step = async (backend: tg.BackendName) => {
      await tg.setBackend(backend);
      const layer = new tg.nn.InstanceNorm2d(4, { affine: true, trackRunningStats: true });
      const x = x4().setRequiresGrad();
      layer.forward(x).backward(values([2, 4, 3, 3], 98));
      layer.eval();
      const evaluated = layer.forward(x4(2));
      const read = (t: Tensor) => t.dataAsync().then((d) => new tg.Tensor(Float32Array.from(d), t.shape));
      return Promise.all([x.grad!, layer.weight!.grad!, layer.running_mean!, layer.running_var!, evaluated].map(read));
    };
    const want = await step('js');
    const got = await step('webgpu');
    got.forEach((t, i) => expect(difference(`InstanceNorm2d result ${i}`, t, want[i])).toBeNull());
  });
});
