// softmax and logSoftmax along a dim, computed stably: subtracting the slice's max before exp
// changes nothing mathematically but keeps exp from overflowing.
//   softmax:    y = e^(x − max) / Σ e^(x − max)        dx = y·(dy − Σ dy·y)
//   logSoftmax: y = x − max − log Σ e^(x − max)        dx = dy − e^y·Σ dy
// One kernel each way (engine/backends/js/softmax.ts has the loops): as a composite of max, sub, exp,
// sum and div the forward alone would be five passes over the tensor.

import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { normDim } from '../shape.js';
import { Tensor } from '../tensor.js';

function checkedDim(x: Tensor, dim: number, op: string): number {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (dim === undefined) throw new TypeError(`${op}: dim is required (PyTorch's implicit dim is deprecated)`);
  return normDim(dim, Math.max(x.ndim, 1), op, x.shape);
}

export function softmax(x: Tensor, dim: number): Tensor {
  const p = { dim: checkedDim(x, dim, 'softmax'), log: false };
  const y = kernels().softmax(x, p);
  return record(y, 'softmax', [x], (g) => [kernels().softmaxBackward(g, y, p)], p);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  const p = { dim: checkedDim(x, dim, 'logSoftmax'), log: true };
  const y = kernels().softmax(x, p);
  return record(y, 'logSoftmax', [x], (g) => [kernels().softmaxBackward(g, y, p)], p);
}
