// Reductions over dims (all dims when none are given), with keepdim as in PyTorch.
// Sums accumulate in float64, so a mean over a million float32 values is still right to float32.

import { record } from '../autograd.js';
import { checkedSize, formatShape, normDim, normDims, sameShape, sizeOf, stridesOf } from '../shape.js';
import { stridedPositions, stridedScatterAdd } from '../strided.js';
import { Tensor } from '../tensor.js';
import { expand, reshape } from './movement.js';
import { mul, sub } from './elementwise.js';

interface Reduction {
  /** the result's shape */
  shape: number[];
  /** the result's shape with reduced dims kept as 1 (what the gradient broadcasts from) */
  keptShape: number[];
  /** strides that map an input index to the output element it reduces into (0 along reduced dims) */
  keptStrides: number[];
  /** how many inputs meet in each output */
  count: number;
}

function plan(x: Tensor, dims: number | readonly number[] | undefined, keepdim: boolean, op: string): Reduction {
  const reduced = normDims(dims, x.shape, op);
  const keptShape = x.shape.map((d, i) => (reduced.includes(i) ? 1 : d));
  const keptStrides = stridesOf(keptShape).map((s, i) => (reduced.includes(i) ? 0 : s));
  const shape = keepdim ? keptShape : x.shape.filter((_, i) => !reduced.includes(i));
  const count = reduced.reduce((n, d) => n * (x.shape[d] ?? 1), 1); // a 0-d tensor reduces over its one element
  checkedSize(shape, op); // only an empty input can make an output bigger than itself: sum over its 0-size dim
  return { shape, keptShape, keptStrides, count };
}

/** Per-output sums in float64. */
function sums(x: Tensor, r: Reduction): Float64Array {
  return stridedScatterAdd(new Float64Array(sizeOf(r.shape)), x.data, x.shape, r.keptStrides);
}

/** Sends the output's gradient back to every input element that was reduced into it. */
function spread(g: Tensor, r: Reduction, inputShape: readonly number[]): Tensor {
  return expand(reshape(g, r.keptShape), inputShape);
}

export function sum(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  const r = plan(x, dims, keepdim, 'sum');
  return record(new Tensor(Float32Array.from(sums(x, r)), r.shape), 'sum', [x], (g) => [spread(g, r, x.shape)]);
}

export function mean(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  const r = plan(x, dims, keepdim, 'mean');
  const out = Float32Array.from(sums(x, r), (v) => v / r.count);
  return record(new Tensor(out, r.shape), 'mean', [x], (g) => [mul(spread(g, r, x.shape), 1 / r.count)]);
}

/**
 * Largest value over dims. The gradient is shared evenly by ties, like PyTorch's amax; for
 * torch.max(x, dim)'s values and indices (the gradient to the selected index) see maxWithIndices.
 */
export function max(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  return extreme('max', x, dims, keepdim, (a, b) => a > b);
}

export function min(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  return extreme('min', x, dims, keepdim, (a, b) => a < b);
}

function extreme(op: string, x: Tensor, dims: number | readonly number[] | undefined, keepdim: boolean, better: (a: number, b: number) => boolean): Tensor {
  if (x.size === 0) throw new RangeError(`${op}: cannot reduce an empty tensor (shape ${formatShape(x.shape)})`);
  const r = plan(x, dims, keepdim, op);
  const targets = stridedPositions(x.shape, r.keptStrides); // the output each input element reduces into
  const out = new Float32Array(sizeOf(r.shape)).fill(NaN);
  const seen = new Uint8Array(out.length);
  const src = x.data;
  for (let i = 0; i < src.length; i++) {
    const t = targets[i];
    const v = src[i];
    if (!seen[t]) {
      out[t] = v;
      seen[t] = 1;
    } else if (!Number.isNaN(out[t]) && (better(v, out[t]) || Number.isNaN(v))) {
      out[t] = v; // NaN wins and stays, as in PyTorch
    }
  }
  return record(new Tensor(out, r.shape), op, [x], (g) => {
    const ties = new Float32Array(out.length);
    for (let i = 0; i < src.length; i++) if (sameValue(src[i], out[targets[i]])) ties[targets[i]]++;
    const gd = g.data;
    const gx = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const t = targets[i];
      if (sameValue(src[i], out[t])) gx[i] = gd[t] / ties[t];
    }
    return [new Tensor(gx, x.shape)];
  });
}

/** Equal, counting NaN as equal to NaN (a NaN maximum sends its gradient to the NaN). */
function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Variance with Bessel's correction by default (correction = 1), as torch.var. */
export function variance(x: Tensor, dims?: number | readonly number[], keepdim = false, correction = 1): Tensor {
  const r = plan(x, dims, true, 'var');
  const deviation = sub(x, mean(x, dims, true));
  return mul(sum(mul(deviation, deviation), dims, keepdim), 1 / Math.max(0, r.count - correction));
}

/** Index of the largest value along `dim` (over the flattened tensor when dim is omitted). First wins at ties. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme('argmax', x, dim, keepdim, (a, b) => a > b);
}

export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme('argmin', x, dim, keepdim, (a, b) => a < b);
}

function argExtreme(op: string, x: Tensor, dim: number | undefined, keepdim: boolean, better: (a: number, b: number) => boolean): Tensor {
  if (x.size === 0) throw new RangeError(`${op}: cannot reduce an empty tensor (shape ${formatShape(x.shape)})`);
  if (dim === undefined) {
    const src = x.data;
    let best = 0;
    for (let i = 1; i < src.length; i++) if (isBetter(src[i], src[best], better)) best = i;
    return new Tensor(Float32Array.of(best), keepdim ? x.shape.map(() => 1) : []);
  }
  return alongDim(op, x, dim, keepdim, better).indices;
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
  return withIndices('maxWithIndices', x, dim, keepdim, (a, b) => a > b);
}

/** torch.min(x, dim): the smallest value along `dim` and its index, as maxWithIndices. */
export function minWithIndices(x: Tensor, dim: number, keepdim = false): ValuesAndIndices {
  return withIndices('minWithIndices', x, dim, keepdim, (a, b) => a < b);
}

function withIndices(op: string, x: Tensor, dim: number, keepdim: boolean, better: (a: number, b: number) => boolean): ValuesAndIndices {
  if (typeof dim !== 'number') throw new TypeError(`${op}: dim must be a number (one dim), got ${Array.isArray(dim) ? 'a list' : typeof dim}`);
  const { indices, positions, shape } = alongDim(op, x, dim, keepdim, better);
  const src = x.data;
  const values = new Tensor(Float32Array.from(positions, (p) => src[p]), shape);
  const recorded = record(values, op, [x], (g) => {
    const gd = g.data;
    const gx = new Float32Array(src.length);
    for (let j = 0; j < positions.length; j++) gx[positions[j]] = gd[j]; // positions are distinct: one per slice
    return [new Tensor(gx, x.shape)];
  });
  return { values: recorded, indices };
}

/** Per 1-D slice along `dim`: the flat position in x of its extreme, and that position's index along dim. */
function alongDim(op: string, x: Tensor, dim: number, keepdim: boolean, better: (a: number, b: number) => boolean) {
  const d = normDim(dim, Math.max(x.ndim, 1), op, x.shape);
  const length = x.shape[d] ?? 1;
  if (length === 0) throw new RangeError(`${op}: cannot reduce over dim ${dim} of size 0 (shape ${formatShape(x.shape)})`);
  const inner = sizeOf(x.shape.slice(d + 1));
  const outer = sizeOf(x.shape.slice(0, d));
  const src = x.data;
  const positions = new Int32Array(outer * inner);
  const indices = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * length * inner + j;
      let best = 0;
      for (let k = 1; k < length; k++) if (isBetter(src[base + k * inner], src[base + best * inner], better)) best = k;
      positions[o * inner + j] = base + best * inner;
      indices[o * inner + j] = best;
    }
  }
  const shape = keepdim ? x.shape.map((s, i) => (i === d ? 1 : s)) : x.shape.filter((_, i) => i !== d);
  return { positions, indices: new Tensor(indices, shape), shape };
}

function isBetter(v: number, best: number, better: (a: number, b: number) => boolean): boolean {
  return !Number.isNaN(best) && (Number.isNaN(v) || better(v, best)); // NaN counts as the extreme, as in PyTorch
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
