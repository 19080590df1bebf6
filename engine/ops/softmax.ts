// softmax and logSoftmax along a dim, computed stably: subtracting the slice's max before exp
// changes nothing mathematically but keeps exp from overflowing.
//   softmax:    y = e^(x − max) / Σ e^(x − max)        dx = y·(dy − Σ dy·y)
//   logSoftmax: y = x − max − log Σ e^(x − max)        dx = dy − e^y·Σ dy

import { record } from '../autograd.js';
import { normDim, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Calls fn(base, step, length) once per 1-D slice of `shape` along `dim`: elements base + i·step. */
export function forEachSlice(shape: readonly number[], dim: number, fn: (base: number, step: number, length: number) => void): void {
  const length = shape[dim] ?? 1;
  const inner = sizeOf(shape.slice(dim + 1));
  const outer = sizeOf(shape.slice(0, dim));
  for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) fn(o * length * inner + j, inner, length);
}

function checkedDim(x: Tensor, dim: number, op: string): number {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (dim === undefined) throw new TypeError(`${op}: dim is required (PyTorch's implicit dim is deprecated)`);
  return normDim(dim, Math.max(x.ndim, 1), op, x.shape);
}

/** log Σ e^x over one slice, computed as max + log Σ e^(x − max). */
function logSumExp(X: Float32Array, base: number, step: number, length: number): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, X[base + i * step]);
  if (max === -Infinity) return -Infinity; // every entry -inf: the results become NaN, as in PyTorch
  let total = 0;
  for (let i = 0; i < length; i++) total += Math.exp(X[base + i * step] - max);
  return max + Math.log(total);
}

export function softmax(x: Tensor, dim: number): Tensor {
  const d = checkedDim(x, dim, 'softmax');
  const X = x.data;
  const Y = new Float32Array(X.length);
  forEachSlice(x.shape, d, (base, step, length) => {
    const lse = logSumExp(X, base, step, length);
    for (let i = 0; i < length; i++) Y[base + i * step] = Math.exp(X[base + i * step] - lse);
  });
  const y = new Tensor(Y, x.shape);
  return record(y, 'softmax', [x], (g) => {
    const G = g.data;
    const gx = new Float32Array(X.length);
    forEachSlice(x.shape, d, (base, step, length) => {
      let dot = 0;
      for (let i = 0; i < length; i++) dot += G[base + i * step] * Y[base + i * step];
      for (let i = 0; i < length; i++) gx[base + i * step] = Y[base + i * step] * (G[base + i * step] - dot);
    });
    return [new Tensor(gx, x.shape)];
  });
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = checkedDim(x, dim, 'logSoftmax');
  const X = x.data;
  const Y = new Float32Array(X.length);
  forEachSlice(x.shape, d, (base, step, length) => {
    const lse = logSumExp(X, base, step, length);
    for (let i = 0; i < length; i++) Y[base + i * step] = X[base + i * step] - lse;
  });
  const y = new Tensor(Y, x.shape);
  return record(y, 'logSoftmax', [x], (g) => {
    const G = g.data;
    const gx = new Float32Array(X.length);
    forEachSlice(x.shape, d, (base, step, length) => {
      let total = 0;
      for (let i = 0; i < length; i++) total += G[base + i * step];
      for (let i = 0; i < length; i++) gx[base + i * step] = G[base + i * step] - Math.exp(Y[base + i * step]) * total;
    });
    return [new Tensor(gx, x.shape)];
  });
}
