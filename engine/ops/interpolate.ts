// F.interpolate (behind nn.Upsample): resizes the spatial dims of [N, C, ...] with PyTorch's index rules.
// The modes are separable, so each spatial dim of length n is resized to `out` on its own:
//   nearest         out[o] = x[min(floor(o·scale), n − 1)]                  an indexSelect along the dim
//   nearest-exact   out[o] = x[min(floor((o + ½)·scale), n − 1)]
//   linear          out[o] = (1 − λ)·x[i₀] + λ·x[i₁],  i₀ = floor(src), i₁ = min(i₀ + 1, n − 1), λ = src − i₀
//                   a matmul with the [out, n] interpolation matrix (two weights a row), as the uneven
//                   adaptive average pooling of pool.ts; its gradient is the matmul's
// where scale = 1/scaleFactor when a scale factor is given (PyTorch keeps the one given, unless
// recomputeScaleFactor), else n/out, and the source position src = o·(n − 1)/(out − 1) with
// alignCorners, else max(0, (o + ½)·scale − ½). A dim whose size does not change is left as it is, and
// nearest doubling takes o >> 1, as PyTorch's kernels do. 'linear', 'bilinear' and 'trilinear' are the
// linear mode over 1, 2 and 3 spatial dims; indexSelect's positions are float32, exact below 2^24.

import { parseArgs, type PyArgs } from '../options.js';
import { checkedSize, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { clone, indexSelect, reshape } from './movement.js';

export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'trilinear';

export interface InterpolateOptions {
  /** the output's spatial size: one number for every spatial dim, or one each */
  size?: number | readonly number[] | null;
  /** or a factor (one, or one per spatial dim): out = floor(n·scaleFactor) */
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  /** linear modes only: map the corner pixels' centres onto each other (default false) */
  alignCorners?: boolean | null;
  /** compute the index scale from the sizes (n/out) rather than from the scale factor given */
  recomputeScaleFactor?: boolean | null;
  /** PyTorch's antialias: only false */
  antialias?: boolean;
}

const positional = { size: 'integer|array|null', scaleFactor: 'number|array|null', mode: 'string', alignCorners: 'boolean|null', recomputeScaleFactor: 'boolean|null', antialias: 'boolean' } as const;

export type InterpolateArgs = PyArgs<
  [],
  [size: number | readonly number[] | null | undefined, scaleFactor: number | readonly number[] | null | undefined, mode: InterpolateMode | undefined, alignCorners: boolean | null | undefined, recomputeScaleFactor: boolean | null | undefined, antialias: boolean | undefined],
  InterpolateOptions
>;

/** How many spatial dims each linear mode needs (nearest takes 1 to 3). */
const linearModes: Record<string, number> = { linear: 1, bilinear: 2, trilinear: 3 };

/** One spatial dim's resize: its length before and after, and the scale factor PyTorch's index rule uses (if any). */
interface DimResize {
  n: number;
  out: number;
  scaleFactor: number | undefined;
}

/** F.interpolate: `interpolate(x, [8, 8])`, `interpolate(x, null, 2, 'bilinear')` or `interpolate(x, { scaleFactor: 2, mode: 'bilinear' })`. */
export function interpolate(input: Tensor, ...args: InterpolateArgs): Tensor {
  const op = 'interpolate';
  const o = parseArgs(op, args, positional) as InterpolateOptions;
  const mode = o.mode ?? 'nearest';
  const resizes = resizePlan(op, input, o, mode);
  const alignCorners = o.alignCorners ?? false;
  let y = input;
  resizes.forEach((r, i) => {
    if (r.out === r.n) return; // PyTorch copies such a dim, whatever the scale factor
    const d = 2 + i;
    y = mode in linearModes ? alongDim(y, d, r, alignCorners) : indexSelect(y, d, nearestIndex(r, mode === 'nearest-exact'));
  });
  return y === input ? clone(input) : y;
}

/** Checks the arguments and works out each spatial dim's resize. */
function resizePlan(op: string, x: Tensor, o: InterpolateOptions, mode: string): DimResize[] {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (!['nearest', 'nearest-exact', ...Object.keys(linearModes)].includes(mode)) {
    throw new RangeError(`${op}: mode must be 'nearest', 'nearest-exact', 'linear', 'bilinear' or 'trilinear', got ${JSON.stringify(mode)} (bicubic and area are not supported)`);
  }
  if (x.ndim < 3 || x.ndim > 5) throw new RangeError(`${op}: expected input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got ${formatShape(x.shape)}`);
  const spatial = x.shape.slice(2);
  if (mode in linearModes && linearModes[mode] !== spatial.length) {
    throw new RangeError(`${op}: mode '${mode}' needs ${linearModes[mode] + 2}-D input [N, C, ${['L', 'H, W', 'D, H, W'][linearModes[mode] - 1]}], got ${formatShape(x.shape)}`);
  }
  if (o.alignCorners != null && !(mode in linearModes)) throw new RangeError(`${op}: alignCorners can only be set with the linear modes (linear, bilinear, trilinear), not '${mode}'`);
  if (o.antialias) throw new RangeError(`${op}: antialias true is not supported (only false)`);
  const { size, scaleFactor } = o;
  if ((size == null) === (scaleFactor == null)) throw new RangeError(`${op}: give exactly one of size and scaleFactor, got ${size == null ? 'neither' : 'both'}`);
  const perDim = <T>(v: T | readonly T[], name: string): T[] => {
    const list = Array.isArray(v) ? [...(v as readonly T[])] : spatial.map(() => v as T);
    if (list.length !== spatial.length) {
      throw new RangeError(`${op}: ${name} ${JSON.stringify(v)} must have one entry per spatial dim of input ${formatShape(x.shape)} (${spatial.length})`);
    }
    return list;
  };
  let resizes: DimResize[];
  if (size != null) {
    resizes = perDim(size, 'size').map((out, i) => {
      if (!Number.isInteger(out) || out < 1) throw new RangeError(`${op}: size must hold positive integers, got ${JSON.stringify(size)}`);
      return { n: spatial[i], out, scaleFactor: undefined };
    });
  } else {
    const keepFactor = !o.recomputeScaleFactor;
    resizes = perDim(scaleFactor!, 'scaleFactor').map((f, i) => {
      if (typeof f !== 'number' || !(f > 0) || !Number.isFinite(f)) throw new RangeError(`${op}: scaleFactor must hold positive numbers, got ${JSON.stringify(scaleFactor)}`);
      return { n: spatial[i], out: Math.floor(spatial[i] * f), scaleFactor: keepFactor ? f : undefined };
    });
  }
  const outShape = [...x.shape.slice(0, 2), ...resizes.map((r) => r.out)];
  if (resizes.some((r) => r.out < 1 || r.n < 1)) throw new RangeError(`${op}: input ${formatShape(x.shape)} and output ${formatShape(outShape)} must both have every spatial size above 0`);
  checkedSize(outShape, op);
  return resizes;
}

/**
 * The ratio of source to output positions, in float32 as PyTorch's kernels compute it (nearest's index
 * depends on its rounding): 1/scaleFactor when one was given, else n/out.
 */
function indexScale(r: DimResize): number {
  return r.scaleFactor !== undefined ? Math.fround(1 / r.scaleFactor) : Math.fround(r.n / r.out);
}

/** The source position of each output position (nearest or nearest-exact), for indexSelect. */
function nearestIndex(r: DimResize, exact: boolean): Tensor {
  const scale = indexScale(r);
  const index = Float32Array.from({ length: r.out }, (_, o) => {
    if (!exact && r.out === 2 * r.n) return o >> 1;
    return Math.min(Math.floor(Math.fround((exact ? o + 0.5 : o) * scale)), r.n - 1);
  });
  return new Tensor(index, [r.out]);
}

/**
 * The [out, n] matrix whose row o holds the two weights of output position o's linear interpolation, or
 * its transpose [n, out] (for the last dim, which is multiplied from the right).
 */
function linearWeights(r: DimResize, alignCorners: boolean, transpose: boolean): Tensor {
  const { n, out } = r;
  const scale = alignCorners ? (out > 1 ? (n - 1) / (out - 1) : 0) : indexScale(r);
  const m = new Float32Array(out * n);
  const at = (o: number, i: number) => (transpose ? i * out + o : o * n + i);
  for (let o = 0; o < out; o++) {
    const src = alignCorners ? o * scale : Math.max(0, (o + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), n - 1);
    const i1 = Math.min(i0 + 1, n - 1);
    const lambda = Math.min(Math.max(src - i0, 0), 1);
    m[at(o, i0)] += 1 - lambda;
    m[at(o, i1)] += lambda;
  }
  return new Tensor(m, transpose ? [n, out] : [out, n]);
}

/** x resized along dim d from n to `out` by the interpolation matrix: a matmul over x seen as [..., n, rest]. */
function alongDim(x: Tensor, d: number, r: DimResize, alignCorners: boolean): Tensor {
  const lead = x.shape.slice(0, d);
  const trail = x.shape.slice(d + 1);
  if (trail.length === 0) return matmul(x, linearWeights(r, alignCorners, true)); // the last dim: x·Mᵀ, no reshapes
  const rest = trail.reduce((a, b) => a * b, 1);
  return reshape(matmul(linearWeights(r, alignCorners, false), reshape(x, [...lead, r.n, rest])), [...lead, r.out, ...trail]);
}
