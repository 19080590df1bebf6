// Whole training steps on the registered 'webgpu' backend in Node (Dawn over SwiftShader, see
// tests/helpers/webgpu.ts): the course's CNN and VGG-small have js's loss and gradients; a step with
// the optimizer on the device reads back only the loss; device memory stays flat over 50 steps;
// .data refuses to read a device result synchronously.

import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { checkCnnStep } from '../helpers/equivalence.js';
import { difference, randomValues } from '../helpers/values.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';

let reason: string | null = null;
beforeAll(async () => {
  const probe = await webgpuKernelsForTests('tests/webgpu/training.test.ts');
  probe.kernels?.dispose();
  reason = probe.reason;
  if (!reason) await tg.setBackend('webgpu');
});
afterAll(() => tg.setBackend('js'));

// the collector frees device buffers (a FinalizationRegistry): call it between steps to see a plateau
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Collects garbage until the device's bytes in use stop falling (finalizers run in later tasks, later still under load). */
const collected = async () => {
  let before = Infinity;
  for (let round = 0; round < 20; round++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
    await tg.sync();
    const now = tg.webgpuBackendInfo()!.bytesInUse;
    if (now >= before) return;
    before = now;
  }
};

const digits = (n: number, seed: number) => new tg.Tensor(randomValues(n * 144, seed), [n, 1, 12, 12]);

describe('training on webgpu', () => {
  test("the course's CNN: one step has js's loss and gradients", async () => {
    if (reason) return;
    expect(await checkCnnStep({ tg, backend: 'webgpu' })).toEqual([]);
  });

  test("VGG-small (16x16 RGB, batch 2): one step has js's loss and gradients", async () => {
    if (reason) return;
    const step = async (backend: tg.BackendName) => {
      await tg.setBackend(backend);
      tg.manualSeed(5);
      const model = tg.nn.vggSmall({ numClasses: 4 });
      const x = new tg.Tensor(randomValues(2 * 3 * 256, 2), [2, 3, 16, 16]);
      const loss = tg.crossEntropy(model.forward(x), [1, 3]);
      loss.backward();
      const grads = model.parameters().map((p) => p.grad!);
      await Promise.all(grads.map((g) => g.dataAsync()));
      return { loss: new tg.Tensor(Float32Array.of(await loss.itemAsync()), [1]), grads };
    };
    const want = await step('js');
    const got = await step('webgpu');
    expect(difference('VGG-small loss', got.loss, want.loss)).toBeNull();
    got.grads.forEach((g, i) => expect(difference(`VGG-small gradient ${i}`, g, want.grads[i])).toBeNull());
  }, 300_000);

  test('a step with the optimizer on the device reads back only the loss, and memory stays flat over 50 steps', async () => {
    if (reason) return;
    await tg.setBackend('webgpu');
    tg.manualSeed(3);
    const model = new tg.nn.CNN({ inSize: [1, 12, 12], outClasses: 10, channels: [4, 8], poolEvery: 1, hiddenDims: [16] });
    const optimizer = new tg.optim.Adam(model.parameters(), { lr: 1e-2 });
    const info = () => tg.webgpuBackendInfo()!;
    const held: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) {
      const x = digits(8, step);
      const y = Array.from({ length: 8 }, (_, i) => (i + step) % 10);
      const before = info().readbacks;
      const loss = tg.crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      losses.push(await loss.itemAsync());
      expect(info().readbacks - before).toBe(1);
      await collected();
      held.push(info().bytesInUse + info().bytesPooled);
    }
    // every buffer a step makes is back in the pool by the next: what the device holds stops growing
    expect(held[49]).toBeLessThanOrEqual(held[9]);
    expect(losses.every(Number.isFinite)).toBe(true);
  }, 300_000);

  test('weights loaded from a model on the device are copied, not shared: training the copy leaves the original', async () => {
    if (reason) return;
    await tg.setBackend('webgpu');
    tg.manualSeed(4);
    const make = () => new tg.nn.Sequential(new tg.nn.Linear(6, 4), new tg.nn.ReLU(), new tg.nn.Linear(4, 3));
    const [original, copy] = [make(), make()];
    const step = (model: tg.nn.Module, optimizer: tg.optim.SGD) => {
      optimizer.zeroGrad();
      tg.crossEntropy(model.forward(tg.randn([5, 6])), [0, 1, 2, 1, 0]).backward();
      optimizer.step();
    };
    step(original, new tg.optim.SGD(original.parameters(), { lr: 0.5 })); // its weights now live on the device
    // device clones as the reference: reading the original now would move it to the CPU, out of harm's way
    const snapshot = tg.noGrad(() => original.parameters().map((p) => p.clone()));
    copy.loadStateDict(original.stateDict());
    step(copy, new tg.optim.SGD(copy.parameters(), { lr: 0.5 }));
    const before = await Promise.all(snapshot.map((p) => p.toArrayAsync()));
    expect(await Promise.all(original.parameters().map((p) => p.toArrayAsync()))).toEqual(before);
    expect(await copy.parameters()[0].toArrayAsync()).not.toEqual(before[0]);
  });

  test('.data on a webgpu result throws, naming dataAsync; after dataAsync it reads', async () => {
    if (reason) return;
    await tg.setBackend('webgpu');
    const y = tg.tensor([[1, -2], [3, -4]]).relu().sum(1);
    expect(() => y.data).toThrow(/webgpu: tensor\.data cannot read a GPU buffer synchronously; use `await tensor\.dataAsync\(\)`/);
    expect(await y.toArrayAsync()).toEqual([1, 3]);
    expect(y.toArray()).toEqual([1, 3]);
  });
});
