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
    expect([train.length, test.length]).toEqual([7996, 2004]);
    expect(Array.from(train.labels.slice(0, 12))).toEqual([7, 4, 3, 5, 9, 7, 4, 0, 6, 5, 0, 5]);
    expect(Array.from(test.labels.slice(0, 12))).toEqual([3, 3, 8, 9, 9, 4, 4, 5, 9, 2, 6, 0]);
    // disjoint: no test image equals a train image with the same label (compare a cheap fingerprint)
    const key = (d: Float32Array, i: number) => Array.from(d.subarray(i * 784 + 200, i * 784 + 600)).join(',');
    const seen = new Set(Array.from({ length: train.length }, (_, i) => key(train.images.data, i)));
    let dup = 0;
    for (let i = 0; i < test.length; i++) if (seen.has(key(test.images.data, i))) dup++;
    expect(dup).toBeLessThan(5); // MNIST has a handful of true duplicates
  });
});
