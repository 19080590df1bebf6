// DataLoader: coverage of every epoch, batch shapes, shuffling per seed and per epoch, collate, skipping
// broken samples, async datasets.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Tensor, manualSeed } from '../../engine/index.js';
import { DataLoader, Dataset, TensorDataset, computeStats, computeStatsSync } from '../../data/index.js';

/** Sample i is a [1, 2] image filled with i, label i. */
class Numbers extends Dataset<Tensor, number> {
  constructor(readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number): [Tensor, number] {
    if (i < 0 || i >= this.n) throw new RangeError(`bad index ${i}`);
    return [new Tensor(new Float32Array(2).fill(i), [1, 2]), i];
  }
}

const labelsOf = (batches: Iterable<[Tensor, Tensor]>) => [...batches].map(([, y]) => Array.from(y.data));

describe('DataLoader', () => {
  it('yields every sample exactly once per epoch, with and without dropLast', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 17 }), fc.boolean(), fc.boolean(), fc.integer(), (n, batchSize, shuffle, dropLast, seed) => {
        const loader = new DataLoader(new Numbers(n), { batchSize, shuffle, dropLast, seed });
        for (let epoch = 0; epoch < 2; epoch++) {
          const batches = labelsOf(loader);
          expect(batches.length).toBe(loader.length);
          const seen = batches.flat();
          const full = dropLast ? Math.floor(n / batchSize) * batchSize : n;
          expect(seen.length).toBe(full);
          expect(new Set(seen).size).toBe(full); // no repeats
          if (!dropLast || n % batchSize === 0) expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
          batches.forEach((b, k) => expect(b.length).toBe(k < batches.length - 1 || dropLast ? batchSize : n - k * batchSize));
          if (!shuffle) expect(seen).toEqual(Array.from({ length: full }, (_, i) => i));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('stacks inputs into [N, ...shape] and labels into [N]', () => {
    const [x, y] = [...new DataLoader(new Numbers(10), { batchSize: 4 })][2];
    expect(x.shape).toEqual([2, 1, 2]);
    expect(Array.from(x.data)).toEqual([8, 8, 9, 9]);
    expect(y.shape).toEqual([2]);
  });

  it('is deterministic for a seed, differs across epochs and seeds, and can replay an epoch', () => {
    const make = (seed: number) => new DataLoader(new Numbers(50), { batchSize: 8, shuffle: true, seed });
    const a = make(7);
    const b = make(7);
    const a0 = labelsOf(a);
    const a1 = labelsOf(a);
    expect(labelsOf(b)).toEqual(a0);
    expect(labelsOf(b)).toEqual(a1);
    expect(a1).not.toEqual(a0);
    expect(labelsOf(make(8))).not.toEqual(a0);
    a.epoch = 0;
    expect(labelsOf(a)).toEqual(a0);
    expect(a.batchIndices(1)).toEqual(a1);
  });

  it('draws its seed from the default generator when none is given', () => {
    manualSeed(3);
    const a = labelsOf(new DataLoader(new Numbers(20), { batchSize: 5, shuffle: true }));
    manualSeed(3);
    expect(labelsOf(new DataLoader(new Numbers(20), { batchSize: 5, shuffle: true }))).toEqual(a);
  });

  it('uses a custom collate and keeps non-numeric targets as lists', () => {
    const words = new (class extends Dataset<number, string> {
      get length() { return 5; }
      get(i: number): [number, string] { return [i, `w${i}`]; }
    })();
    const sums = [...new DataLoader(words, { batchSize: 2, collate: (s) => s.reduce((t, [x]) => t + x, 0) })];
    expect(sums).toEqual([1, 5, 4]);
    const [[xs, ys]] = [...new DataLoader(words, { batchSize: 5 })] as unknown as [Tensor, string[]][];
    expect(Array.from(xs.data)).toEqual([0, 1, 2, 3, 4]);
    expect(ys).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
  });

  it('names the mismatched sample when shapes differ', () => {
    const ragged = new (class extends Dataset<Tensor, number> {
      get length() { return 2; }
      get(i: number): [Tensor, number] { return [new Tensor(new Float32Array(i + 1), [i + 1]), i]; }
    })();
    expect(() => [...new DataLoader(ragged, { batchSize: 2 })]).toThrow(/sample 1 has shape \[2\] but sample 0 has \[1\]/);
  });

  it('skips samples that throw when skipErrors is on, reporting each; fails otherwise', () => {
    const broken = new (class extends Numbers {
      override get(i: number): [Tensor, number] {
        if (i % 4 === 1) throw new Error(`cannot decode img${i}.jpg`);
        return super.get(i);
      }
    })(10);
    expect(() => [...new DataLoader(broken, { batchSize: 3 })]).toThrow(/img1.jpg/);
    const skipped: number[] = [];
    const got = labelsOf(new DataLoader(broken, { batchSize: 3, skipErrors: true, onSkip: (i) => skipped.push(i) }));
    expect(skipped).toEqual([1, 5, 9]);
    expect(got.flat()).toEqual([0, 2, 3, 4, 6, 7, 8]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    labelsOf(new DataLoader(broken, { batchSize: 3, skipErrors: true }));
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/skipping sample 1: cannot decode img1.jpg/));
    warn.mockRestore();
  });

  it('iterates async datasets with for await, in order, loading ahead', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = {
      length: 12,
      async get(i: number): Promise<[Tensor, number]> {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        return [new Tensor(Float32Array.of(i), [1]), i];
      },
    };
    const loader = new DataLoader(slow, { batchSize: 2, shuffle: true, seed: 1, prefetch: 2 });
    const seen: number[][] = [];
    for await (const [, y] of loader) seen.push(Array.from(y.data));
    expect(seen).toEqual(loader.batchIndices(0));
    expect(maxInFlight).toBeGreaterThan(2); // more than one batch was being loaded at once
    expect(() => [...loader]).toThrow(/async.*for await/);
  });

  it('rejects bad options with the option name', () => {
    expect(() => new DataLoader(new Numbers(3), { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader({} as never)).toThrow(/dataset with an integer length/);
  });
});

describe('computeStats', () => {
  it('matches the two-pass mean and population std per channel', async () => {
    const n = 37;
    const data = Float32Array.from({ length: n * 3 * 4 * 5 }, (_, i) => Math.sin(i) * (1 + (i % 3)) + 1000);
    const x = new Tensor(data, [n, 3, 4, 5]);
    const loader = new DataLoader(new TensorDataset(x, x), { batchSize: 8 });
    const stats = await computeStats(loader);
    for (let c = 0; c < 3; c++) {
      const vals: number[] = [];
      for (let i = 0; i < n; i++) for (let p = 0; p < 20; p++) vals.push(data[(i * 3 + c) * 20 + p]);
      const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
      const std = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / vals.length);
      expect(stats.mean[c]).toBeCloseTo(mean, 6);
      expect(stats.std[c]).toBeCloseTo(std, 4); // float64 sums keep E[x²] − E[x]² accurate even at an offset of 1000
    }
    expect(stats.count).toBe(n * 20);
    expect(computeStatsSync(new DataLoader(new TensorDataset(x, x), { batchSize: 5 })).mean).toEqual(stats.mean.map((m) => expect.closeTo(m, 9)));
    await expect(computeStats([])).rejects.toThrow(/no images/);
  });
});
