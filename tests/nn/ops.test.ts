// The tensor ops of issue 16 against PyTorch 1.13 (tests/fixtures/nn/ops.json, made by
// make_ops_fixtures.py): forward results (indices too) and the gradient of every input that takes one,
// on js and wasm; then what the fixtures cannot carry (NaN, which JSON has no literal for) against
// PyTorch's documented behaviour, and the errors of each op family.

import { afterAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { Tensor } from '../../engine/index.js';
import { assertClose, det, loadCases, type FixtureTensor } from './helpers.js';

interface InputSpec {
  det?: [number[], number, number];
  floor?: number;
  values?: unknown;
  grad?: boolean;
}

interface OpCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: InputSpec[];
  outputs: FixtureTensor[];
  grads?: (FixtureTensor | null)[];
}

type Args = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The same table as CALLS in make_ops_fixtures.py: op name → how typegrad computes it. */
const calls: Record<string, (i: Tensor[], a: Args) => Tensor | Tensor[] | tg.ValuesAndIndices> = {
  where: (i, a) => tg.where(i[0], i[1], i[2] ?? a.other),
  gather: (i, a) => tg.gather(i[0], a.dim, i[1]),
  scatter: (i, a) => tg.scatter(i[0], a.dim, i[1], i[2] ?? a.value),
  scatterAdd: (i, a) => tg.scatterAdd(i[0], a.dim, i[1], i[2]),
  split: (i, a) => tg.split(i[0], a.size, a.dim),
  chunk: (i, a) => tg.chunk(i[0], a.chunks, a.dim),
  cumsum: (i, a) => tg.cumsum(i[0], a.dim),
  sort: (i, a) => tg.sort(i[0], { dim: a.dim, descending: a.descending, stable: true }),
  topk: (i, a) => tg.topk(i[0], a.k, { dim: a.dim, largest: a.largest }),
  repeat: (i, a) => i[0].repeat(a.sizes),
  tile: (i, a) => tg.tile(i[0], a.dims),
  flip: (i, a) => tg.flip(i[0], a.dims),
  roll: (i, a) => tg.roll(i[0], a.shifts, a.dims),
  einsum: (i, a) => tg.einsum(a.equation, ...i),
  erf: (i) => tg.erf(i[0]),
};

function makeInput(spec: InputSpec): Tensor {
  let t: Tensor;
  if (spec.values !== undefined) t = tg.tensor(spec.values as number[]);
  else {
    const [shape, seed, scale] = spec.det!;
    t = det(shape, seed, scale);
    if (spec.floor) t = tg.tensor(t.data.map((v) => Math.floor(v * spec.floor!) / spec.floor!), shape);
  }
  return spec.grad ? t.setRequiresGrad() : t;
}

/** Runs a case's op and checks its outputs and gradients against PyTorch's. */
function checkCase(c: OpCase): void {
  const inputs = c.inputs.map(makeInput);
  const result = calls[c.op](inputs, c.args);
  const [outputs, differentiable] = Array.isArray(result) ? [result, result] : result instanceof Tensor ? [[result], [result]] : [[result.values, result.indices], [result.values]];
  expect(outputs.length, `${c.name}: number of outputs`).toBe(c.outputs.length);
  outputs.forEach((t, k) => assertClose(`${c.name}: output ${k}`, t, c.outputs[k]));
  if (!c.grads) return;
  const loss = differentiable.reduce((s, t, k) => s.add(t.mul(det(t.shape, 2000 + k, 1)).sum()), tg.zeros([]));
  loss.backward();
  c.grads.forEach((g, k) => {
    if (g) assertClose(`${c.name}: gradient of input ${k}`, inputs[k].grad, g);
  });
}

const cases = loadCases<OpCase>('ops.json');

afterAll(() => tg.setBackend('js'));

describe.each(['js', 'wasm'] as const)("PyTorch's results and gradients on '%s'", (backend) => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await tg.setBackend(backend);
    checkCase(c);
  });
});

test('the fixtures cover every op of the table', () => {
  expect(new Set(cases.map((c) => c.op))).toEqual(new Set(Object.keys(calls)));
  for (const eq of ['ij,jk->ik', 'bij,bjk->bik', 'bhqd,bhkd->bhqk', 'i,i->', 'ij->ji', 'ii->i']) expect(cases.some((c) => c.args.equation === eq)).toBe(true);
});

describe('what JSON cannot carry: NaN and infinities, as PyTorch documents them', () => {
  test('sort puts NaN after every number ascending and first descending, ties in order; topk counts NaN as the largest', () => {
    const x = tg.tensor([2, NaN, -Infinity, 2, NaN, 0, Infinity]);
    const up = tg.sort(x);
    expect(Array.from(up.values.data)).toEqual([-Infinity, 0, 2, 2, Infinity, NaN, NaN]);
    expect(Array.from(up.indices.data)).toEqual([2, 5, 0, 3, 6, 1, 4]);
    const down = tg.sort(x, 0, true);
    expect(Array.from(down.values.data)).toEqual([NaN, NaN, Infinity, 2, 2, 0, -Infinity]);
    expect(Array.from(down.indices.data)).toEqual([1, 4, 6, 0, 3, 5, 2]);
    expect(Array.from(tg.topk(x, 3).indices.data)).toEqual([1, 4, 6]);
    expect(Array.from(tg.argsort(x, { descending: true }).data)).toEqual([1, 4, 6, 0, 3, 5, 2]);
  });

  test('where takes ∞ and NaN from the side it picks only, and its gradient reaches only that side', () => {
    const x = tg.tensor([1, Infinity, NaN], { requiresGrad: true });
    const y = tg.tensor([NaN, 2, 3], { requiresGrad: true });
    const out = tg.where(tg.tensor([1, 0, 0]), x, y);
    expect(Array.from(out.data)).toEqual([1, 2, 3]);
    out.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([1, 0, 0]);
    expect(Array.from(y.grad!.data)).toEqual([0, 1, 1]);
    // and −0 stays −0 on either side
    expect(Array.from(tg.where(tg.tensor([1, 0]), tg.tensor([-0, 1]), tg.tensor([2, -0])).data).map((v) => Object.is(v, -0))).toEqual([true, true]);
  });

  test('cumsum carries ∞ and NaN forward only', () => {
    expect(Array.from(tg.cumsum(tg.tensor([1, Infinity, 2, NaN, 3]), 0).data)).toEqual([1, Infinity, Infinity, NaN, NaN]);
    expect(Array.from(tg.cumsum(tg.tensor([1, 2, -Infinity]), 0).data)).toEqual([1, 3, -Infinity]);
  });

  test('erf is a tensor op (tg.erf(tensor) was NaN when it was the scalar function), with erf(±∞) = ±1 and NaN kept', () => {
    const e = tg.erf(tg.tensor([-Infinity, 0, Infinity, NaN]));
    expect(e).toBeInstanceOf(Tensor);
    expect(Array.from(e.data)).toEqual([-1, 0, 1, NaN]);
    expect(tg.tensor([0.5]).erf().item()).toBeCloseTo(0.5204998778, 6);
  });

  test('scatterAdd sends the gradient to the part of a larger src that the index covers (PyTorch 1.13 refuses that backward)', () => {
    const src = tg.ones([3, 4], { requiresGrad: true });
    tg.scatterAdd(tg.zeros([4, 3]), 0, tg.tensor([[3, 0], [3, 1]]), src).sum().backward();
    expect(src.grad!.toArray()).toEqual([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]]);
  });
});

describe('bad input: errors that name the op, what was expected and the shapes', () => {
  const x = tg.zeros([2, 3]);
  test('gather, scatter, scatterAdd', () => {
    expect(() => tg.gather(x, 1, tg.tensor([0, 1]))).toThrow('gather: index must have as many dims as input (at least 1), got index [2] for input [2,3]');
    expect(() => tg.gather(x, 1, tg.tensor([[0, 3]]))).toThrow('gather: index 3 (element 1) is out of range for dim 1 of size 3');
    expect(() => tg.gather(x, 1, tg.zeros([3, 1]))).toThrow('gather: index [3,1] is larger than input [2,3] in dim 0 (only dim 1 may be larger)');
    expect(() => tg.gather(x, 2, tg.zeros([2, 3]))).toThrow('gather: dim 2 is out of range for a tensor of shape [2,3]');
    expect(() => tg.gather(x, 1, [[0]] as unknown as Tensor)).toThrow('gather: index must be a Tensor of positions');
    expect(() => tg.scatter(x, 1, tg.tensor([[0, 0]]), tg.ones([1, 2]))).toThrow('scatter: index repeats position 0 along dim 1 (element 1)');
    expect(() => tg.scatter(x, 1, tg.tensor([[0, 1]]), tg.ones([1, 1]))).toThrow('scatter: src [1,1] must be at least as large as index [1,2] in every dim');
    expect(() => tg.scatterAdd(x, 1, tg.tensor([[0, 1.5]]), tg.ones([1, 2]))).toThrow('scatterAdd: index 1.5 (element 1) is out of range for dim 1 of size 3');
    expect(() => tg.scatterAdd(x, 0, tg.zeros([2, 4]), tg.ones([2, 4]))).toThrow('scatterAdd: index [2,4] is larger than input [2,3] in dim 1 (only dim 0 may be larger)');
    expect(() => tg.scatter(x, 0, tg.zeros([1, 1]), 1, { reduce: 'add' } as never)).toThrow("scatter: reduce is not supported");
  });
  test('where', () => {
    expect(() => tg.where(tg.ones([4]), x, 0)).toThrow('where: shapes [4] and [2,3] cannot be broadcast together');
    expect(() => tg.where([1, 0] as unknown as Tensor, x, 0)).toThrow('where: condition must be a Tensor');
    expect(() => tg.where(tg.ones([3]), 'a' as unknown as number, 0)).toThrow('where: expected a Tensor or a number, got string');
  });
  test('sort, argsort, topk', () => {
    expect(() => tg.sort(x, 2)).toThrow('sort: dim 2 is out of range for a tensor of shape [2,3]');
    expect(() => tg.topk(x, 4)).toThrow('topk: k must be an integer 0 … 3 (the size of dim -1 of shape [2,3]), got 4');
    expect(() => tg.sort(x, { descnding: true } as never)).toThrow(/sort: unknown option 'descnding'/);
    expect(() => tg.argsort(x, 'a' as never)).toThrow('argsort: argument 1 (dim) must be');
    // the n² comparisons per slice are refused up front, naming the op
    const limit = tg.getMaxTensorElements();
    tg.setMaxTensorElements(1000);
    try {
      expect(() => tg.sort(tg.zeros([2, 30]))).toThrow(/^sort \(its pairwise comparisons\): shape \[2,30,30\] needs/);
      expect(() => tg.topk(tg.zeros([2, 30]), 3)).toThrow(/^topk \(its pairwise comparisons\)/);
    } finally {
      tg.setMaxTensorElements(limit);
    }
  });
  test('split, chunk, flip, roll, repeat, tile, cumsum', () => {
    expect(() => tg.split(x, [1, 1], 1)).toThrow('split: the sections [1,1] must be non-negative integers summing to 3 (dim 1 of shape [2,3])');
    expect(() => tg.split(x, 0)).toThrow('split: split_size must be a positive integer, got 0');
    expect(() => tg.chunk(x, 0)).toThrow('chunk: chunks must be a positive integer, got 0');
    expect(() => tg.flip(x, [0, 0])).toThrow('flip: dim [0,0] repeats a dim');
    expect(() => tg.roll(x, [1, 2], 0)).toThrow('roll: shifts [1,2] and dims 0 must have the same length');
    expect(() => tg.roll(x, [1, 2])).toThrow('roll: without dims, shifts must be one number, got [1,2]');
    expect(() => x.repeat(2)).toThrow('repeat: got 1 repeat sizes [2] for a tensor with 2 dims (shape [2,3]); give at least one per dim');
    expect(() => x.repeat(2, -1)).toThrow('repeat: repeat sizes must be non-negative integers, got [2,-1]');
    expect(() => tg.tile(x, 2 as never)).toThrow('tile: dims must be a list of repeat sizes');
    expect(() => tg.cumsum(x, 2)).toThrow('cumsum: dim 2 is out of range for a tensor of shape [2,3]');
    expect(() => (tg.cumsum as unknown as (x: Tensor) => Tensor)(x)).toThrow('cumsum: dim is required');
  });
  test('einsum', () => {
    const a = tg.zeros([2, 3]);
    expect(() => tg.einsum('ij,jk->ik', a, tg.zeros([4, 2]))).toThrow("einsum: 'j' is 3 long in one place and 4 in operand 1 (shape [4,2]) of 'ij,jk->ik'");
    expect(() => tg.einsum('ijk->i', a)).toThrow("einsum: 'ijk' names 3 dims for operand 0, which has shape [2,3]");
    expect(() => tg.einsum('ij,jk->ik', a)).toThrow("einsum: 'ij,jk->ik' has 2 operand(s), got 1 tensor(s)");
    expect(() => tg.einsum('ij->iz', a)).toThrow("einsum: output subscript 'z' of 'ij->iz' is in no operand");
    expect(() => tg.einsum('ij->ii', a)).toThrow("einsum: output subscript 'i' appears twice in 'ij->ii'");
    expect(() => tg.einsum('...i...->i', a)).toThrow("einsum: '...i...' has more than one '...' in '...i...->i'");
    expect(() => tg.einsum('ijk...->i', a)).toThrow("einsum: 'ijk...' names 3 dims for operand 0, which has shape [2,3]");
    expect(() => tg.einsum('...i,...i->...', tg.zeros([2, 3]), tg.zeros([4, 3]))).toThrow("einsum: dim 0 of '...' is 2 long in one place and 4 in operand 1 (shape [4,3])");
    expect(() => tg.einsum('i1->i', a)).toThrow("einsum: subscripts must be letters a-z, A-Z or one '...' per operand, got '1'");
    expect(() => tg.einsum('ii->i', a)).toThrow("einsum: 'i' is 2 long in one place and 3 in operand 0");
  });
});
