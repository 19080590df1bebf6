// F.pad: pads the last dims by [left, right, top, bottom, ...] (the last dim first, as PyTorch).
// Every output element reads one input element or, in constant mode outside the input, the fill value:
// padding one dim is an indexSelect along it, and the gradient sends each output's gradient back to the
// element it read (indexAdd).

import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { checkedSize, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { clone as movementClone } from './movement.js';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Where output position o of a padded dim reads from in an input dim of length n (-1: the fill value). */
function sourcePosition(o: number, before: number, n: number, mode: PadMode): number {
  const i = o - before;
  if (mode === 'constant') return i >= 0 && i < n ? i : -1;
  if (mode === 'replicate') return Math.min(Math.max(i, 0), n - 1);
  if (mode === 'circular') return ((i % n) + n) % n;
  // reflect: mirror at the edges without repeating the edge element (… 2 1 | 0 1 2 … n-1 | n-2 …)
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

export function pad(x: Tensor, padding: readonly number[], options: { mode?: PadMode; value?: number } = {}): Tensor {
  const op = 'pad';
  const mode = options.mode ?? 'constant';
  const value = options.value ?? 0;
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new RangeError(`${op}: mode must be 'constant', 'reflect', 'replicate' or 'circular', got '${mode}'`);
  }
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.length / 2 > x.ndim || !padding.every(Number.isInteger)) {
    throw new RangeError(`${op}: padding must be an even-length list of integers [left, right, top, bottom, …] covering at most ${x.ndim} dims, got ${JSON.stringify(padding)}`);
  }
  const shape = [...x.shape];
  const befores = x.shape.map(() => 0);
  for (let k = 0; k < padding.length / 2; k++) {
    const d = x.ndim - 1 - k;
    const [before, after] = [padding[2 * k], padding[2 * k + 1]];
    const n = x.shape[d];
    if (mode !== 'constant' && (before < 0 || after < 0)) throw new RangeError(`${op}: negative padding is only allowed in constant mode, got ${JSON.stringify(padding)}`);
    if (mode === 'reflect' && (before >= n || after >= n)) {
      throw new RangeError(`${op}: reflect padding [${before},${after}] must be smaller than the padded dim (size ${n}) of input ${formatShape(x.shape)}`);
    }
    if (mode === 'circular' && (before > n || after > n)) {
      throw new RangeError(`${op}: circular padding [${before},${after}] must be at most the padded dim (size ${n}) of input ${formatShape(x.shape)}`);
    }
    if ((mode === 'replicate' || mode === 'circular') && n === 0) throw new RangeError(`${op}: cannot ${mode}-pad an empty dim`);
    shape[d] = n + before + after;
    befores[d] = before;
    if (shape[d] < 0) throw new RangeError(`${op}: padding ${JSON.stringify(padding)} leaves dim ${d} of ${formatShape(x.shape)} with negative size`);
  }

  checkedSize(shape, op);

  // one indexSelect per padded dim, innermost first: output position o of dim d reads input position
  // sourcePosition(o), or the fill value; the gradient adds each back (indexAdd) in reverse order
  let out = x;
  for (let d = x.ndim - 1; d >= x.ndim - padding.length / 2; d--) {
    const index = Float32Array.from({ length: shape[d] }, (_, o) => sourcePosition(o, befores[d], x.shape[d], mode));
    out = padDim(out, d, new Tensor(index, [shape[d]]), value, { mode, before: befores[d], after: shape[d] - x.shape[d] - befores[d] });
  }
  return out === x ? movementClone(x) : out;
}

/** `sides` (the mode and the padding at each end) only tell the op tracer what the index means. */
function padDim(x: Tensor, dim: number, index: Tensor, fill: number, sides: { mode: PadMode; before: number; after: number }): Tensor {
  const out = kernels().indexSelect(x, index, { dim, fill });
  return record(out, 'pad', [x], (g) => [kernels().indexAdd(g, index, { dim, size: x.shape[dim] })], { dim, index, fill, ...sides });
}
