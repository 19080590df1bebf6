// F.interpolate (behind nn.Upsample): resizes the spatial dims of [N, C, ...] with PyTorch's index rules.
// The modes are separable, so each spatial dim of length n is resized to `out` on its own:
//   nearest         out[o] = x[min(floor(o·scale), n − 1)]                  an indexSelect along the dim
//   nearest-exact   out[o] = x[min(floor((o + ½)·scale), n − 1)]
//   linear          out[o] = (1 − λ)·x[i₀] + λ·x[i₁],  i₀ = floor(src), i₁ = min(i₀ + 1, n − 1), λ = src − i₀
//   cubic           out[o] = Σⱼ cⱼ(t)·x[clamp(i₀ − 1 + j, 0, n − 1)], j = 0..3,  i₀ = floor(src), t = src − i₀,
//                   Keys' cubic convolution with A = −0.75 (PyTorch's): c₀ = k(t + 1), c₁ = k(t), c₂ = k(1 − t),
//                   c₃ = k(2 − t), k(s) = (A + 2)s³ − (A + 3)s² + 1 for s ≤ 1, A·s³ − 5A·s² + 8A·s − 4A for 1 < s < 2
//   area            out[o] = mean of x[floor(o·n/out) .. ceil((o + 1)·n/out)), adaptive average pooling
// linear, cubic and area are a matmul with the [out, n] interpolation matrix (a few weights a row), as
// the uneven adaptive average pooling of pool.ts; the gradient is the matmul's.
// Here scale = 1/scaleFactor when a scale factor is given (PyTorch keeps the one given, unless
// recomputeScaleFactor), else n/out, and the source position src = o·(n − 1)/(out − 1) with
// alignCorners, else (o + ½)·scale − ½, clamped at 0 for linear (not for cubic). A dim whose size does not
// change is left as it is (cubic: only when its scale is 1, as PyTorch's cubic kernel does not skip), and
// nearest doubling takes o >> 1, as PyTorch's kernels do. 'linear', 'bilinear', 'bicubic' and 'trilinear'
// need 1, 2, 2 and 3 spatial dims; nearest and area take 1 to 3. indexSelect's positions are float32,
// exact below 2^24.

import { parseArgs, type PyArgs } from '../options.js';
import { checkedSize, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { clone, indexSelect, reshape } from './movement.js';

export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area';

export interface InterpolateOptions {
  /** the output's spatial size: one number for every spatial dim, or one each */
  size?: number | readonly number[] | null;
  /** or a factor (one, or one per spatial dim): out = floor(n·scaleFactor) */
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  /** linear modes and bicubic only: map the corner pixels' centres onto each other (default false) */
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

/** How many spatial dims each interpolating mode needs (nearest, nearest-exact and area take 1 to 3). */
const interpolatingModes: Record<string, number> = { linear: 1, bilinear: 2, bicubic: 2, trilinear: 3 };
const modes = ['nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area'];

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
    // PyTorch copies such a dim, whatever the scale factor; its cubic kernel only when the scale is 1
    if (r.out === r.n && (mode !== 'bicubic' || alignCorners || indexScale(r) === 1)) return;
    const d = 2 + i;
    if (mode === 'nearest' || mode === 'nearest-exact') y = indexSelect(y, d, nearestIndex(r, mode === 'nearest-exact'));
    else if (mode === 'area') y = alongDim(y, d, r, (at) => areaTaps(at, r));
    else if (mode === 'bicubic') y = alongDim(y, d, r, (at) => cubicTaps(at, r, alignCorners));
    else y = alongDim(y, d, r, (at) => linearTaps(at, r, alignCorners));
  });
  return y === input ? clone(input) : y;
}

/** Checks the arguments and works out each spatial dim's resize. */
function resizePlan(op: string, x: Tensor, o: InterpolateOptions, mode: string): DimResize[] {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (!modes.includes(mode)) throw new RangeError(`${op}: mode must be one of ${modes.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(mode)}`);
  if (x.ndim < 3 || x.ndim > 5) throw new RangeError(`${op}: expected input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got ${formatShape(x.shape)}`);
  const spatial = x.shape.slice(2);
  const dims = interpolatingModes[mode];
  if (dims !== undefined && dims !== spatial.length) {
    throw new RangeError(`${op}: mode '${mode}' needs ${dims + 2}-D input [N, C, ${['L', 'H, W', 'D, H, W'][dims - 1]}], got ${formatShape(x.shape)}`);
  }
  if (o.alignCorners != null && dims === undefined) throw new RangeError(`${op}: alignCorners can only be set with the interpolating modes (linear, bilinear, bicubic, trilinear), not '${mode}'`);
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

/** Output position o's source positions along a dim and their weights: one row of the interpolation matrix. */
type Taps = (o: number) => Array<[index: number, weight: number]>;

/** The source position of output position o for the interpolating modes (see the header). */
function sourcePosition(o: number, r: DimResize, alignCorners: boolean): number {
  if (alignCorners) return o * (r.out > 1 ? (r.n - 1) / (r.out - 1) : 0);
  return (o + 0.5) * indexScale(r) - 0.5;
}

function linearTaps(o: number, r: DimResize, alignCorners: boolean): Array<[number, number]> {
  const src = Math.max(0, sourcePosition(o, r, alignCorners));
  const i0 = Math.min(Math.floor(src), r.n - 1);
  const lambda = Math.min(Math.max(src - i0, 0), 1);
  return [[i0, 1 - lambda], [Math.min(i0 + 1, r.n - 1), lambda]];
}

/** Keys' cubic convolution kernel with PyTorch's A = −0.75, at distance s ∈ [0, 2) from the sample. */
function cubicKernel(s: number): number {
  const A = -0.75;
  return s <= 1 ? ((A + 2) * s - (A + 3)) * s * s + 1 : ((A * s - 5 * A) * s + 8 * A) * s - 4 * A;
}

function cubicTaps(o: number, r: DimResize, alignCorners: boolean): Array<[number, number]> {
  const src = sourcePosition(o, r, alignCorners);
  const i0 = Math.floor(src);
  const t = src - i0;
  const distances = [t + 1, t, 1 - t, 2 - t];
  // the border's samples are repeated (PyTorch clamps the indices)
  return distances.map((s, j) => [Math.min(Math.max(i0 - 1 + j, 0), r.n - 1), cubicKernel(s)]);
}

/** Output position o averages its adaptive window, as adaptiveAvgPool2d's (pool.ts). */
function areaTaps(o: number, r: DimResize): Array<[number, number]> {
  const start = Math.floor((o * r.n) / r.out);
  const end = Math.ceil(((o + 1) * r.n) / r.out);
  return Array.from({ length: end - start }, (_, k) => [start + k, 1 / (end - start)]);
}

/** The [out, n] matrix whose row o holds output position o's taps, or its transpose [n, out] (for the last dim, which is multiplied from the right). */
function interpolationMatrix(r: DimResize, taps: Taps, transpose: boolean): Tensor {
  const { n, out } = r;
  const m = new Float32Array(out * n);
  for (let o = 0; o < out; o++) {
    for (const [i, w] of taps(o)) m[transpose ? i * out + o : o * n + i] += w;
  }
  return new Tensor(m, transpose ? [n, out] : [out, n]);
}

/** x resized along dim d from n to `out` by the interpolation matrix: a matmul over x seen as [..., n, rest]. */
function alongDim(x: Tensor, d: number, r: DimResize, taps: Taps): Tensor {
  const lead = x.shape.slice(0, d);
  const trail = x.shape.slice(d + 1);
  if (trail.length === 0) return matmul(x, interpolationMatrix(r, taps, true)); // the last dim: x·Mᵀ, no reshapes
  const rest = trail.reduce((a, b) => a * b, 1);
  return reshape(matmul(interpolationMatrix(r, taps, false), reshape(x, [...lead, r.n, rest])), [...lead, r.out, ...trail]);
}
