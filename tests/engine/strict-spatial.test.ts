// No spatial op reads `.data` on its compute path (as tests/engine/strict.test.ts checks for the other op
// families): on a 'strict' backend every kernel result lives in a device-like storage whose read()
// throws, while the JS kernels compute behind it. A forward and backward pass through convTranspose2d,
// conv1d, maxPool1d, avgPool1d, interpolate (every mode) and embedding (with ids computed on the
// device, which it does not read back to check) runs there without a read, and matches the 'js' run.

import { afterAll, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';
import { Tensor, kernelNames, type DeviceStorage, type Kernels } from '../../engine/index.js';
import { jsKernels } from '../../engine/backends/js/index.js';

declare module '../../engine/backend.js' {
  interface BackendNames {
    strictSpatial: true;
  }
}

let reads = 0;
let strict = false;

class StrictStorage implements DeviceStorage {
  readonly backend = 'strictSpatial';
  constructor(readonly values: Float32Array) {}
  read(): Float32Array {
    reads++;
    if (strict) throw new Error('strict backend: .data was read on the compute path');
    return this.values;
  }
}

const unwrap = (v: unknown): unknown => {
  if (v instanceof Tensor) {
    const device = v.deviceStorage('strictSpatial');
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
tg.registerBackend('strictSpatial', Object.fromEntries(
  kernelNames.map((name) => [name, (...args: unknown[]) => wrap((jsKernels[name] as (...a: unknown[]) => unknown)(...args.map(unwrap)))]),
) as unknown as Kernels);
afterAll(() => tg.setBackend('js'));

const leaf = (shape: number[], seed: number) => tg.randn(shape, { generator: new tg.Generator(seed) }).setRequiresGrad();

function pass(): Tensor[] {
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
}

test('spatial ops, forward and backward, never read .data to compute', async () => {
  await tg.setBackend('js');
  const reference = pass().map((t) => t.data.slice());
  await tg.setBackend('strictSpatial');
  [strict, reads] = [true, 0];
  let results: Tensor[];
  try {
    results = pass();
  } finally {
    strict = false;
  }
  expect(reads).toBe(0);
  await tg.setBackend('js');
  results.forEach((t, i) => {
    const scale = Math.max(1, ...reference[i].map(Math.abs));
    t.data.forEach((v, j) => expect(Math.abs(v - reference[i][j]), `result ${i} element ${j}`).toBeLessThanOrEqual(1e-5 * scale));
  });
});
