// Ops that move values without computing new ones: reshape, permute, expand, slice, index, cat, stack.
// Tensors are always contiguous, so reshape and its relatives share the buffer; ops that reorder
// elements copy through a kernel: permute, transpose and expand read a strided view (stridedCopy);
// slice, index and cat pick positions along one dim (indexSelect), and their gradients add them back
// (indexAdd).

import { record, traced } from '../autograd.js';
import { kernels } from '../backend.js';
import { checkedSize, formatShape, normDim, sameShape, sizeOf, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { sumToShape } from './reduce.js';

export function clone(x: Tensor): Tensor {
  return record(copyView(x, x.shape, stridesOf(x.shape)), 'clone', [x], (g) => [g]);
}

/** x read through a view (shape, strides, offset), as a new contiguous tensor. */
function copyView(x: Tensor, shape: readonly number[], strides: readonly number[], offset = 0): Tensor {
  return kernels().stridedCopy(x, { shape, strides, offset });
}

/** The positions start, start + step, … (count of them) along a dim, as indexSelect's index. */
function positions(count: number, start = 0, step = 1): Tensor {
  return new Tensor(Float32Array.from({ length: count }, (_, k) => start + k * step), [count]);
}

/** New shape, same elements in the same order; one dim may be -1 (inferred). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[], op = 'reshape'): Tensor {
  const target = inferShape(x, shape, op);
  return record(x.withShape(target), op, [x], (g) => [g.withShape(x.shape)]);
}

function inferShape(x: Tensor, shape: readonly number[], op: string): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new RangeError(`${op}: only one dim can be -1, got ${formatShape(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < -1) throw new RangeError(`${op}: invalid shape ${formatShape(shape)}`);
  }
  const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
  if (unknown === 1 && known === 0 && x.size === 0) {
    // as PyTorch: with a 0 elsewhere in the shape, every size fits the -1
    throw new RangeError(`${op}: shape ${formatShape(shape)} is invalid for a tensor of shape ${formatShape(x.shape)} (0 elements): the -1 is ambiguous, any size would fit`);
  }
  const target = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (sizeOf(target) !== x.size || !target.every(Number.isInteger)) {
    throw new RangeError(`${op}: shape ${formatShape(shape)} is invalid for a tensor of shape ${formatShape(x.shape)} (${x.size} elements)`);
  }
  return target;
}

/** Merges dims startDim..endDim into one, like torch.flatten (which starts at 0; nn.Flatten starts at 1). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1], 'flatten');
  const start = normDim(startDim, x.ndim, 'flatten', x.shape);
  const end = normDim(endDim, x.ndim, 'flatten', x.shape);
  if (start > end) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim} for shape ${formatShape(x.shape)}`);
  const merged = sizeOf(x.shape.slice(start, end + 1));
  return reshape(x, [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)], 'flatten');
}

/** Drops dims of size 1 (only `dim` if given; a dim of another size is left as it is, as in PyTorch). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1), 'squeeze');
  if (x.ndim === 0) return x;
  const d = normDim(dim, x.ndim, 'squeeze', x.shape);
  return x.shape[d] === 1 ? reshape(x, x.shape.filter((_, i) => i !== d), 'squeeze') : x;
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1, 'unsqueeze', x.shape);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)], 'unsqueeze');
}

/** Reorders dims: output dim i is input dim dims[i]. Copies. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new RangeError(`permute: got ${dims.length} dims ${formatShape(dims)} for a tensor with ${x.ndim} dims (shape ${formatShape(x.shape)})`);
  }
  const order = dims.map((d) => normDim(d, x.ndim, 'permute', x.shape));
  if (new Set(order).size !== order.length) throw new RangeError(`permute: dims ${formatShape(dims)} repeat a dim`);
  const strides = stridesOf(x.shape);
  const shape = order.map((d) => x.shape[d]);
  const out = copyView(x, shape, order.map((d) => strides[d]));
  const inverse = order.map((_, i) => order.indexOf(i));
  return record(out, 'permute', [x], (g) => [permute(g, inverse)], { dims: order });
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const order = x.shape.map((_, i) => i);
  const a = normDim(dim0, x.ndim, 'transpose', x.shape);
  const b = normDim(dim1, x.ndim, 'transpose', x.shape);
  [order[a], order[b]] = [order[b], order[a]];
  return permute(x, order);
}

/**
 * Broadcasts to a larger shape (-1 keeps a dim). Copies (tensors are contiguous); the gradient sums
 * the copies back. `op` names the caller in errors (matmul expands its batch dims).
 */
export function expand(x: Tensor, shape: readonly number[], op = 'expand'): Tensor {
  if (shape.length < x.ndim) {
    throw new RangeError(`${op}: the target shape ${formatShape(shape)} has fewer dims than the tensor ${formatShape(x.shape)}`);
  }
  const offset = shape.length - x.ndim;
  const own = stridesOf(x.shape);
  const strides: number[] = [];
  const target = shape.map((d, i) => {
    const j = i - offset;
    const from = j >= 0 ? x.shape[j] : 1;
    const size = d === -1 && j >= 0 ? from : d;
    if (from !== size && from !== 1) {
      throw new RangeError(`${op}: cannot expand shape ${formatShape(x.shape)} to ${formatShape(shape)} (dim ${i}: ${from} is not 1)`);
    }
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`${op}: invalid target shape ${formatShape(shape)}`);
    strides.push(j < 0 || from !== size ? 0 : own[j]);
    return size;
  });
  if (sameShape(target, x.shape)) return x;
  checkedSize(target, op);
  return record(copyView(x, target, strides), 'expand', [x], (g) => [sumToShape(g, x.shape)]);
}

/** x[start:end:step] along `dim`, with Python's rules for negative and out-of-range bounds. Copies. */
export function slice(x: Tensor, dim: number, start = 0, end = Infinity, step = 1): Tensor {
  const d = normDim(dim, x.ndim, 'slice', x.shape);
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  for (const [name, bound] of [['start', start], ['end', end]] as const) {
    if (!Number.isInteger(bound) && Math.abs(bound) !== Infinity) throw new RangeError(`slice: ${name} must be an integer, got ${bound}`);
  }
  const n = x.shape[d];
  const clampIndex = (i: number): number => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const from = clampIndex(start);
  const to = Math.max(clampIndex(end), from);
  checkedSize(x.shape.map((s, i) => (i === d ? Math.ceil((to - from) / step) : s)), 'slice');
  return select(x, d, positions(Math.ceil((to - from) / step), from, step), 'slice');
}

/** x's positions `index` (a 1-d tensor) along dim d; the gradient adds each back where it came from. */
export function indexSelect(x: Tensor, d: number, index: Tensor): Tensor {
  return select(x, d, index, 'indexSelect');
}

function select(x: Tensor, d: number, index: Tensor, op: string): Tensor {
  const out = kernels().indexSelect(x, index, { dim: d, fill: 0 });
  return record(out, op, [x], (g) => [kernels().indexAdd(g, index, { dim: d, size: x.shape[d] })], { dim: d, index });
}

/** Selects along dim 0: a number picks one row and drops the dim; a list gathers rows (repeats allowed). */
export function index(x: Tensor, indices: number | readonly number[] | Int32Array | Tensor): Tensor {
  if (x.ndim === 0) throw new RangeError('index: a 0-d tensor cannot be indexed');
  const rows = x.shape[0];
  if (indices instanceof Tensor && indices.ndim !== 1) {
    throw new RangeError(`index: a Tensor of indices must be 1-d, got shape ${formatShape(indices.shape)}`);
  }
  const list = typeof indices === 'number' ? [indices] : indices instanceof Tensor ? Array.from(indices.data) : Array.isArray(indices) || indices instanceof Int32Array ? Array.from(indices) : null;
  if (list === null) throw new TypeError(`index: expected a number, a number[], an Int32Array or a 1-d Tensor of indices, got ${typeof indices}`);
  const picked = list.map((i) => {
    if (!Number.isInteger(i) || i < -rows || i >= rows) {
      throw new RangeError(`index: index ${i} is out of range for dim 0 of size ${rows} (shape ${formatShape(x.shape)})`);
    }
    return i < 0 ? i + rows : i;
  });
  checkedSize([picked.length, ...x.shape.slice(1)], 'index');
  const out = select(x, 0, new Tensor(Float32Array.from(picked), [picked.length]), 'index');
  return typeof indices === 'number' ? reshape(out, x.shape.slice(1), 'index') : out;
}

/** Joins tensors along an existing dim; all other dims must match. `op` names the caller in the size error (stack). */
export function cat(tensors: readonly Tensor[], dim = 0, op = 'cat'): Tensor {
  if (tensors.length === 0) throw new RangeError('cat: expected a non-empty list of tensors');
  const first = tensors[0];
  const d = normDim(dim, first.ndim, 'cat', first.shape);
  tensors.forEach((t, k) => {
    if (!(t instanceof Tensor)) throw new TypeError(`cat: item ${k} is not a Tensor`);
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new RangeError(`cat: tensor ${k} has shape ${formatShape(t.shape)} but tensor 0 has ${formatShape(first.shape)}; only dim ${d} may differ`);
    }
  });
  const total = tensors.reduce((n, t) => n + t.shape[d], 0);
  checkedSize(first.shape.map((s, i) => (i === d ? total : s)), op);
  // each part placed at its offset along d in an otherwise zero tensor (indexSelect's fill), summed
  let start = 0;
  const placed = tensors.map((t) => {
    const index = Float32Array.from({ length: total }, (_, k) => (k >= start && k < start + t.shape[d] ? k - start : -1));
    start += t.shape[d];
    return select(t, d, new Tensor(index, [total]), op);
  });
  return traced(placed.slice(1).reduce((a, b) => add(a, b), placed[0]), 'cat', tensors, { dim: d });
}

/** Joins same-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack: expected a non-empty list of tensors');
  const first = tensors[0];
  tensors.forEach((t, k) => {
    if (!(t instanceof Tensor)) throw new TypeError(`stack: item ${k} is not a Tensor`);
    if (!sameShape(t.shape, first.shape)) {
      throw new RangeError(`stack: all tensors must have the same shape, but tensor ${k} has ${formatShape(t.shape)} and tensor 0 has ${formatShape(first.shape)}`);
    }
  });
  const d = normDim(dim, first.ndim + 1, 'stack', first.shape);
  return cat(tensors.map((t) => unsqueeze(t, d)), d, 'stack');
}
