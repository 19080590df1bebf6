// The tensor ops of issue 16 as a table of small cases, for comparing a backend with js op by op
// (tests/webgpu/ops.test.ts on webgpu, tests/gl/ops.test.ts on the gl shaders): forward and the
// gradient of every input under a fixed upstream gradient.

import * as tg from '../../index.js';
import { randomValues } from './values.js';

type Tensor = tg.Tensor;

export const random = (shape: number[], seed: number) => new tg.Tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
export const values = (list: number[], shape: number[]) => new tg.Tensor(Float32Array.from(list), shape);

/** Each op: its inputs (made afresh on every backend) and what it computes from them. */
export const tensorOps: Array<[string, () => Tensor[], (...xs: Tensor[]) => Tensor]> = [
  ['where', () => [random([3, 4], 1), random([4], 2)], (x, y) => tg.where(values([1, 0, 1], [3, 1]), x, y)],
  ['gather', () => [random([3, 5], 3)], (x) => tg.gather(x, 1, values([0, 4, 4, 1, 1, 2, 3, 0, 0, 2, 2, 2], [3, 4]))],
  ['gather with an index made on the device (argmax)', () => [random([4, 6], 4)], (x) => tg.gather(x, 1, x.argmax(1, true))],
  ['scatter', () => [random([3, 5], 5), random([3, 2], 6)], (x, src) => tg.scatter(x, 1, values([4, 0, 2, 3, 1, 2], [3, 2]), src)],
  ['scatterAdd', () => [random([3, 4], 7), random([3, 3], 8)], (x, src) => tg.scatterAdd(x, 1, values([0, 0, 3, 2, 2, 2, 1, 0, 1], [3, 3]), src)],
  ['split / chunk', () => [random([7, 3], 9)], (x) => tg.cat([...tg.split(x, 3), ...tg.chunk(x, 2, 1)].map((p, k) => p.mul(k + 1).sum(0)), 0)],
  ['flip', () => [random([2, 3, 4], 10)], (x) => tg.flip(x, [0, 2])],
  ['roll', () => [random([3, 4], 11)], (x) => tg.roll(x, [1, -6], [0, 1]).add(tg.roll(x, 5))],
  ['repeat / tile', () => [random([2, 3], 12)], (x) => x.repeat(2, 1, 3).sum(0).add(tg.tile(x, [2]).sum(1, true))],
  ['cumsum', () => [random([3, 9], 13)], (x) => tg.cumsum(x, 1)],
  ['einsum bhqd,bhkd->bhqk', () => [random([2, 2, 3, 4], 14), random([2, 2, 5, 4], 15)], (q, k) => tg.einsum('bhqd,bhkd->bhqk', q, k)],
  ['einsum ...ij,...jk->...ik (broadcast)', () => [random([2, 1, 2, 3], 20), random([3, 3, 2], 21)], (a, b) => tg.einsum('...ij,...jk->...ik', a, b)],
  ['einsum ii->i and i,i->', () => [random([4, 4], 16)], (x) => tg.einsum('ii->i', x).mul(tg.einsum('i,i->', x.sum(0), x.sum(1)))],
  ['erf', () => [random([4, 5], 17)], (x) => tg.erf(x.mul(2))],
  ['sort', () => [random([3, 8], 18)], (x) => tg.sort(x, 1, true).values],
  ['topk', () => [random([5, 3], 19)], (x) => tg.topk(x, 2, 0, false).values],
];

/** forward, then backward with a fixed upstream gradient: the output and each input's gradient, read. */
export async function runOp(backend: tg.BackendName, inputs: () => Tensor[], f: (...xs: Tensor[]) => Tensor): Promise<Tensor[]> {
  await tg.setBackend(backend);
  const xs = inputs().map((x) => x.setRequiresGrad());
  const out = f(...xs);
  out.backward(random([...out.shape], 99));
  const results = [out, ...xs.map((x) => x.grad!)];
  return Promise.all(results.map(async (t) => new tg.Tensor((await t.dataAsync()).slice(), t.shape)));
}

