// What the property-based engine suites (tests/engine/gradients.test.ts, laws.test.ts) share: the run
// count, the arbitraries of shapes and seeds, and row-major index arithmetic. The fast-check seed is not
// here: tests/helpers/fast-check-seed.ts sets it for every suite.

import fc from 'fast-check';
import * as tg from '../../engine/index.js';

export type Shape = number[];

/** FC_RUNS=<n> runs every property n times (to explore further than `npm test` does). */
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : undefined;

/** A `check(arb, body, numRuns?)`: fc.assert of `body` over `arb`, `defaultRuns` times unless told (FC_RUNS overrides both). */
export function checker(defaultRuns: number) {
  return <T>(arb: fc.Arbitrary<T>, body: (value: T) => void, numRuns = defaultRuns): void => {
    fc.assert(fc.property(arb, (v) => { body(v); }), { numRuns: RUNS ?? numRuns });
  };
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export const seedArb = fc.integer({ min: 0, max: 0x7fffffff });

export const shapeArb = (minRank: number, maxRank: number, maxDim: number, minDim = 1): fc.Arbitrary<Shape> =>
  fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });

/** A permutation of 0..n-1. */
export const perm = (n: number) => fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n });

/** Two shapes that broadcast: drawn from a common shape (rank <= maxRank) by dropping leading dims and setting dims to 1. */
export function broadcastPairArb(maxRank: number, maxDim: number, minDim = 1): fc.Arbitrary<[Shape, Shape]> {
  const flags = fc.array(fc.boolean(), { minLength: maxRank, maxLength: maxRank });
  return fc
    .record({ out: shapeArb(0, maxRank, maxDim, minDim), keepA: fc.nat(maxRank), keepB: fc.nat(maxRank), onesA: flags, onesB: flags })
    .map(({ out, keepA, keepB, onesA, onesB }): [Shape, Shape] => {
      const derive = (keep: number, ones: boolean[]) => out.slice(out.length - Math.min(keep, out.length)).map((d, i) => (ones[i] ? 1 : d));
      return [derive(keepA, onesA), derive(keepB, onesB)];
    });
}

/** Standard normal values from tg.randn with a seeded generator, times `scale`. */
export function normal(shape: readonly number[], seed: number, scale = 1): tg.Tensor {
  const t = tg.randn(shape, { generator: new tg.Generator(seed) });
  if (scale !== 1) t.data.forEach((v, i) => (t.data[i] = v * scale));
  return t;
}

/** Row-major multi-index of flat position i. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Row-major flat position of multi-index idx. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  return idx.reduce((flat, v, d) => flat * shape[d] + v, 0);
}
