// No op reads `.data` on its compute path: a 'strict' backend keeps every kernel result in a device-like
// storage whose read() throws, and runs the JS kernels on the values behind it. A forward and backward
// pass through every op family, and optimizer steps, then run on it without a single read; only the
// checks at the end read the results (with reads allowed again) and compare them with the 'js' backend.

import { afterAll, describe, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';
import { Tensor, kernelNames, type DeviceStorage, type Kernels } from '../../engine/index.js';
import { jsKernels } from '../../engine/backends/js/index.js';
import { SGD, AdamW, RMSprop } from '../../nn/optim/index.js';

// the test backend's name, declared as a user registering a backend would
declare module '../../engine/backend.js' {
  interface BackendNames {
    strict: true;
  }
}

let reads = 0;
let strict = true;

class StrictStorage implements DeviceStorage {
  readonly backend = 'strict';
  constructor(readonly values: Float32Array) {}
  read(): Float32Array {
    reads++;
    if (strict) throw new Error('strict backend: .data was read on the compute path');
    return this.values;
  }
}

/** A tensor's values without reading it: the values behind a strict tensor, else the tensor itself. */
const unwrap = (v: unknown): unknown => {
  if (v instanceof Tensor) {
    const device = v.deviceStorage('strict');
    return device instanceof StrictStorage ? new Tensor(device.values, v.shape) : v;
  }
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  return v;
};
const wrap = (v: unknown): unknown => {
  if (v instanceof Tensor) return new Tensor(new StrictStorage(v.data), v.shape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wrap(x)]));
  return v;
};

const strictKernels = Object.fromEntries(
  kernelNames.map((name) => [name, (...args: unknown[]) => wrap((jsKernels[name] as (...a: unknown[]) => unknown)(...args.map(unwrap)))]),
) as unknown as Kernels;
tg.registerBackend('strict', strictKernels);

afterAll(() => tg.setBackend('js'));

/** Runs `pass` on js and on strict (where reads throw); returns both results' tensors, read afterwards. */
async function bothBackends(pass: () => Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  await tg.setBackend('js');
  const reference = pass().map((t) => t.data.slice());
  await tg.setBackend('strict');
  strict = true;
  reads = 0;
  let results: Tensor[];
  try {
    results = pass();
  } finally {
    strict = false;
  }
  expect(reads).toBe(0);
  const got = results.map((t) => t.data.slice());
  await tg.setBackend('js');
  return [got, reference];
}

const values = (shape: number[], seed: number) => {
  const g = new tg.Generator(seed);
  return tg.randn(shape, { generator: g });
};
const leaf = (shape: number[], seed: number) => values(shape, seed).setRequiresGrad();

describe('no op reads .data to compute', () => {
  test('elementwise, reductions, movement, softmax, losses, pad, pooling, batch norm and dropout, forward and backward', async () => {
    const pass = () => {
      const x = leaf([2, 3, 6, 6], 1);
      const w = leaf([4, 3, 3, 3], 2);
      const b = leaf([4], 3);
      const gamma = leaf([4], 4);
      const beta = leaf([4], 5);
      const runningMean = tg.zeros([4]);
      const runningVar = tg.ones([4]);
      let h = tg.conv2d(x, w, b, { padding: 1 });
      h = tg.batchNorm(h, runningMean, runningVar, gamma, beta, { training: true });
      h = h.leakyRelu(0.1).add(h.sigmoid().mul(h.tanh())).sub(h.gelu().div(2)).add(h.gelu('tanh')).add(h.softplus().abs().sqrt()).add(h.clamp(-0.5, 0.5));
      h = tg.dropout(h, 0.3, true, new tg.Generator(6));
      h = tg.dropout2d(h, 0.2, true, new tg.Generator(7));
      h = tg.pad(h, [1, 1, 2, 0], { mode: 'reflect' }).add(tg.pad(h, [1, 1, 2, 0], { value: 0.5 }));
      const pooled = tg.adaptiveAvgPool2d(h, [3, 5]).add(tg.adaptiveMaxPool2d(h, [3, 5])).add(tg.avgPool2d(tg.maxPool2d(h, 2), 2).slice(3, 1, 2).mean());
      let z = tg.cat([pooled, pooled.permute(0, 1, 3, 2).transpose(2, 3)], 1).flatten(1);
      z = z.pow(2).add(z.exp().log()).add(z.maximum(z.neg())).add(z.minimum(0.1));
      const logits = tg.linear(z, leaf([5, z.shape[1]], 8), leaf([5], 9)).add(tg.matmul(z, tg.ones([z.shape[1], 5])).mul(0.01));
      const target = [1, 4];
      const loss = tg.crossEntropy(logits, target, { labelSmoothing: 0.1 })
        .add(tg.nll(logits.logSoftmax(1), target, { weight: tg.tensor([1, 2, 1, 1, 0.5]) }))
        .add(tg.mse(logits.softmax(1), tg.zeros([2, 5])))
        .add(tg.binaryCrossEntropyWithLogits(logits, tg.zeros([2, 5])))
        .add(logits.max(1).sum()).add(logits.maxWithIndices(1).values.mean()).add(logits.var(0).sum())
        .add(logits.index([1, 0, 1]).sum()).add(logits.eq(logits).mul(logits.gt(0)).sum())
        .add(logits.reshape(10).argmax().add(logits.argmin(1).sum()).mul(0));
      loss.backward();
      return [loss, x.grad!, w.grad!, b.grad!, gamma.grad!, beta.grad!, runningMean, runningVar];
    };
    const [got, reference] = await bothBackends(pass);
    got.forEach((values, i) => {
      const scale = Math.max(1, ...reference[i].map(Math.abs));
      values.forEach((v, j) => expect(Math.abs(v - reference[i][j]), `result ${i} element ${j}`).toBeLessThanOrEqual(1e-5 * scale));
    });
  });

  test('optimizer steps (SGD with Nesterov momentum, AdamW with amsgrad, centered RMSprop) update on the device', async () => {
    const pass = () => {
      const params = [leaf([3, 4], 10), leaf([5], 11), leaf([2, 2], 12)];
      const optimizers = [
        new SGD([params[0]], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
        new AdamW([params[1]], { lr: 0.01, amsgrad: true }),
        new RMSprop([params[2]], { lr: 0.01, centered: true, momentum: 0.5 }),
      ];
      for (let step = 0; step < 3; step++) {
        for (const o of optimizers) o.zeroGrad();
        params.reduce((s, p) => s.add(p.mul(p).sum()), tg.zeros([])).backward();
        for (const o of optimizers) o.step();
      }
      return params;
    };
    const [got, reference] = await bothBackends(pass);
    got.forEach((values, i) => values.forEach((v, j) => expect(Math.abs(v - reference[i][j])).toBeLessThanOrEqual(1e-6)));
  });
});
