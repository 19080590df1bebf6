// The spatial ops' device cases, shared by tests/webgpu/spatial.test.ts and tests/gl/spatial.test.ts: each
// op on fixed inputs, and a runner that gives its output and the gradients of Σ out·R for every input on
// a backend, read asynchronously (as webgpu needs).

import * as tg from '../../index.js';
import type { Tensor } from '../../index.js';
import { randomValues } from './values.js';

const values = (shape: number[], seed: number) => new tg.Tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);

const ids = () => tg.tensor([[3, 0, 1], [4, 4, 2]]);

export const spatialCases: Array<[string, (...xs: Tensor[]) => Tensor, number[][]]> = [
  ['convTranspose2d: stride 2, padding 1, outputPadding 1, 2 groups, bias', (x, w, b) => tg.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), [[2, 4, 5, 4], [4, 3, 3, 3], [6]]],
  ['convTranspose2d: outputPadding below the dilation, rectangular kernel', (x, w) => tg.convTranspose2d(x, w, null, { dilation: [2, 1], outputPadding: [1, 0], stride: [1, 2] }), [[1, 3, 4, 6], [3, 2, 2, 3]]],
  ['conv1d: stride 2, padding 2, dilation 2, bias', (x, w, b) => tg.conv1d(x, w, b, 2, 2, 2), [[2, 3, 17], [5, 3, 4], [5]]],
  ['maxPool1d 3, stride 2, padding 1, ceil mode', (x) => tg.maxPool1d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }), [[2, 3, 16]]],
  ['avgPool1d 4, stride 3, padding 2, excluding the padding', (x) => tg.avgPool1d(x, 4, 3, 2, false, false), [[2, 3, 16]]],
  ['interpolate bilinear x1.5 and nearest to [11, 7]', (x) => tg.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear' }).sum().add(tg.interpolate(x, [11, 7]).mean()), [[2, 3, 6, 5]]],
  ['interpolate linear (alignCorners) and trilinear', (x) => tg.interpolate(x.flatten(2), 13, null, 'linear', true).mean().add(tg.interpolate(x.unsqueeze(2), { scaleFactor: [2, 1.5, 0.5], mode: 'trilinear' }).mean()), [[1, 2, 3, 4]]],
  ['embedding with a padding row', (w) => tg.embedding(ids(), w, 4), [[5, 6]]],
];

/**
 * op on fresh leaves on `backend`: [output, gradient of each input]. `readbacks` (a device backend's
 * counter) must not move before the results are read: the pass stays on the device.
 */
export async function runSpatialCase(backend: tg.BackendName, op: (...xs: Tensor[]) => Tensor, shapes: number[][], readbacks?: () => number): Promise<Tensor[]> {
  await tg.setBackend(backend);
  const before = readbacks?.();
  const inputs = shapes.map((s, i) => values(s, 10 + i).setRequiresGrad());
  const out = op(...inputs);
  out.mul(values([...out.shape], 99)).sum().backward();
  const results = [out, ...inputs.map((x) => x.grad!)];
  if (readbacks && readbacks() !== before) throw new Error(`${backend}: ${readbacks() - before!} readbacks before the results were read`);
  const read = await Promise.all(results.map((t) => t.dataAsync()));
  return read.map((v, i) => new tg.Tensor(v.slice(), results[i].shape));
}
