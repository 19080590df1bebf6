// Property-based gradient checks: every differentiable op, on random shapes, values and options drawn
// by fast-check, must give the same gradient by backpropagation as by central finite differences
// (tests/helpers/gradcheck.ts). The runs are seed-stable: the seed is set once, in
// tests/helpers/fast-check-seed.ts (FC_SEED=<n> or FC_SEED=random overrides it, FC_RUNS the number of
// runs, to explore further).
//
// Non-smooth ops (abs, relu, clamp, maximum, max, maxPool2d, …) are checked away from their kinks
// and ties: their inputs are kept more than 2h from every kink, or are distinct values spaced 0.1
// apart, with the absolute step h = 0.01.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as tg from '../../engine/index.js';
import { assertGradcheck, gradcheck, type GradcheckOptions } from '../helpers/gradcheck.js';
import { broadcastPairArb as broadcastPairs, checker, normal, perm, seedArb, shapeArb, size, type Shape } from '../helpers/properties.js';
import { gradientBackends } from '../helpers/backends.js';

type Tensor = tg.Tensor;

const BACKENDS = await gradientBackends('gradients.test.ts');

/** The property runner: 30 runs per property unless told (FC_RUNS overrides every one). */
const check = checker(30);

/** assertGradcheck with the op's name and options in the report. */
function grad(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  assertGradcheck(f, inputs, { name, ...opts });
}

/** The step for ops that are only piecewise smooth: h = 0.01 exactly, while their inputs keep >= 0.1 from kinks. */
const KINKED: GradcheckOptions = { absoluteStep: true, eps: 1e-2 };

// ---------------------------------------------------------------------------------------------
// values

function fill(shape: readonly number[], seed: number, draw: (g: tg.Generator) => number): Tensor {
  const g = new tg.Generator(seed);
  return new tg.Tensor(Float32Array.from({ length: size(shape) }, () => draw(g)), shape);
}

function uniform(shape: readonly number[], seed: number, lo: number, hi: number): Tensor {
  return fill(shape, seed, (g) => lo + (hi - lo) * g.uniform());
}

/** Normal values pushed at least `gap` away from every point in `kinks`. */
function avoiding(shape: readonly number[], seed: number, kinks: readonly number[], gap = 0.1, scale = 1): Tensor {
  return fill(shape, seed, (g) => {
    let v = g.normal() * scale;
    for (const k of kinks) if (Math.abs(v - k) < gap) v = k + (v >= k ? gap : -gap) * 1.5;
    return v;
  });
}

/** Distinct values spaced `spacing` apart (a shuffled ramp centred on 0), split over the shapes. */
function distinct(shapes: ReadonlyArray<readonly number[]>, seed: number, spacing = 0.1): Tensor[] {
  const total = shapes.reduce((n, s) => n + size(s), 0);
  const g = new tg.Generator(seed);
  const values = Array.from({ length: total }, (_, i) => (i - (total - 1) / 2) * spacing);
  for (let i = total - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  let offset = 0;
  return shapes.map((s) => {
    const t = new tg.Tensor(Float32Array.from(values.slice(offset, offset + size(s))), s);
    offset += size(s);
    return t;
  });
}

// ---------------------------------------------------------------------------------------------
// arbitraries

/** Two shapes that broadcast: a few written out, and ones drawn from a common shape (tests/helpers/properties.ts). */
const broadcastPairArb: fc.Arbitrary<[Shape, Shape]> = fc.oneof(
  fc.constantFrom<[Shape, Shape]>([[3, 1, 4], [2, 4]], [[2, 4], [3, 1, 4]], [[], [2, 3]], [[2, 1], [1, 3]], [[4], [3, 1]], [[2, 3], [2, 3]]),
  broadcastPairs(4, 3),
);

/** A shape with its reduction dims: undefined (all), one dim (maybe negative), or a list. */
const reductionArb = shapeArb(0, 4, 3).chain((shape) => {
  const r = shape.length;
  const dimsArb: fc.Arbitrary<number | number[] | undefined> =
    r === 0
      ? fc.constantFrom<number | number[] | undefined>(undefined, 0, -1, [0])
      : fc.oneof(
          fc.constant(undefined),
          fc.integer({ min: -r, max: r - 1 }),
          fc.shuffledSubarray(Array.from({ length: r }, (_, i) => i), { minLength: 1 }).chain((ds) =>
            fc.array(fc.boolean(), { minLength: ds.length, maxLength: ds.length }).map((neg) => ds.map((d, i) => (neg[i] ? d - r : d))),
          ),
        );
  return fc.record({ shape: fc.constant(shape), dims: dimsArb, keepdim: fc.boolean(), seed: seedArb });
});

/** How many elements a reduction over `dims` combines. */
function reducedCount(shape: Shape, dims: number | number[] | undefined): number {
  if (shape.length === 0) return 1;
  if (dims === undefined) return size(shape);
  const list = typeof dims === 'number' ? [dims] : dims;
  return list.reduce((n, d) => n * shape[(d + shape.length) % shape.length], 1);
}

// ---------------------------------------------------------------------------------------------

describe('gradcheck itself', () => {
  /** y = x², with a backward that is off by `factor` (1 is right). */
  function square(factor: number) {
    return function brokenSquare(x: Tensor): Tensor {
      const out = new tg.Tensor(Float32Array.from(x.data, (v) => v * v), x.shape);
      return tg.record(out, 'brokenSquare', [x], (g) => [g.mul(x).mul(2 * factor)]);
    };
  }

  test('a gradient 5% too large (2x·1.05 for x²) fails, with a report naming the op and the elements', () => {
    const x = tg.tensor([[0.5, -1.25, 2], [3, -0.75, 1.5]]);
    const result = gradcheck(square(1.05), [x], { name: 'brokenSquare' });
    expect(result.ok).toBe(false);
    expect(result.failureCount).toBe(6);
    expect(result.report).toMatch(/^gradcheck\(brokenSquare\): inputs #0 \[2,3\]/);
    // each line: the element, its value, both gradients (of Σ out·R, R random) and their ratio
    expect(result.report).toMatch(/\n  input 0 element \[0,1\] \(x = -1\.25000\): analytic \S+, numeric \S+, \|diff\| \S+ > tol \S+, analytic\/numeric = 1\.05000/);
    for (const f of result.failures) expect(f.analytic / f.numeric).toBeCloseTo(1.05, 3);
    expect(() => assertGradcheck(square(1.05), [x], { name: 'brokenSquare' })).toThrow(/brokenSquare[\s\S]*6 of 6 gradient elements differ/);
  });

  test('a gradient 5% too small fails as well', () => {
    expect(gradcheck(square(0.95), [tg.tensor([0.3, -2, 1.1])]).ok).toBe(false);
  });

  test('the right gradient (2x) passes, and the report says so', () => {
    const x = tg.tensor([[0.5, -1.25, 2], [3, -0.75, 1.5]]);
    const result = assertGradcheck(square(1), [x], { name: 'square' });
    expect(result.ok).toBe(true);
    expect(result.checked).toBe(6);
    expect(result.report).toMatch(/^gradcheck\(square\).*ok, 6 elements/);
  });

  test('on random shapes and values, 2x·1.05 always fails and 2x always passes', () => {
    check(fc.record({ shape: shapeArb(0, 3, 4), seed: seedArb }), ({ shape, seed }) => {
      // keep |x| >= 0.1 so each gradient 2x is large enough for a 5% error to show
      const x = avoiding(shape, seed, [0], 0.1, 2);
      expect(gradcheck(square(1.05), [x]).ok, 'the broken gradient passed').toBe(false);
      expect(gradcheck(square(1), [x]).ok, 'the right gradient failed').toBe(true);
    }, 30);
  });

  test('a backward that ignores the upstream gradient fails (the random weighting R catches it)', () => {
    const x = tg.tensor([0.5, -1, 2, 1.5]);
    const ignoresUpstream = (t: Tensor) => {
      const out = new tg.Tensor(Float32Array.from(t.data, (v) => v * v), t.shape);
      return tg.record(out, 'ignoresUpstream', [t], () => [t.mul(2)]);
    };
    expect(gradcheck(ignoresUpstream, [x]).ok).toBe(false);
  });

  test('a gradient of the wrong shape or a missing graph is an error, not a pass', () => {
    const x = tg.tensor([1, 2, 3]);
    const noGraph = (t: Tensor) => new tg.Tensor(t.data.slice(), t.shape);
    expect(() => gradcheck(noGraph, [x])).toThrow(/recorded no graph/);
    const wrongShape = (t: Tensor) => tg.record(new tg.Tensor(t.data.slice(), t.shape), 'wrongShape', [t], (g) => [g.sum()]);
    expect(() => gradcheck(wrongShape, [x])).toThrow(/wrongShape: gradient for input 0 has shape \[\], expected \[3\]/);
  });

  test('an input that does not reach the output gets a zero gradient, which must match', () => {
    const a = tg.tensor([1, 2]);
    const b = tg.tensor([3, 4]);
    expect(gradcheck((p: Tensor, q: Tensor) => p.mul(2), [a, b]).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('binary elementwise ops (broadcasting: a broadcast input gets the summed gradient)', () => {
  const pairArb = fc.record({ shapes: broadcastPairArb, seed: seedArb });

  test('add', () => check(pairArb, ({ shapes: [sa, sb], seed }) => {
    grad(`add ${JSON.stringify([sa, sb])}`, tg.add, [normal(sa, seed), normal(sb, seed + 1)]);
  }));

  test('sub', () => check(pairArb, ({ shapes: [sa, sb], seed }) => {
    grad(`sub ${JSON.stringify([sa, sb])}`, tg.sub, [normal(sa, seed), normal(sb, seed + 1)]);
  }));

  test('mul', () => check(pairArb, ({ shapes: [sa, sb], seed }) => {
    grad(`mul ${JSON.stringify([sa, sb])}`, tg.mul, [normal(sa, seed), normal(sb, seed + 1)]);
  }));

  test('div (divisor kept away from 0: |b| >= 0.5)', () => check(pairArb, ({ shapes: [sa, sb], seed }) => {
    grad(`div ${JSON.stringify([sa, sb])}`, tg.div, [normal(sa, seed), avoiding(sb, seed + 1, [0], 0.5)]);
  }));

  test('with a number operand (add, sub, mul, div, on either side)', () => check(
    fc.record({ shape: shapeArb(0, 3, 4), c: fc.double({ min: 0.5, max: 3, noNaN: true }), seed: seedArb }),
    ({ shape, c, seed }) => {
      const x = normal(shape, seed);
      grad('x + c', (t) => tg.add(t, c), [x]);
      grad('c - x', (t) => tg.sub(c, t), [x]);
      grad('x * c', (t) => tg.mul(t, c), [x]);
      grad('c / x', (t) => tg.div(c, t), [avoiding(shape, seed, [0], 0.5)]);
      grad('x / c', (t) => t.div(c), [x]);
    },
    15,
  ));

  test('pow: tensor base > 0 with a tensor exponent (gradients to both)', () => check(pairArb, ({ shapes: [sa, sb], seed }) => {
    grad(`pow ${JSON.stringify([sa, sb])}`, tg.pow, [uniform(sa, seed, 0.5, 2), uniform(sb, seed + 1, -2, 2)]);
  }));

  test('pow: number exponent (integer exponents also on negative bases), and a number base', () => check(
    fc.record({ shape: shapeArb(0, 3, 4), e: fc.constantFrom(0, 1, 2, 3, -1, -2, 0.5, 1.5, -0.5, 2.5), seed: seedArb }),
    ({ shape, e, seed }) => {
      const base = Number.isInteger(e) ? avoiding(shape, seed, [0], 0.5) : uniform(shape, seed, 0.5, 2);
      grad(`pow(x, ${e})`, (x) => tg.pow(x, e), [base]);
      grad(`x.pow(${e})`, (x) => x.pow(e), [base]);
      grad('pow(1.7, x)', (x) => tg.pow(1.7, x), [uniform(shape, seed + 1, -2, 2)]);
    },
    15,
  ));

  test('maximum (distinct values, no ties)', () => check(pairArb, ({ shapes: [sa, sb], seed }) => {
    grad(`maximum ${JSON.stringify([sa, sb])}`, tg.maximum, distinct([sa, sb], seed), KINKED);
  }));

  test('minimum (distinct values, no ties)', () => check(pairArb, ({ shapes: [sa, sb], seed }) => {
    grad(`minimum ${JSON.stringify([sa, sb])}`, tg.minimum, distinct([sa, sb], seed), KINKED);
  }));
});

describe('unary elementwise ops', () => {
  const unaryArb = fc.record({ shape: shapeArb(0, 4, 3), seed: seedArb });

  test('neg', () => check(unaryArb, ({ shape, seed }) => grad('neg', tg.neg, [normal(shape, seed)])));
  test('exp', () => check(unaryArb, ({ shape, seed }) => grad('exp', tg.exp, [normal(shape, seed)])));
  test('log (x in [0.5, 3])', () => check(unaryArb, ({ shape, seed }) => grad('log', tg.log, [uniform(shape, seed, 0.5, 3)])));
  test('sqrt (x in [0.5, 3])', () => check(unaryArb, ({ shape, seed }) => grad('sqrt', tg.sqrt, [uniform(shape, seed, 0.5, 3)])));
  test('abs (|x| >= 0.1)', () => check(unaryArb, ({ shape, seed }) => grad('abs', tg.abs, [avoiding(shape, seed, [0])], KINKED)));
  test('relu (|x| >= 0.1)', () => check(unaryArb, ({ shape, seed }) => grad('relu', tg.relu, [avoiding(shape, seed, [0])], KINKED)));
  test('tanh', () => check(unaryArb, ({ shape, seed }) => grad('tanh', tg.tanh, [normal(shape, seed, 1.5)])));
  test('sigmoid', () => check(unaryArb, ({ shape, seed }) => grad('sigmoid', tg.sigmoid, [normal(shape, seed, 2)])));
  test('softplus', () => check(unaryArb, ({ shape, seed }) => grad('softplus', tg.softplus, [normal(shape, seed, 2)])));

  test('gelu (exact and tanh approximation)', () => check(
    fc.record({ shape: shapeArb(0, 3, 4), approximate: fc.constantFrom<'none' | 'tanh'>('none', 'tanh'), seed: seedArb }),
    ({ shape, approximate, seed }) => grad(`gelu ${approximate}`, (x) => tg.gelu(x, approximate), [normal(shape, seed, 2)]),
  ));

  test('leakyRelu (random slope, |x| >= 0.1)', () => check(
    fc.record({ shape: shapeArb(0, 4, 3), slope: fc.constantFrom(0.01, 0.2, 0.5, -0.3, 2), useDefault: fc.boolean(), seed: seedArb }),
    ({ shape, slope, useDefault, seed }) => {
      const x = avoiding(shape, seed, [0]);
      if (useDefault) grad('leakyRelu()', (t) => tg.leakyRelu(t), [x], KINKED);
      else grad(`leakyRelu(${slope})`, (t) => tg.leakyRelu(t, slope), [x], KINKED);
    },
  ));

  test('clamp (min only, max only, both; x >= 0.1 from the bounds)', () => check(
    fc.record({
      shape: shapeArb(0, 4, 3),
      lo: fc.constantFrom(-1, -0.5, 0, 0.3),
      width: fc.constantFrom(0.5, 1, 2),
      which: fc.constantFrom('both', 'min', 'max'),
      seed: seedArb,
    }),
    ({ shape, lo, width, which, seed }) => {
      const hi = lo + width;
      const x = avoiding(shape, seed, [lo, hi], 0.1, 1.5);
      const [min, max] = which === 'both' ? [lo, hi] : which === 'min' ? [lo, null] : [null, hi];
      grad(`clamp(${min}, ${max})`, (t) => tg.clamp(t, min, max), [x], KINKED);
    },
  ));

  test('a graph that reuses its inputs (diamonds: gradients meeting at a tensor are summed)', () => check(
    fc.record({ shape: shapeArb(1, 3, 3), seed: seedArb }),
    ({ shape, seed }) => {
      const f = (x: Tensor, y: Tensor) => {
        const u = x.mul(y).add(x.exp()); // x used twice
        const v = u.tanh().mul(u); // u used twice
        return v.sub(y.mul(y)).add(x.sum().mul(y.mean())); // y used thrice, broadcast scalars
      };
      grad('diamond', f, [normal(shape, seed), normal(shape, seed + 1)]);
      grad('x·x', (x) => x.mul(x).add(x), [normal(shape, seed)]);
    },
  ));
});

// ---------------------------------------------------------------------------------------------

describe('one tensor used several times in one op', () => {
  test('the gradients of both uses add up; ties (max of x and x) split the gradient evenly', () => check(
    fc.record({ shape: shapeArb(1, 3, 3), seed: seedArb }),
    ({ shape, seed }) => {
      const x = normal(shape, seed);
      grad('add(x, x)', (t) => tg.add(t, t), [x]);
      grad('mul(x, x)', (t) => tg.mul(t, t), [x]);
      grad('sub(x, x)·x', (t) => tg.sub(t, t).add(t.mul(0.5)), [x]);
      grad('pow(x, x)', (t) => tg.pow(t, t), [uniform(shape, seed, 0.5, 2)]);
      grad('maximum(x, x)', (t) => tg.maximum(t, t), [x]);
      grad('minimum(x, x)', (t) => tg.minimum(t, t), [x]);
      grad('max(stack([x, x]), 0)', (t) => tg.max(tg.stack([t, t]), 0), [x]);
      grad('min(cat([x, x]))', (t) => tg.min(tg.cat([t, t.add(0)], 0)), [distinct([shape], seed)[0]], KINKED);
      grad('cat([x, x], -1)', (t) => tg.cat([t, t], -1), [x]);
      grad('stack([x, x, x])', (t) => tg.stack([t, t, t]), [x]);
      const n = shape[shape.length - 1];
      grad('matmul(A, A)', (t) => tg.matmul(t, t), [normal([n, n], seed)]);
    },
  ));
});

describe('reductions over random dims, keepdim true and false', () => {
  const name = (op: string, shape: Shape, dims: unknown, keepdim: boolean) => `${op} ${JSON.stringify(shape)} dims=${JSON.stringify(dims)} keepdim=${keepdim}`;

  test('sum', () => check(reductionArb, ({ shape, dims, keepdim, seed }) => {
    grad(name('sum', shape, dims, keepdim), (x) => tg.sum(x, dims, keepdim), [normal(shape, seed)]);
  }, 30));

  test('mean', () => check(reductionArb, ({ shape, dims, keepdim, seed }) => {
    grad(name('mean', shape, dims, keepdim), (x) => tg.mean(x, dims, keepdim), [normal(shape, seed)]);
  }, 30));

  test('max (distinct values)', () => check(reductionArb, ({ shape, dims, keepdim, seed }) => {
    grad(name('max', shape, dims, keepdim), (x) => tg.max(x, dims, keepdim), distinct([shape], seed), KINKED);
  }, 30));

  test('min (distinct values)', () => check(reductionArb, ({ shape, dims, keepdim, seed }) => {
    grad(name('min', shape, dims, keepdim), (x) => tg.min(x, dims, keepdim), distinct([shape], seed), KINKED);
  }, 30));

  test('var (correction 0, 1 and 2) and std', () => check(
    fc.record({ r: reductionArb, correction: fc.constantFrom(0, 1, 2) }),
    ({ r: { shape, dims, keepdim, seed }, correction }) => {
      fc.pre(reducedCount(shape, dims) > correction);
      const x = normal(shape, seed);
      grad(name(`var(correction=${correction})`, shape, dims, keepdim), (t) => tg.var(t, dims, keepdim, correction), [x]);
      // std = sqrt(var) has a kink where a slice's values coincide: spread them 0.25 apart
      if (reducedCount(shape, dims) > 1) grad(name('std', shape, dims, keepdim), (t) => t.std(dims, keepdim, correction), distinct([shape], seed, 0.25), KINKED);
    },
    30,
  ));
});

// ---------------------------------------------------------------------------------------------

describe('movement ops', () => {
  test('reshape / view (with -1), flatten', () => check(
    fc.record({ shape: shapeArb(1, 4, 3), order: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), infer: fc.nat(4), start: fc.nat(3), end: fc.nat(3), seed: seedArb }),
    ({ shape, order, infer, start, end, seed }) => {
      // target: the same dims in another order, one of them maybe -1
      const dims = shape.map((d, i) => [order[i], d] as const).sort((a, b) => a[0] - b[0]).map(([, d]) => d);
      const target = dims.map((d, i) => (i === infer ? -1 : d));
      const x = normal(shape, seed);
      grad(`reshape ${JSON.stringify(shape)} → ${JSON.stringify(target)}`, (t) => tg.reshape(t, target), [x]);
      grad(`view ${JSON.stringify(shape)} → ${JSON.stringify(target)}`, (t) => t.view(target), [x]);
      const [s, e] = [start % shape.length, end % shape.length].sort((a, b) => a - b);
      grad(`flatten(${s}, ${e}) of ${JSON.stringify(shape)}`, (t) => tg.flatten(t, s, e), [x]);
    },
  ));

  test('squeeze (all, one dim, a non-1 dim) and unsqueeze (any position, negative too)', () => check(
    fc.record({ shape: fc.array(fc.constantFrom(1, 1, 2, 3), { minLength: 0, maxLength: 4 }), dim: fc.integer({ min: -5, max: 4 }), seed: seedArb }),
    ({ shape, dim, seed }) => {
      const x = normal(shape, seed);
      grad('squeeze()', (t) => tg.squeeze(t), [x]);
      if (shape.length > 0) {
        const d = ((dim % shape.length) + shape.length) % shape.length;
        grad(`squeeze(${d}) of ${JSON.stringify(shape)}`, (t) => tg.squeeze(t, d), [x]);
      }
      const r1 = shape.length + 1;
      const u = (((dim % r1) + r1) % r1) - (dim < 0 ? r1 : 0); // in -r1..r1-1
      grad(`unsqueeze(${u}) of ${JSON.stringify(shape)}`, (t) => tg.unsqueeze(t, u), [x]);
    },
  ));

  test('permute (random order), transpose (random pair), t()', () => check(
    shapeArb(1, 4, 3).chain((shape) => fc.record({ shape: fc.constant(shape), order: perm(shape.length), a: fc.integer({ min: -shape.length, max: shape.length - 1 }), b: fc.integer({ min: -shape.length, max: shape.length - 1 }), seed: seedArb })),
    ({ shape, order, a, b, seed }) => {
      const x = normal(shape, seed);
      grad(`permute ${JSON.stringify(shape)} by ${JSON.stringify(order)}`, (t) => tg.permute(t, order), [x]);
      grad(`transpose(${a}, ${b}) of ${JSON.stringify(shape)}`, (t) => tg.transpose(t, a, b), [x]);
      if (shape.length <= 2) grad('t()', (t) => t.t(), [x]);
    },
  ));

  test('expand (stretching 1-dims, new leading dims, -1 entries): the gradient sums the copies', () => check(
    fc.record({
      shape: fc.array(fc.constantFrom(1, 1, 2, 3), { minLength: 0, maxLength: 3 }),
      stretch: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
      lead: shapeArb(0, 2, 3),
      keep: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      seed: seedArb,
    }),
    ({ shape, stretch, lead, keep, seed }) => {
      const target = [...lead, ...shape.map((d, i) => (d === 1 ? stretch[i] : keep[i] ? -1 : d))];
      grad(`expand ${JSON.stringify(shape)} → ${JSON.stringify(target)}`, (t) => tg.expand(t, target), [normal(shape, seed)]);
    },
  ));

  test('cat (1–3 tensors along a random dim, negative too)', () => check(
    fc.record({ shape: shapeArb(1, 3, 3), dim: fc.nat(), lengths: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }), negative: fc.boolean(), seed: seedArb }),
    ({ shape, dim, lengths, negative, seed }) => {
      const d = dim % shape.length;
      const inputs = lengths.map((n, k) => normal(shape.map((s, i) => (i === d ? n : s)), seed + k));
      const along = negative ? d - shape.length : d;
      grad(`cat along ${along} of ${inputs.map((t) => JSON.stringify(t.shape)).join(' ')}`, (...ts) => tg.cat(ts, along), inputs);
    },
  ));

  test('stack (1–3 tensors, new dim anywhere)', () => check(
    fc.record({ shape: shapeArb(0, 3, 3), dim: fc.nat(), count: fc.integer({ min: 1, max: 3 }), negative: fc.boolean(), seed: seedArb }),
    ({ shape, dim, count, negative, seed }) => {
      const d = dim % (shape.length + 1);
      const along = negative ? d - shape.length - 1 : d;
      const inputs = Array.from({ length: count }, (_, k) => normal(shape, seed + k));
      grad(`stack ${count}×${JSON.stringify(shape)} along ${along}`, (...ts) => tg.stack(ts, along), inputs);
    },
  ));

  test('slice (random start/end, negative and out of range, step 1–3)', () => check(
    fc.record({ shape: shapeArb(1, 3, 5), dim: fc.nat(), start: fc.integer({ min: -6, max: 6 }), end: fc.option(fc.integer({ min: -6, max: 7 }), { nil: undefined }), step: fc.integer({ min: 1, max: 3 }), seed: seedArb }),
    ({ shape, dim, start, end, step, seed }) => {
      const d = dim % shape.length;
      grad(`slice(${d}, ${start}, ${end}, ${step}) of ${JSON.stringify(shape)}`, (t) => tg.slice(t, d, start, end, step), [normal(shape, seed)]);
      grad(`slice method (${d}, ${start}, ${end}, ${step})`, (t) => t.slice(d, start, end, step), [normal(shape, seed)]);
    },
  ));

  test('index: a number (negative too) drops dim 0; a list gathers rows with repeats', () => check(
    shapeArb(1, 3, 4).chain((shape) => fc.record({
      shape: fc.constant(shape),
      one: fc.integer({ min: -shape[0], max: shape[0] - 1 }),
      list: fc.array(fc.integer({ min: -shape[0], max: shape[0] - 1 }), { minLength: 1, maxLength: 6 }),
      asInt32: fc.boolean(),
      seed: seedArb,
    })),
    ({ shape, one, list, asInt32, seed }) => {
      const x = normal(shape, seed);
      grad(`index(${one}) of ${JSON.stringify(shape)}`, (t) => tg.index(t, one), [x]);
      const indices = asInt32 ? Int32Array.from(list) : list;
      grad(`index(${JSON.stringify(list)}) of ${JSON.stringify(shape)}`, (t) => tg.index(t, indices), [x]);
      grad('index method', (t) => t.index(list), [x]);
    },
  ));

  test('clone', () => check(fc.record({ shape: shapeArb(0, 3, 3), seed: seedArb }), ({ shape, seed }) => {
    grad('clone', (t) => t.clone().mul(t), [normal(shape, seed)]);
  }, 10));
});

describe('pad', () => {
  const padArb = fc
    .record({ shape: shapeArb(1, 4, 4), mode: fc.constantFrom<tg.PadMode>('constant', 'reflect', 'replicate', 'circular'), pads: fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 6, maxLength: 6 }), dims: fc.integer({ min: 1, max: 3 }), value: fc.constantFrom(0, 1.5), seed: seedArb })
    .map(({ shape, mode, pads, dims, value, seed }) => {
      const k = Math.min(dims, shape.length);
      const padding: number[] = [];
      for (let j = 0; j < k; j++) {
        const n = shape[shape.length - 1 - j];
        for (const p of [pads[2 * j], pads[2 * j + 1]]) {
          // the limits of each mode: reflect < n, circular <= n, only constant may crop (negative)
          if (mode === 'constant') padding.push(Math.max(p, -Math.floor((n - 1) / 2)));
          else if (mode === 'reflect') padding.push(Math.min(Math.max(p, 0), n - 1));
          else if (mode === 'circular') padding.push(Math.min(Math.max(p, 0), n));
          else padding.push(Math.max(p, 0));
        }
      }
      return { shape, mode, padding, value, seed };
    });

  test('constant (incl. negative cropping and a fill value), reflect, replicate, circular', () => check(padArb, ({ shape, mode, padding, value, seed }) => {
    grad(`pad ${JSON.stringify(shape)} ${mode} ${JSON.stringify(padding)} value ${value}`, (x) => tg.pad(x, padding, { mode, value }), [normal(shape, seed)]);
  }, 40));
});

describe('softmax and logSoftmax', () => {
  const softmaxArb = shapeArb(1, 4, 4).chain((shape) => fc.record({ shape: fc.constant(shape), dim: fc.integer({ min: -shape.length, max: shape.length - 1 }), seed: seedArb }));
  test('softmax over a random dim', () => check(softmaxArb, ({ shape, dim, seed }) => {
    grad(`softmax ${JSON.stringify(shape)} dim ${dim}`, (x) => tg.softmax(x, dim), [normal(shape, seed, 2)]);
  }, 25));
  test('logSoftmax over a random dim', () => check(softmaxArb, ({ shape, dim, seed }) => {
    grad(`logSoftmax ${JSON.stringify(shape)} dim ${dim}`, (x) => tg.logSoftmax(x, dim), [normal(shape, seed, 2)]);
  }, 25));
});

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Ops that run on the backend's kernels (gemm, conv2d, pooling): checked on every backend that loads here,
// the plain-JS reference and, where WebAssembly SIMD runs, the WASM kernels (the package's default).

function kernelOps(): void {
  describe('batchNorm', () => {
    test('over [N, C, ...] of rank 2 to 4, training (batch statistics) and eval (running ones), with and without affine', () => check(
      fc.record({ n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }), spatial: shapeArb(0, 2, 3), training: fc.boolean(), affine: fc.boolean(), seed: seedArb }),
      ({ n, c, spatial, training, affine, seed }) => {
        const shape = [training && n * size(spatial) === 1 ? 2 : n, c, ...spatial]; // training needs 2+ values per channel
        const runningMean = normal([c], seed + 1);
        const runningVar = uniform([c], seed + 2, 0.5, 2);
        const inputs = [normal(shape, seed, 2), ...(affine ? [normal([c], seed + 3), normal([c], seed + 4)] : [])];
        const f = (x: Tensor, w?: Tensor, b?: Tensor) => tg.batchNorm(x, runningMean, runningVar, w ?? null, b ?? null, { training, eps: 1e-3 });
        grad(`batchNorm ${JSON.stringify(shape)} training=${training} affine=${affine}`, f, inputs);
      },
    ));
  });

  describe('matmul and linear', () => {
    const matmulArb = fc.record({
      m: fc.integer({ min: 1, max: 3 }),
      k: fc.integer({ min: 1, max: 4 }),
      n: fc.integer({ min: 1, max: 3 }),
      // batch dims of each side (broadcasting) and whether a side is a 1-D vector
      batches: fc.oneof(fc.constant<[Shape, Shape]>([[], []]), fc.constantFrom<[Shape, Shape]>([[2], [2]], [[2, 1], [3]], [[], [2]], [[3], []], [[1], [2]], [[2, 3], [1, 3]])),
      aVector: fc.boolean(),
      bVector: fc.boolean(),
      seed: seedArb,
    });

    test('matmul: 1-D, 2-D, batched and broadcast-batched operands', () => check(matmulArb, ({ m, k, n, batches: [ba, bb], aVector, bVector, seed }) => {
      // a vector operand has no batch dims of its own
      const sa = aVector ? [k] : [...ba, m, k];
      const sb = bVector ? [k] : [...bb, k, n];
      grad(`matmul ${JSON.stringify(sa)} · ${JSON.stringify(sb)}`, tg.matmul, [normal(sa, seed), normal(sb, seed + 1)]);
    }, 30));

    test('linear with and without bias, on [in], [N, in] and [A, B, in] inputs', () => check(
      fc.record({
        lead: shapeArb(0, 2, 3),
        inF: fc.integer({ min: 1, max: 4 }),
        outF: fc.integer({ min: 1, max: 3 }),
        bias: fc.boolean(),
        seed: seedArb,
      }),
      ({ lead, inF, outF, bias, seed }) => {
        const inputs = [normal([...lead, inF], seed), normal([outF, inF], seed + 1)];
        if (bias) inputs.push(normal([outF], seed + 2));
        grad(`linear x ${JSON.stringify([...lead, inF])} weight [${outF},${inF}] bias ${bias}`, (x, w, b) => tg.linear(x, w, b), inputs);
      },
      25,
    ));
  });

  describe('conv2d', () => {
    const convArb = fc
      .record({
        batch: fc.integer({ min: 0, max: 2 }), // 0: unbatched [C, H, W] input
        groups: fc.integer({ min: 1, max: 3 }),
        inPerGroup: fc.integer({ min: 1, max: 2 }),
        outPerGroup: fc.integer({ min: 1, max: 2 }),
        kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
        padding: fc.oneof(fc.constantFrom<'same' | 'valid'>('same', 'valid'), fc.integer({ min: 0, max: 2 }), fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))),
        extra: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
        pairs: fc.boolean(), // stride/dilation as [h, w] pairs, or as numbers when square
        bias: fc.boolean(),
        seed: seedArb,
      })
      .map((c) => {
        const stride: [number, number] = c.padding === 'same' ? [1, 1] : c.stride;
        const pad: [number, number] = typeof c.padding === 'number' ? [c.padding, c.padding] : Array.isArray(c.padding) ? c.padding : [0, 0];
        const spatial = [0, 1].map((i) => Math.max(1, c.dilation[i] * (c.kernel[i] - 1) + 1 - 2 * pad[i] + c.extra[i]));
        const asOption = (p: [number, number]) => (!c.pairs && p[0] === p[1] ? p[0] : p);
        const options: tg.Conv2dOptions = { stride: asOption(stride), dilation: asOption(c.dilation), padding: c.padding };
        if (c.groups > 1 || c.pairs) options.groups = c.groups;
        const inC = c.groups * c.inPerGroup;
        const outC = c.groups * c.outPerGroup;
        const xShape = c.batch === 0 ? [inC, ...spatial] : [c.batch, inC, ...spatial];
        return { xShape, wShape: [outC, c.inPerGroup, ...c.kernel], bias: c.bias ? [outC] : null, options, seed: c.seed };
      });

    test('input, weight and bias gradients (stride, padding incl. same/valid, dilation, groups, rectangular kernels)', () => check(convArb, ({ xShape, wShape, bias, options, seed }) => {
      const inputs = [normal(xShape, seed), normal(wShape, seed + 1, 0.5)];
      if (bias) inputs.push(normal(bias, seed + 2));
      grad(`conv2d x ${JSON.stringify(xShape)} w ${JSON.stringify(wShape)} bias ${!!bias} ${JSON.stringify(options)}`, (x, w, b) => tg.conv2d(x, w, b ?? null, options), inputs);
    }, 30));
  });

  describe('pooling', () => {
    const windowArb = fc.record({
      batch: fc.integer({ min: 0, max: 2 }),
      channels: fc.integer({ min: 1, max: 2 }),
      kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      stride: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), { nil: undefined }),
      pad: fc.tuple(fc.nat(), fc.nat()),
      dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      ceilMode: fc.boolean(),
      extra: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })),
      seed: seedArb,
    });

    type WindowCase = typeof windowArb extends fc.Arbitrary<infer T> ? T : never;

    /** Pooling options and an input shape for which the output is at least 1×1. */
    function window(c: WindowCase, dilated: boolean) {
      const dilation: [number, number] = dilated ? c.dilation : [1, 1];
      const padding: [number, number] = [c.pad[0] % (Math.floor(c.kernel[0] / 2) + 1), c.pad[1] % (Math.floor(c.kernel[1] / 2) + 1)];
      const spatial = [0, 1].map((i) => Math.max(1, dilation[i] * (c.kernel[i] - 1) + 1 - 2 * padding[i] + c.extra[i]));
      const shape = c.batch === 0 ? [c.channels, ...spatial] : [c.batch, c.channels, ...spatial];
      return { shape, kernelSize: c.kernel, stride: c.stride, padding, dilation, ceilMode: c.ceilMode };
    }

    test('maxPool2d (distinct values; stride, padding, dilation, ceilMode)', () => check(windowArb, (c) => {
      const w = window(c, true);
      const opts: tg.MaxPool2dOptions = { kernelSize: w.kernelSize, stride: w.stride, padding: w.padding, dilation: w.dilation, ceilMode: w.ceilMode };
      const [x] = distinct([w.shape], c.seed);
      // a window made only of padding has no maximum (-inf); it is not a gradient question
      fc.pre(tg.maxPool2d(x, opts).data.every(Number.isFinite));
      grad(`maxPool2d ${JSON.stringify(w.shape)} ${JSON.stringify(opts)}`, (t) => tg.maxPool2d(t, opts), [x], KINKED);
    }, 30));

    // The property above skips windows whose every tap lies in the padding: their output is -inf (as in
    // PyTorch), a constant, so no input may receive any of its gradient. Checked here directly.
    test('maxPool2d: a window made only of padding (output -inf) sends its gradient nowhere, not into a neighbouring channel', () => {
      // H = 1, kernel 2 × 1, padding 1, dilation 2: the two taps sit at rows -1 and 1, both outside the input
      const x = tg.tensor(Float32Array.from({ length: 12 }, (_, i) => i + 1), [2, 2, 1, 3], { requiresGrad: true });
      const y = tg.maxPool2d(x, { kernelSize: [2, 1], padding: [1, 0], dilation: [2, 1] });
      expect(y.shape).toEqual([2, 2, 1, 3]);
      expect(Array.from(y.data)).toEqual(new Array(12).fill(-Infinity));
      y.backward(tg.ones(y.shape));
      expect(Array.from(x.grad!.data)).toEqual(new Array(12).fill(0));
    });

    test('maxPool2d with a number (kernel = stride)', () => check(fc.record({ k: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 7 }), w: fc.integer({ min: 3, max: 7 }), seed: seedArb }), ({ k, h, w, seed }) => {
      grad(`maxPool2d(${k}) [1,2,${h},${w}]`, (t) => tg.maxPool2d(t, k), distinct([[1, 2, h, w]], seed), KINKED);
    }, 10));

    test('avgPool2d (stride, padding, ceilMode, countIncludePad)', () => check(fc.record({ c: windowArb, countIncludePad: fc.option(fc.boolean(), { nil: undefined }) }), ({ c, countIncludePad }) => {
      const w = window(c, false);
      const opts: tg.AvgPool2dOptions = { kernelSize: w.kernelSize, stride: w.stride, padding: w.padding, ceilMode: w.ceilMode, countIncludePad };
      grad(`avgPool2d ${JSON.stringify(w.shape)} ${JSON.stringify(opts)}`, (t) => tg.avgPool2d(t, opts), [normal(w.shape, c.seed)]);
    }, 30));

    const adaptiveArb = fc
      .record({
        batch: fc.integer({ min: 0, max: 2 }),
        channels: fc.integer({ min: 1, max: 2 }),
        out: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
        // even: input = output · factor; uneven: any size (also smaller than the output)
        even: fc.boolean(),
        factor: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
        size: fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 })),
        form: fc.constantFrom('pair', 'number', 'nullH', 'nullW'),
        seed: seedArb,
      })
      .map((c) => {
        const spatial = c.even ? [c.out[0] * c.factor[0], c.out[1] * c.factor[1]] : c.size;
        const shape = c.batch === 0 ? [c.channels, ...spatial] : [c.batch, c.channels, ...spatial];
        const outputSize: tg.OutputSize =
          c.form === 'number' ? c.out[0] : c.form === 'nullH' ? [null, c.out[1]] : c.form === 'nullW' ? [c.out[0], null] : [c.out[0], c.out[1]];
        return { shape, outputSize, seed: c.seed };
      });

    test('adaptiveAvgPool2d (even and uneven windows)', () => check(adaptiveArb, ({ shape, outputSize, seed }) => {
      grad(`adaptiveAvgPool2d ${JSON.stringify(shape)} → ${JSON.stringify(outputSize)}`, (x) => tg.adaptiveAvgPool2d(x, outputSize), [normal(shape, seed)]);
    }, 30));

    test('adaptiveMaxPool2d (even and uneven windows, distinct values)', () => check(adaptiveArb, ({ shape, outputSize, seed }) => {
      grad(`adaptiveMaxPool2d ${JSON.stringify(shape)} → ${JSON.stringify(outputSize)}`, (x) => tg.adaptiveMaxPool2d(x, outputSize), distinct([shape], seed), KINKED);
    }, 30));
  });

}

for (const backend of BACKENDS) {
  describe(`kernel-backed ops on the '${backend}' backend`, () => {
    beforeAll(async () => {
      await tg.setBackend(backend);
    });
    afterAll(async () => {
      await tg.setBackend('js');
    });
    kernelOps();
  });
}

describe('dropout', () => {
  test('with a seeded generator (the same mask in every evaluation), p from 0 to 1, training and eval', () => check(
    fc.record({ shape: shapeArb(0, 3, 4), p: fc.constantFrom(0, 0.2, 0.5, 0.9, 1), training: fc.boolean(), seed: seedArb, maskSeed: seedArb }),
    ({ shape, p, training, seed, maskSeed }) => {
      const f = (x: Tensor) => tg.dropout(x, p, training, new tg.Generator(maskSeed)).mul(1.5); // mul: a graph even when dropout is the identity
      grad(`dropout p=${p} training=${training}`, f, [normal(shape, seed)]);
    },
  ));
});

// ---------------------------------------------------------------------------------------------

describe('losses', () => {
  const reductionArb = fc.constantFrom<tg.Reduction>('mean', 'sum', 'none');

  /** A classification problem: logits [C], [N, C], [N, C, d] or [N, C, d, e]; targets with some set to ignoreIndex. */
  const classificationArb = fc
    .record({
      layout: fc.constantFrom('C', 'NC', 'NC', 'NCd', 'NCde'),
      n: fc.integer({ min: 1, max: 3 }),
      classes: fc.integer({ min: 2, max: 4 }),
      d: fc.integer({ min: 1, max: 3 }),
      e: fc.integer({ min: 1, max: 2 }),
      reduction: reductionArb,
      weight: fc.boolean(),
      ignore: fc.constantFrom<number | null>(null, null, -100, 0, 1),
      setIgnored: fc.array(fc.boolean(), { minLength: 18, maxLength: 18 }),
      targetForm: fc.constantFrom('tensor', 'array', 'int32'),
      seed: seedArb,
    })
    .map((c) => {
      const spatial = c.layout === 'NCd' ? [c.d] : c.layout === 'NCde' ? [c.d, c.e] : [];
      const shape = c.layout === 'C' ? [c.classes] : [c.n, c.classes, ...spatial];
      const targetShape = c.layout === 'C' ? [] : [c.n, ...spatial];
      const g = new tg.Generator(c.seed + 7);
      const ignoreIndex = c.ignore === null ? undefined : c.ignore;
      const values = Array.from({ length: size(targetShape) }, (_, i) => (ignoreIndex !== undefined && c.setIgnored[i] ? ignoreIndex : g.int(0, c.classes)));
      // keep at least one target that counts, so that 'mean' divides by a non-zero weight
      if (ignoreIndex !== undefined && values.every((t) => t === ignoreIndex)) values[0] = ignoreIndex >= 0 ? (ignoreIndex + 1) % c.classes : 0;
      const target: tg.Target =
        c.targetForm === 'tensor' || targetShape.length !== 1 ? tg.tensor(Float32Array.from(values), targetShape) : c.targetForm === 'int32' ? Int32Array.from(values) : values;
      const weight = c.weight ? uniform([c.classes], c.seed + 3, 0.5, 2) : undefined;
      const options: tg.NllOptions = { reduction: c.reduction, weight };
      if (ignoreIndex !== undefined) options.ignoreIndex = ignoreIndex;
      return { shape, target, values, options, seed: c.seed };
    });

  const describeCase = (op: string, shape: Shape, values: number[], options: tg.NllOptions & { labelSmoothing?: number }) =>
    `${op} logits ${JSON.stringify(shape)} targets ${JSON.stringify(values)} ${JSON.stringify({ ...options, weight: options.weight ? Array.from(options.weight.data) : undefined })}`;

  test('crossEntropy with class indices (weight, ignoreIndex, labelSmoothing, every reduction)', () => check(
    fc.record({ c: classificationArb, labelSmoothing: fc.constantFrom(0, 0, 0.1, 0.3) }),
    ({ c: { shape, target, values, options, seed }, labelSmoothing }) => {
      const opts: tg.CrossEntropyOptions = { ...options, labelSmoothing };
      grad(describeCase('crossEntropy', shape, values, opts), (x) => tg.crossEntropy(x, target, opts), [normal(shape, seed, 1.5)]);
    },
    40,
  ));

  test('crossEntropy with class-probability targets (gradients to logits and targets; weight, labelSmoothing)', () => check(
    fc.record({
      layout: fc.constantFrom('C', 'NC', 'NCd', 'NCde'),
      n: fc.integer({ min: 1, max: 3 }),
      classes: fc.integer({ min: 2, max: 4 }),
      d: fc.integer({ min: 1, max: 2 }),
      reduction: reductionArb,
      weight: fc.boolean(),
      labelSmoothing: fc.constantFrom(0, 0.2),
      seed: seedArb,
    }),
    ({ layout, n, classes, d, reduction, weight, labelSmoothing, seed }) => {
      const shape = layout === 'C' ? [classes] : layout === 'NC' ? [n, classes] : layout === 'NCd' ? [n, classes, d] : [n, classes, d, 2];
      const probs = tg.softmax(normal(shape, seed + 1), layout === 'C' ? 0 : 1);
      const opts: tg.CrossEntropyOptions = { reduction, labelSmoothing, weight: weight ? uniform([classes], seed + 2, 0.5, 2) : undefined };
      grad(`crossEntropy probabilities ${JSON.stringify(shape)} ${reduction} smoothing ${labelSmoothing} weight ${weight}`, (x, t) => tg.crossEntropy(x, t, opts), [normal(shape, seed, 1.5), probs]);
    },
    30,
  ));

  test('nll on logSoftmax output (weight, ignoreIndex, every reduction), and nll on its own', () => check(classificationArb, ({ shape, target, values, options, seed }) => {
    const classDim = shape.length === 1 ? 0 : 1;
    grad(describeCase('nll(logSoftmax)', shape, values, options), (x) => tg.nll(tg.logSoftmax(x, classDim), target, options), [normal(shape, seed, 1.5)]);
    grad(describeCase('nll', shape, values, options), (x) => tg.nll(x, target, options), [normal(shape, seed, 1.5)]);
  }, 40));

  test('mse (gradients to input and target, every reduction)', () => check(
    fc.record({ shape: shapeArb(0, 3, 4), reduction: reductionArb, seed: seedArb }),
    ({ shape, reduction, seed }) => {
      grad(`mse ${JSON.stringify(shape)} ${reduction}`, (x, t) => tg.mse(x, t, { reduction }), [normal(shape, seed), normal(shape, seed + 1)]);
    },
  ));

  test('binaryCrossEntropyWithLogits (weight, posWeight; gradients to input and target)', () => check(
    fc.record({ shape: shapeArb(1, 3, 4), reduction: reductionArb, weight: fc.boolean(), posWeight: fc.boolean(), seed: seedArb }),
    ({ shape, reduction, weight, posWeight, seed }) => {
      const opts = {
        reduction,
        weight: weight ? uniform(shape, seed + 2, 0.5, 2) : undefined,
        posWeight: posWeight ? uniform([shape[shape.length - 1]], seed + 3, 0.5, 3) : undefined,
      };
      grad(`bceWithLogits ${JSON.stringify(shape)} ${reduction} weight ${weight} posWeight ${posWeight}`, (x, t) => tg.binaryCrossEntropyWithLogits(x, t, opts), [normal(shape, seed, 2), uniform(shape, seed + 1, 0, 1)]);
    },
  ));
});
