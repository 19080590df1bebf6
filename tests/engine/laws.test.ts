// Shape laws, checked with fast-check on random shapes and hyper-parameters: broadcasting follows
// PyTorch's rule (and is symmetric), conv and pooling output sizes follow the documented formula,
// and the movement ops invert each other (reshape, permute, transpose, squeeze/unsqueeze,
// cat/slice, stack/index, expand/sum). The runs are seed-stable: the seed is set once, in
// tests/helpers/fast-check-seed.ts (FC_SEED=<n> or FC_SEED=random overrides it, FC_RUNS the number of runs).

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as tg from '../../engine/index.js';
import { broadcastPairArb as broadcastPairs, checker, normal, perm, ravel, seedArb, shapeArb, size, unravel, type Shape } from '../helpers/properties.js';

const check = checker(100);

/** Small integers (exact in float32 sums and products), so that laws can be checked with ===. */
function ints(shape: readonly number[], seed: number): tg.Tensor {
  const g = new tg.Generator(seed);
  return new tg.Tensor(Float32Array.from({ length: size(shape) }, () => g.int(-8, 9)), shape);
}

const same = (a: tg.Tensor, b: tg.Tensor) => {
  expect(a.shape).toEqual(b.shape);
  expect(Array.from(a.data)).toEqual(Array.from(b.data));
};

// ---------------------------------------------------------------------------------------------

/** PyTorch's broadcasting rule, written out independently: align right, missing dims are 1, a 1 stretches. */
function torchBroadcast(a: Shape, b: Shape): Shape | null {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Two shapes that broadcast, sizes 0 included. */
const broadcastPairArb = broadcastPairs(5, 4, 0);

/** Any two shapes: mostly not broadcastable. */
const anyPairArb = fc.tuple(shapeArb(0, 4, 4), shapeArb(0, 4, 4));

describe('broadcasting', () => {
  test('broadcastShapes is symmetric and follows PyTorch\'s rule (compatible pairs)', () => check(broadcastPairArb, ([a, b]) => {
    const expected = torchBroadcast(a, b);
    expect(expected).not.toBeNull();
    expect(tg.broadcastShapes(a, b, 'law')).toEqual(expected);
    expect(tg.broadcastShapes(b, a, 'law')).toEqual(expected);
  }, 200));

  test('broadcastShapes on arbitrary pairs: the same answer either way round, or a RangeError both ways', () => check(anyPairArb, ([a, b]) => {
    const expected = torchBroadcast(a, b);
    if (expected === null) {
      expect(() => tg.broadcastShapes(a, b, 'law')).toThrow(RangeError);
      expect(() => tg.broadcastShapes(b, a, 'law')).toThrow(RangeError);
      expect(() => tg.add(tg.zeros(a), tg.zeros(b))).toThrow(RangeError);
    } else {
      expect(tg.broadcastShapes(a, b, 'law')).toEqual(expected);
      expect(tg.broadcastShapes(b, a, 'law')).toEqual(expected);
    }
  }, 300));

  test('add: the result has the broadcast shape, and each element is the sum of the elements the rule pairs up', () => check(
    fc.record({ shapes: broadcastPairArb, seed: seedArb }),
    ({ shapes: [sa, sb], seed }) => {
      const a = normal(sa, seed);
      const b = normal(sb, seed + 1);
      const out = tg.add(a, b);
      const shape = torchBroadcast(sa, sb)!;
      expect(out.shape).toEqual(shape);
      // index of the element of x (shape s) that output index idx reads: align right, 1-dims read index 0
      const source = (idx: number[], s: Shape) => ravel(s.map((d, k) => (d === 1 ? 0 : idx[idx.length - s.length + k])), s);
      for (let i = 0; i < out.size; i++) {
        const idx = unravel(i, shape);
        expect(out.data[i]).toBe(Math.fround(a.data[source(idx, sa)] + b.data[source(idx, sb)]));
      }
    },
  ));

  test('a + b == b + a and a · b == b · a, elementwise and exactly', () => check(fc.record({ shapes: broadcastPairArb, seed: seedArb }), ({ shapes: [sa, sb], seed }) => {
    const a = normal(sa, seed);
    const b = normal(sb, seed + 1);
    same(tg.add(a, b), tg.add(b, a));
    same(tg.mul(a, b), tg.mul(b, a));
    same(tg.maximum(a, b), tg.maximum(b, a));
  }));

  test('expand then sum back over the new and stretched dims gives the original times the copy count', () => check(
    fc.record({
      shape: fc.array(fc.constantFrom(1, 1, 2, 3), { minLength: 0, maxLength: 4 }),
      stretch: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }),
      lead: shapeArb(0, 2, 3),
      seed: seedArb,
    }),
    ({ shape, stretch, lead, seed }) => {
      const x = ints(shape, seed);
      const target = [...lead, ...shape.map((d, i) => (d === 1 ? stretch[i] : d))];
      const y = tg.expand(x, target);
      expect(y.shape).toEqual(target);
      const copies = size(target) / size(shape);
      // the stretched dims summed with keepdim (they stay 1), then the new leading dims dropped
      const stretched = shape.map((d, i) => (d === 1 && stretch[i] !== 1 ? lead.length + i : -1)).filter((d) => d >= 0);
      let back = stretched.length > 0 ? tg.sum(y, stretched, true) : y;
      if (lead.length > 0) back = tg.sum(back, lead.map((_, i) => i));
      expect(back.shape).toEqual(shape);
      same(back, tg.mul(x, copies));
      expect(tg.sum(y).item()).toBe(tg.sum(x).item() * copies);
    },
  ));
});

// ---------------------------------------------------------------------------------------------

/** The documented output size: floor((n + 2p − d(k−1) − 1)/s) + 1. */
const outSize = (n: number, k: number, s: number, p: number, d: number) => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;

/** PyTorch's ceil-mode size: rounded up, but the last window must start inside the input or the left padding. */
function ceilOutSize(n: number, k: number, s: number, p: number, d: number): number {
  let out = Math.ceil((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  if ((out - 1) * s >= n + p) out--;
  return out;
}

const pairArb = (min: number, max: number) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }));

describe('conv and pooling output sizes', () => {
  test('conv2d: output [N, outC, floor((n + 2p − d(k−1) − 1)/s) + 1, …] per spatial dim, or a RangeError when that is < 1', () => check(
    fc.record({
      batch: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 3 }),
      inPerGroup: fc.integer({ min: 1, max: 2 }),
      outPerGroup: fc.integer({ min: 1, max: 2 }),
      size: pairArb(1, 9),
      kernel: pairArb(1, 4),
      stride: pairArb(1, 4),
      padding: pairArb(0, 3),
      dilation: pairArb(1, 3),
    }),
    ({ batch, groups, inPerGroup, outPerGroup, size: [h, w], kernel, stride, padding, dilation }) => {
      const x = tg.zeros([batch, groups * inPerGroup, h, w]);
      const weight = tg.zeros([groups * outPerGroup, inPerGroup, ...kernel]);
      const oh = outSize(h, kernel[0], stride[0], padding[0], dilation[0]);
      const ow = outSize(w, kernel[1], stride[1], padding[1], dilation[1]);
      const run = () => tg.conv2d(x, weight, null, { stride, padding, dilation, groups });
      if (oh < 1 || ow < 1) expect(run).toThrow(RangeError);
      else expect(run().shape).toEqual([batch, groups * outPerGroup, oh, ow]);
    },
    300,
  ));

  test("conv2d: padding 'same' (stride 1) keeps the input size, 'valid' is padding 0, unbatched input drops N", () => check(
    fc.record({ size: pairArb(1, 8), kernel: pairArb(1, 5), dilation: pairArb(1, 3), channels: fc.integer({ min: 1, max: 3 }) }),
    ({ size: [h, w], kernel, dilation, channels }) => {
      const weight = tg.zeros([2, channels, ...kernel]);
      expect(tg.conv2d(tg.zeros([1, channels, h, w]), weight, null, { padding: 'same', dilation }).shape).toEqual([1, 2, h, w]);
      const oh = outSize(h, kernel[0], 1, 0, dilation[0]);
      const ow = outSize(w, kernel[1], 1, 0, dilation[1]);
      const valid = () => tg.conv2d(tg.zeros([channels, h, w]), weight, null, { padding: 'valid', dilation });
      if (oh < 1 || ow < 1) expect(valid).toThrow(RangeError);
      else expect(valid().shape).toEqual([2, oh, ow]);
    },
    200,
  ));

  const poolArb = fc.record({
    size: pairArb(1, 10),
    kernel: pairArb(1, 5),
    stride: fc.option(pairArb(1, 4), { nil: undefined }),
    pad: pairArb(0, 2),
    dilation: pairArb(1, 3),
    ceilMode: fc.boolean(),
  });

  /** padding limited to at most half the kernel, as PyTorch requires */
  const limitPad = (pad: number[], kernel: number[]): [number, number] => [Math.min(pad[0], Math.floor(kernel[0] / 2)), Math.min(pad[1], Math.floor(kernel[1] / 2))];

  test('maxPool2d: the same formula (stride defaults to the kernel), ceil mode by PyTorch\'s rule', () => check(poolArb, ({ size: [h, w], kernel, stride, pad, dilation, ceilMode }) => {
    const padding = limitPad(pad, kernel);
    const s = stride ?? kernel;
    const sizeOf = ceilMode ? ceilOutSize : outSize;
    const oh = sizeOf(h, kernel[0], s[0], padding[0], dilation[0]);
    const ow = sizeOf(w, kernel[1], s[1], padding[1], dilation[1]);
    const run = () => tg.maxPool2d(tg.zeros([2, 3, h, w]), { kernelSize: kernel, stride, padding, dilation, ceilMode });
    if (oh < 1 || ow < 1) expect(run).toThrow(RangeError);
    else expect(run().shape).toEqual([2, 3, oh, ow]);
    expect(tg.poolOutputSize(h, kernel[0], s[0], padding[0], dilation[0], ceilMode)).toBe(oh);
  }, 300));

  test('avgPool2d: the same formula with dilation 1, ceil mode by PyTorch\'s rule', () => check(poolArb, ({ size: [h, w], kernel, stride, pad, ceilMode }) => {
    const padding = limitPad(pad, kernel);
    const s = stride ?? kernel;
    const sizeOf = ceilMode ? ceilOutSize : outSize;
    const oh = sizeOf(h, kernel[0], s[0], padding[0], 1);
    const ow = sizeOf(w, kernel[1], s[1], padding[1], 1);
    const run = () => tg.avgPool2d(tg.zeros([1, 2, h, w]), { kernelSize: kernel, stride, padding, ceilMode });
    if (oh < 1 || ow < 1) expect(run).toThrow(RangeError);
    else expect(run().shape).toEqual([1, 2, oh, ow]);
  }, 300));

  test('adaptive pooling gives exactly the requested output size (null keeps the input size)', () => check(
    fc.record({ size: pairArb(1, 9), out: pairArb(1, 9), nullDim: fc.constantFrom(-1, 0, 1), unbatched: fc.boolean() }),
    ({ size: [h, w], out, nullDim, unbatched }) => {
      const x = tg.zeros(unbatched ? [3, h, w] : [2, 3, h, w]);
      const request: tg.OutputSize = nullDim === 0 ? [null, out[1]] : nullDim === 1 ? [out[0], null] : [out[0], out[1]];
      const expected = [nullDim === 0 ? h : out[0], nullDim === 1 ? w : out[1]];
      const lead = unbatched ? [3] : [2, 3];
      expect(tg.adaptiveAvgPool2d(x, request).shape).toEqual([...lead, ...expected]);
      expect(tg.adaptiveMaxPool2d(x, request).shape).toEqual([...lead, ...expected]);
    },
    200,
  ));
});

// ---------------------------------------------------------------------------------------------


describe('movement ops invert each other', () => {
  test('reshape round-trips (any factorisation, -1 inferred), keeping the row-major order; view too', () => check(
    fc.record({ shape: shapeArb(0, 4, 4), split: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 6 }), infer: fc.nat(6), seed: seedArb }),
    ({ shape, split, infer, seed }) => {
      const x = normal(shape, seed);
      // a target shape of the same size: peel the prime-ish factors off the total in a random way
      let rest = x.size;
      const target: number[] = [];
      for (const f of split) if (rest % (f + 1) === 0) { target.push(f + 1); rest /= f + 1; }
      target.push(rest);
      const spec = target.map((d, i) => (i === infer % target.length ? -1 : d));
      const y = tg.reshape(x, spec);
      expect(y.shape).toEqual(target);
      expect(Array.from(y.data)).toEqual(Array.from(x.data));
      same(tg.reshape(y, shape), x);
      same(y.view(shape), x);
      same(tg.flatten(x).reshape(shape), x);
    },
  ));

  test('permute by p then by the inverse of p is the identity; each element moves where p says', () => check(
    shapeArb(1, 5, 3).chain((shape) => fc.record({ shape: fc.constant(shape), order: perm(shape.length), seed: seedArb })),
    ({ shape, order, seed }) => {
      const x = normal(shape, seed);
      const y = tg.permute(x, order);
      expect(y.shape).toEqual(order.map((d) => shape[d]));
      for (let i = 0; i < y.size; i++) {
        const idx = unravel(i, y.shape);
        const src = new Array<number>(shape.length);
        order.forEach((d, k) => (src[d] = idx[k]));
        expect(y.data[i]).toBe(x.data[ravel(src, shape)]);
      }
      const inverse = order.map((_, i) => order.indexOf(i));
      same(tg.permute(y, inverse), x);
      // negative dims name the same permutation
      same(tg.permute(x, order.map((d) => d - shape.length)), y);
    },
  ));

  test('transpose twice is the identity; squeeze undoes unsqueeze', () => check(
    shapeArb(1, 4, 3).chain((shape) => fc.record({
      shape: fc.constant(shape),
      a: fc.integer({ min: 0, max: shape.length - 1 }),
      b: fc.integer({ min: 0, max: shape.length - 1 }),
      u: fc.integer({ min: -shape.length - 1, max: shape.length }),
      seed: seedArb,
    })),
    ({ shape, a, b, u, seed }) => {
      const x = normal(shape, seed);
      same(tg.transpose(tg.transpose(x, a, b), a, b), x);
      same(tg.transpose(x, a, b), tg.transpose(x, b, a));
      const y = tg.unsqueeze(x, u);
      expect(y.ndim).toBe(x.ndim + 1);
      same(tg.squeeze(y, u), x);
    },
  ));

  test('cat then slice recovers the pieces', () => check(
    fc.record({ shape: shapeArb(1, 4, 3), dim: fc.nat(), lengths: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), seed: seedArb }),
    ({ shape, dim, lengths, seed }) => {
      const d = dim % shape.length;
      const pieces = lengths.map((n, k) => normal(shape.map((s, i) => (i === d ? n : s)), seed + k));
      const whole = tg.cat(pieces, d);
      expect(whole.shape).toEqual(shape.map((s, i) => (i === d ? lengths.reduce((a, b) => a + b, 0) : s)));
      let start = 0;
      pieces.forEach((piece, k) => {
        same(tg.slice(whole, d, start, start + lengths[k]), piece);
        start += lengths[k];
      });
    },
  ));

  test('stack then index (dim 0) or slice + squeeze (any dim) recovers the pieces', () => check(
    fc.record({ shape: shapeArb(0, 3, 3), dim: fc.nat(), count: fc.integer({ min: 1, max: 4 }), seed: seedArb }),
    ({ shape, dim, count, seed }) => {
      const d = dim % (shape.length + 1);
      const pieces = Array.from({ length: count }, (_, k) => normal(shape, seed + k));
      const stacked = tg.stack(pieces, d);
      expect(stacked.shape).toEqual([...shape.slice(0, d), count, ...shape.slice(d)]);
      pieces.forEach((piece, k) => {
        same(tg.squeeze(tg.slice(stacked, d, k, k + 1), d), piece);
        if (d === 0) same(tg.index(stacked, k), piece);
      });
    },
  ));

  test('slice with a step takes every step-th element, Python-style bounds', () => check(
    fc.record({ n: fc.integer({ min: 0, max: 8 }), start: fc.integer({ min: -10, max: 10 }), end: fc.integer({ min: -10, max: 10 }), step: fc.integer({ min: 1, max: 4 }) }),
    ({ n, start, end, step }) => {
      const x = tg.arange(n);
      const expected: number[] = [];
      // Python's range semantics for slices with a positive step
      const norm = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
      for (let i = norm(start); i < norm(end); i += step) expected.push(i);
      expect(Array.from(tg.slice(x, 0, start, end, step).data)).toEqual(expected);
    },
    200,
  ));
});
