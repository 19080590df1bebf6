// The webgpu primitives, batch norm and optimizer kernels against js: the equivalence cases
// (tests/helpers/equivalence.js) on random shapes, then what those cases do not reach: IEEE specials
// through every elementwise op, walks of high rank, reductions long enough to need the workgroup
// tree, and random fills at large counters. Node, on Dawn over SwiftShader (tests/helpers/webgpu.ts).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../engine/index.js';
import { jsKernels } from '../../engine/backends/js/index.js';
import type { BinaryOp, Kernels, RandomParams, UnaryOp } from '../../engine/kernels.js';
import { checkKernel } from '../helpers/equivalence.js';
import { difference, randomValues } from '../helpers/values.js';
import { webgpuKernelsForTests } from '../helpers/webgpu.js';
import type { WebGpuDeviceKernels as WebGpuKernels } from '../../kernels-webgpu/kernels.js';

let kernels: WebGpuKernels | null = null;
beforeAll(async () => {
  ({ kernels } = await webgpuKernelsForTests('tests/webgpu/primitives.test.ts'));
});
afterAll(() => kernels?.dispose());

// (none of these cases reads `large`: their sizes are the same either way)
const check = (name: string) => checkKernel(name, { fc, Tensor, kernels: kernels as Kernels, reference: jsKernels, numRuns: 20, large: false });

const names = ['unary', 'binary', 'reduce', 'softmax', 'softmaxBackward', 'indexSelect', 'indexAdd', 'gather', 'scatterAdd', 'stridedCopy', 'batchNormStats', 'batchNormForward', 'batchNormGradSums', 'batchNormBackward', 'sgdStep', 'adamStep', 'rmspropStep', 'randomFill'];

describe('webgpu primitives equal js', () => {
  test.each(names)('%s', async (name) => {
    if (!kernels) return;
    expect(await check(name)).toBeNull();
  });
});

/** got and want element by element, each within the tolerance of its own magnitude (a large result elsewhere would loosen it) */
async function elementDifference(what: string, got: Tensor, want: Tensor): Promise<string | null> {
  const [g, w] = [await got.dataAsync(), want.data];
  if (got.shape.join() !== want.shape.join()) return `${what}: shape [${got.shape}] instead of [${want.shape}]`;
  for (let i = 0; i < w.length; i++) {
    const problem = difference(`${what} element ${i}`, new Tensor(g.slice(i, i + 1), [1]), new Tensor(w.slice(i, i + 1), [1]));
    if (problem) return problem;
  }
  return null;
}

const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2, -2.5, 3, 20, -20];

describe('IEEE specials through every elementwise op, as js', () => {
  const unaryOps: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'tanh', 'sigmoid', 'softplus', 'gelu', 'geluTanh', 'leakyRelu', 'clamp', 'geluGrad', 'geluTanhGrad', 'leakyReluGrad', 'clampGrad',
    'silu', 'elu', 'mish', 'hardswish', 'hardsigmoid', 'siluGrad', 'eluGrad', 'mishGrad', 'hardswishGrad', 'hardsigmoidGrad', 'erf'];
  test.each(unaryOps)('unary %s', async (op) => {
    if (!kernels) return;
    const x = new Tensor(Float32Array.from(specials), [specials.length]);
    const p = { op, negativeSlope: 0.1, min: -0.5, max: 0.7, alpha: 0.7 };
    expect(await elementDifference(op, kernels.unary(x, p), jsKernels.unary(x, p))).toBeNull();
  });

  const binaryOps: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'powGradBase', 'powGradExponent', 'maximumShare', 'minimumShare'];
  test.each(binaryOps)('binary %s', async (op) => {
    if (!kernels) return;
    // every pair: a along dim 0, b along dim 1
    const n = specials.length;
    const a = new Tensor(Float32Array.from(specials), [n, 1]);
    const b = new Tensor(Float32Array.from(specials), [1, n]);
    const p = { op, shape: [n, n], aStrides: [1, 0], bStrides: [0, 1] };
    expect(await elementDifference(op, kernels.binary(a, b, p), jsKernels.binary(a, b, p))).toBeNull();
  });
});

test('tanh and softplus keep their relative accuracy where their results are small (within 1e-5 of themselves)', async () => {
  if (!kernels) return;
  const x = Float32Array.from({ length: 200 }, (_, i) => (i % 2 ? -1 : 1) * 10 ** (-7 + i / 25)); // ±1e-7 … ±1e1
  const input = new Tensor(x, [x.length]);
  for (const op of ['tanh', 'softplus'] as const) {
    const [got, want] = [await kernels.unary(input, { op }).dataAsync(), jsKernels.unary(input, { op }).data];
    const worst = Math.max(...[...got].map((g, i) => Math.abs(g - want[i]) / Math.abs(want[i])));
    expect(worst, op).toBeLessThan(1e-5);
  }
});

test('binary broadcasts through a walk of rank 10', async () => {
  if (!kernels) return;
  const shape = [2, 3, 1, 2, 2, 3, 2, 1, 2, 3];
  const own = (keep: (d: number) => boolean) => shape.map((d, i) => (keep(i) ? d : 1));
  const stridesIn = (s: number[]) => s.map((d, i) => (d === 1 ? 0 : s.slice(i + 1).reduce((x, y) => x * y, 1)));
  const [aShape, bShape] = [own((i) => i % 2 === 0), own((i) => i % 3 !== 1)];
  const a = new Tensor(randomValues(aShape.reduce((x, y) => x * y), 3), aShape);
  const b = new Tensor(randomValues(bShape.reduce((x, y) => x * y), 4), bShape);
  const p = { op: 'sub' as const, shape, aStrides: stridesIn(aShape), bStrides: stridesIn(bShape) };
  expect(difference('rank-10 sub', await kernels.binary(a, b, p).dataAsync().then((d) => new Tensor(d, shape)), jsKernels.binary(a, b, p))).toBeNull();
});

describe('reduce: long reductions (the workgroup tree), NaN and ties, as js', () => {
  // values around 100, where a float32 running sum over half a million would be off by far more than 1e-4
  const offset = (n: number, seed: number) => randomValues(n, seed).map((v) => v + 100);
  const cases: Array<[string, number[], number[]]> = [
    ['all of half a million', [1 << 19], [0]],
    ['rows of 200000', [3, 200000], [1]],
    ['columns of 100000', [100000, 3], [0]],
    ['outer and inner dims of [64, 5, 700]', [64, 5, 700], [0, 2]],
    ['the middle dim of [100, 300, 2]', [100, 300, 2], [1]],
  ];
  test.each(cases)('%s', async (_, shape, dims) => {
    if (!kernels) return;
    const x = new Tensor(offset(shape.reduce((a, b) => a * b), 7), shape);
    for (const op of ['sum', 'mean', 'max', 'min'] as const) {
      expect(difference(`${op} ${shape}`, await read(kernels.reduce(x, { op, dims })), jsKernels.reduce(x, { op, dims }))).toBeNull();
    }
    if (dims.length === 1) {
      for (const op of ['argmax', 'argmin'] as const) expect(difference(`${op} ${shape}`, await read(kernels.reduce(x, { op, dims })), jsKernels.reduce(x, { op, dims }))).toBeNull();
    }
  });

  test('NaN wins max, min and their arg (the first NaN), ties go to the first extreme', async () => {
    if (!kernels) return;
    for (const length of [7, 5000]) {
      // integers −2..2 in rows of `length`, with NaN at some places of some rows
      const x = new Tensor(randomValues(40 * length, 3).map((v) => Math.floor((v + 1) * 2.5) - 2), [40, length]);
      for (let row = 0; row < 40; row += 3) x.data[row * length + ((row * 7919) % length)] = NaN;
      for (let row = 0; row < 40; row += 9) x.data[row * length + length - 1] = NaN;
      for (const op of ['max', 'min', 'argmax', 'argmin', 'sum'] as const) {
        for (const dims of op.startsWith('arg') ? [[0], [1]] : [[0], [1], [0, 1]]) {
          expect(difference(`${op} over ${dims} of rows of ${length}`, await read(kernels.reduce(x, { op, dims })), jsKernels.reduce(x, { op, dims }))).toBeNull();
        }
      }
    }
  });
});

test('stridedCopy reads a view with an offset and gaps (a slice of a slice)', async () => {
  if (!kernels) return;
  const x = new Tensor(randomValues(60, 11), [60]);
  const p = { shape: [3, 4, 2], strides: [15, 3, 1], offset: 7 };
  expect(difference('view', await read(kernels.stridedCopy(x, p)), jsKernels.stridedCopy(x, p))).toBeNull();
});

test('empty tensors: empty results, and reductions over an empty dim as js (sum 0, mean and max NaN, argmax 0)', async () => {
  if (!kernels) return;
  const empty = new Tensor(new Float32Array(0), [0, 3]);
  expect((await read(kernels.unary(empty, { op: 'exp' }))).shape).toEqual([0, 3]);
  expect((await read(kernels.softmax(empty, { dim: 1, log: false }))).shape).toEqual([0, 3]);
  for (const op of ['sum', 'mean', 'max', 'min', 'argmax', 'argmin'] as const) {
    expect(difference(`${op} over an empty dim`, await read(kernels.reduce(empty, { op, dims: [0] })), jsKernels.reduce(empty, { op, dims: [0] }))).toBeNull();
  }
});

test('indexAdd with repeated indices, from a CPU index (inverted) and from one on the device (scanned), as js', async () => {
  if (!kernels) return;
  const [tokens, vocabulary, width] = [300, 50, 8];
  const src = new Tensor(randomValues(tokens * width, 12), [tokens, width]);
  const index = new Tensor(randomValues(tokens, 13).map((v) => Math.floor((v + 1) * 25.5) - 1), [tokens]); // −1 … 50, with repeats
  index.data.forEach((v, i) => (index.data[i] = Math.min(v, vocabulary - 1)));
  const want = jsKernels.indexAdd(src, index, { dim: 0, size: vocabulary });
  expect(difference('a CPU index', await read(kernels.indexAdd(src, index, { dim: 0, size: vocabulary })), want)).toBeNull();
  const onDevice = kernels.stridedCopy(index, { shape: [tokens], strides: [1], offset: 0 });
  expect(difference('an index on the device', await read(kernels.indexAdd(src, onDevice, { dim: 0, size: vocabulary })), want)).toBeNull();
});

test('bad input: errors naming the kernel, what it expected and what came', () => {
  if (!kernels) return;
  const x = new Tensor(new Float32Array(6), [2, 3]);
  expect(() => kernels!.binary(x, x, { op: 'add', shape: [2, 3], aStrides: [3, 1], bStrides: [6, 1] })).toThrow(/webgpu binary add: b has 6 values \[2,3\], its strides over \[2,3\] read 9/);
  expect(() => kernels!.unary(x, { op: 'cube' as UnaryOp })).toThrow(/webgpu unary: unknown op 'cube'/);
  expect(() => kernels!.stridedCopy(x, { shape: [3], strides: [2], offset: 2 })).toThrow(/webgpu stridedCopy: x has 6 values .* reads 7/);
  expect(() => kernels!.reduce(x, { op: 'argmax', dims: [0, 1] })).toThrow(/webgpu reduce: argmax takes exactly one dim, got \[0,1\]/);
  expect(() => kernels!.indexAdd(x, new Tensor(Float32Array.of(0, 4), [2]), { dim: 0, size: 3 })).toThrow(/webgpu indexAdd: index entries must be positions 0 … 2 or −1, got 4/);
  expect(() => kernels!.sgdStep(x, new Tensor(new Float32Array(5), [5]), null, { lr: 1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: true })).toThrow(/webgpu sgdStep: grad has 5 values/);
});

/** a device result with its values on the CPU */
async function read(t: Tensor): Promise<Tensor> {
  await t.dataAsync();
  return t;
}

describe('softmax: long rows (the workgroup trees), NaN and infinities, as js', () => {
  const cases: Array<[number[], number]> = [[[3, 5000], 1], [[2, 3000, 3], 1], [[4000, 2], 0], [[64, 10], 1]];
  test.each(cases)('[%s] along %i', async (shape, dim) => {
    if (!kernels) return;
    const size = shape.reduce((a, b) => a * b);
    const x = new Tensor(randomValues(size, 5, 8), shape);
    // specials in some slices: a NaN, an infinity each way (−∞ alone is a zero of softmax)
    [NaN, Infinity, -Infinity, -Infinity].forEach((v, i) => (x.data[(i * 7919 + 13) % size] = v));
    const g = new Tensor(randomValues(size, 6), shape);
    for (const log of [false, true]) {
      const p = { dim, log };
      expect(difference(`softmax log ${log}`, await read(kernels.softmax(x, p)), jsKernels.softmax(x, p))).toBeNull();
      const y = jsKernels.softmax(new Tensor(randomValues(size, 8, 3), shape), p);
      expect(difference(`softmaxBackward log ${log}`, await read(kernels.softmaxBackward(g, y, p)), jsKernels.softmaxBackward(g, y, p))).toBeNull();
    }
  });
});

test("batch norm's channel sums over 64·3000 values a channel, far from 0, as js", async () => {
  if (!kernels) return;
  const p = { outer: 64, channels: 3, inner: 3000 };
  const shape = [p.outer, p.channels, p.inner];
  const size = p.outer * p.channels * p.inner;
  const x = new Tensor(randomValues(size, 9).map((v) => v + 100), shape);
  const g = new Tensor(randomValues(size, 10), shape);
  const [got, want] = [kernels.batchNormStats(x, p), jsKernels.batchNormStats(x, p)];
  expect(difference('mean', await read(got.mean), want.mean)).toBeNull();
  expect(difference('variance', await read(got.variance), want.variance)).toBeNull();
  const [sums, wantSums] = [kernels.batchNormGradSums(g, x, want.mean, p), jsKernels.batchNormGradSums(g, x, want.mean, p)];
  expect(difference('sumGrad', await read(sums.sumGrad), wantSums.sumGrad)).toBeNull();
  expect(difference('sumGradCentered', await read(sums.sumGradCentered), wantSums.sumGradCentered)).toBeNull();
});

test('optimizer steps move a CPU parameter and its state to the device once, then update them there', async () => {
  if (!kernels) return;
  const shape = [37, 11];
  const make = (seed: number, low = -1) => new Tensor(randomValues(37 * 11, seed).map((v) => (low === 0 ? Math.abs(v) : v)), shape);
  const sides = [kernels, jsKernels].map((k) => ({
    k,
    sgd: { param: make(1), buffer: make(2) },
    adam: { param: make(3), state: { expAvg: make(4), expAvgSq: make(5, 0), maxExpAvgSq: make(6, 0) } },
    rmsprop: { param: make(7), state: { squareAvg: make(8, 0), gradAvg: make(9), momentumBuffer: make(10) } },
  }));
  for (let step = 1; step <= 3; step++) {
    const grad = make(20 + step);
    for (const { k, sgd, adam, rmsprop } of sides) {
      k.sgdStep(sgd.param, grad, sgd.buffer, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: true, maximize: false, firstStep: step === 1 });
      k.adamStep(adam.param, grad, adam.state, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true, amsgrad: true, maximize: false, step });
      k.rmspropStep(rmsprop.param, grad, rmsprop.state, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum: 0.9, centered: true, maximize: true });
    }
    expect(sides[0].adam.param.deviceStorage('webgpu')).not.toBeNull(); // stays on the device between steps
  }
  const [mine, theirs] = sides.map(({ sgd, adam, rmsprop }) => [sgd.param, sgd.buffer, adam.param, ...Object.values(adam.state), rmsprop.param, ...Object.values(rmsprop.state)]);
  for (const [i, t] of mine.entries()) expect(difference(`tensor ${i} after three steps`, await read(t), theirs[i])).toBeNull();
});

describe('randomFill equals js bit for bit', () => {
  const fills: Array<[string, Partial<RandomParams>]> = [
    ['uniform, a million values', { shape: [1000, 1000], counter: 12345 }],
    ['past block 2^32: the counter carries into its high word', { shape: [77], counter: 4 * (2 ** 32 - 3) + 1 }],
    ['bernoulli at a p that float32 cannot hold', { shape: [4096], distribution: 'bernoulli', p: 0.7, value: 1 / 0.7 }],
    ['bernoulli p = 0', { shape: [64], distribution: 'bernoulli', p: 0 }],
    ['bernoulli p = 1', { shape: [64], distribution: 'bernoulli', p: 1, value: 2 }],
  ];
  test.each(fills)('%s', async (_, fill) => {
    if (!kernels) return;
    const p: RandomParams = { shape: [1], key: [0xdeadbeef, 0x12345678], counter: 3, distribution: 'uniform', ...fill };
    const [got, want] = [await kernels.randomFill(p).dataAsync(), jsKernels.randomFill(p).data];
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  test('bernoulli at a p just above drawn values, which float32 would round onto them', async () => {
    if (!kernels) return;
    const base: RandomParams = { shape: [256], key: [7, 9], counter: 40, distribution: 'uniform' };
    const drawn = jsKernels.randomFill(base).data;
    for (const u of drawn.slice(0, 4)) {
      const p: RandomParams = { ...base, distribution: 'bernoulli', p: u + 2 ** -30, value: 1 };
      const [got, want] = [await kernels.randomFill(p).dataAsync(), jsKernels.randomFill(p).data];
      expect([...got]).toEqual([...want]);
    }
  });
});
