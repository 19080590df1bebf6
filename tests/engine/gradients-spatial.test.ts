// Property-based gradient checks of the spatial ops (convTranspose2d, conv1d, maxPool1d, avgPool1d,
// interpolate, embedding): on random shapes, options and values drawn by fast-check, backpropagation
// must agree with central finite differences (tests/helpers/gradcheck.ts), on 'js' and, where
// WebAssembly SIMD runs, 'wasm' (the ops run on conv2d's and pooling's kernels, which differ there).
// Max pooling is checked on distinct values spaced 0.1 apart with the absolute step h = 0.01, as in
// gradients.test.ts.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as tg from '../../engine/index.js';
import { kernels } from '../../engine/index.js';
import { assertGradcheck, gradcheck, type GradcheckOptions } from '../helpers/gradcheck.js';
import { checker, normal, seedArb, size } from '../helpers/properties.js';
import { gradientBackends } from '../helpers/backends.js';

type Tensor = tg.Tensor;

const BACKENDS = await gradientBackends('gradients-spatial.test.ts');

const check = checker(30);
const KINKED: GradcheckOptions = { absoluteStep: true, eps: 1e-2 };

function grad(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  assertGradcheck(f, inputs, { name, ...opts });
}

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

const pair = (min: number, max: number) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }));

const convTransposeArb = fc
  .record({
    batch: fc.integer({ min: 0, max: 2 }), // 0: unbatched
    groups: fc.integer({ min: 1, max: 2 }),
    inPerGroup: fc.integer({ min: 1, max: 2 }),
    outPerGroup: fc.integer({ min: 1, max: 2 }),
    size: pair(1, 4),
    kernel: pair(1, 3),
    stride: pair(1, 3),
    dilation: pair(1, 2),
    padding: pair(0, 2),
    extra: pair(0, 2),
    bias: fc.boolean(),
    seed: seedArb,
  })
  .map((c) => {
    const outputPadding = [0, 1].map((i) => c.extra[i] % Math.max(c.stride[i], c.dilation[i])) as [number, number];
    // as much of the drawn padding as leaves an output of at least 1
    const padding = [0, 1].map((i) => Math.min(c.padding[i], Math.floor(((c.size[i] - 1) * c.stride[i] + c.dilation[i] * (c.kernel[i] - 1) + outputPadding[i]) / 2))) as [number, number];
    const inC = c.groups * c.inPerGroup;
    const xShape = c.batch === 0 ? [inC, ...c.size] : [c.batch, inC, ...c.size];
    const options = { stride: c.stride, padding, outputPadding, dilation: c.dilation, groups: c.groups };
    return { xShape, wShape: [inC, c.outPerGroup, ...c.kernel], biasShape: c.bias ? [c.groups * c.outPerGroup] : null, options, seed: c.seed };
  });

const conv1dArb = fc
  .record({
    batch: fc.integer({ min: 0, max: 2 }),
    groups: fc.integer({ min: 1, max: 2 }),
    inPerGroup: fc.integer({ min: 1, max: 2 }),
    outPerGroup: fc.integer({ min: 1, max: 2 }),
    kernel: fc.integer({ min: 1, max: 4 }),
    stride: fc.integer({ min: 1, max: 3 }),
    dilation: fc.integer({ min: 1, max: 2 }),
    padding: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constantFrom<'same' | 'valid'>('same', 'valid')),
    extra: fc.integer({ min: 0, max: 4 }),
    bias: fc.boolean(),
    seed: seedArb,
  })
  .map((c) => {
    const pad = typeof c.padding === 'number' ? c.padding : 0;
    const length = Math.max(1, c.dilation * (c.kernel - 1) + 1 - 2 * pad + c.extra);
    const inC = c.groups * c.inPerGroup;
    const outC = c.groups * c.outPerGroup;
    const options = { stride: c.padding === 'same' ? 1 : c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
    return { xShape: c.batch === 0 ? [inC, length] : [c.batch, inC, length], wShape: [outC, c.inPerGroup, c.kernel], biasShape: c.bias ? [outC] : null, options, seed: c.seed };
  });

const pool1dArb = fc
  .record({
    batch: fc.integer({ min: 0, max: 2 }),
    channels: fc.integer({ min: 1, max: 2 }),
    kernel: fc.integer({ min: 1, max: 4 }),
    stride: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    padding: fc.nat(),
    dilation: fc.integer({ min: 1, max: 2 }),
    ceilMode: fc.boolean(),
    countIncludePad: fc.boolean(),
    extra: fc.integer({ min: 0, max: 5 }),
    seed: seedArb,
  })
  .map((c) => {
    const padding = c.padding % (Math.floor(c.kernel / 2) + 1);
    const length = Math.max(1, c.dilation * (c.kernel - 1) + 1 - 2 * padding + c.extra);
    return { ...c, padding, shape: c.batch === 0 ? [c.channels, length] : [c.batch, c.channels, length] };
  });

const interpolateArb = fc
  .record({
    mode: fc.constantFrom('nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear') as fc.Arbitrary<tg.InterpolateMode>,
    nearestDims: fc.integer({ min: 1, max: 3 }),
    sizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 3 }),
    outs: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 3, maxLength: 3 }),
    factors: fc.array(fc.constantFrom(0.5, 0.75, 1, 1.5, 2, 2.5, 3), { minLength: 3, maxLength: 3 }),
    bySize: fc.boolean(),
    alignCorners: fc.option(fc.boolean(), { nil: undefined }),
    recompute: fc.boolean(),
    seed: seedArb,
  })
  .map((c) => {
    const dims = { linear: 1, bilinear: 2, trilinear: 3 }[c.mode as string] ?? c.nearestDims;
    const spatial = c.sizes.slice(0, dims);
    // a scale factor that shrinks a dim below 1 is an error, not a gradient question
    const factors = c.factors.slice(0, dims).map((f, i) => (Math.floor(spatial[i] * f) >= 1 ? f : 1));
    const linear = ['linear', 'bilinear', 'trilinear'].includes(c.mode);
    const options: tg.InterpolateOptions = c.bySize ? { size: c.outs.slice(0, dims) } : { scaleFactor: factors, recomputeScaleFactor: c.recompute };
    options.mode = c.mode;
    if (linear && c.alignCorners !== undefined) options.alignCorners = c.alignCorners;
    return { shape: [dims === 3 ? 1 : 2, 2, ...spatial], options, seed: c.seed };
  });

function spatialOps(): void {
  test('convTranspose2d: input, weight and bias gradients (stride, padding, outputPadding, dilation, groups, unbatched)', () => check(convTransposeArb, ({ xShape, wShape, biasShape, options, seed }) => {
    const inputs = [normal(xShape, seed), normal(wShape, seed + 1, 0.5), ...(biasShape ? [normal(biasShape, seed + 2)] : [])];
    grad(`convTranspose2d x ${JSON.stringify(xShape)} w ${JSON.stringify(wShape)} ${JSON.stringify(options)}`, (x, w, b) => tg.convTranspose2d(x, w, b ?? null, options), inputs);
  }));

  test('conv1d: input, weight and bias gradients (stride, padding incl. same/valid, dilation, groups, unbatched)', () => check(conv1dArb, ({ xShape, wShape, biasShape, options, seed }) => {
    const inputs = [normal(xShape, seed), normal(wShape, seed + 1, 0.5), ...(biasShape ? [normal(biasShape, seed + 2)] : [])];
    grad(`conv1d x ${JSON.stringify(xShape)} w ${JSON.stringify(wShape)} ${JSON.stringify(options)}`, (x, w, b) => tg.conv1d(x, w, b ?? null, options), inputs);
  }));

  test('maxPool1d (distinct values; stride, padding, dilation, ceilMode)', () => check(pool1dArb, (c) => {
    const opts = { kernelSize: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, ceilMode: c.ceilMode };
    const x = distinct(c.shape, c.seed);
    fc.pre(tg.maxPool1d(x, opts).data.every(Number.isFinite)); // a window of padding only is -inf, a constant
    grad(`maxPool1d ${JSON.stringify(c.shape)} ${JSON.stringify(opts)}`, (t) => tg.maxPool1d(t, opts), [x], KINKED);
  }));

  test('avgPool1d (stride, padding, ceilMode, countIncludePad)', () => check(pool1dArb, (c) => {
    const opts = { kernelSize: c.kernel, stride: c.stride, padding: c.padding, ceilMode: c.ceilMode, countIncludePad: c.countIncludePad };
    grad(`avgPool1d ${JSON.stringify(c.shape)} ${JSON.stringify(opts)}`, (t) => tg.avgPool1d(t, opts), [normal(c.shape, c.seed)]);
  }));

  test('interpolate: nearest and nearest-exact (1 to 3 spatial dims), linear, bilinear, trilinear; size or scale factor; alignCorners', () => check(interpolateArb, ({ shape, options, seed }) => {
    grad(`interpolate ${JSON.stringify(shape)} ${JSON.stringify(options)}`, (x) => tg.interpolate(x, options), [normal(shape, seed)]);
  }));

  test('embedding: the weight gradient sums each row\'s uses; the padding row gets none', () => check(
    fc.record({
      rows: fc.integer({ min: 1, max: 6 }),
      dim: fc.integer({ min: 1, max: 3 }),
      idsShape: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
      padding: fc.option(fc.integer({ min: -6, max: 5 }), { nil: undefined }),
      seed: seedArb,
    }),
    ({ rows, dim, idsShape, padding, seed }) => {
      const g = new tg.Generator(seed);
      const ids = new tg.Tensor(Float32Array.from({ length: size(idsShape) }, () => g.int(0, rows)), idsShape);
      const paddingIdx = padding === undefined || padding < -rows || padding >= rows ? null : padding;
      grad(`embedding ids ${JSON.stringify(Array.from(ids.data))} ${JSON.stringify(idsShape)} rows ${rows}`, (w) => tg.embedding(ids, w), [normal([rows, dim], seed + 1)]);
      if (paddingIdx === null) return;
      // with a padding row: the same gradient, but none for that row (not a derivative, so no gradcheck)
      const weightGrad = (options: tg.EmbeddingOptions) => {
        const w = normal([rows, dim], seed + 1).setRequiresGrad();
        tg.embedding(ids, w, options).mul(normal([...idsShape, dim], seed + 2)).sum().backward();
        return Array.from(w.grad!.data);
      };
      const want = weightGrad({});
      const row = (paddingIdx + rows) % rows;
      want.fill(0, row * dim, (row + 1) * dim);
      expect(weightGrad({ paddingIdx })).toEqual(want);
    },
  ));
}

for (const backend of BACKENDS) {
  describe(`spatial ops on the '${backend}' backend`, () => {
    beforeAll(() => tg.setBackend(backend));
    afterAll(() => tg.setBackend('js'));
    spatialOps();
  });
}

describe('the checks catch a wrong gradient', () => {
  // convTranspose2d's weight gradient is conv2dBackwardWeight with x as the output gradient and g as the
  // input; with the roles left unswapped, the shapes still fit for a square case, but the values are wrong
  test('convTranspose2d with conv2dBackwardWeight\'s roles not swapped fails, naming the weight\'s elements', () => {
    const x = normal([1, 2, 3, 3], 1);
    const w = normal([2, 2, 3, 3], 2, 0.5);
    const options = { padding: 1 };
    const p = tg.convTranspose2dParams(x, w, null, options);
    const unswapped = (xs: Tensor, ws: Tensor) =>
      tg.record(kernels().conv2dBackwardInput(xs, ws, p), 'unswapped', [xs, ws], (g) => [kernels().conv2d(g, ws, null, p), kernels().conv2dBackwardWeight(g, xs, p)]);
    expect(gradcheck((a, b) => tg.convTranspose2d(a, b, null, options), [x, w]).ok).toBe(true);
    const result = gradcheck(unswapped, [x, w], { name: 'unswapped', wrt: [1] });
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/gradcheck\(unswapped\).*\n  input 1 element \[/);
  });
});

// The property cases are small; at 16+ channels and 8+ pixels a side, wasm's 3×3 stride-1 kernels take
// their Winograd path, whose backward-input form pads by 2 − padding (negative past 2): a transposed
// conv runs its forward there, so it is checked against js at that size, padding 0 to 3.
describe.skipIf(!BACKENDS.includes('wasm'))("convTranspose2d on wasm's Winograd path equals js", () => {
  const values = (shape: number[], seed: number, scale = 1) => normal(shape, seed, scale);
  test.each([0, 1, 2, 3])('16 → 16 channels, 3×3, 12×13 input (output 8+ a side), padding %i: output and both gradients', async (padding) => {
    const run = async (backend: tg.BackendName) => {
      await tg.setBackend(backend);
      const x = values([2, 16, 12, 13], 1).setRequiresGrad();
      const w = values([16, 16, 3, 3], 2, 0.2).setRequiresGrad();
      const y = tg.convTranspose2d(x, w, null, { padding });
      y.mul(values([...y.shape], 3)).sum().backward();
      return [y, x.grad!, w.grad!].map((t) => t.data);
    };
    const want = await run('js');
    const got = await run('wasm');
    await tg.setBackend('js');
    got.forEach((values, i) => {
      const scale = Math.max(1, ...want[i].map(Math.abs));
      values.forEach((v, j) => expect(Math.abs(v - want[i][j]), `result ${i} element ${j}`).toBeLessThanOrEqual(1e-4 * scale));
    });
  });
});
