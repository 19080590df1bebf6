// Indexing with a position per element: torch.gather, scatter, scatter_add, and where, which picks per
// element from two tensors. Index tensors hold float32 positions along one dim (exact below 2^24), as
// argmax's indices do.
//
//   gather:      out[…, k, …] = x[…, index[…, k, …], …]          (along dim; out has index's shape)
//                dx = scatterAdd(dy, index): each position gets the gradients of the outputs that read it
//   scatterAdd:  out = input, then out[…, index[…, k, …], …] += src[…, k, …]
//                dinput = dy,  dsrc = gather(dy, index)
//   scatter:     out = input, then out[…, index[…, k, …], …] = src[…, k, …]
//                dinput = dy where nothing was written (0 elsewhere),  dsrc = gather(dy, index)
//   where:       out = cond ? x : y  (broadcast), as a gather from [y, x] stacked with cond ≠ 0 as index
//
// Both kernels, `gather` and `scatterAdd`, want the index to cover x (or src) in every dim but `dim`;
// PyTorch allows an index that is smaller there, so the ops narrow x (slice) or pad the result first.
// An index on the CPU is checked (PyTorch refuses a position out of range); one on a device cannot be
// read without waiting, and there the kernels give NaN (gather) or skip (scatter) a position out of range.

import { record, traced } from '../autograd.js';
import { kernels } from '../backend.js';
import { broadcastShapes, formatShape, normDim } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { add, asTensor, ne } from './elementwise.js';
import { expand, slice, squeeze, unsqueeze } from './movement.js';
import { pad } from './pad.js';

/** torch.gather(input, dim, index): out[…, k, …] = input[…, index[…, k, …], …] along dim, index's shape. */
export function gather(input: Tensor, dim: number, index: Tensor): Tensor {
  const d = checkIndex('gather', input, dim, index);
  checkPositions('gather', index, input.shape[d], d);
  const x = narrow(input, index.shape, d);
  const out = kernels().gather(x, index, { dim: d });
  return record(out, 'gather', [x], (g) => [kernels().scatterAdd(g, index, { dim: d, size: x.shape[d] })], { dim: d, index });
}

/** torch.scatter_add(input, dim, index, src): input with src[…, k, …] added at position index[…, k, …] along dim (repeats add up). */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = checkIndex('scatterAdd', input, dim, index);
  checkSource('scatterAdd', src, index);
  checkPositions('scatterAdd', index, input.shape[d], d);
  const values = narrow(src, index.shape, -1);
  return traced(add(input, placed('scatterAdd', input.shape, d, index, values)), 'scatterAdd', [input, values], { dim: d, index }); // one op for an exporter
}

/**
 * torch.scatter(input, dim, index, src | value): input with src[…, k, …] (or the number `value`) written
 * at position index[…, k, …] along dim. PyTorch leaves unspecified which src value wins where the index
 * repeats a position, so with a tensor src a CPU index that repeats one is refused (use scatterAdd); on a
 * device index repeats are not seen, and add up.
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | number, options: { reduce?: never } = {}): Tensor {
  if (options.reduce !== undefined) throw new RangeError(`scatter: reduce is not supported (PyTorch deprecates it), got '${options.reduce}'; use scatterAdd for 'add'`);
  const d = checkIndex('scatter', input, dim, index);
  const value = typeof src === 'number' ? new Tensor(new Float32Array(index.size).fill(src), index.shape) : src;
  checkSource('scatter', value, index);
  checkPositions('scatter', index, input.shape[d], d, typeof src !== 'number');
  // where anything is written: the count of writes per position (a constant: it carries no gradient)
  const ones = new Tensor(new Float32Array(index.size).fill(1), index.shape);
  const written = padTo(kernels().scatterAdd(ones, index, { dim: d, size: input.shape[d] }), input.shape);
  const values = narrow(value, index.shape, -1);
  return traced(where(written, placed('scatter', input.shape, d, index, values), input), 'scatter', [input, values], { dim: d, index });
}

/** torch.where(condition, input, other): input where condition ≠ 0, else other, all broadcast together. */
export function where(condition: Tensor, input: TensorLike, other: TensorLike): Tensor {
  if (!(condition instanceof Tensor)) throw new TypeError(`where: condition must be a Tensor, got ${typeof condition}`);
  const [x, y] = [asTensor(input, 'where'), asTensor(other, 'where')];
  const shape = broadcastShapes(broadcastShapes(condition.shape, x.shape, 'where'), y.shape, 'where');
  // a gather picks each element exactly (input·c + other·(1 − c) would turn an unpicked ∞ or NaN into NaN);
  // its gradient sends dy to the picked side only
  const pick = unsqueeze(expand(ne(condition, 0), shape, 'where'), 0);
  const both = add(stackedAt(expand(y, shape, 'where'), 0), stackedAt(expand(x, shape, 'where'), 1));
  return traced(squeeze(gather(both, 0, pick), 0), 'where', [condition, x, y]);
}

/**
 * t at position k of a new dim 0 of size 2, the other position −0: the sum of two such tensors is
 * their stack, exactly (v + −0 is v for every v, −0 included; cat's fill 0 would turn a −0 into 0).
 */
function stackedAt(t: Tensor, k: 0 | 1): Tensor {
  const index = new Tensor(Float32Array.of(k === 0 ? 0 : -1, k === 0 ? -1 : 0), [2]);
  const out = kernels().indexSelect(unsqueeze(t, 0), index, { dim: 0, fill: -0 });
  return record(out, 'where', [t], (g) => [kernels().indexAdd(g, index, { dim: 0, size: 1 }).withShape(t.shape)]);
}

/** dim resolved, once index is checked against input: as many dims, no larger but along dim (PyTorch's rule). */
function checkIndex(op: string, input: Tensor, dim: number, index: Tensor): number {
  if (!(index instanceof Tensor)) throw new TypeError(`${op}: index must be a Tensor of positions, got ${typeof index}`);
  if (input.ndim === 0 || index.ndim !== input.ndim) {
    throw new RangeError(`${op}: index must have as many dims as input (at least 1), got index ${formatShape(index.shape)} for input ${formatShape(input.shape)}`);
  }
  const d = normDim(dim, input.ndim, op, input.shape);
  const bad = index.shape.findIndex((s, i) => s > input.shape[i] && i !== d);
  if (bad >= 0) throw new RangeError(`${op}: index ${formatShape(index.shape)} is larger than input ${formatShape(input.shape)} in dim ${bad} (only dim ${d} may be larger)`);
  return d;
}

function checkSource(op: string, src: Tensor, index: Tensor): void {
  if (!(src instanceof Tensor)) throw new TypeError(`${op}: src must be a Tensor, got ${typeof src}`);
  if (src.ndim !== index.ndim || index.shape.some((s, i) => s > src.shape[i])) {
    throw new RangeError(`${op}: src ${formatShape(src.shape)} must be at least as large as index ${formatShape(index.shape)} in every dim`);
  }
}

/** Refuses index entries that are no position 0 … length − 1 (and, if asked, repeated positions), when the index is on the CPU. */
function checkPositions(op: string, index: Tensor, length: number, d: number, unique = false): void {
  if (index.onDevice) return; // reading it would wait for the device (or throw, on webgpu)
  const I = index.data;
  const bad = I.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v < length));
  if (bad >= 0) throw new RangeError(`${op}: index ${I[bad]} (element ${bad}) is out of range for dim ${d} of size ${length}`);
  if (!unique) return;
  // repeats along d within one slice: entries with the same position and the same coordinates off d
  const inner = index.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const count = index.shape[d];
  const seen = new Set<number>();
  for (let i = 0; i < I.length; i++) {
    const column = Math.floor(i / (inner * count)) * inner + (i % inner);
    const key = column * length + I[i];
    if (seen.has(key)) throw new RangeError(`${op}: index repeats position ${I[i]} along dim ${d} (element ${i}); PyTorch leaves which value wins unspecified: use scatterAdd to add them`);
    seen.add(key);
  }
}

/** x sliced to `shape` in every dim but d (gather's narrowing); x itself where it fits. */
function narrow(x: Tensor, shape: readonly number[], d: number): Tensor {
  return x.shape.reduce((t, s, i) => (i !== d && shape[i] < s ? slice(t, i, 0, shape[i]) : t), x);
}

/** src's elements (narrowed to index's shape) added at index's positions along d into zeros of `shape`; `op` names the caller. */
function placed(op: string, shape: readonly number[], d: number, index: Tensor, src: Tensor): Tensor {
  const values = narrow(src, index.shape, -1);
  const out = kernels().scatterAdd(values, index, { dim: d, size: shape[d] });
  return padTo(record(out, op, [values], (g) => [kernels().gather(g, index, { dim: d })]), shape);
}

/** x with zeros after its end in every dim where it is shorter than `shape` (an index smaller than the input). */
function padTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.every((s, i) => s === shape[i])) return x;
  return pad(x, x.shape.flatMap((_, k) => [0, shape[x.ndim - 1 - k] - x.shape[x.ndim - 1 - k]]));
}
