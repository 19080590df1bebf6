// Property-based gradient checks of issue 16's activations and normalization ops (engine/ops/activation.ts,
// engine/ops/normalization.ts): backpropagation against central finite differences (tests/helpers/gradcheck.ts)
// on random shapes, values and options, on 'js' and on 'wasm' where WebAssembly SIMD runs. The activations
// with kinks (0 for the ELUs and PReLU, ±3 for the hard ones) are checked away from them, more than 2h
// with h = 0.01; their one-sided gradients at the kinks are PyTorch's fixtures' business
// (tests/nn/activation-norm.test.ts).

import { afterAll, beforeAll, describe, test } from 'vitest';
import fc from 'fast-check';
import * as tg from '../../engine/index.js';
import { assertGradcheck, type GradcheckOptions } from '../helpers/gradcheck.js';
import { checker, normal, seedArb, shapeArb, size } from '../helpers/properties.js';
import { gradientBackends } from '../helpers/backends.js';

type Tensor = tg.Tensor;

const BACKENDS = await gradientBackends('gradients-activation-norm.test.ts');

const check = checker(30);
const grad = (name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}) => assertGradcheck(f, inputs, { name, ...opts });

/** The step for piecewise-smooth ops: h = 0.01 exactly, while their inputs keep >= 0.1 from the kinks. */
const KINKED: GradcheckOptions = { absoluteStep: true, eps: 1e-2 };

/** Normal values times `scale`, pushed at least `gap` away from every kink. */
function avoiding(shape: readonly number[], seed: number, kinks: readonly number[], scale = 1, gap = 0.1): Tensor {
  const g = new tg.Generator(seed);
  return new tg.Tensor(
    Float32Array.from({ length: size(shape) }, () => {
      let v = g.normal() * scale;
      for (const k of kinks) if (Math.abs(v - k) < gap) v = k + (v >= k ? gap : -gap) * 1.5;
      return v;
    }),
    shape,
  );
}

const unaryArb = fc.record({ shape: shapeArb(0, 4, 3), seed: seedArb });

function activations(): void {
  test('elu, selu, celu (random alpha; |x| >= 0.1)', () => check(
    fc.record({ shape: shapeArb(0, 4, 3), alpha: fc.constantFrom(0.3, 1, 1.7, 3), which: fc.constantFrom('elu', 'selu', 'celu'), seed: seedArb }),
    ({ shape, alpha, which, seed }) => {
      const x = avoiding(shape, seed, [0], 2);
      const f = which === 'elu' ? (t: Tensor) => tg.elu(t, alpha) : which === 'celu' ? (t: Tensor) => tg.celu(t, { alpha }) : tg.selu;
      grad(`${which}(${alpha})`, f, [x], KINKED);
    },
  ));
  test('silu', () => check(unaryArb, ({ shape, seed }) => grad('silu', tg.silu, [normal(shape, seed, 3)])));
  test('mish', () => check(unaryArb, ({ shape, seed }) => grad('mish', tg.mish, [normal(shape, seed, 3)])));
  test('softsign', () => check(unaryArb, ({ shape, seed }) => grad('softsign', tg.softsign, [normal(shape, seed, 2)])));
  test('hardswish and hardsigmoid (|x ± 3| >= 0.1)', () => check(unaryArb, ({ shape, seed }) => {
    const x = avoiding(shape, seed, [-3, 3], 3);
    grad('hardswish', tg.hardswish, [x], KINKED);
    grad('hardsigmoid', tg.hardsigmoid, [x], KINKED);
  }));
  test('softmin along any dim', () => check(
    shapeArb(1, 4, 3).chain((shape) => fc.record({ shape: fc.constant(shape), dim: fc.integer({ min: -shape.length, max: shape.length - 1 }), seed: seedArb })),
    ({ shape, dim, seed }) => grad(`softmin dim ${dim}`, (t) => tg.softmin(t, dim), [normal(shape, seed, 2)]),
  ));
  test('prelu: input and weight, one slope or one per channel (|x| >= 0.1)', () => check(
    fc.record({ shape: shapeArb(0, 4, 3), shared: fc.boolean(), seed: seedArb }),
    ({ shape, shared, seed }) => {
      const channels = shape.length >= 2 ? shape[1] : 1;
      const weight = normal([shared ? 1 : channels], seed + 1, 0.5);
      grad(`prelu ${JSON.stringify(shape)} weight [${weight.shape}]`, tg.prelu, [avoiding(shape, seed, [0], 2), weight], KINKED);
    },
  ));
}

function normalizations(): void {
  test('layerNorm over the last 1 to 3 dims, with and without weight and bias', () => check(
    fc.record({ lead: shapeArb(0, 2, 3), normalized: shapeArb(1, 3, 3), affine: fc.boolean(), seed: seedArb }),
    ({ lead, normalized, affine, seed }) => {
      const shape = [...lead, ...normalized];
      const inputs = [normal(shape, seed, 2), ...(affine ? [normal(normalized, seed + 1), normal(normalized, seed + 2)] : [])];
      const f = (x: Tensor, w?: Tensor, b?: Tensor) => tg.layerNorm(x, normalized, w ?? null, b ?? null, 1e-3);
      grad(`layerNorm ${JSON.stringify(shape)} over ${JSON.stringify(normalized)} affine=${affine}`, f, inputs);
    },
  ));
  test('groupNorm over [N, C, ...] of rank 2 to 4, with and without affine', () => check(
    fc.record({ n: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 3 }), perGroup: fc.integer({ min: 1, max: 2 }), spatial: shapeArb(0, 2, 3), affine: fc.boolean(), seed: seedArb }),
    ({ n, groups, perGroup, spatial, affine, seed }) => {
      const c = groups * perGroup;
      const shape = [n, c, ...spatial];
      const inputs = [normal(shape, seed, 2), ...(affine ? [normal([c], seed + 1), normal([c], seed + 2)] : [])];
      const f = (x: Tensor, w?: Tensor, b?: Tensor) => tg.groupNorm(x, groups, w ?? null, b ?? null, 1e-3);
      grad(`groupNorm ${JSON.stringify(shape)} groups=${groups} affine=${affine}`, f, inputs);
    },
  ));
  test('instanceNorm with the input statistics, and with running ones (useInputStats false)', () => check(
    fc.record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), spatial: shapeArb(1, 2, 3), useInputStats: fc.boolean(), affine: fc.boolean(), seed: seedArb }),
    ({ n, c, spatial, useInputStats, affine, seed }) => {
      const shape = [n, c, ...(useInputStats && size(spatial) === 1 ? [2] : spatial)]; // the input's statistics need 2+ positions
      const runningMean = normal([c], seed + 3);
      const runningVar = tg.add(tg.abs(normal([c], seed + 4)), 0.5);
      const inputs = [normal(shape, seed, 2), ...(affine ? [normal([c], seed + 1), normal([c], seed + 2)] : [])];
      // the running statistics are copies per call: with useInputStats the op updates them in place
      const f = (x: Tensor, w?: Tensor, b?: Tensor) =>
        tg.instanceNorm(x, runningMean.clone(), runningVar.clone(), w ?? null, b ?? null, useInputStats, 0.1, 1e-3);
      grad(`instanceNorm ${JSON.stringify(shape)} useInputStats=${useInputStats} affine=${affine}`, f, inputs);
    },
  ));
  test('localResponseNorm over [N, C, ...] of rank 3 to 5, random size, alpha, beta, k', () => check(
    fc.record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 5 }), spatial: shapeArb(1, 3, 2), windowSize: fc.integer({ min: 1, max: 4 }), alpha: fc.constantFrom(1e-4, 0.5, 2), beta: fc.constantFrom(0.5, 0.75, 1.5), k: fc.constantFrom(1, 2), seed: seedArb }),
    ({ n, c, spatial, windowSize, alpha, beta, k, seed }) => {
      const shape = [n, c, ...spatial];
      grad(`localResponseNorm ${JSON.stringify(shape)} size=${windowSize} alpha=${alpha} beta=${beta} k=${k}`, (x) => tg.localResponseNorm(x, windowSize, alpha, beta, k), [normal(shape, seed, 1.5)]);
    },
  ));
}

for (const backend of BACKENDS) {
  describe(`issue 16's activations and normalizations on the '${backend}' backend`, () => {
    beforeAll(() => tg.setBackend(backend));
    afterAll(() => tg.setBackend('js'));
    describe('activations', activations);
    describe('normalizations', normalizations);
  });
}
