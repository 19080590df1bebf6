// A backward frees the graph it ran through, as in PyTorch: a second backward through it throws
// unless the first was given { retainGraph: true }. The expected values are torch 1.13's
// (/usr/bin/python3, the snippets beside each test).

import { describe, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';

const values = (t: tg.Tensor | null) => {
  if (!t) throw new Error('expected a gradient, got null');
  return Array.from(t.data, (v) => (v === 0 ? 0 : v));
};

const SECOND_TIME = /backward: trying to backward through the graph a second time: (\w+) \(output \[[\d,]*\]\) and the ops before it were freed by a previous backward.*\{ retainGraph: true \}/;

describe('a second backward through a freed graph', () => {
  test('throws, naming the op where it reaches the freed graph, and leaves .grad as it was', () => {
    // torch: y = (x*x).sum(); y.backward(); y.backward()  ->  RuntimeError: Trying to backward through the graph a second time
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expect(values(x.grad)).toEqual([2, 4, 6]);
    expect(() => y.backward()).toThrow(SECOND_TIME);
    expect(() => y.backward()).toThrow(/through the graph a second time: sum \(output \[\]\)/);
    expect(values(x.grad)).toEqual([2, 4, 6]); // checked before any gradient moves
  });

  test('throws for ops that save values (mul by a constant, exp, relu, max), as torch does', () => {
    // torch 1.13 throws on the second backward of each of these
    const cases: Array<[string, (x: tg.Tensor) => tg.Tensor]> = [
      ['mul', (x) => x.mul(2).sum()],
      ['exp', (x) => x.exp().sum()],
      ['relu', (x) => x.relu().sum()],
      ['max', (x) => x.max()],
    ];
    for (const [name, f] of cases) {
      const loss = f(tg.tensor([1, 2, 3], { requiresGrad: true }));
      loss.backward();
      expect(() => loss.backward(), name).toThrow(SECOND_TIME);
    }
  });

  test('a graph extended after its backward still reaches the freed part', () => {
    // torch: l = x.exp().sum(); l.backward(); (l*2).backward()  ->  RuntimeError
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const l = x.exp().sum();
    l.backward();
    expect(() => l.mul(2).backward()).toThrow(/a second time: sum \(output \[\]\)/);
  });

  test('a leaf needs no graph: backward from a leaf works any number of times', () => {
    const x = tg.tensor(3, { requiresGrad: true });
    x.backward();
    x.backward();
    expect(values(x.grad)).toEqual([2]);
  });
});

describe('retainGraph', () => {
  test('keeps the graph for a second backward, which accumulates: twice the gradient', () => {
    // torch: y = (x*x).sum(); y.backward(retain_graph=True); y.backward()  ->  x.grad = [4, 8, 12]
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward({ retainGraph: true });
    y.backward();
    expect(values(x.grad)).toEqual([4, 8, 12]);
    // the second backward had no retainGraph, so the graph is freed now, as in torch
    expect(() => y.backward()).toThrow(SECOND_TIME);
  });

  test('three backwards: retain, retain, then free (3x the gradient)', () => {
    // torch: ... backward(retain_graph=True) twice, then backward()  ->  [6, 12, 18]
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward({ retainGraph: true });
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(values(x.grad)).toEqual([6, 12, 18]);
  });

  test('with an explicit gradient: backward(grad, { retainGraph: true })', () => {
    // torch: y = v*v; y.backward(g, retain_graph=True); y.backward(g)  ->  v.grad = [4, 80]
    const v = tg.tensor([1, 2], { requiresGrad: true });
    const y = v.mul(v);
    const g = tg.tensor([1, 10]);
    y.backward(g, { retainGraph: true });
    y.backward(g);
    expect(values(v.grad)).toEqual([4, 80]);
  });

  test('a graph shared by two losses: the first backward retains it, the second frees it', () => {
    // torch: h = x.exp(); l1 = h.sum(); l2 = (h*3).sum(); l1.backward(retain_graph=True); l2.backward()
    //        ->  x.grad = 4·e^x = [10.8731, 29.5562, 80.3421]
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const h = x.exp();
    const l1 = h.sum();
    const l2 = h.mul(3).sum();
    l1.backward({ retainGraph: true });
    expect(Array.from(x.grad!.data)).toEqual(Array.from(h.data));
    l2.backward();
    const expected = [10.8731, 29.5562, 80.3421];
    values(x.grad).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
  });

  test('without it, the second loss of a shared graph throws at the shared op', () => {
    // torch: the same with l1.backward()  ->  RuntimeError on l2.backward()
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    const h = x.exp();
    const l1 = h.sum();
    const l2 = h.mul(3).sum();
    l1.backward();
    expect(() => l2.backward()).toThrow(/a second time: exp \(output \[3\]\)/);
    expect(values(x.grad)).toEqual(Array.from(h.data)); // l2's backward changed nothing
  });

  test('rejects options it does not know (a PyTorch spelling, say) and non-boolean values', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    expect(() => y.backward({ retain_graph: true } as never)).toThrow(/unknown option 'retain_graph' \(the options are: retainGraph\)/);
    expect(() => y.backward({ retainGraph: 1 } as never)).toThrow(/retainGraph must be true or false/);
    expect(() => y.backward(undefined, 'yes' as never)).toThrow(/options must be an object/);
    y.backward(); // nothing ran above
    expect(values(x.grad)).toEqual([2, 4]);
  });
});

describe('training loops build a new graph every step', () => {
  test('three steps of gradient descent, each with its own backward, as in torch', () => {
    // torch: w = [0.5, -1]; each step: w.grad = None; loss = ((xs @ w - t)**2).mean(); loss.backward(); w -= 0.01 * w.grad
    //        losses 6.25, 3.485, 2.12386; final w = [0.71626, -0.66886]
    const w = tg.tensor([0.5, -1], { requiresGrad: true });
    const xs = tg.tensor([[1, 2], [3, 4]]);
    const t = tg.tensor([1, 0]);
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      w.grad = null;
      const loss = xs.matmul(w).sub(t).pow(2).mean();
      loss.backward();
      losses.push(loss.item());
      tg.noGrad(() => w.data.set(w.sub(w.grad!.mul(0.01)).data));
    }
    [6.25, 3.484999656677246, 2.123861074447632].forEach((v, i) => expect(losses[i]).toBeCloseTo(v, 5));
    [0.7162600159645081, -0.6688600182533264].forEach((v, i) => expect(w.data[i]).toBeCloseTo(v, 5));
  });

  test('parameters reused by every step are leaves, never freed', () => {
    const w = tg.tensor([2], { requiresGrad: true });
    for (let step = 0; step < 5; step++) w.mul(w).sum().backward();
    expect(values(w.grad)).toEqual([20]);
  });
});
