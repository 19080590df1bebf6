// Dataset wrappers and randomSplit.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '../../engine/index.js';
import { ConcatDataset, Dataset, randomSplit, Subset, TensorDataset } from '../../data/index.js';

class Range extends Dataset<number, number> {
  constructor(readonly n: number, readonly offset = 0) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number): [number, number] {
    return [this.offset + i, (this.offset + i) % 3];
  }
}

describe('TensorDataset', () => {
  it('gives rows of each tensor', () => {
    const x = tensor(Float32Array.from({ length: 24 }, (_, i) => i), [4, 2, 3]);
    const y = tensor([0, 1, 2, 3], [4]);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(4);
    const [xi, yi] = ds.get(2);
    expect(xi.shape).toEqual([2, 3]);
    expect(Array.from(xi.data)).toEqual([12, 13, 14, 15, 16, 17]);
    expect(yi.item()).toBe(2);
    expect(ds.get(-1)[1].item()).toBe(3);
  });

  it('rejects mismatched first dims and bad indices with a clear message', () => {
    expect(() => new TensorDataset(tensor([1, 2, 3], [3]), tensor([1, 2], [2]))).toThrow(/same first dim.*\[3\].*\[2\]/);
    const ds = new TensorDataset(tensor([1, 2, 3], [3]));
    expect(() => ds.get(3)).toThrow(/index 3 is out of range for 3 samples/);
    expect(() => ds.get(1.5)).toThrow(/index 1.5/);
  });
});

describe('Subset, ConcatDataset, map', () => {
  it('select, join and transform samples', () => {
    const a = new Range(3);
    const b = new Range(2, 100);
    const cat = new ConcatDataset([a, b]);
    expect(cat.length).toBe(5);
    expect([...cat].map((s) => s[0])).toEqual([0, 1, 2, 100, 101]);
    const sub = new Subset(cat, [4, 0]);
    expect([...sub].map((s) => s[0])).toEqual([101, 0]);
    expect(() => new Subset(a, [3])).toThrow(/Subset: index 3 is out of range/);
    const doubled = a.map((x) => x * 2, { apply: (y: number) => `class ${y}` });
    expect(doubled.get(2)).toEqual([4, 'class 2']);
  });
});

describe('randomSplit', () => {
  it('partitions the dataset, by fractions or counts, deterministically for a seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (n, f, seed) => {
        const ds = new Range(n);
        const [a, b] = randomSplit(ds, [f, 1 - f], { seed });
        expect(a.length + b.length).toBe(n);
        expect(Math.abs(a.length - n * f)).toBeLessThanOrEqual(1);
        const all = [...a.indices, ...b.indices].sort((x, y) => x - y);
        expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
        const [a2] = randomSplit(ds, [f, 1 - f], { seed });
        expect(a2.indices).toEqual(a.indices);
      }),
      { numRuns: 100 },
    );
  });

  it('follows PyTorch for fractions: floors, then the remainder round-robin from the first split', () => {
    const parts = randomSplit(new Range(10), [0.33, 0.33, 0.34], { seed: 1 });
    expect(parts.map((p) => p.length)).toEqual([4, 3, 3]);
    expect(randomSplit(new Range(10), [7, 3], { seed: 1 }).map((p) => p.length)).toEqual([7, 3]);
    const s1 = randomSplit(new Range(50), [0.8, 0.2], { seed: 1 })[0].indices;
    const s2 = randomSplit(new Range(50), [0.8, 0.2], { seed: 2 })[0].indices;
    expect(s1).not.toEqual(s2);
  });

  it('rejects lengths that are neither counts nor fractions', () => {
    expect(() => randomSplit(new Range(10), [5, 4])).toThrow(/counts summing to the dataset's 10 samples or fractions summing to 1, got \[5,4\]/);
    expect(() => randomSplit(new Range(10), [0.5, 0.6])).toThrow(/fractions summing to 1/);
  });
});

it('Dataset is iterable and TensorDataset rows are copies', () => {
  const x = tensor([1, 2, 3, 4], [2, 2]);
  const ds = new TensorDataset(x, x);
  const rows = [...ds].map(([r]) => r);
  rows[0].data[0] = 99;
  expect(x.data[0]).toBe(1);
  expect(rows[1]).toBeInstanceOf(Tensor);
});
