// softmax and logSoftmax along a dim as plain loops (engine/ops/softmax.ts states the formulas).
// A slice along the dim is the elements base + i·step, i < length.

import type { SoftmaxParams } from '../../kernels.js';
import { sizeOf } from '../../shape.js';
import { Tensor } from '../../tensor.js';

/** Calls fn(base, step, length) once per 1-D slice of `shape` along `dim`. */
function forEachSlice(shape: readonly number[], dim: number, fn: (base: number, step: number, length: number) => void): void {
  const length = shape[dim] ?? 1;
  const inner = sizeOf(shape.slice(dim + 1));
  const outer = sizeOf(shape.slice(0, dim));
  for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) fn(o * length * inner + j, inner, length);
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

export function softmax(x: Tensor, { dim, log }: SoftmaxParams): Tensor {
  const X = x.data;
  const Y = new Float32Array(X.length);
  forEachSlice(x.shape, dim, (base, step, length) => {
    const lse = logSumExp(X, base, step, length);
    for (let i = 0; i < length; i++) {
      const v = X[base + i * step] - lse;
      Y[base + i * step] = log ? v : Math.exp(v);
    }
  });
  return new Tensor(Y, x.shape);
}

export function softmaxBackward(gradOutput: Tensor, output: Tensor, { dim, log }: SoftmaxParams): Tensor {
  const G = gradOutput.data;
  const Y = output.data;
  const gx = new Float32Array(G.length);
  forEachSlice(output.shape, dim, (base, step, length) => {
    if (log) {
      // dx = dy − e^y·Σ dy
      let total = 0;
      for (let i = 0; i < length; i++) total += G[base + i * step];
      for (let i = 0; i < length; i++) gx[base + i * step] = G[base + i * step] - Math.exp(Y[base + i * step]) * total;
    } else {
      // dx = y·(dy − Σ dy·y)
      let dot = 0;
      for (let i = 0; i < length; i++) dot += G[base + i * step] * Y[base + i * step];
      for (let i = 0; i < length; i++) gx[base + i * step] = Y[base + i * step] * (G[base + i * step] - dot);
    }
  });
  return new Tensor(gx, output.shape);
}
