// The second round of issue 16's layers as device cases, shared by tests/webgpu/layers2.test.ts and
// tests/gl/layers2.test.ts (run by runSpatialCase of tests/helpers/spatial-cases.ts): interpolate bicubic
// and area, convTranspose1d, embedding with maxNorm, conv3d, maxPool3d, avgPool3d and batchNorm on 5-D.

import * as tg from '../../index.js';
import type { Tensor } from '../../index.js';

/** A table with rows well above norm 1 (the inputs are near unit scale), so maxNorm scales most of them. */
const renormed = (w: Tensor) => {
  const table = w.mul(3); // a non-leaf: the in-place renorm writes it, and the gradient flows through the mul to w
  return tg.embedding(tg.tensor([[3, 0, 1], [4, 4, 2]]), table, { maxNorm: 1 }).add(tg.embedding(tg.tensor([1, 2]), table, null, 0.8, 1).sum(0));
};

export const layers2Cases: Array<[string, (...xs: Tensor[]) => Tensor, number[][]]> = [
  ['interpolate bicubic x(1.5, 0.6) and alignCorners to [7, 3]', (x) => tg.interpolate(x, { scaleFactor: [1.5, 0.6], mode: 'bicubic' }).sum().add(tg.interpolate(x, { size: [7, 3], mode: 'bicubic', alignCorners: true }).mean()), [[2, 3, 6, 5]]],
  ['interpolate area 1-D, 2-D and 3-D', (x) => tg.interpolate(x, [4, 3], null, 'area').sum().add(tg.interpolate(x.flatten(2), 7, null, 'area').mean()).add(tg.interpolate(x.unsqueeze(2), { scaleFactor: [2, 0.5, 0.7], mode: 'area' }).mean()), [[1, 2, 6, 5]]],
  ['convTranspose1d: stride 2, padding 1, outputPadding 1, 2 groups, dilation 2, bias', (x, w, b) => tg.convTranspose1d(x, w, b, 2, 1, 1, 2, 2), [[2, 4, 9], [4, 3, 3], [6]]],
  ['embedding with maxNorm (normType 2 and 1)', renormed, [[5, 6]]],
  ['conv3d: stride (1, 2, 1), padding (1, 0, 1), dilation (2, 1, 1), 2 groups, bias', (x, w, b) => tg.conv3d(x, w, b, { stride: [1, 2, 1], padding: [1, 0, 1], dilation: [2, 1, 1], groups: 2 }), [[2, 4, 4, 5, 3], [6, 2, 2, 3, 2], [6]]],
  ['maxPool3d and avgPool3d: padding, ceil mode, excluding the padding', (x) => tg.maxPool3d(x, [3, 2, 2], 2, [1, 1, 0], 1, true).sum().add(tg.avgPool3d(x, [3, 2, 2], 2, [1, 1, 0], true, false).mean()), [[2, 3, 6, 5, 4]]],
  ['batchNorm over [N, C, D, H, W] in training', (x, w, b) => tg.batchNorm(x, tg.zeros([3]), tg.ones([3]), w, b, { training: true }), [[2, 3, 3, 4, 2], [3], [3]]],
];
