// Ops that move values without computing new ones: reshape, permute, expand, slice, index, cat, stack.
// Tensors are always contiguous, so reshape and its relatives share the buffer; ops that reorder
// elements (permute, transpose, expand, slice) copy through one strided walk (strided.ts), and their
// gradients walk the same way back.

import { record } from '../autograd.js';
import { checkedSize, formatShape, normDim, sameShape, sizeOf, stridesOf } from '../shape.js';
import { stridedGather, stridedScatterAdd } from '../strided.js';
import { Tensor } from '../tensor.js';
import { sumToShape } from './reduce.js';

export function clone(x: Tensor): Tensor {
  return record(new Tensor(x.data.slice(), x.shape), 'clone', [x], (g) => [g]);
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
  const out = new Tensor(stridedGather(x.data, shape, order.map((d) => strides[d])), shape);
  const inverse = order.map((_, i) => order.indexOf(i));
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
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
  return record(new Tensor(stridedGather(x.data, target, strides), target), 'expand', [x], (g) => [sumToShape(g, x.shape)]);
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
  const shape = [...x.shape];
  shape[d] = Math.ceil((to - from) / step);
  const own = stridesOf(x.shape);
  const strides = own.map((s, i) => (i === d ? s * step : s));
  const offset = from * own[d];
  const out = new Tensor(stridedGather(x.data, shape, strides, offset), shape);
  return record(out, 'slice', [x], (g) => [new Tensor(stridedScatterAdd(new Float32Array(x.size), g.data, shape, strides, offset), x.shape)]);
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
  const rowSize = sizeOf(x.shape.slice(1));
  const shape = typeof indices === 'number' ? x.shape.slice(1) : [picked.length, ...x.shape.slice(1)];
  const src = x.data;
  const out = new Float32Array(checkedSize(shape, 'index'));
  picked.forEach((r, k) => out.set(src.subarray(r * rowSize, (r + 1) * rowSize), k * rowSize));
  return record(new Tensor(out, shape), 'index', [x], (g) => {
    const gx = new Float32Array(x.size);
    const gd = g.data;
    picked.forEach((r, k) => {
      for (let j = 0; j < rowSize; j++) gx[r * rowSize + j] += gd[k * rowSize + j];
    });
    return [new Tensor(gx, x.shape)];
  });
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
  const shape = [...first.shape];
  shape[d] = tensors.reduce((n, t) => n + t.shape[d], 0);
  const outer = sizeOf(first.shape.slice(0, d));
  const blocks = tensors.map((t) => sizeOf(t.shape.slice(d))); // contiguous block per outer index
  const total = blocks.reduce((a, b) => a + b, 0);
  const out = new Float32Array(checkedSize(shape, op));
  let offset = 0;
  tensors.forEach((t, k) => {
    const src = t.data;
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * blocks[k], (o + 1) * blocks[k]), o * total + offset);
    offset += blocks[k];
  });
  return record(new Tensor(out, shape), 'cat', tensors, (g) => {
    let start = 0;
    return tensors.map((t) => {
      const part = slice(g, d, start, start + t.shape[d]);
      start += t.shape[d];
      return part;
    });
  });
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
