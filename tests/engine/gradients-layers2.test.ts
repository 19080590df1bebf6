// Property-based gradient checks of the second round of issue 16's ops: interpolate's 'bicubic' and
// 'area' modes, convTranspose1d, conv3d, maxPool3d, avgPool3d, batchNorm on 5-D input, and embedding
// with maxNorm. Max pooling is checked on distinct values spaced 0.1 apart with the absolute step
// h = 0.01, as in gradients.test.ts. On random shapes, options and values drawn
// by fast-check, backpropagation must agree with central finite differences (tests/helpers/gradcheck.ts),
// on 'js' and, where WebAssembly SIMD runs, 'wasm' (matmul's and conv2d's kernels differ there).
// embedding's maxNorm renormalises the weight in place without gradient, as PyTorch's, so it has no
// finite-difference check: its properties are checked instead (the gradient is the plain lookup's, the
// looked-up rows end at most maxNorm, the others untouched).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as tg from '../../engine/index.js';
import { assertGradcheck, gradcheck, type GradcheckOptions } from '../helpers/gradcheck.js';
import { checker, normal, seedArb, size } from '../helpers/properties.js';
import { gradientBackends } from '../helpers/backends.js';

type Tensor = tg.Tensor;

const BACKENDS = await gradientBackends('gradients-layers2.test.ts');

const check = checker(30);

function grad(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  assertGradcheck(f, inputs, { name, ...opts });
}

const KINKED: GradcheckOptions = { absoluteStep: true, eps: 1e-2 };

/** Distinct values spaced 0.1 apart, shuffled: max pooling's choice survives the finite-difference step. */
function distinct(shape: number[], seed: number): Tensor {
  const n = size(shape);
  const g = new tg.Generator(seed);
  const v = Array.from({ length: n }, (_, i) => (i - (n - 1) / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return new tg.Tensor(Float32Array.from(v), shape);
}

const triple = (min: number, max: number) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min, max }));

const conv3dArb = fc
  .record({
    batch: fc.integer({ min: 0, max: 2 }), // 0: unbatched
    groups: fc.integer({ min: 1, max: 2 }),
    inPerGroup: fc.integer({ min: 1, max: 2 }),
    outPerGroup: fc.integer({ min: 1, max: 2 }),
    kernel: triple(1, 3),
    stride: triple(1, 2),
    dilation: triple(1, 2),
    padding: fc.oneof(triple(0, 2), fc.constantFrom<'same' | 'valid'>('same', 'valid')),
    extra: triple(0, 3),
    bias: fc.boolean(),
    seed: seedArb,
  })
  .map((c) => {
    const stride = c.padding === 'same' ? ([1, 1, 1] as [number, number, number]) : c.stride;
    // each dim long enough for the dilated kernel, plus a few
    const spatial = [0, 1, 2].map((i) => c.dilation[i] * (c.kernel[i] - 1) + 1 + c.extra[i]);
    const inC = c.groups * c.inPerGroup;
    const xShape = c.batch === 0 ? [inC, ...spatial] : [c.batch, inC, ...spatial];
    const options = { stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
    return { xShape, wShape: [c.groups * c.outPerGroup, c.inPerGroup, ...c.kernel], biasShape: c.bias ? [c.groups * c.outPerGroup] : null, options, seed: c.seed };
  });

const pool3dArb = fc
  .record({
    batch: fc.integer({ min: 0, max: 2 }),
    kernel: triple(1, 3),
    stride: triple(1, 3),
    padding: triple(0, 1),
    dilation: triple(1, 2),
    extra: triple(0, 3),
    ceilMode: fc.boolean(),
    countIncludePad: fc.boolean(),
    seed: seedArb,
  })
  .map((c) => {
    const padding = c.padding.map((p, i) => Math.min(p, Math.floor(c.kernel[i] / 2)));
    const spatial = [0, 1, 2].map((i) => c.dilation[i] * (c.kernel[i] - 1) + 1 + c.extra[i]);
    return { ...c, padding, shape: c.batch === 0 ? [2, ...spatial] : [c.batch, 2, ...spatial] };
  });

const interpolateArb = fc
  .record({
    mode: fc.constantFrom<tg.InterpolateMode>('bicubic', 'area'),
    areaDims: fc.integer({ min: 1, max: 3 }),
    sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 3, maxLength: 3 }),
    outs: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 3, maxLength: 3 }),
    factors: fc.array(fc.constantFrom(0.4, 0.5, 0.75, 1, 1.2, 1.5, 2, 2.5), { minLength: 3, maxLength: 3 }),
    bySize: fc.boolean(),
    alignCorners: fc.option(fc.boolean(), { nil: undefined }),
    recompute: fc.boolean(),
    seed: seedArb,
  })
  .map((c) => {
    const dims = c.mode === 'bicubic' ? 2 : c.areaDims;
    const spatial = c.sizes.slice(0, dims);
    // a scale factor that shrinks a dim below 1 is an error, not a gradient question
    const factors = c.factors.slice(0, dims).map((f, i) => (Math.floor(spatial[i] * f) >= 1 ? f : 1));
    const options: tg.InterpolateOptions = c.bySize ? { size: c.outs.slice(0, dims) } : { scaleFactor: factors, recomputeScaleFactor: c.recompute };
    options.mode = c.mode;
    if (c.mode === 'bicubic' && c.alignCorners !== undefined) options.alignCorners = c.alignCorners;
    return { shape: [dims === 3 ? 1 : 2, 2, ...spatial], options, seed: c.seed };
  });

const convTranspose1dArb = fc
  .record({
    batch: fc.integer({ min: 0, max: 2 }), // 0: unbatched
    groups: fc.integer({ min: 1, max: 2 }),
    inPerGroup: fc.integer({ min: 1, max: 2 }),
    outPerGroup: fc.integer({ min: 1, max: 2 }),
    length: fc.integer({ min: 1, max: 5 }),
    kernel: fc.integer({ min: 1, max: 4 }),
    stride: fc.integer({ min: 1, max: 3 }),
    dilation: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 2 }),
    extra: fc.integer({ min: 0, max: 2 }),
    bias: fc.boolean(),
    seed: seedArb,
  })
  .map((c) => {
    const outputPadding = c.extra % Math.max(c.stride, c.dilation);
    // as much of the drawn padding as leaves an output of at least 1
    const padding = Math.min(c.padding, Math.floor(((c.length - 1) * c.stride + c.dilation * (c.kernel - 1) + outputPadding) / 2));
    const inC = c.groups * c.inPerGroup;
    const xShape = c.batch === 0 ? [inC, c.length] : [c.batch, inC, c.length];
    const options = { stride: c.stride, padding, outputPadding, dilation: c.dilation, groups: c.groups };
    return { xShape, wShape: [inC, c.outPerGroup, c.kernel], biasShape: c.bias ? [c.groups * c.outPerGroup] : null, options, seed: c.seed };
  });

function ops(): void {
  test('interpolate: bicubic (size or scale factor, alignCorners) and area (1 to 3 spatial dims)', () => check(interpolateArb, ({ shape, options, seed }) => {
    grad(`interpolate ${JSON.stringify(shape)} ${JSON.stringify(options)}`, (x) => tg.interpolate(x, options), [normal(shape, seed)]);
  }));

  test('convTranspose1d: input, weight and bias gradients (stride, padding, outputPadding, dilation, groups, unbatched)', () => check(convTranspose1dArb, ({ xShape, wShape, biasShape, options, seed }) => {
    const inputs = [normal(xShape, seed), normal(wShape, seed + 1, 0.5), ...(biasShape ? [normal(biasShape, seed + 2)] : [])];
    grad(`convTranspose1d x ${JSON.stringify(xShape)} w ${JSON.stringify(wShape)} ${JSON.stringify(options)}`, (x, w, b) => tg.convTranspose1d(x, w, b ?? null, options), inputs);
  }));

  test('conv3d: input, weight and bias gradients (stride, padding incl. same/valid, dilation, groups, unbatched)', () => check(conv3dArb, ({ xShape, wShape, biasShape, options, seed }) => {
    const inputs = [normal(xShape, seed), normal(wShape, seed + 1, 0.5), ...(biasShape ? [normal(biasShape, seed + 2)] : [])];
    grad(`conv3d x ${JSON.stringify(xShape)} w ${JSON.stringify(wShape)} ${JSON.stringify(options)}`, (x, w, b) => tg.conv3d(x, w, b ?? null, options), inputs);
  }), 60_000);

  test('maxPool3d (distinct values; stride, padding, dilation, ceilMode)', () => check(pool3dArb, (c) => {
    const opts = { kernelSize: c.kernel, stride: c.stride, padding: c.padding as [number, number, number], dilation: c.dilation, ceilMode: c.ceilMode };
    const x = distinct(c.shape, c.seed);
    grad(`maxPool3d ${JSON.stringify(c.shape)} ${JSON.stringify(opts)}`, (t) => tg.maxPool3d(t, opts), [x], KINKED);
  }));

  test('avgPool3d (stride, padding, ceilMode, countIncludePad)', () => check(pool3dArb, (c) => {
    const opts = { kernelSize: c.kernel, stride: c.stride, padding: c.padding as [number, number, number], ceilMode: c.ceilMode, countIncludePad: c.countIncludePad };
    grad(`avgPool3d ${JSON.stringify(c.shape)} ${JSON.stringify(opts)}`, (t) => tg.avgPool3d(t, opts), [normal(c.shape, c.seed)]);
  }));

  test('batchNorm over [N, C, D, H, W] (BatchNorm3d), training: input, weight and bias gradients', () => check(
    fc.record({ shape: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 3 })), seed: seedArb }),
    ({ shape, seed }) => {
      const c = shape[1];
      grad(`batchNorm ${JSON.stringify(shape)}`, (x, w, b) => tg.batchNorm(x, null, null, w, b, { training: true }), [normal(shape, seed), normal([c], seed + 1), normal([c], seed + 2)]);
    },
  ));

  test('embedding maxNorm: the looked-up rows end at most maxNorm, the others unchanged; the gradient is the plain lookup\'s', () => check(
    fc.record({
      rows: fc.integer({ min: 1, max: 6 }),
      dim: fc.integer({ min: 1, max: 4 }),
      idsShape: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      maxNorm: fc.constantFrom(0.3, 1, 2),
      normType: fc.constantFrom(1, 2, 3, Infinity),
      seed: seedArb,
    }),
    ({ rows, dim, idsShape, maxNorm, normType, seed }) => {
      const g = new tg.Generator(seed);
      const ids = new tg.Tensor(Float32Array.from({ length: size(idsShape) }, () => g.int(0, rows)), idsShape);
      const before = normal([rows, dim], seed + 1);
      const w = before.clone().setRequiresGrad();
      const upstream = normal([...idsShape, dim], seed + 2);
      tg.embedding(ids, w, { maxNorm, normType }).mul(upstream).sum().backward();
      const looked = new Set(ids.data);
      const norm = (v: number[]) => (normType === Infinity ? Math.max(...v.map(Math.abs)) : v.reduce((a, x) => a + Math.abs(x) ** normType, 0) ** (1 / normType));
      for (let r = 0; r < rows; r++) {
        const was = Array.from(before.data.slice(r * dim, (r + 1) * dim));
        const now = Array.from(w.data.slice(r * dim, (r + 1) * dim));
        if (!looked.has(r) || norm(was) <= maxNorm) expect(now).toEqual(was);
        else {
          expect(norm(now)).toBeLessThanOrEqual(maxNorm * (1 + 1e-5));
          expect(norm(now)).toBeGreaterThan(maxNorm * (1 - 1e-5));
        }
      }
      const plain = before.clone().setRequiresGrad();
      tg.embedding(ids, plain).mul(upstream).sum().backward();
      expect(Array.from(w.grad!.data)).toEqual(Array.from(plain.grad!.data));
    },
  ));
}

for (const backend of BACKENDS) {
  describe(`the ops on the '${backend}' backend`, () => {
    beforeAll(() => tg.setBackend(backend));
    afterAll(() => tg.setBackend('js'));
    ops();
  });
}

describe('the checks catch a wrong gradient', () => {
  // a bicubic x2 whose backward is nearest's adjoint (a sum over each 2×2 block): plausible, and wrong
  test("bicubic with nearest's adjoint for a gradient fails, naming the input's elements", () => {
    const x = normal([1, 1, 3, 3], 1);
    const options: tg.InterpolateOptions = { scaleFactor: 2, mode: 'bicubic' };
    const wrong = (t: Tensor) => tg.record(tg.interpolate(t.detach(), options), 'bicubic with a wrong gradient', [t], (g) => [tg.avgPool2d(g, 2).mul(4)]);
    expect(gradcheck((t) => tg.interpolate(t, options), [x]).ok).toBe(true);
    const result = gradcheck(wrong, [x], { name: 'wrong' });
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/gradcheck\(wrong\).*\n  input 0 element \[/);
  });
});
