// The movement primitives as plain loops: a strided copy (any view of a tensor made contiguous), and
// picking positions along one dim (indexSelect) with its adjoint, adding them back (indexAdd), and the
// same with a position per element (gather, and its adjoint scatterAdd).
// A tensor seen around one dim is [outer, length, inner]: position k along the dim of slice (o, j)
// is element (o·length + k)·inner + j.

import type { GatherParams, IndexAddParams, IndexSelectParams, ScatterAddParams, StridedCopyParams } from '../../kernels.js';
import { sameShape, sizeOf, stridesOf } from '../../shape.js';
import { stridedGather } from '../../strided.js';
import { Tensor } from '../../tensor.js';

export function stridedCopy(x: Tensor, p: StridedCopyParams): Tensor {
  // a view that is all of x in order (clone, or the copy of a gradient into .grad): one block copy
  if (p.offset === 0 && sizeOf(p.shape) === x.size && sameShape(p.strides, stridesOf(p.shape))) return new Tensor(x.data.slice(), p.shape);
  return new Tensor(stridedGather(x.data, p.shape, p.strides, p.offset), p.shape);
}

export function indexSelect(x: Tensor, index: Tensor, { dim, fill }: IndexSelectParams): Tensor {
  const X = x.data;
  const I = index.data;
  const length = x.shape[dim];
  const inner = sizeOf(x.shape.slice(dim + 1));
  const outer = sizeOf(x.shape.slice(0, dim));
  const shape = x.shape.map((d, i) => (i === dim ? I.length : d));
  const Y = new Float32Array(sizeOf(shape));
  if (inner === 1) {
    // along the last dim: one element per position (a subarray per element would cost 30x more)
    for (let o = 0; o < outer; o++) for (let k = 0; k < I.length; k++) Y[o * I.length + k] = I[k] < 0 ? fill : X[o * length + I[k]];
    return new Tensor(Y, shape);
  }
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < I.length; k++) {
      const to = (o * I.length + k) * inner;
      if (I[k] < 0) Y.fill(fill, to, to + inner);
      else Y.set(X.subarray((o * length + I[k]) * inner, (o * length + I[k] + 1) * inner), to);
    }
  }
  return new Tensor(Y, shape);
}

export function indexAdd(src: Tensor, index: Tensor, { dim, size }: IndexAddParams): Tensor {
  const S = src.data;
  const I = index.data;
  const inner = sizeOf(src.shape.slice(dim + 1));
  const outer = sizeOf(src.shape.slice(0, dim));
  const shape = src.shape.map((d, i) => (i === dim ? size : d));
  const Y = new Float32Array(sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < I.length; k++) {
      if (I[k] < 0) continue;
      const from = (o * I.length + k) * inner;
      const to = (o * size + I[k]) * inner;
      for (let j = 0; j < inner; j++) Y[to + j] += S[from + j];
    }
  }
  return new Tensor(Y, shape);
}

/** Whether a float32 index entry names a position 0 … length − 1. */
const isPosition = (v: number, length: number) => Number.isInteger(v) && v >= 0 && v < length;

export function gather(x: Tensor, index: Tensor, { dim }: GatherParams): Tensor {
  const X = x.data;
  const I = index.data;
  const length = x.shape[dim];
  const count = index.shape[dim];
  const inner = sizeOf(x.shape.slice(dim + 1));
  const Y = new Float32Array(I.length);
  for (let i = 0; i < I.length; i++) {
    const j = i % inner;
    const o = Math.floor(i / (inner * count));
    Y[i] = isPosition(I[i], length) ? X[(o * length + I[i]) * inner + j] : NaN;
  }
  return new Tensor(Y, index.shape);
}

export function scatterAdd(src: Tensor, index: Tensor, { dim, size }: ScatterAddParams): Tensor {
  const S = src.data;
  const I = index.data;
  const count = src.shape[dim];
  const inner = sizeOf(src.shape.slice(dim + 1));
  const shape = src.shape.map((d, i) => (i === dim ? size : d));
  const Y = new Float32Array(sizeOf(shape));
  for (let i = 0; i < I.length; i++) {
    if (!isPosition(I[i], size)) continue;
    const j = i % inner;
    const o = Math.floor(i / (inner * count));
    Y[(o * size + I[i]) * inner + j] += S[i];
  }
  return new Tensor(Y, shape);
}
