// Property-based gradient checks of the tensor ops of issue 16 (where, gather, scatter, scatterAdd,
// split, chunk, flip, roll, repeat, tile, cumsum, einsum, erf, sort, topk): backpropagation against
// central finite differences (tests/helpers/gradcheck.ts) on random shapes, dims, indices and values,
// on 'js' and on 'wasm' where WebAssembly SIMD runs. sort and topk are piecewise linear: their inputs
// are distinct values spaced 0.1 apart and the step is h = 0.01, so no step reorders them.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as tg from '../../engine/index.js';
import { assertGradcheck, gradcheck, type GradcheckOptions } from '../helpers/gradcheck.js';
import { checker, normal, seedArb, shapeArb, size, type Shape } from '../helpers/properties.js';
import { gradientBackends } from '../helpers/backends.js';

type Tensor = tg.Tensor;

const BACKENDS = await gradientBackends('gradients-ops.test.ts');

const check = checker(25);
const KINKED: GradcheckOptions = { absoluteStep: true, eps: 1e-2 };

function grad(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  assertGradcheck(f, inputs, { name, ...opts });
}

/** Positions 0 … length − 1 of the given shape, drawn from a seed (repeats allowed unless `distinctAlong` is given). */
function positions(shape: Shape, length: number, seed: number, distinctAlong?: number): Tensor {
  const g = new tg.Generator(seed);
  const values = Float32Array.from({ length: size(shape) }, () => g.int(0, length));
  if (distinctAlong !== undefined) {
    // each slice along the dim: a shuffled prefix of 0 … length − 1 (scatter's positions must not repeat)
    const inner = size(shape.slice(distinctAlong + 1));
    const count = shape[distinctAlong];
    for (let slice = 0; slice < values.length / count; slice++) {
      const order = Array.from({ length }, (_, i) => i);
      for (let i = length - 1; i > 0; i--) {
        const j = g.int(0, i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      const [o, j] = [Math.floor(slice / inner), slice % inner];
      for (let k = 0; k < count; k++) values[(o * count + k) * inner + j] = order[k];
    }
  }
  return new tg.Tensor(values, shape);
}

/** Distinct values spaced 0.1 apart, shuffled. */
function distinct(shape: Shape, seed: number): Tensor {
  const n = size(shape);
  const g = new tg.Generator(seed);
  const values = Array.from({ length: n }, (_, i) => (i - (n - 1) / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return new tg.Tensor(Float32Array.from(values), shape);
}

/** A shape of rank 1–3 and a dim of it. */
const alongArb = shapeArb(1, 3, 4).chain((shape) => fc.record({ shape: fc.constant(shape), dim: fc.integer({ min: -shape.length, max: shape.length - 1 }), seed: seedArb }));
const norm = (dim: number, rank: number) => (dim < 0 ? dim + rank : dim);

function ops(): void {
  test('where (condition, input and other broadcast together)', () => check(
    fc.record({ shape: shapeArb(1, 3, 4), seed: seedArb, xFull: fc.boolean(), yScalar: fc.boolean() }),
    ({ shape, seed, xFull, yScalar }) => {
      const cond = positions([...shape.slice(0, -1), 1], 2, seed);
      const x = normal(xFull ? shape : shape.slice(-1), seed + 1);
      const y = yScalar ? normal([], seed + 2) : normal(shape, seed + 2);
      grad(`where ${JSON.stringify(shape)}`, (a, b) => tg.where(cond, a, b), [x, y]);
    },
  ));

  test('gather (index smaller than the input off the dim, repeats)', () => check(alongArb, ({ shape, dim, seed }) => {
    const d = norm(dim, shape.length);
    const indexShape = shape.map((s, i) => (i === d ? 1 + (seed % 5) : Math.max(1, s - (seed % 2))));
    const index = positions(indexShape, shape[d], seed);
    grad(`gather ${JSON.stringify(shape)} dim ${dim}`, (x) => tg.gather(x, dim, index), [normal(shape, seed)]);
  }));

  test('scatterAdd (repeats add up) and scatter (distinct positions, tensor src and a number)', () => check(alongArb, ({ shape, dim, seed }) => {
    const d = norm(dim, shape.length);
    const indexShape = shape.map((s, i) => (i === d ? 1 + (seed % s) : s));
    const input = normal(shape, seed);
    const src = normal(indexShape, seed + 1);
    grad(`scatterAdd ${JSON.stringify(shape)} dim ${dim}`, (a, b) => tg.scatterAdd(a, dim, positions(indexShape, shape[d], seed), b), [input, src]);
    const unique = positions(indexShape, shape[d], seed, d);
    grad(`scatter ${JSON.stringify(shape)} dim ${dim}`, (a, b) => tg.scatter(a, dim, unique, b), [input, src]);
    grad(`scatter value ${JSON.stringify(shape)} dim ${dim}`, (a) => tg.scatter(a, dim, unique, 0.5).mul(1.5), [input]);
  }));

  test('split and chunk (every piece weighted differently)', () => check(
    fc.record({ along: alongArb, size: fc.integer({ min: 1, max: 3 }) }),
    ({ along: { shape, dim, seed }, size: pieces }) => {
      const weigh = (parts: Tensor[]) => tg.cat(parts.map((p, k) => p.mul(k + 1)), dim);
      grad(`split ${JSON.stringify(shape)} by ${pieces}`, (x) => weigh(tg.split(x, pieces, dim)), [normal(shape, seed)]);
      grad(`chunk ${JSON.stringify(shape)} into ${pieces}`, (x) => weigh(tg.chunk(x, pieces, dim)), [normal(shape, seed)]);
    },
  ));

  test('flip and roll', () => check(
    fc.record({ along: alongArb, shift: fc.integer({ min: -6, max: 6 }), flat: fc.boolean() }),
    ({ along: { shape, dim, seed }, shift, flat }) => {
      grad(`flip ${JSON.stringify(shape)} dim ${dim}`, (x) => tg.flip(x, [dim]), [normal(shape, seed)]);
      grad(`roll ${JSON.stringify(shape)} by ${shift}`, (x) => (flat ? tg.roll(x, shift) : tg.roll(x, shift, dim)), [normal(shape, seed)]);
    },
  ));

  test('repeat and tile (the gradient sums the copies)', () => check(
    fc.record({ shape: shapeArb(0, 3, 3), sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 4 }), seed: seedArb }),
    ({ shape, sizes, seed }) => {
      const repeats = [...sizes, ...shape.map(() => 2)].slice(0, Math.max(sizes.length, shape.length));
      grad(`repeat ${JSON.stringify(shape)} × ${JSON.stringify(repeats)}`, (x) => x.repeat(repeats.length ? repeats : []), [normal(shape, seed)]);
      grad(`tile ${JSON.stringify(shape)} × ${JSON.stringify(sizes)}`, (x) => tg.tile(x, sizes), [normal(shape, seed)]);
    },
  ));

  test('cumsum (lengths up to 9: several doubling steps)', () => check(
    fc.record({ shape: shapeArb(1, 3, 9), seed: seedArb }).chain(({ shape, seed }) => fc.record({ shape: fc.constant(shape), seed: fc.constant(seed), dim: fc.integer({ min: 0, max: shape.length - 1 }) })),
    ({ shape, dim, seed }) => grad(`cumsum ${JSON.stringify(shape)} dim ${dim}`, (x) => tg.cumsum(x, dim), [normal(shape, seed)]),
  ));

  test('einsum (the equations of the issue, sums over listed indices, diagonals, three operands, ellipsis and size-1 broadcasting)', () => check(
    fc.record({
      case: fc.constantFrom(
        ['ij,jk->ik', [[2, 3], [3, 4]]], ['bij,bjk->bik', [[2, 2, 3], [2, 3, 2]]], ['bhqd,bhkd->bhqk', [[1, 2, 3, 2], [1, 2, 2, 2]]],
        ['i,i->', [[5], [5]]], ['ij->ji', [[2, 3]]], ['ii->i', [[3, 3]]], ['ij->i', [[3, 4]]], ['bij,bjk->k', [[2, 2, 3], [2, 3, 2]]],
        ['ij,jk,kl->il', [[2, 3], [3, 2], [2, 2]]], ['iji->j', [[2, 3, 2]]], ['i,j', [[3], [2]]],
        ['...ij,...jk->...ik', [[2, 1, 2, 3], [3, 3, 2]]], ['b...->...', [[2, 3, 2]]], ['bij,bjk->bik', [[1, 2, 3], [2, 3, 2]]],
      ) as fc.Arbitrary<[string, Shape[]]>,
      seed: seedArb,
    }),
    ({ case: [equation, shapes], seed }) => grad(`einsum ${equation}`, (...xs) => tg.einsum(equation, ...xs), shapes.map((s, k) => normal(s, seed + k))),
    15,
  ));

  test('erf', () => check(fc.record({ shape: shapeArb(0, 3, 4), seed: seedArb }), ({ shape, seed }) => {
    grad(`erf ${JSON.stringify(shape)}`, (x) => tg.erf(x), [normal(shape, seed, 1.5)]);
  }));

  test('sort (ascending and descending) and topk (largest and smallest), distinct values', () => check(
    fc.record({ along: alongArb, descending: fc.boolean(), k: fc.nat(4) }),
    ({ along: { shape, dim, seed }, descending, k }) => {
      const x = distinct(shape, seed);
      grad(`sort ${JSON.stringify(shape)} dim ${dim}`, (t) => tg.sort(t, dim, descending).values, [x], KINKED);
      const kk = Math.min(k, shape[norm(dim, shape.length)]);
      grad(`topk ${kk} ${JSON.stringify(shape)} dim ${dim}`, (t) => tg.topk(t, kk, dim, !descending).values, [x], KINKED);
    },
  ));
}

for (const backend of BACKENDS) {
  describe(`the tensor ops on the '${backend}' backend`, () => {
    beforeAll(async () => {
      await tg.setBackend(backend);
    });
    afterAll(async () => {
      await tg.setBackend('js');
    });
    ops();
  });
}

describe('the checks can fail', () => {
  test('a gather whose gradient goes to the wrong position fails (scatterAdd at index + 1 wraps)', () => {
    const x = normal([3, 4], 1);
    const index = tg.tensor([[0, 3], [2, 2], [1, 0]]);
    const shifted = tg.tensor([[1, 0], [3, 3], [2, 1]]);
    const broken = (t: Tensor) => tg.record(tg.gather(t.detach(), 1, index), 'brokenGather', [t], (g) => [tg.scatterAdd(tg.zeros([3, 4]), 1, shifted, g)]);
    expect(gradcheck(broken, [x]).ok).toBe(false);
    expect(gradcheck((t: Tensor) => tg.gather(t, 1, index), [x]).ok).toBe(true);
  });
});
