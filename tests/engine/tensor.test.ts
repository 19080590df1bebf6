// Tensors and their PyTorch semantics: creation, shape and storage, the seedable RNG, comparisons,
// reductions, slicing and indexing, joining, padding, clamp and softmax. Expected values are worked
// out by hand (or are what PyTorch prints for the same call).

import { describe, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';

/** Values as a plain array (no -0 vs +0 surprises: toEqual tells them apart). */
const values = (t: tg.Tensor) => Array.from(t.data, (v) => (v === 0 ? 0 : v));

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i] - want[i]), `element ${i}: got ${got[i]}, want ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i])));
  }
}

/** Mean, standard deviation, skewness and kurtosis of a sample (in float64). */
function moments(x: ArrayLike<number>): { mean: number; sd: number; skewness: number; kurtosis: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    m2 += (d * d) / n;
    m3 += (d * d * d) / n;
    m4 += (d * d * d * d) / n;
  }
  const sd = Math.sqrt(m2);
  return { mean, sd, skewness: m3 / sd ** 3, kurtosis: m4 / sd ** 4 };
}

describe('creation', () => {
  test('tensor from a Float32Array copies it and is 1-d', () => {
    const src = Float32Array.of(1, 2, 3);
    const t = tg.tensor(src);
    expect(t.shape).toEqual([3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(values(t)).toEqual([1, 2, 3]);
    src[0] = 99;
    expect(t.data[0]).toBe(1); // torch.tensor copies
    expect(t.data).not.toBe(src);
  });

  test('tensor from a Float32Array with a shape', () => {
    const t = tg.tensor(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  test('new Tensor wraps a Float32Array without copying', () => {
    const src = new Float32Array(4);
    const t = new tg.Tensor(src, [2, 2]);
    src[3] = 7;
    expect(t.data).toBe(src);
    expect(t.toArray()).toEqual([[0, 0], [0, 7]]);
  });

  test('tensor from a flat number[] with a shape, and from nested arrays', () => {
    const flat = tg.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(flat.shape).toEqual([3, 2]);
    expect(flat.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const nested = tg.tensor([[[1, 2]], [[3, 4]], [[5, 6]]]);
    expect(nested.shape).toEqual([3, 1, 2]);
    expect(values(nested)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tg.tensor([]).shape).toEqual([0]);
    expect(tg.tensor([[], []]).shape).toEqual([2, 0]);
  });

  test('values are rounded to float32', () => {
    expect(tg.tensor([0.1]).data[0]).toBe(Math.fround(0.1));
  });

  test('tensor from a number is 0-d', () => {
    const s = tg.tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.ndim).toBe(0);
    expect(s.dim()).toBe(0);
    expect(s.size).toBe(1);
    expect(s.item()).toBe(3.5);
    expect(s.toArray()).toBe(3.5);
  });

  test('tensor(values, { requiresGrad }) and tensor(values, shape, { requiresGrad })', () => {
    expect(tg.tensor([1, 2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(tg.tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(tg.tensor([1, 2]).requiresGrad).toBe(false);
  });

  test('zeros, ones, full take a number or a shape', () => {
    expect(tg.zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(tg.zeros(3).shape).toEqual([3]);
    expect(tg.ones([2])).toBeInstanceOf(tg.Tensor);
    expect(values(tg.ones([2, 2]))).toEqual([1, 1, 1, 1]);
    expect(tg.full([2, 1], 7).toArray()).toEqual([[7], [7]]);
    expect(tg.zeros([]).shape).toEqual([]);
    expect(tg.zeros([]).item()).toBe(0);
    expect(tg.zeros([0, 4]).size).toBe(0);
    expect(tg.ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  test('zerosLike / onesLike copy the shape, not the values or requiresGrad', () => {
    const x = tg.tensor([[1, 2, 3]], { requiresGrad: true });
    const zl = tg.zerosLike(x);
    expect(zl.shape).toEqual([1, 3]);
    expect(values(zl)).toEqual([0, 0, 0]);
    expect(zl.requiresGrad).toBe(false);
    expect(zl.data).not.toBe(x.data);
    expect(values(tg.onesLike(x))).toEqual([1, 1, 1]);
    expect(tg.zerosLike(x, { requiresGrad: true }).requiresGrad).toBe(true);
  });

  test('arange: end only, start/end, fractional and negative steps; end excluded', () => {
    expect(values(tg.arange(5))).toEqual([0, 1, 2, 3, 4]);
    expect(values(tg.arange(2, 5))).toEqual([2, 3, 4]);
    expect(values(tg.arange(1, 2.5, 0.5))).toEqual([1, 1.5, 2]);
    expect(values(tg.arange(5, 0, -1))).toEqual([5, 4, 3, 2, 1]);
    expect(values(tg.arange(0, 1, 0.3))).toHaveLength(4); // 0, 0.3, 0.6, 0.9
    expect(tg.arange(0, 1, 0.1).size).toBe(10);
    expect(tg.arange(3, 3).shape).toEqual([0]);
    expect(tg.arange(5, 0).shape).toEqual([0]);
  });

  test('linspace: both ends included, the last value exactly end', () => {
    expect(values(tg.linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const l = tg.linspace(-1, 1, 7);
    expect(l.data[0]).toBe(-1);
    expect(l.data[6]).toBe(1);
    expect(l.data[3]).toBe(0);
    expectClose(l.data, [-1, -2 / 3, -1 / 3, 0, 1 / 3, 2 / 3, 1]);
    expect(values(tg.linspace(3, 7, 1))).toEqual([3]);
    expect(tg.linspace(0, 1, 0).shape).toEqual([0]);
  });

  test('eye: square and rectangular', () => {
    expect(tg.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(tg.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(tg.eye(3, 2).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
  });
});

describe('shape, size, data, item, toArray', () => {
  test('shape is frozen; size, numel(), ndim, dim()', () => {
    const t = tg.zeros([2, 3, 4]);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(t.size).toBe(24);
    expect(t.numel()).toBe(24);
    expect(t.ndim).toBe(3);
    expect(t.dim()).toBe(3);
  });

  test('data is the row-major Float32Array', () => {
    const t = tg.tensor([[1, 2], [3, 4]]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4]);
  });

  test('item works on any one-element tensor', () => {
    expect(tg.tensor([[[4]]]).item()).toBe(4);
    expect(tg.tensor([2.5]).item()).toBe(2.5);
  });

  test('toArray nests like tolist()', () => {
    expect(tg.arange(6).reshape(3, 1, 2).toArray()).toEqual([[[0, 1]], [[2, 3]], [[4, 5]]]);
    expect(tg.arange(6).reshape(2, 3).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(tg.arange(3).toArray()).toEqual([0, 1, 2]);
    expect(tg.tensor(7).toArray()).toBe(7);
    expect(tg.zeros([2, 0]).toArray()).toEqual([[], []]);
  });

  test('toString names the shape', () => {
    expect(String(tg.tensor([1, 2]))).toMatch(/shape=\[2\]/);
  });
});

describe('storage: views share, reorderings copy', () => {
  test('reshape / view / flatten / unsqueeze / squeeze share storage: writes through .data show in both', () => {
    const x = tg.arange(6);
    const r = x.reshape(2, 3);
    r.data[4] = 40;
    expect(x.data[4]).toBe(40);
    x.data[0] = -1;
    expect(r.toArray()).toEqual([[-1, 1, 2], [3, 40, 5]]);
    expect(x.view([3, 2]).data).toBe(x.data);
    expect(r.flatten().data).toBe(x.data);
    expect(x.unsqueeze(0).data).toBe(x.data);
    expect(x.unsqueeze(1).squeeze().data).toBe(x.data);
    expect(x.reshape(-1, 2).shape).toEqual([3, 2]);
  });

  test('detach shares storage (as in PyTorch); clone copies', () => {
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    d.data[0] = 10;
    expect(x.data[0]).toBe(10);
    const c = x.clone();
    c.data[1] = 20;
    expect(x.data[1]).toBe(2);
  });

  test('a device-resident tensor is read once, and its reshape / detach views share what was read', () => {
    // A GPU backend's DeviceStorage: read() copies to the CPU, and costs a transfer each time.
    let reads = 0;
    const storage: tg.DeviceStorage = { backend: 'fake-gpu', read: () => (reads++, Float32Array.of(1, 2, 3, 4)) };
    const x = new tg.Tensor(storage, [4]);
    expect(x.deviceStorage('fake-gpu')).toBe(storage);
    expect(reads).toBe(0); // nothing is copied until .data is touched
    const r = x.reshape(2, 2);
    const d = x.detach();
    r.data[0] = 9;
    expect(x.data[0]).toBe(9); // reshape shares storage, as documented
    expect(d.data[0]).toBe(9); // and so does detach
    expect(reads).toBe(1);
  });

  test('permute and transpose copy: writing to the result leaves the source alone', () => {
    const x = tg.arange(6).reshape(2, 3);
    const t = x.transpose(0, 1);
    expect(t.shape).toEqual([3, 2]);
    expect(t.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    t.data[0] = 100;
    expect(x.data[0]).toBe(0);
    const p = tg.arange(24).reshape(2, 3, 4).permute(2, 0, 1);
    expect(p.shape).toEqual([4, 2, 3]);
    // p[k, i, j] = x[i, j, k] = 12i + 4j + k
    expect(p.toArray()).toEqual([0, 1, 2, 3].map((k) => [0, 1].map((i) => [0, 1, 2].map((j) => 12 * i + 4 * j + k))));
    expect(x.t().toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });
});

describe('random numbers', () => {
  test('manualSeed(n) then rand/randn/randint gives the same numbers again', () => {
    tg.manualSeed(1234);
    const a = [tg.rand([5]), tg.randn([3]), tg.randint(0, 100, [4]), tg.randn([2, 2])];
    tg.manualSeed(1234);
    const b = [tg.rand([5]), tg.randn([3]), tg.randint(0, 100, [4]), tg.randn([2, 2])];
    a.forEach((t, i) => expect(values(b[i])).toEqual(values(t)));
  });

  test('manualSeed also forgets the spare normal of Box-Muller (an odd count of randn)', () => {
    tg.manualSeed(7);
    tg.randn([1]); // leaves a spare normal behind
    tg.manualSeed(7);
    const first = tg.randn([1]).item();
    tg.manualSeed(7);
    expect(tg.randn([1]).item()).toBe(first);
  });

  test('different seeds give different numbers; so do 1 and 2^32 + 1', () => {
    tg.manualSeed(1);
    const a = values(tg.rand([8]));
    tg.manualSeed(2);
    const b = values(tg.rand([8]));
    tg.manualSeed(2 ** 32 + 1);
    const c = values(tg.rand([8]));
    expect(b).not.toEqual(a);
    expect(c).not.toEqual(a);
  });

  test('a new Generator is independent of the default one', () => {
    const g1 = new tg.Generator(5);
    const reference = values(tg.rand([6], { generator: g1 }));

    tg.manualSeed(5);
    expect(values(tg.rand([6]))).toEqual(reference); // same seed, same stream

    const g2 = new tg.Generator(5);
    tg.rand([100]); // drawing from the default does not move g2
    expect(values(tg.rand([6], { generator: g2 }))).toEqual(reference);

    tg.manualSeed(9);
    const before = tg.defaultGenerator.getState();
    tg.randn([10], { generator: new tg.Generator(3) });
    tg.randint(0, 5, [10], { generator: g1 });
    expect(tg.defaultGenerator.getState()).toEqual(before); // drawing from g does not move the default
  });

  test('getState / setState replay the same numbers, including a pending spare normal', () => {
    const g = new tg.Generator(42);
    g.normal(); // a spare normal is now pending
    const state = g.getState();
    const a = [...values(tg.randn([5], { generator: g })), ...values(tg.rand([3], { generator: g }))];
    g.setState(state);
    const b = [...values(tg.randn([5], { generator: g })), ...values(tg.rand([3], { generator: g }))];
    expect(b).toEqual(a);

    tg.manualSeed(3);
    const s = tg.defaultGenerator.getState();
    const c = values(tg.randint(-5, 5, [10]));
    tg.defaultGenerator.setState(s);
    expect(values(tg.randint(-5, 5, [10]))).toEqual(c);
  });

  test('rand is uniform in [0, 1)', () => {
    const n = 100_000;
    const x = tg.rand([n], { generator: new tg.Generator(11) }).data;
    let mean = 0;
    const bins = new Array(10).fill(0);
    let outside = 0;
    for (const v of x) {
      if (!(v >= 0 && v < 1)) outside++;
      mean += v / n;
      bins[Math.floor(v * 10)]++;
    }
    expect(outside).toBe(0);
    let variance = 0;
    for (const v of x) variance += (v - mean) ** 2 / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005); // sd of the mean is 0.0009
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
    for (const b of bins) expect(Math.abs(b / n - 0.1)).toBeLessThan(0.005); // sd 0.00095 per bin
  });

  test('randn is standard normal: mean, sd, tails and kurtosis over 100k samples', () => {
    const n = 100_000;
    const x = tg.randn([n], { generator: new tg.Generator(12) }).data;
    const { mean, sd, skewness, kurtosis } = moments(x);
    let within1 = 0;
    let within2 = 0;
    for (const v of x) {
      if (Math.abs(v) < 1) within1++;
      if (Math.abs(v) < 2) within2++;
    }
    expect(Math.abs(mean)).toBeLessThan(0.015); // sd of the mean: 0.0032
    expect(Math.abs(sd - 1)).toBeLessThan(0.015); // sd of the sd: 0.0022
    expect(Math.abs(skewness)).toBeLessThan(0.05); // skewness 0 (sd 0.008)
    expect(Math.abs(kurtosis - 3)).toBeLessThan(0.1); // kurtosis 3 (sd 0.015); a uniform has 1.8
    expect(Math.abs(within1 / n - 0.682689)).toBeLessThan(0.007); // sd 0.0015
    expect(Math.abs(within2 / n - 0.954500)).toBeLessThan(0.004); // sd 0.0007
    expect(x.every(Number.isFinite)).toBe(true);
  });

  test('randint: integers in [low, high), every value drawn, about equally often', () => {
    const n = 70_000;
    const x = tg.randint(-3, 4, [n], { generator: new tg.Generator(13) });
    expect(x.shape).toEqual([n]);
    const counts = new Map<number, number>();
    for (const v of x.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c / n - 1 / 7)).toBeLessThan(0.008);
    expect(values(tg.randint(0, 1, [20]))).toEqual(new Array(20).fill(0));
    expect(tg.randint(0, 10, [2, 3]).shape).toEqual([2, 3]);
  });

  test('fillUniform (init uses it) gives the numbers of uniform() called one by one', () => {
    // lengths around the 4096-draw chunk
    for (const n of [0, 1, 7, 4095, 4096, 4097, 8193]) {
      const a = new tg.Generator(n);
      const b = new tg.Generator(n);
      const u = b.fillUniform(new Float32Array(n), -0.3, 0.7);
      expect(Array.from(u)).toEqual(Array.from({ length: n }, () => Math.fround(-0.3 + (0.7 - -0.3) * a.uniform())));
      expect(b.getState()).toEqual(a.getState());
    }
  });

  test('fillNormal (the ziggurat init uses) is normal: moments, bins against the CDF, tails; same seed, same numbers', () => {
    const n = 1 << 20;
    const x = new tg.Generator(14).fillNormal(new Float32Array(n));
    expect(Array.from(new tg.Generator(14).fillNormal(new Float32Array(n)).subarray(0, 5000))).toEqual(Array.from(x.subarray(0, 5000)));
    const { mean, sd, skewness, kurtosis } = moments(x);
    expect(Math.abs(mean)).toBeLessThan(0.005); // sd of the mean: 0.001
    expect(Math.abs(sd - 1)).toBeLessThan(0.004); // sd 0.0007
    expect(Math.abs(skewness)).toBeLessThan(0.015); // sd 0.0024
    expect(Math.abs(kurtosis - 3)).toBeLessThan(0.03); // sd 0.005
    // the share below each edge against the normal CDF (Φ at 0, ±0.5, ±1, ... ±3.5): a wrong layer or
    // wedge would show as a step here
    const phi = [0.5, 0.691462, 0.841345, 0.933193, 0.977250, 0.993790, 0.998650, 0.999767];
    for (let k = 0; k < phi.length; k++) {
      const e = k * 0.5;
      let below = 0;
      let above = 0;
      for (const v of x) {
        if (v < e) below++;
        if (v < -e) above++;
      }
      const tol = 5 * Math.sqrt(phi[k] * (1 - phi[k]) / n) + 1e-6;
      expect(Math.abs(below / n - phi[k])).toBeLessThan(tol);
      expect(Math.abs(above / n - (1 - phi[k]))).toBeLessThan(tol);
    }
    // the tail beyond R = 3.44 (layer 0's slow path) is reached: P(|z| > 3.6) = 3.2e-4
    let far = 0;
    for (const v of x) if (Math.abs(v) > 3.6) far++;
    expect(Math.abs(far / n - 3.18e-4)).toBeLessThan(5 * Math.sqrt(3.18e-4 / n));
    expect(x.every(Number.isFinite)).toBe(true);
    const scaled = new tg.Generator(14).fillNormal(new Float32Array(8), 3, 0.5);
    scaled.forEach((v, i) => expect(v).toBeCloseTo(3 + 0.5 * x[i], 6)); // the same z, shifted and scaled
  });
});

describe('comparisons', () => {
  const a = tg.tensor([1, 2, 3]);
  const b = tg.tensor([3, 2, 1]);

  test('eq, ne, gt, ge, lt, le give 0/1', () => {
    expect(values(a.eq(b))).toEqual([0, 1, 0]);
    expect(values(a.ne(b))).toEqual([1, 0, 1]);
    expect(values(a.gt(b))).toEqual([0, 0, 1]);
    expect(values(a.ge(b))).toEqual([0, 1, 1]);
    expect(values(a.lt(b))).toEqual([1, 0, 0]);
    expect(values(a.le(b))).toEqual([1, 1, 0]);
    expect(values(tg.eq(a, 2))).toEqual([0, 1, 0]);
  });

  test('comparisons broadcast', () => {
    const col = tg.tensor([[1], [2]]);
    const g = col.gt(tg.tensor([0, 1, 2]));
    expect(g.shape).toEqual([2, 3]);
    expect(g.toArray()).toEqual([[1, 0, 0], [1, 1, 0]]);
  });

  test('NaN compares unequal to everything, itself included', () => {
    const n = tg.tensor([NaN, 1]);
    expect(values(n.eq(n))).toEqual([0, 1]);
    expect(values(n.ne(n))).toEqual([1, 0]);
    expect(values(n.gt(0))).toEqual([0, 1]);
  });

  test('comparisons carry no gradient', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    expect(x.gt(1).requiresGrad).toBe(false);
    expect(x.eq(x).gradNode).toBeNull();
  });
});

describe('reductions', () => {
  const m = tg.tensor([[1, 5, 5], [7, 7, 0]]);

  test('argmax / argmin: the first index wins at ties', () => {
    expect(m.argmax().item()).toBe(3); // flattened: 7 at 3 and 4
    expect(m.argmin().item()).toBe(5);
    expect(values(m.argmax(1))).toEqual([1, 0]);
    expect(values(m.argmin(0))).toEqual([0, 0, 1]);
    expect(values(tg.tensor([[2, 1, 1]]).argmin(1))).toEqual([1]);
    expect(values(tg.tensor([2, 2, 2]).argmax(0))).toEqual([0]);
    expect(values(tg.tensor([2, 2, 2]).argmin())).toEqual([0]);
  });

  test('argmax / argmin: dims, negative dims, keepdim', () => {
    expect(m.argmax(1).shape).toEqual([2]);
    expect(m.argmax(1, true).shape).toEqual([2, 1]);
    expect(m.argmax(1, true).toArray()).toEqual([[1], [0]]);
    expect(m.argmin(-1, true).toArray()).toEqual([[0], [2]]);
    expect(m.argmax(0, true).toArray()).toEqual([[1, 1, 0]]);
    expect(m.argmax().shape).toEqual([]);
    const t3 = tg.arange(24).reshape(2, 3, 4).neg();
    expect(t3.argmin(1).toArray()).toEqual([[2, 2, 2, 2], [2, 2, 2, 2]]);
    expect(t3.argmax(2).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });

  test('max / min over all dims, one dim, several dims, with keepdim', () => {
    expect(m.max().item()).toBe(7);
    expect(m.min().item()).toBe(0);
    expect(values(m.max(1))).toEqual([5, 7]);
    expect(values(m.min(0))).toEqual([1, 5, 0]);
    expect(m.max(0, true).shape).toEqual([1, 3]);
    expect(m.max(-1, true).toArray()).toEqual([[5], [7]]);
    const t3 = tg.tensor([[[1, 2], [3, 4]], [[5, 0], [1, 1]]]);
    expect(values(t3.max([0, 2]))).toEqual([5, 4]);
    expect(t3.min([0, 2], true).toArray()).toEqual([[[0], [1]]]);
    expect(tg.max(t3, [0, 1, 2]).shape).toEqual([]);
  });

  test('sum / mean with dims and keepdim', () => {
    expect(m.sum().item()).toBe(25);
    expect(values(m.sum(0))).toEqual([8, 12, 5]);
    expect(m.sum(1, true).toArray()).toEqual([[11], [14]]);
    expect(values(m.mean(1))).toEqual([11 / 3, 14 / 3].map(Math.fround));
    expect(tg.tensor(5).sum(0).item()).toBe(5);
  });

  test('var: unbiased by default, correction=0 for the population variance', () => {
    const x = tg.tensor([1, 2, 3, 4]);
    expect(x.var().item()).toBeCloseTo(5 / 3, 6);
    expect(tg.var(x).item()).toBeCloseTo(5 / 3, 6);
    expect(x.var(undefined, false, 0).item()).toBeCloseTo(1.25, 6);
    const y = tg.tensor([[1, 2], [3, 5]]);
    expectClose(y.var(1).data, [0.5, 2]);
    expect(y.var(0, true, 0).toArray()).toEqual([[1, 2.25]]);
    expect(y.var(0, true).shape).toEqual([1, 2]);
    expect(x.std().item()).toBeCloseTo(Math.sqrt(5 / 3), 6);
    expect(Number.isNaN(tg.tensor([3]).var().item())).toBe(true); // one sample, correction 1: NaN as in PyTorch
  });
});

describe('slice and index', () => {
  const r = tg.arange(10);

  test('slice follows Python: negative start/end, steps, out-of-range bounds, empty results', () => {
    expect(values(r.slice(0, -3))).toEqual([7, 8, 9]); // r[-3:]
    expect(values(r.slice(0, 1, -1, 3))).toEqual([1, 4, 7]); // r[1:-1:3]
    expect(values(r.slice(0, -4, -1))).toEqual([6, 7, 8]); // r[-4:-1]
    expect(values(r.slice(0, undefined, undefined, 4))).toEqual([0, 4, 8]); // r[::4]
    expect(values(r.slice(0, 0, 10, 3))).toEqual([0, 3, 6, 9]); // r[0:10:3]
    expect(values(r.slice(0, -100, 100))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // r[-100:100]
    expect(r.slice(0, 5, 2).shape).toEqual([0]); // r[5:2]
    expect(r.slice(0, 12).shape).toEqual([0]); // r[12:]
    expect(values(r.slice(0, 7, 100, 2))).toEqual([7, 9]); // r[7:100:2]
  });

  test('slice along an inner and a negative dim', () => {
    const m = tg.arange(12).reshape(3, 4);
    expect(m.slice(1, 1, 3).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]); // m[:, 1:3]
    expect(m.slice(-1, -1).toArray()).toEqual([[3], [7], [11]]); // m[:, -1:]
    expect(m.slice(0, 0, undefined, 2).toArray()).toEqual([[0, 1, 2, 3], [8, 9, 10, 11]]); // m[::2]
    expect(m.slice(1, 0, 4, 3).toArray()).toEqual([[0, 3], [4, 7], [8, 11]]); // m[:, ::3]
  });

  test('index with a number drops dim 0; with a list it gathers rows (negative and repeated allowed)', () => {
    const m = tg.tensor([[1, 2], [3, 4], [5, 6]]);
    expect(m.index(1).toArray()).toEqual([3, 4]);
    expect(m.index(1).shape).toEqual([2]);
    expect(m.index(-1).toArray()).toEqual([5, 6]);
    expect(m.index([2, 0, 2]).toArray()).toEqual([[5, 6], [1, 2], [5, 6]]);
    expect(m.index([-3]).shape).toEqual([1, 2]);
    expect(m.index(Int32Array.of(1, 0)).toArray()).toEqual([[3, 4], [1, 2]]);
    expect(m.index([]).shape).toEqual([0, 2]);
    expect(tg.tensor([7, 8, 9]).index(2).shape).toEqual([]);
    expect(tg.tensor([7, 8, 9]).index(2).item()).toBe(9);
  });
});

describe('cat and stack', () => {
  const a = tg.tensor([[1, 2], [3, 4]]);
  const b = tg.tensor([[5, 6]]);

  test('cat along dim 0, dim 1 and a negative dim', () => {
    expect(tg.cat([a, b]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tg.cat([a, tg.tensor([[9], [8]])], 1).toArray()).toEqual([[1, 2, 9], [3, 4, 8]]);
    expect(tg.cat([a, tg.tensor([[9], [8]])], -1).shape).toEqual([2, 3]);
    expect(tg.cat([tg.arange(2), tg.arange(0), tg.arange(3)]).toArray()).toEqual([0, 1, 0, 1, 2]);
    expect(tg.cat([a]).toArray()).toEqual(a.toArray());
  });

  test('cat of 3-d tensors along the middle dim', () => {
    const x = tg.arange(8).reshape(2, 2, 2);
    const y = tg.arange(4).reshape(2, 1, 2).add(100);
    expect(tg.cat([x, y], 1).toArray()).toEqual([
      [[0, 1], [2, 3], [100, 101]],
      [[4, 5], [6, 7], [102, 103]],
    ]);
  });

  test('stack adds a new dim at 0, 1 or -1', () => {
    const x = tg.tensor([1, 2, 3]);
    const y = tg.tensor([4, 5, 6]);
    expect(tg.stack([x, y]).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tg.stack([x, y], 1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(tg.stack([x, y], -1).shape).toEqual([3, 2]);
    expect(tg.stack([tg.tensor(1), tg.tensor(2)]).toArray()).toEqual([1, 2]);
  });
});

describe('pad', () => {
  const r = tg.tensor([0, 1, 2, 3]);

  test('reflect, replicate, circular and constant on a 1-d example', () => {
    expect(values(tg.pad(r, [2, 2], { mode: 'reflect' }))).toEqual([2, 1, 0, 1, 2, 3, 2, 1]);
    expect(values(tg.pad(r, [3, 1], { mode: 'reflect' }))).toEqual([3, 2, 1, 0, 1, 2, 3, 2]);
    expect(values(tg.pad(r, [2, 2], { mode: 'replicate' }))).toEqual([0, 0, 0, 1, 2, 3, 3, 3]);
    expect(values(tg.pad(r, [1, 2], { mode: 'circular' }))).toEqual([3, 0, 1, 2, 3, 0, 1]);
    expect(values(tg.pad(r, [4, 4], { mode: 'circular' }))).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    expect(values(tg.pad(r, [1, 1]))).toEqual([0, 0, 1, 2, 3, 0]);
    expect(values(tg.pad(r, [1, 2], { value: 9 }))).toEqual([9, 0, 1, 2, 3, 9, 9]);
    expect(values(tg.pad(r, [0, 0], { mode: 'reflect' }))).toEqual([0, 1, 2, 3]);
  });

  test('negative constant padding crops', () => {
    expect(values(tg.pad(r, [-1, -1]))).toEqual([1, 2]);
    expect(values(tg.pad(r, [-2, 1], { value: 5 }))).toEqual([2, 3, 5]);
  });

  test('2-d padding: [left, right, top, bottom], last dim first', () => {
    const m = tg.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(tg.pad(m, [1, 1, 1, 1], { mode: 'reflect' }).toArray()).toEqual([
      [5, 4, 5, 6, 5],
      [2, 1, 2, 3, 2],
      [5, 4, 5, 6, 5],
      [8, 7, 8, 9, 8],
      [5, 4, 5, 6, 5],
    ]);
    const s = tg.tensor([[1, 2], [3, 4]]);
    expect(tg.pad(s, [1, 0, 0, 1]).toArray()).toEqual([[0, 1, 2], [0, 3, 4], [0, 0, 0]]);
    expect(tg.pad(s, [1, 1, 1, 0], { mode: 'replicate' }).toArray()).toEqual([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4]]);
    expect(tg.pad(s, [0, 1, 1, 0], { mode: 'circular' }).toArray()).toEqual([[3, 4, 3], [1, 2, 1], [3, 4, 3]]);
    // only the last dim when padding has two entries
    expect(tg.pad(s, [1, 0]).toArray()).toEqual([[0, 1, 2], [0, 3, 4]]);
  });

  test('pad of a 4-d NCHW tensor pads H and W only', () => {
    const x = tg.arange(4).reshape(1, 1, 2, 2);
    const p = tg.pad(x, [1, 1, 1, 1]);
    expect(p.shape).toEqual([1, 1, 4, 4]);
    expect(p.sum().item()).toBe(6);
  });
});

describe('clamp', () => {
  const x = tg.tensor([-2, -0.5, 0, 0.5, 2]);

  test('with only min, only max, or both', () => {
    expect(values(x.clamp(-1))).toEqual([-1, -0.5, 0, 0.5, 2]);
    expect(values(x.clamp(null, 1))).toEqual([-2, -0.5, 0, 0.5, 1]);
    expect(values(x.clamp(undefined, 1))).toEqual([-2, -0.5, 0, 0.5, 1]);
    expect(values(tg.clamp(x, -1, 1))).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(values(x.clamp(0, 0))).toEqual([0, 0, 0, 0, 0]);
  });

  test('min > max gives max everywhere, as torch.clamp', () => {
    expect(values(x.clamp(1, -1))).toEqual([-1, -1, -1, -1, -1]);
  });
});

describe('softmax', () => {
  test('rows sum to 1 even with logits of ±1000, and there is no NaN', () => {
    const x = tg.tensor([[1000, -1000, 0], [-1000, -1000, -1000], [1000, 1000, -1000], [1, 2, 3]]);
    const y = x.softmax(1);
    expect(values(y).every(Number.isFinite)).toBe(true);
    expectClose(y.sum(1).data, [1, 1, 1, 1]);
    expectClose(values(y).slice(0, 9), [1, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0.5, 0.5, 0]);
    const e = [1, 2, 3].map(Math.exp);
    const s = e[0] + e[1] + e[2];
    expectClose(values(y).slice(9), e.map((v) => v / s));
  });

  test('softmax along dim 0 of a column-major problem, and logSoftmax stays finite', () => {
    const x = tg.tensor([[1000, 1], [-1000, 1]]);
    expectClose(x.softmax(0).data, [1, 0.5, 0, 0.5]);
    const ls = tg.tensor([[1000, -1000, 0]]).logSoftmax(-1);
    expectClose(ls.data, [0, -2000, -1000]);
  });

  test('softmax is invariant to adding a constant', () => {
    const x = tg.tensor([0.5, -1, 2]);
    expectClose(x.add(500).softmax(0).data, x.softmax(0).data, 1e-5);
  });
});

describe('broadcasting in elementwise ops', () => {
  test('[2,1] + [3] is [2,3]; scalars broadcast; 0-d with n-d', () => {
    const s = tg.tensor([[10], [20]]).add(tg.tensor([1, 2, 3]));
    expect(s.toArray()).toEqual([[11, 12, 13], [21, 22, 23]]);
    expect(values(tg.tensor([1, 2]).mul(3))).toEqual([3, 6]);
    expect(values(tg.sub(1, tg.tensor([1, 2])))).toEqual([0, -1]);
    expect(tg.tensor(2).mul(tg.ones([2, 2])).shape).toEqual([2, 2]);
    expect(tg.broadcastShapes([5, 1, 4], [3, 1], 'test')).toEqual([5, 3, 4]);
  });
});
