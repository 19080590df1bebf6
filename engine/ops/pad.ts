// F.pad: pads the last dims by [left, right, top, bottom, ...] (the last dim first, as PyTorch).
// Every output element reads one input element or, in constant mode outside the input, the fill value;
// the gradient sends each output's gradient back to the element it read.

import { record } from '../autograd.js';
import { checkedSize, formatShape, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';

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

  // the flat input index of every output element, built one dim at a time
  const strides = stridesOf(x.shape);
  let source = Int32Array.of(0);
  shape.forEach((len, d) => {
    const next = new Int32Array(source.length * len);
    for (let j = 0; j < source.length; j++) {
      for (let o = 0; o < len; o++) {
        const i = sourcePosition(o, befores[d], x.shape[d], mode);
        next[j * len + o] = source[j] < 0 || i < 0 ? -1 : source[j] + i * strides[d];
      }
    }
    source = next;
  });

  const X = x.data;
  const out = Float32Array.from(source, (s) => (s < 0 ? value : X[s]));
  return record(new Tensor(out, shape), op, [x], (g) => {
    const G = g.data;
    const gx = new Float32Array(x.size);
    source.forEach((s, i) => {
      if (s >= 0) gx[s] += G[i];
    });
    return [new Tensor(gx, x.shape)];
  });
}
