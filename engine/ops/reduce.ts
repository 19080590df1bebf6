// Reductions over dims (all dims when none are given), with keepdim as in PyTorch: each is one call
// of the `reduce` kernel (which keeps the reduced dims as 1), and its gradient broadcasts back.

import { record, traced } from '../autograd.js';
import { kernels } from '../backend.js';
import type { ReduceOp } from '../kernels.js';
import { checkedSize, formatShape, normDim, normDims, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expand, reshape } from './movement.js';
import { add, div, eq, mul, ne, sub } from './elementwise.js';

interface Reduction {
  /** the reduced dims, sorted */
  dims: number[];
  /** the result's shape */
  shape: number[];
  /** the result's shape with reduced dims kept as 1 (what the kernel gives, and the gradient broadcasts from) */
  keptShape: number[];
  /** how many inputs meet in each output */
  count: number;
}

function plan(x: Tensor, dims: number | readonly number[] | undefined, keepdim: boolean, op: string): Reduction {
  const reduced = normDims(dims, x.shape, op);
  const keptShape = x.shape.map((d, i) => (reduced.includes(i) ? 1 : d));
  const shape = keepdim ? keptShape : x.shape.filter((_, i) => !reduced.includes(i));
  const count = reduced.reduce((n, d) => n * (x.shape[d] ?? 1), 1); // a 0-d tensor reduces over its one element
  checkedSize(shape, op); // only an empty input can make an output bigger than itself: sum over its 0-size dim
  return { dims: [...reduced].sort((a, b) => a - b), shape, keptShape, count };
}

/** The kernel's result (reduced dims kept as 1) under the shape the caller asked for. */
function reduced(x: Tensor, op: ReduceOp, r: Reduction): Tensor {
  return kernels().reduce(x, { op, dims: r.dims }).withShape(r.shape);
}

/** Sends the output's gradient back to every input element that was reduced into it. */
function spread(g: Tensor, r: Reduction, inputShape: readonly number[]): Tensor {
  return expand(reshape(g, r.keptShape), inputShape);
}

export function sum(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  const r = plan(x, dims, keepdim, 'sum');
  return record(reduced(x, 'sum', r), 'sum', [x], (g) => [spread(g, r, x.shape)], { dims: r.dims, keepdim });
}

export function mean(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  const r = plan(x, dims, keepdim, 'mean');
  return record(reduced(x, 'mean', r), 'mean', [x], (g) => [mul(spread(g, r, x.shape), 1 / r.count)], { dims: r.dims, keepdim });
}

/**
 * Largest value over dims. The gradient is shared evenly by ties, like PyTorch's amax; for
 * torch.max(x, dim)'s values and indices (the gradient to the selected index) see maxWithIndices.
 *   dx = dy · [x == max] / (number of ties)        (a NaN maximum sends its gradient to the NaNs)
 */
export function max(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  return extreme('max', x, dims, keepdim);
}

export function min(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  return extreme('min', x, dims, keepdim);
}

function extreme(op: 'max' | 'min', x: Tensor, dims: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  if (x.size === 0) throw new RangeError(`${op}: cannot reduce an empty tensor (shape ${formatShape(x.shape)})`);
  const r = plan(x, dims, keepdim, op);
  const out = reduced(x, op, r);
  return record(out, op, [x], (g) => {
    const kept = out.withShape(r.keptShape);
    // x == extreme, with NaN equal to NaN: (x == m) + (x != x)·(m != m)
    const ties = add(eq(x, kept), mul(ne(x, x), ne(kept, kept)));
    const count = kernels().reduce(ties, { op: 'sum', dims: r.dims });
    return [mul(ties, div(reshape(g, r.keptShape), count))];
  }, { dims: r.dims, keepdim });
}

/** Variance with Bessel's correction by default (correction = 1), as torch.var. */
export function variance(x: Tensor, dims?: number | readonly number[], keepdim = false, correction = 1): Tensor {
  const r = plan(x, dims, true, 'var');
  const deviation = sub(x, mean(x, dims, true));
  return mul(sum(mul(deviation, deviation), dims, keepdim), 1 / Math.max(0, r.count - correction));
}

/** Index of the largest value along `dim` (over the flattened tensor when dim is omitted). First wins at ties. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme('argmax', x, dim, keepdim);
}

export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme('argmin', x, dim, keepdim);
}

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (x.size === 0) throw new RangeError(`${op}: cannot reduce an empty tensor (shape ${formatShape(x.shape)})`);
  if (dim === undefined) {
    const flat = kernels().reduce(x.withShape([x.size]), { op, dims: [0] });
    return traced(flat.withShape(keepdim ? x.shape.map(() => 1) : []), op, [x], { dim: null, keepdim });
  }
  const { d, indices } = alongDim(op, x, dim, keepdim);
  return traced(indices, op, [x], { dim: d, keepdim });
}

/** What torch.max(x, dim) returns: the values and the index of each along `dim`. */
export interface ValuesAndIndices {
  values: Tensor;
  /** float32 positions along the dim (exact below 2^24), as argmax gives; they carry no gradient */
  indices: Tensor;
}

/**
 * torch.max(x, dim): the largest value along `dim` and its index. At ties the first index wins and a
 * NaN wins over numbers (the first NaN), as PyTorch does on the CPU. Unlike max(dims) (amax), which
 * shares the gradient among ties, the gradient of the values goes to the selected index only:
 *   dx[..., indices[j], ...] = dvalues[j], 0 elsewhere
 */
export function maxWithIndices(x: Tensor, dim: number, keepdim = false): ValuesAndIndices {
  return withIndices('maxWithIndices', x, dim, keepdim);
}

/** torch.min(x, dim): the smallest value along `dim` and its index, as maxWithIndices. */
export function minWithIndices(x: Tensor, dim: number, keepdim = false): ValuesAndIndices {
  return withIndices('minWithIndices', x, dim, keepdim);
}

function withIndices(op: 'maxWithIndices' | 'minWithIndices', x: Tensor, dim: number, keepdim: boolean): ValuesAndIndices {
  if (typeof dim !== 'number') throw new TypeError(`${op}: dim must be a number (one dim), got ${Array.isArray(dim) ? 'a list' : typeof dim}`);
  const { d, indices, keptIndices, shape } = alongDim(op === 'maxWithIndices' ? 'argmax' : 'argmin', x, dim, keepdim, op);
  // the value at each index is the extreme itself (a NaN where the slice has one)
  const values = kernels().reduce(x, { op: op === 'maxWithIndices' ? 'max' : 'min', dims: [d] }).withShape(shape);
  const recorded = record(values, op, [x], (g) => {
    // one-hot along dim: position k of a slice is selected where k == its index
    const positions = new Tensor(Float32Array.from({ length: x.shape[d] ?? 1 }, (_, k) => k), x.shape.map((s, i) => (i === d ? s : 1)));
    const selected = eq(positions, keptIndices);
    return [mul(selected, reshape(g, keptIndices.shape))];
  }, { dims: [d], keepdim });
  return { values: recorded, indices: traced(indices, op === 'maxWithIndices' ? 'argmax' : 'argmin', [x], { dim: d, keepdim }) };
}

/** The index along `dim` of each slice's extreme (argmax's kernel), kept as 1 and as the caller asked. */
function alongDim(op: 'argmax' | 'argmin', x: Tensor, dim: number, keepdim: boolean, caller: string = op) {
  const d = normDim(dim, Math.max(x.ndim, 1), caller, x.shape);
  if ((x.shape[d] ?? 1) === 0) throw new RangeError(`${caller}: cannot reduce over dim ${dim} of size 0 (shape ${formatShape(x.shape)})`);
  const keptIndices = x.ndim === 0 ? kernels().reduce(x.withShape([1]), { op, dims: [0] }).withShape([]) : kernels().reduce(x, { op, dims: [d] });
  const shape = keepdim ? x.shape.map((s, i) => (i === d ? 1 : s)) : x.shape.filter((_, i) => i !== d);
  return { d, keptIndices, indices: keptIndices.withShape(shape), shape };
}

/** Sums a broadcast gradient back to the shape of the input that was broadcast. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  return reshape(sum(g, dims, true), shape);
}
