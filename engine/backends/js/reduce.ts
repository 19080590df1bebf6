// Reductions over dims as plain loops. The output keeps the reduced dims as size 1, so every input
// element i lands in the output element whose index is i's with the reduced dims set to 0: a strided
// walk with stride 0 along the reduced dims (engine/strided.ts) finds it.

import type { ReduceParams } from '../../kernels.js';
import { sizeOf, stridesOf } from '../../shape.js';
import { stridedPositions, stridedScatterAdd } from '../../strided.js';
import { Tensor } from '../../tensor.js';

export function reduce(x: Tensor, p: ReduceParams): Tensor {
  const keptShape = x.shape.map((d, i) => (p.dims.includes(i) ? 1 : d));
  if (p.op === 'argmax' || p.op === 'argmin') return new Tensor(argExtreme(x, p.dims[0] ?? 0, p.op === 'argmax'), keptShape);
  // where each input element reduces into: the kept shape's strides, 0 along reduced dims
  const keptStrides = stridesOf(keptShape).map((s, i) => (p.dims.includes(i) ? 0 : s));
  const size = sizeOf(keptShape);
  if (p.op === 'sum' || p.op === 'mean') {
    // float64 sums: a mean over a million float32 values is still right to float32
    const sums = stridedScatterAdd(new Float64Array(size), x.data, x.shape, keptStrides);
    const count = size === 0 ? 1 : x.size / size;
    return new Tensor(Float32Array.from(sums, (s) => (p.op === 'mean' ? s / count : s)), keptShape);
  }
  const max = p.op === 'max';
  const targets = stridedPositions(x.shape, keptStrides);
  const X = x.data;
  const Y = new Float32Array(size).fill(NaN);
  const seen = new Uint8Array(size);
  for (let i = 0; i < X.length; i++) {
    const t = targets[i];
    const v = X[i];
    if (!seen[t]) {
      Y[t] = v;
      seen[t] = 1;
    } else if (!Number.isNaN(Y[t]) && (Number.isNaN(v) || (max ? v > Y[t] : v < Y[t]))) {
      Y[t] = v; // NaN wins and stays, as in PyTorch
    }
  }
  return new Tensor(Y, keptShape);
}

/** Per 1-D slice along `dim`: the index of its first extreme (a NaN counts as the extreme). */
function argExtreme(x: Tensor, dim: number, max: boolean): Float32Array {
  const length = x.shape[dim] ?? 1;
  const inner = sizeOf(x.shape.slice(dim + 1));
  const outer = sizeOf(x.shape.slice(0, dim));
  const X = x.data;
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * length * inner + j;
      let best = 0;
      for (let k = 1; k < length; k++) {
        const v = X[base + k * inner];
        const b = X[base + best * inner];
        if (!Number.isNaN(b) && (Number.isNaN(v) || (max ? v > b : v < b))) best = k;
      }
      out[o * inner + j] = best;
    }
  }
  return out;
}
