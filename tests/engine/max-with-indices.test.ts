// maxWithIndices / minWithIndices: torch.max(x, dim) and torch.min(x, dim), values and indices.
// The expected values are torch 1.13's on the CPU, made by this script (/usr/bin/python3) and pasted:
//
//   torch.manual_seed(0)
//   x = torch.randn(2,3,4).round(decimals=1)
//   x[0,1,2] = x[0,1,0]            # a tie along dim 2
//   x[1,:,1] = x[1,:,3] = 5.0      # ties along dims 1 and 2
//   for d in [0, 1, 2]: print(torch.max(x, d), torch.min(x, d))
//   xx = x.clone().requires_grad_(True)
//   torch.max(xx, 1).values.backward(torch.arange(8.).reshape(2,4)); print(xx.grad)
//   xx.grad = None
//   torch.min(xx, 2, keepdim=True).values.backward(torch.arange(1., 7.).reshape(2,3,1)); print(xx.grad)

import { describe, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';
import { assertGradcheck } from '../helpers/gradcheck.js';

const X = [
  [[-1.1, -1.2, -0.3, -0.4], [0.8, 0.7, 0.8, -2.1], [0.5, -0.2, 1.4, 0.3]],
  [[0.2, 5, -0.1, 5], [0.9, 5, 2, 5], [0.6, 5, -0.8, 5]],
];

const TORCH: Record<'max' | 'min', Record<number, { values: number[][]; indices: number[][] }>> = {
  max: {
    0: { values: [[0.2, 5, -0.1, 5], [0.9, 5, 2, 5], [0.6, 5, 1.4, 5]], indices: [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 0, 1]] },
    1: { values: [[0.8, 0.7, 1.4, 0.3], [0.9, 5, 2, 5]], indices: [[1, 1, 2, 2], [1, 0, 1, 0]] },
    2: { values: [[-0.3, 0.8, 1.4], [5, 5, 5]], indices: [[2, 0, 2], [1, 1, 1]] },
  },
  min: {
    0: { values: [[-1.1, -1.2, -0.3, -0.4], [0.8, 0.7, 0.8, -2.1], [0.5, -0.2, -0.8, 0.3]], indices: [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]] },
    1: { values: [[-1.1, -1.2, -0.3, -2.1], [0.2, 5, -0.8, 5]], indices: [[0, 0, 0, 1], [0, 0, 2, 0]] },
    2: { values: [[-1.2, -2.1, -0.2], [-0.1, 0.9, -0.8]], indices: [[1, 3, 1], [2, 0, 2]] },
  },
};

const f32 = (a: number[][]) => a.map((row) => row.map(Math.fround));
const flat = (t: tg.Tensor) => Array.from(t.data, (v) => (v === 0 ? 0 : v));

describe('values and indices as torch.max(x, dim) / torch.min(x, dim)', () => {
  for (const which of ['max', 'min'] as const) {
    for (const dim of [0, 1, 2]) {
      test(`${which} over dim ${dim} (ties: the first index)`, () => {
        const x = tg.tensor(X);
        const { values, indices } = which === 'max' ? x.maxWithIndices(dim) : x.minWithIndices(dim);
        expect(values.toArray()).toEqual(f32(TORCH[which][dim].values));
        expect(indices.toArray()).toEqual(TORCH[which][dim].indices);
        // the same as the functional form, a negative dim, max(dim)'s values and argmax
        const fn = which === 'max' ? tg.maxWithIndices : tg.minWithIndices;
        expect(fn(x, dim - 3).indices.toArray()).toEqual(TORCH[which][dim].indices);
        expect(values.toArray()).toEqual(x[which](dim).toArray());
        expect(indices.toArray()).toEqual((which === 'max' ? x.argmax(dim) : x.argmin(dim)).toArray());
      });
    }
  }

  test('keepdim keeps the reduced dim as 1, for values and indices', () => {
    // torch.max(torch.tensor([[1.,2.],[3.,0.]]), 1, keepdim=True) -> values [[2],[3]], indices [[1],[0]]
    const { values, indices } = tg.tensor([[1, 2], [3, 0]]).maxWithIndices(1, true);
    expect(values.toArray()).toEqual([[2], [3]]);
    expect(indices.toArray()).toEqual([[1], [0]]);
    expect(values.shape).toEqual([2, 1]);
    expect(indices.shape).toEqual([2, 1]);
  });

  test('NaN wins, the first NaN (torch: max and min of [1, nan, 3, nan] over dim 0 are nan at index 1)', () => {
    const x = tg.tensor([1, NaN, 3, NaN]);
    for (const r of [x.maxWithIndices(0), x.minWithIndices(0)]) {
      expect(Number.isNaN(r.values.item())).toBe(true);
      expect(r.indices.item()).toBe(1);
    }
  });

  test('a 0-d tensor over dim 0 or -1 is itself at index 0; an empty reduced dim throws', () => {
    // torch.max(torch.tensor(5.), -1) -> values 5, indices 0 (both 0-d)
    const r = tg.tensor(5).maxWithIndices(-1);
    expect(r.values.shape).toEqual([]);
    expect(r.values.item()).toBe(5);
    expect(r.indices.item()).toBe(0);
    // torch: max(): Expected reduction dim 1 to have non-zero size; a 0-size dim kept is fine
    expect(() => tg.zeros([2, 0]).maxWithIndices(1)).toThrow(/maxWithIndices: cannot reduce over dim 1 of size 0/);
    expect(tg.zeros([2, 0]).maxWithIndices(0).values.shape).toEqual([0]);
    expect(() => tg.zeros([3]).minWithIndices(1)).toThrow(/minWithIndices: dim 1 is out of range/);
    expect(() => tg.zeros([3]).maxWithIndices([0] as never)).toThrow(/dim must be a number \(one dim\), got a list/);
  });
});

describe('gradient: to the selected index only (unlike amax, which shares ties)', () => {
  test('torch.max(x, 1).values.backward(arange(8)) puts each gradient at the index torch picked', () => {
    const x = tg.tensor(X, { requiresGrad: true });
    const { values, indices } = x.maxWithIndices(1);
    expect(indices.requiresGrad).toBe(false);
    expect(indices.gradNode).toBeNull();
    values.backward(tg.arange(8).reshape(2, 4));
    expect(flat(x.grad!)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 3, 0, 5, 0, 7, 4, 0, 6, 0, 0, 0, 0, 0]);
  });

  test('torch.min(x, 2, keepdim=True).values.backward(arange(1, 7))', () => {
    const x = tg.tensor(X, { requiresGrad: true });
    x.minWithIndices(2, true).values.backward(tg.arange(1, 7).reshape(2, 3, 1));
    expect(flat(x.grad!)).toEqual([0, 1, 0, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0, 4, 0, 5, 0, 0, 0, 0, 0, 6, 0]);
  });

  test('ties: the whole gradient goes to the first index (torch), where max(dim) shares it', () => {
    // torch: x = [[1,3,3],[2,2,2],[5,0,4]]; torch.max(x, 1).values.sum().backward() -> [[0,1,0],[1,0,0],[1,0,0]]
    const m = tg.tensor([[1, 3, 3], [2, 2, 2], [5, 0, 4]], { requiresGrad: true });
    m.maxWithIndices(1).values.sum().backward();
    expect(flat(m.grad!)).toEqual([0, 1, 0, 1, 0, 0, 1, 0, 0]);
    // torch.min(x, 1) -> indices [0, 0, 1]; gradient [[1,0,0],[1,0,0],[0,1,0]]
    const n = tg.tensor([[1, 3, 3], [2, 2, 2], [5, 0, 4]], { requiresGrad: true });
    n.minWithIndices(1).values.sum().backward();
    expect(flat(n.grad!)).toEqual([1, 0, 0, 1, 0, 0, 0, 1, 0]);
  });

  test('gradcheck on distinct values, every dim, with and without keepdim', () => {
    const base = tg.tensor(Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) * 0.25 - 3)).reshape(2, 3, 4);
    for (const dim of [0, 1, 2, -1]) {
      for (const keepdim of [false, true]) {
        assertGradcheck((x) => x.maxWithIndices(dim, keepdim).values, [base.detach().setRequiresGrad()], { name: `maxWithIndices(${dim}, ${keepdim})` });
        assertGradcheck((x) => tg.minWithIndices(x, dim, keepdim).values, [base.detach().setRequiresGrad()], { name: `minWithIndices(${dim}, ${keepdim})` });
      }
    }
  });
});
