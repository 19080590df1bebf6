// Autograd semantics, as in PyTorch: accumulation into .grad, fan-out, grad modes, detach,
// requiresGrad propagation, leaf gradients that do not alias, retainGrad, deep graphs, the
// subgradients PyTorch picks at ties and kinks, and gradients through the movement ops.

import { afterEach, describe, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';

const values = (t: tg.Tensor | null) => {
  if (!t) throw new Error('expected a gradient, got null');
  return Array.from(t.data, (v) => (v === 0 ? 0 : v)); // -0 and +0 are the same gradient
};

afterEach(() => {
  tg.setDetectAnomaly(false);
});

describe('accumulation and fan-out', () => {
  test('gradients accumulate across two backward calls', () => {
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum(); // dy/dx = 2x
    y.backward({ retainGraph: true }); // a second backward through the same graph needs it, as in PyTorch
    expect(values(x.grad)).toEqual([2, 4, 6]);
    y.backward();
    expect(values(x.grad)).toEqual([4, 8, 12]);
    x.mul(10).sum().backward(); // a different graph adds to the same .grad
    expect(values(x.grad)).toEqual([14, 18, 22]);
  });

  test('setting .grad to null starts the sum again (zero_grad)', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(values(x.grad)).toEqual([3, 3]);
  });

  test('a tensor used twice gets the sum of both gradients', () => {
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    x.add(x).sum().backward();
    expect(values(x.grad)).toEqual([2, 2, 2]);

    const a = tg.tensor([2, -1], { requiresGrad: true });
    a.mul(a).mul(a).sum().backward(); // d(a³)/da = 3a²
    expect(values(a.grad)).toEqual([12, 3]);

    // diamond: h = 2w feeds both h·h and h + 1
    const w = tg.tensor([1, 3], { requiresGrad: true });
    const h = w.mul(2);
    h.mul(h).add(h.add(1)).sum().backward(); // d/dw (4w² + 2w + 1) = 8w + 2
    expect(values(w.grad)).toEqual([10, 26]);
  });

  test('a tensor used in two branches of different shapes (broadcast)', () => {
    const b = tg.tensor([1, 2], { requiresGrad: true });
    const m = tg.ones([3, 2]);
    m.mul(b).sum().add(b.sum()).backward(); // each b_j: 3 copies + 1
    expect(values(b.grad)).toEqual([4, 4]);
  });

  test('backward with an explicit gradient (vector-Jacobian product)', () => {
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).backward(tg.tensor([1, 0, -1]));
    expect(values(x.grad)).toEqual([2, 0, -6]);
  });

  test('backward on a leaf itself', () => {
    const x = tg.tensor(3, { requiresGrad: true });
    x.backward();
    expect(x.grad!.item()).toBe(1);
  });
});

describe('leaf gradients do not alias', () => {
  test('z = a + b; z.backward(g): a.grad, b.grad and g are three different tensors', () => {
    const a = tg.tensor([1, 2, 3], { requiresGrad: true });
    const b = tg.tensor([4, 5, 6], { requiresGrad: true });
    const g = tg.tensor([1, 1, 1]);
    a.add(b).backward(g);
    expect(a.grad).not.toBe(b.grad);
    expect(a.grad).not.toBe(g);
    expect(a.grad!.data).not.toBe(b.grad!.data);
    expect(a.grad!.data).not.toBe(g.data);
    a.grad!.data[0] = 100;
    expect(values(b.grad)).toEqual([1, 1, 1]);
    expect(values(g)).toEqual([1, 1, 1]);
  });

  test('the same holds through reshape (whose gradient shares the buffer) and on a second backward', () => {
    const a = tg.tensor([1, 2, 3, 4], { requiresGrad: true });
    const b = tg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const z = a.reshape(2, 2).add(b);
    const g = tg.tensor([[1, 2], [3, 4]]);
    // torch would allow the second backward without retain_graph (add and reshape save nothing);
    // typegrad frees every op's node (see autograd.ts)
    z.backward(g, { retainGraph: true });
    a.grad!.data.fill(0);
    expect(values(b.grad)).toEqual([1, 2, 3, 4]);
    expect(values(g)).toEqual([1, 2, 3, 4]);
    z.backward(g);
    b.grad!.data[0] = -7;
    expect(values(a.grad)).toEqual([1, 2, 3, 4]);
    expect(values(g)).toEqual([1, 2, 3, 4]);
  });

  test('backward on a leaf does not store the caller\'s gradient tensor itself', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const g = tg.tensor([5, 6]);
    x.backward(g);
    expect(x.grad).not.toBe(g);
    x.grad!.data[0] = 0;
    expect(g.data[0]).toBe(5);
  });
});

describe('grad modes', () => {
  test('noGrad returns the callback\'s value and records nothing', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const result = tg.noGrad(() => x.mul(2).add(1));
    expect(values(result)).toEqual([3, 5]);
    expect(result.requiresGrad).toBe(false);
    expect(result.gradNode).toBeNull();
    expect(tg.noGrad(() => 42)).toBe(42);
    expect(tg.noGrad(() => ({ a: 'b' }))).toEqual({ a: 'b' });
  });

  test('isGradEnabled inside and after noGrad, also when the callback throws', () => {
    expect(tg.isGradEnabled()).toBe(true);
    tg.noGrad(() => expect(tg.isGradEnabled()).toBe(false));
    expect(tg.isGradEnabled()).toBe(true);
    expect(() => tg.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(tg.isGradEnabled()).toBe(true);
  });

  test('enableGrad inside noGrad records again, and noGrad is back after it', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    let inner: tg.Tensor | undefined;
    let after: tg.Tensor | undefined;
    tg.noGrad(() => {
      inner = tg.enableGrad(() => {
        expect(tg.isGradEnabled()).toBe(true);
        return x.mul(x).sum();
      });
      expect(tg.isGradEnabled()).toBe(false);
      after = x.mul(2);
    });
    expect(inner!.requiresGrad).toBe(true);
    expect(after!.requiresGrad).toBe(false);
    inner!.backward();
    expect(values(x.grad)).toEqual([2, 4]);
  });

  test('nested noGrad restores the outer mode', () => {
    tg.enableGrad(() => {
      tg.noGrad(() => tg.noGrad(() => undefined));
      expect(tg.isGradEnabled()).toBe(true);
    });
  });
});

describe('detach and requiresGrad', () => {
  test('detach cuts the graph: the detached factor is a constant', () => {
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradNode).toBeNull();
    x.mul(d).sum().backward(); // d(x·c)/dx = c, not 2x
    expect(values(x.grad)).toEqual([1, 2, 3]);
    expect(d.grad).toBeNull();
  });

  test('detach of an intermediate stops gradient flow to the leaves behind it', () => {
    const w = tg.tensor([2], { requiresGrad: true });
    const h = w.mul(3);
    const out = h.detach().mul(w).sum();
    out.backward();
    expect(values(w.grad)).toEqual([6]); // only the direct path
  });

  test('requiresGrad propagates, and is false when no input requires grad', () => {
    const a = tg.tensor([1, 2], { requiresGrad: true });
    const c = tg.tensor([3, 4]);
    expect(c.add(c).requiresGrad).toBe(false);
    expect(c.add(c).gradNode).toBeNull();
    expect(c.mul(2).exp().sum().requiresGrad).toBe(false);
    expect(a.add(c).requiresGrad).toBe(true);
    expect(c.mul(a).sum().requiresGrad).toBe(true);
    expect(tg.matmul(c.reshape(1, 2), c.reshape(2, 1)).requiresGrad).toBe(false);
    expect(tg.matmul(c.reshape(1, 2), a.reshape(2, 1)).requiresGrad).toBe(true);
    expect(tg.cat([c, a]).requiresGrad).toBe(true);
    expect(tg.cat([c, c]).requiresGrad).toBe(false);
  });

  test('only inputs that require grad get a gradient', () => {
    const a = tg.tensor([1, 2], { requiresGrad: true });
    const c = tg.tensor([3, 4]);
    a.mul(c).sum().backward();
    expect(values(a.grad)).toEqual([3, 4]);
    expect(c.grad).toBeNull();
  });

  test('setRequiresGrad turns a plain tensor into a leaf', () => {
    const x = tg.tensor([1, 2]).setRequiresGrad();
    x.mul(5).sum().backward();
    expect(values(x.grad)).toEqual([5, 5]);
  });
});

describe('retainGrad', () => {
  test('an intermediate keeps its gradient only after retainGrad()', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const k = h.add(1); // not retained
    k.mul(k).sum().backward(); // d/dh (h + 1)² = 2(h + 1)
    expect(values(h.grad)).toEqual([8, 14]);
    expect(k.grad).toBeNull();
    expect(values(x.grad)).toEqual([24, 42]);
  });

  test('a retained gradient accumulates across backward calls too', () => {
    const x = tg.tensor([1], { requiresGrad: true });
    const h = x.mul(2).retainGrad();
    const y = h.mul(5).sum();
    y.backward({ retainGraph: true });
    y.backward();
    expect(values(h.grad)).toEqual([10]);
    expect(values(x.grad)).toEqual([20]);
  });
});

describe('deep graphs', () => {
  test('a chain of 20,000 ops back-propagates without a stack overflow', () => {
    const x = tg.tensor([0.5], { requiresGrad: true });
    let y: tg.Tensor = x;
    for (let i = 0; i < 10_000; i++) y = y.mul(1).add(0.001); // 20,000 recorded ops
    expect(y.item()).toBeCloseTo(10.5, 1);
    y.sum().backward();
    expect(values(x.grad)).toEqual([1]);
  });

  test('a wide fan-in (one tensor used 5,000 times) sums every path', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    let total: tg.Tensor = tg.zeros([2]);
    for (let i = 0; i < 5_000; i++) total = total.add(x);
    total.sum().backward();
    expect(values(x.grad)).toEqual([5000, 5000]);
  });
});

describe('subgradients at ties and kinks', () => {
  test('max shares the gradient evenly between tied maxima (amax semantics)', () => {
    const x = tg.tensor([1, 3, 3], { requiresGrad: true });
    x.max().backward();
    expect(values(x.grad)).toEqual([0, 0.5, 0.5]);

    const m = tg.tensor([[1, 3, 3], [2, 2, 2], [5, 0, 4]], { requiresGrad: true });
    m.max(1).sum().backward();
    const third = Math.fround(1 / 3);
    expect(values(m.grad)).toEqual([0, 0.5, 0.5, third, third, third, 1, 0, 0]);
  });

  test('min shares the gradient evenly too, and max with keepdim', () => {
    const x = tg.tensor([[0, 0, 1, 0]], { requiresGrad: true });
    x.min(1, true).sum().backward();
    const third = Math.fround(1 / 3);
    expect(values(x.grad)).toEqual([third, third, 0, third]);
    const y = tg.tensor([[4, 4], [1, 2]], { requiresGrad: true });
    y.max(0, true).backward(tg.tensor([[2, 6]]));
    expect(values(y.grad)).toEqual([2, 6, 0, 0]);
  });

  test('maximum(a, b) and minimum(a, b) split 0.5 / 0.5 at ties', () => {
    const a = tg.tensor([1, 2, 5], { requiresGrad: true });
    const b = tg.tensor([1, 3, 4], { requiresGrad: true });
    tg.maximum(a, b).sum().backward();
    expect(values(a.grad)).toEqual([0.5, 0, 1]);
    expect(values(b.grad)).toEqual([0.5, 1, 0]);

    const c = tg.tensor([1, 2, 5], { requiresGrad: true });
    const d = tg.tensor([1, 3, 4], { requiresGrad: true });
    tg.minimum(c, d).sum().backward();
    expect(values(c.grad)).toEqual([0.5, 1, 0]);
    expect(values(d.grad)).toEqual([0.5, 0, 1]);
  });

  test('maximum with a broadcast scalar sums the scalar\'s shares', () => {
    const a = tg.tensor([0, 1, 2], { requiresGrad: true });
    const t = tg.tensor(1, { requiresGrad: true });
    tg.maximum(a, t).sum().backward();
    expect(values(a.grad)).toEqual([0, 0.5, 1]);
    expect(values(t.grad)).toEqual([1.5]);
  });

  test('relu and abs have gradient 0 at exactly 0', () => {
    const x = tg.tensor([-1, 0, 2], { requiresGrad: true });
    x.relu().sum().backward();
    expect(values(x.grad)).toEqual([0, 0, 1]);
    const y = tg.tensor([-3, 0, 2], { requiresGrad: true });
    y.abs().sum().backward();
    expect(values(y.grad)).toEqual([-1, 0, 1]);
  });

  test('clamp passes the gradient where min <= x <= max, boundaries included (as torch.clamp)', () => {
    const x = tg.tensor([-2, -1, 0, 1, 2], { requiresGrad: true });
    x.clamp(-1, 1).sum().backward();
    expect(values(x.grad)).toEqual([0, 1, 1, 1, 0]);
  });
});

describe('gradients through movement ops', () => {
  test('clone passes the gradient through', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    x.clone().mul(tg.tensor([3, 4])).sum().backward();
    expect(values(x.grad)).toEqual([3, 4]);
  });

  test('expand sums the gradient of the copies', () => {
    const x = tg.tensor([[1], [2]], { requiresGrad: true }); // [2,1]
    const e = x.expand(3, 2, 4);
    expect(e.shape).toEqual([3, 2, 4]);
    e.mul(tg.arange(24).reshape(3, 2, 4)).sum().backward();
    // x[0] meets k = 0..3 in rows (i, 0): Σ_i Σ_k (8i + k) = 3·6 + 8·(0+1+2)·4 = 18 + 96
    // x[1] meets (8i + 4 + k): 114 + 3·4·4 = 162
    expect(values(x.grad)).toEqual([114, 162]);
    expect(x.grad!.shape).toEqual([2, 1]);
  });

  test('reshape / view / flatten / squeeze / unsqueeze give the gradient back in the input\'s shape', () => {
    const x = tg.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const w = tg.arange(6).reshape(3, 2);
    x.reshape(3, 2).mul(w).sum().backward();
    expect(x.grad!.shape).toEqual([2, 3]);
    expect(values(x.grad)).toEqual([0, 1, 2, 3, 4, 5]);
    x.grad = null;
    x.view(-1).unsqueeze(0).squeeze(0).flatten().mul(2).sum().backward();
    expect(values(x.grad)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  test('clone → expand → reshape chain', () => {
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.clone().expand(2, 3).reshape(6);
    y.mul(tg.tensor([1, 2, 3, 4, 5, 6])).sum().backward();
    expect(values(x.grad)).toEqual([5, 7, 9]);
  });

  test('permute / transpose send the gradient back through the inverse permutation', () => {
    const x = tg.arange(24).reshape(2, 3, 4).setRequiresGrad();
    const p = x.permute(2, 0, 1);
    const w = tg.arange(24).reshape(4, 2, 3);
    p.mul(w).sum().backward();
    // x[i,j,k] pairs with w[k,i,j] = 6k + 3i + j
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(6 * k + 3 * i + j);
    expect(values(x.grad)).toEqual(expected);
  });

  test('slice and index scatter the gradient back (repeated rows add up)', () => {
    const x = tg.tensor([0, 1, 2, 3, 4, 5, 6], { requiresGrad: true });
    x.slice(0, 1, -1, 2).sum().backward(); // picks 1, 3, 5
    expect(values(x.grad)).toEqual([0, 1, 0, 1, 0, 1, 0]);
    const m = tg.tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
    m.index([2, 0, 2]).sum().backward();
    expect(values(m.grad)).toEqual([1, 1, 0, 0, 2, 2]);
  });

  test('cat and stack split the gradient back to each input', () => {
    const a = tg.tensor([[1, 2]], { requiresGrad: true });
    const b = tg.tensor([[3, 4], [5, 6]], { requiresGrad: true });
    tg.cat([a, b]).mul(tg.arange(6).reshape(3, 2)).sum().backward();
    expect(values(a.grad)).toEqual([0, 1]);
    expect(values(b.grad)).toEqual([2, 3, 4, 5]);
    const c = tg.tensor([1, 2], { requiresGrad: true });
    const d = tg.tensor([3, 4], { requiresGrad: true });
    tg.stack([c, d], 1).mul(tg.tensor([[1, 2], [3, 4]])).sum().backward();
    expect(values(c.grad)).toEqual([1, 3]);
    expect(values(d.grad)).toEqual([2, 4]);
  });

  test('pad sends each output\'s gradient to the element it read', () => {
    const x = tg.tensor([0, 1, 2, 3], { requiresGrad: true });
    tg.pad(x, [2, 2], { mode: 'reflect' }).sum().backward(); // reads 2,1,0,1,2,3,2,1
    expect(values(x.grad)).toEqual([1, 3, 3, 1]);
  });
});

describe('gradients of a few ops against hand-computed values', () => {
  test('sum and mean with dims', () => {
    const x = tg.ones([2, 3], { requiresGrad: true });
    x.mean(1).mul(tg.tensor([3, 6])).sum().backward();
    expect(values(x.grad)).toEqual([1, 1, 1, 2, 2, 2]);
  });

  test('softmax rows: the gradient of Σ softmax is 0', () => {
    const x = tg.tensor([[1, 2, 3], [0, 0, 0]], { requiresGrad: true });
    x.softmax(1).sum().backward();
    for (const v of x.grad!.data) expect(Math.abs(v)).toBeLessThan(1e-7);
  });

  test('matmul: dA = dC·Bᵀ, dB = Aᵀ·dC', () => {
    const a = tg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tg.tensor([[5, 6], [7, 8]], { requiresGrad: true });
    a.matmul(b).sum().backward();
    expect(values(a.grad)).toEqual([11, 15, 11, 15]);
    expect(values(b.grad)).toEqual([4, 4, 6, 6]);
  });

  test('var (unbiased): d/dx_i = 2(x_i − mean)/(n − 1)', () => {
    const x = tg.tensor([1, 2, 3, 6], { requiresGrad: true });
    x.var().backward();
    const g = values(x.grad);
    [-4 / 3, -2 / 3, 0, 2].forEach((want, i) => expect(g[i]).toBeCloseTo(want, 5));
  });
});
