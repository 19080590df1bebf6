// No op reads `.data` on its compute path: a 'strict' backend keeps every kernel result in a device-like
// storage whose read() throws, and runs the JS kernels on the values behind it. A forward and backward
// pass through every op family, and optimizer steps, then run on it without a single read; only the
// checks at the end read the results (with reads allowed again) and compare them with the 'js' backend.

import { afterAll, describe, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';
import { Tensor, kernelNames, type DeviceStorage, type Kernels } from '../../engine/index.js';
import { jsKernels } from '../../engine/backends/js/index.js';
import { SGD, AdamW, RMSprop } from '../../nn/optim/index.js';
import * as nn from '../../nn/index.js';
import { TensorDataset, DataLoader } from '../../data/index.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../io/checkpoint.js';

// the test backend's name, declared as a user registering a backend would
declare module '../../engine/backend.js' {
  interface BackendNames {
    strict: true;
  }
}

let reads = 0;
let strict = true;

let asyncReads = 0;

/** Like webgpu's storage: .data throws (while strict), dataAsync() reads. */
class StrictStorage implements DeviceStorage {
  readonly backend = 'strict';
  constructor(readonly values: Float32Array) {}
  read(): Float32Array {
    reads++;
    if (strict) throw new Error('strict backend: .data was read on the compute path');
    return this.values;
  }
  async readAsync(): Promise<Float32Array> {
    asyncReads++;
    return this.values.slice();
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

/** Every result of the strict run equals js's within 1e-5 of its magnitude. */
function expectSameResults(got: Float32Array[], reference: Float32Array[]): void {
  got.forEach((values, i) => {
    const scale = Math.max(1, ...reference[i].map(Math.abs));
    values.forEach((v, j) => expect(Math.abs(v - reference[i][j]), `result ${i} element ${j}`).toBeLessThanOrEqual(1e-5 * scale));
  });
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
    expectSameResults(...(await bothBackends(pass)));
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

describe("no op of issue 16's activations and normalizations reads .data to compute", () => {
  test('PReLU, ELU, SELU, CELU, SiLU, Mish, Hardswish, Hardsigmoid, Softsign, Softmin, LayerNorm, GroupNorm, InstanceNorm2d (running stats), LocalResponseNorm, forward and backward', async () => {
    const pass = () => {
      const x = leaf([2, 4, 3, 3], 21);
      const slopes = leaf([4], 22);
      const gamma = leaf([4], 23);
      const beta = leaf([4], 24);
      const lnWeight = leaf([3, 3], 25);
      const runningMean = tg.zeros([4]);
      const runningVar = tg.ones([4]);
      let h = tg.prelu(x, slopes).add(tg.elu(x, 0.7)).add(tg.selu(x)).add(tg.celu(x, 1.5)).add(tg.silu(x)).add(tg.mish(x));
      h = h.add(tg.hardswish(x.mul(3))).add(tg.hardsigmoid(x.mul(3))).add(tg.softsign(x)).add(tg.softmin(x, 1));
      h = tg.layerNorm(h, [3, 3], lnWeight, null);
      h = tg.groupNorm(h, 2, gamma, beta);
      h = tg.instanceNorm(h, runningMean, runningVar, gamma, null, true, 0.1, 1e-5);
      h = tg.localResponseNorm(h, 3, 0.5, 0.75, 1);
      const loss = h.mul(h).mean();
      loss.backward();
      return [loss, x.grad!, slopes.grad!, gamma.grad!, beta.grad!, lnWeight.grad!, runningMean, runningVar];
    };
    expectSameResults(...(await bothBackends(pass)));
  });
});

describe('the tensor ops of issue 16 read no .data to compute either', () => {
  test('where, gather, scatter, scatterAdd, split, chunk, flip, roll, repeat, tile, cumsum, einsum, erf, sort, argsort, topk, forward and backward', async () => {
    const pass = () => {
      const x = leaf([3, 5], 20);
      const y = leaf([5], 21);
      // an index made by a kernel (argsort's) as well as CPU ones: the ops must not read the former
      const order = x.detach().argsort(1);
      let h = tg.where(x.gt(0), x, y).add(tg.gather(x, 1, order)).add(tg.erf(x));
      h = tg.scatter(h, 1, tg.tensor([[4, 0], [2, 3], [1, 2]]), x.slice(1, 0, 2)).add(tg.scatterAdd(h, 1, order, x.mul(0.5)));
      h = tg.cat([...tg.split(h, 2, 1), ...tg.chunk(h, 2, 0)].map((p) => p.sum(1, true)), 0).add(tg.cumsum(h, 1).sum(1, true).mean());
      const z = tg.flip(h, [0]).add(tg.roll(h, 1, 0)).repeat(1, 2).add(tg.tile(h, [2]));
      const sorted = tg.sort(x, 1, true).values.add(tg.topk(x, 5, 1, false).values);
      const loss = z.sum().add(tg.einsum('ij,ij->', sorted, x)).add(tg.einsum('ii->i', x.slice(1, 0, 3)).sum());
      loss.backward();
      return [loss, x.grad!, y.grad!];
    };
    expectSameResults(...(await bothBackends(pass)));
  });
});

describe("no spatial op of issue 16 reads .data to compute", () => {
  test('convTranspose2d, conv1d, maxPool1d, avgPool1d, interpolate (every mode), embedding (ids computed on the device, not read back to check), forward and backward', async () => {
    const pass = () => {
      const x = leaf([2, 3, 4, 5], 1);
      const wt = leaf([3, 4, 3, 3], 2);
      const bt = leaf([4], 3);
      let h = tg.convTranspose2d(x, wt, bt, { stride: 2, padding: 1, outputPadding: 1, groups: 1 }).slice(1, 0, 2); // [2, 2, 8, 10]
      h = tg.interpolate(h, { scaleFactor: 1.5, mode: 'bilinear' }).add(tg.interpolate(h, [12, 15])).add(tg.interpolate(h, { size: [12, 15], mode: 'nearest-exact' }));
      const signal = h.mean(2); // [2, 2, 15]
      const w1 = leaf([4, 2, 3], 4);
      let s = tg.conv1d(signal, w1, leaf([4], 5), { padding: 'same', dilation: 2 });
      s = tg.maxPool1d(s, 3, 2, 1).add(tg.avgPool1d(s, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }));
      s = tg.interpolate(s, null, 2, 'linear', true);
      const table = leaf([4, 3], 6);
      const ids = s.sum(2).argmax(1); // [2] ids computed on the device
      const looked = tg.embedding(ids, table, 0).add(tg.embedding(tg.tensor([[1, 3], [2, 2]]), table).sum(1));
      const volume = tg.interpolate(h.unsqueeze(2), { scaleFactor: [2, 0.5, 0.5], mode: 'trilinear' });
      const loss = s.pow(2).mean().add(looked.sum()).add(volume.mean());
      loss.backward();
      return [loss, x.grad!, wt.grad!, bt.grad!, w1.grad!, table.grad!];
    };
    expectSameResults(...(await bothBackends(pass)));
  });
});

describe('no op of issue 16\'s second round of layers reads .data to compute', () => {
  test('interpolate bicubic and area, convTranspose1d, embedding with maxNorm (the table renormalised on the device), conv3d, maxPool3d, avgPool3d, batchNorm on 5-D, forward and backward', async () => {
    const pass = () => {
      const x = leaf([2, 4, 4, 5], 11);
      let h = tg.interpolate(x, { scaleFactor: [1.5, 0.6], mode: 'bicubic' }).add(tg.interpolate(x, { size: [6, 3], mode: 'bicubic', alignCorners: true }));
      h = h.add(tg.interpolate(x, { size: [6, 3], mode: 'area' }));
      const volume = tg.interpolate(h.unsqueeze(2), { scaleFactor: [2, 0.5, 0.7], mode: 'area' });
      const signal = h.mean(2); // [2, 4, 3]
      const w = leaf([4, 2, 3], 12);
      const s = tg.convTranspose1d(signal, w, leaf([4], 13), { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 2 });
      const table = values([5, 3], 14).mul(3).setRequiresGrad();
      const ids = s.sum([1, 2]).argmax(0).add(tg.tensor([0, 2])); // ids computed on the device
      const looked = tg.embedding(ids, table, { maxNorm: 1 }).add(tg.embedding(tg.tensor([[1, 3], [2, 2]]), table, null, 0.5, 1).sum(1));
      const w3 = leaf([3, 4, 2, 2, 2], 15);
      let v = tg.conv3d(volume, w3, leaf([3], 16), { stride: [1, 2, 1], padding: [1, 0, 1], dilation: [2, 1, 1] }); // [2, 3, 2, 1, 3]
      v = tg.maxPool3d(v, [2, 2, 2], 1, [1, 1, 0], 1, true).add(tg.avgPool3d(v, { kernelSize: [2, 2, 2], stride: 1, padding: [1, 1, 0], ceilMode: true, countIncludePad: false }));
      v = tg.batchNorm(v, tg.zeros([3]), tg.ones([3]), leaf([3], 17), leaf([3], 18), { training: true });
      const loss = s.pow(2).mean().add(looked.mul(tg.tensor([1, -2, 3])).sum()).add(v.pow(2).mean());
      loss.backward();
      return [loss, x.grad!, w.grad!, table, table.grad!, w3.grad!];
    };
    expectSameResults(...(await bothBackends(pass)));
  });
});

describe('fit, evaluate and checkpoints read only asynchronously (as they must on webgpu)', () => {
  const run = async () => {
    tg.manualSeed(4);
    const g = new tg.Generator(9);
    const x = tg.randn([24, 1, 6, 6], { generator: g });
    const y = tg.tensor(Array.from({ length: 24 }, (_, i) => i % 3));
    const model = new nn.Sequential(new nn.Conv2d(1, 3, 3), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(48, 3));
    const optimizer = new AdamW(model.parameters(), { lr: 0.01 });
    const saved: Uint8Array[] = [];
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 8 });
    const { history } = await nn.fit(model, loader, {
      epochs: 2, optimizer, valLoader: loader, progress: false, log: false, checkpoint: { save: (state) => void saved.push(encodeCheckpoint(state)) },
    });
    const evaluated = await nn.evaluate(model, loader);
    return { history, evaluated, saved, model };
  };

  test('on a backend whose .data throws, fit trains, validates, saves and evaluates, with the js run\'s numbers', async () => {
    await tg.setBackend('js');
    const want = await run();
    await tg.setBackend('strict');
    [strict, reads, asyncReads] = [true, 0, 0];
    let got: Awaited<ReturnType<typeof run>>;
    try {
      got = await run();
    } finally {
      strict = false;
      await tg.setBackend('js');
    }
    expect(reads).toBe(0);
    expect(asyncReads).toBeGreaterThan(0);
    const numbers = (r: typeof want) => r.history.map(({ trainLoss, trainAccuracy, valLoss, valAccuracy }) => [trainLoss, trainAccuracy, valLoss, valAccuracy]);
    expect(numbers(got)).toEqual(numbers(want));
    expect(got.evaluated.loss).toBe(want.evaluated.loss);
    expect(got.saved.length).toBe(want.saved.length);
    // the last checkpoint holds the same weights and optimizer state (its progress has timings, which differ)
    const last = (r: typeof want) => {
      const { model, optimizer } = decodeCheckpoint(r.saved.at(-1)!, { source: 'memory' });
      return { model: Object.fromEntries(Object.entries(model).map(([k, t]) => [k, Array.from(t.data)])), optimizer };
    };
    expect(last(got)).toEqual(last(want));
  });
});

describe('dataAsync, itemAsync, toArrayAsync, dispose', () => {
  test('on a CPU tensor they give the values at once; item of a bigger tensor is refused by name', async () => {
    const t = tg.tensor([[1, 2], [3, 4]]);
    expect(await t.dataAsync()).toBe(t.data);
    expect(await t.toArrayAsync()).toEqual([[1, 2], [3, 4]]);
    expect(await tg.tensor([5]).itemAsync()).toBe(5);
    await expect(t.itemAsync()).rejects.toThrow(`itemAsync: only a one-element tensor converts to a number, this one has shape ${tg.formatShape([2, 2])}`);
    await tg.sync(); // js queues nothing
  });

  test('a device tensor is read once for every dataAsync that asks meanwhile, and .data works after', async () => {
    let started = 0;
    let finish: (v: Float32Array) => void = () => {};
    const device: DeviceStorage = {
      backend: 'slow',
      read: () => {
        throw new Error('slow: read asynchronously');
      },
      readAsync: () => (started++, new Promise((r) => (finish = r))),
    };
    const t = new Tensor(device, [2]);
    const view = t.reshape(1, 2);
    const [a, b] = [t.dataAsync(), view.dataAsync()];
    expect(() => t.data).toThrow('slow: read asynchronously');
    finish(Float32Array.of(7, 8));
    expect([...(await a)]).toEqual([7, 8]);
    expect(await b).toBe(await a);
    expect(started).toBe(1);
    expect([...view.data]).toEqual([7, 8]);
  });

  test('dispose frees the device storage of every view; reading afterwards says it was disposed', async () => {
    let disposed = 0;
    const t = new Tensor({ backend: 'gpu', read: () => Float32Array.of(1), dispose: () => void disposed++ }, [1]);
    const view = t.reshape([]);
    t.dispose();
    expect(disposed).toBe(1);
    expect(() => view.data).toThrow('Tensor: this tensor was disposed (tensor.dispose()); its values are gone');
    await expect(t.dataAsync()).rejects.toThrow('disposed');
  });
});
