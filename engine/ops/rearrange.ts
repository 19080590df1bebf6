// Ops that rearrange elements, composed of the movement ops (whose gradients they inherit):
//   split / chunk   pieces along a dim (slices)
//   flip            positions reversed along dims:            out[k] = x[n − 1 − k]   (one indexSelect per dim)
//   roll            positions rotated along dims:             out[k] = x[(k − shift) mod n]
//   repeat / tile   copies laid side by side: x viewed as [1, s0, 1, s1, …], expanded to [r0, s0, r1, s1, …]
//                   and merged to [r0·s0, r1·s1, …] (one strided copy; the gradient sums the copies)
//   cumsum          running sums along a dim, by doubling: after step s every element holds the sum of
//                   the 2^s elements up to it, y ← y + (y shifted by 2^s, zeros shifted in); ⌈log₂ n⌉
//                   steps of one indexSelect and one add each, exact for ±∞ and NaN (a product with a
//                   triangular matrix would give ∞·0 = NaN)

import { traced } from '../autograd.js';
import { checkedSize, formatShape, normDim, normDims } from '../shape.js';
import { Tensor } from '../tensor.js';
import { parseArgs, type PyArgs } from '../options.js';
import { add } from './elementwise.js';
import { clone, expand, indexSelect, reshape, slice } from './movement.js';

const positions = (values: number[]) => new Tensor(Float32Array.from(values), [values.length]);

/** torch.split(tensor, split_size_or_sections, dim=0): pieces of `size` along dim (the last may be shorter), or of the listed sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim(dim, Math.max(x.ndim, 1), 'split', x.shape);
  if (x.ndim === 0) throw new RangeError('split: a 0-d tensor cannot be split');
  const n = x.shape[d];
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections < 0 || (sizeOrSections === 0 && n > 0)) {
      throw new RangeError(`split: split_size must be a positive integer, got ${sizeOrSections}`);
    }
    sizes = n === 0 ? [0] : Array.from({ length: Math.ceil(n / sizeOrSections) }, (_, k) => Math.min(sizeOrSections, n - k * sizeOrSections));
  } else {
    sizes = [...sizeOrSections];
    if (!sizes.every((s) => Number.isInteger(s) && s >= 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new RangeError(`split: the sections ${JSON.stringify(sizeOrSections)} must be non-negative integers summing to ${n} (dim ${dim} of shape ${formatShape(x.shape)})`);
    }
  }
  let start = 0;
  return sizes.map((s) => slice(x, d, start, (start += s)));
}

/** torch.chunk(input, chunks, dim=0): pieces of ⌈n / chunks⌉ along dim (fewer pieces when that covers n sooner, as PyTorch). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim(dim, Math.max(x.ndim, 1), 'chunk', x.shape);
  if (x.ndim === 0) throw new RangeError('chunk: a 0-d tensor cannot be chunked');
  return split(x, Math.max(Math.ceil(x.shape[d] / chunks), 1), d);
}

/** torch.flip(input, dims): the order of the positions reversed along each of dims. */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  if (x.ndim === 0) return clone(x);
  const list = normDims(dims, x.shape, 'flip');
  return list.reduce((t, d) => indexSelect(t, d, positions(Array.from({ length: t.shape[d] }, (_, k) => t.shape[d] - 1 - k))), x);
}

/**
 * torch.roll(input, shifts, dims=None): positions rotated by shifts along dims (an element moves from k
 * to k + shift, wrapping around); without dims, over the flattened tensor, then reshaped back.
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor {
  const shiftList = typeof shifts === 'number' ? [shifts] : [...shifts];
  if (!shiftList.every(Number.isInteger)) throw new TypeError(`roll: shifts must be integers, got ${JSON.stringify(shifts)}`);
  if (dims === undefined || dims === null) {
    if (shiftList.length !== 1) throw new RangeError(`roll: without dims, shifts must be one number, got ${JSON.stringify(shifts)}`);
    return reshape(roll(reshape(x, [x.size], 'roll'), shiftList, 0), x.shape, 'roll');
  }
  const dimList = typeof dims === 'number' ? [dims] : [...dims];
  if (dimList.length !== shiftList.length) throw new RangeError(`roll: shifts ${JSON.stringify(shifts)} and dims ${JSON.stringify(dims)} must have the same length`);
  if (x.ndim === 0) return clone(x);
  return dimList.reduce((t, dim, k) => {
    const d = normDim(dim, t.ndim, 'roll', t.shape);
    const n = t.shape[d];
    return n === 0 ? t : indexSelect(t, d, positions(Array.from({ length: n }, (_, i) => (((i - shiftList[k]) % n) + n) % n)));
  }, x);
}

/** Tensor.repeat(*sizes): x laid out sizes[i] times along each dim; sizes may add leading dims, never drop one. */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new RangeError(`repeat: got ${sizes.length} repeat sizes ${JSON.stringify(sizes)} for a tensor with ${x.ndim} dims (shape ${formatShape(x.shape)}); give at least one per dim`);
  }
  if (!sizes.every((r) => Number.isInteger(r) && r >= 0)) throw new RangeError(`repeat: repeat sizes must be non-negative integers, got ${JSON.stringify(sizes)}`);
  const shape = [...sizes.slice(0, sizes.length - x.ndim).map(() => 1), ...x.shape];
  const out = shape.map((s, i) => s * sizes[i]);
  checkedSize(out, 'repeat');
  const spread = reshape(x, shape.flatMap((s) => [1, s]), 'repeat');
  return reshape(expand(spread, shape.flatMap((s, i) => [sizes[i], s]), 'repeat'), out, 'repeat');
}

/** torch.tile(input, dims): repeat, with dims padded by leading 1s when it has fewer entries than input has dims. */
export function tile(x: Tensor, dims: readonly number[]): Tensor {
  if (!Array.isArray(dims)) throw new TypeError(`tile: dims must be a list of repeat sizes, got ${typeof dims}`);
  return repeat(x, [...x.shape.slice(dims.length).map(() => 1), ...dims]);
}

export interface CumsumOptions {
  dim?: number;
}

/** torch.cumsum(input, dim): out[k] = Σ x[0 … k] along dim (see the header for how). */
export function cumsum(x: Tensor, ...args: PyArgs<[number], [], CumsumOptions> | [CumsumOptions]): Tensor {
  const o = parseArgs('cumsum', args, { dim: 'integer' }) as CumsumOptions;
  if (o.dim === undefined) throw new TypeError('cumsum: dim is required (torch.cumsum(input, dim))');
  if (x.ndim === 0) return add(x, 0);
  const d = normDim(o.dim, x.ndim, 'cumsum', x.shape);
  const n = x.shape[d];
  let y = x;
  for (let step = 1; step < n; step *= 2) {
    // position k reads k − step, or the fill 0 (−1) before the start
    y = add(y, indexSelect(y, d, positions(Array.from({ length: n }, (_, k) => (k >= step ? k - step : -1)))));
  }
  return traced(y === x ? add(x, 0) : y, 'cumsum', [x], { dim: d }); // one op for an exporter
}
