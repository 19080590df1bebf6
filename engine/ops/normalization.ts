// Layer, group, instance and local response normalization, PyTorch's F.layer_norm, F.group_norm,
// F.instance_norm and F.local_response_norm.
//
// The first three standardize groups of values by their own mean and biased variance, then apply an
// optional affine map. Every group is a contiguous run of `count` values of the row-major input, so x
// is seen as [rows, count] with one row per group:
//   layerNorm:    a row per element of the leading dims, over the normalized (last) dims
//   groupNorm:    a row per (sample, group), over the group's channels and all spatial positions
//   instanceNorm: a row per (sample, channel), over the spatial positions
// and the standardization of rows is batch normalization's arithmetic with rows as channels (outer 1,
// inner count), so it runs through batch norm's kernels, two passes each way:
//   x̂ = (x − μ)·r,  r = 1/√(σ² + eps)          dx = r·(dy − mean(dy) − x̂·mean(dy·x̂))
// With S1 = Σ dy and S2 = Σ dy·(x − μ) over the row: dx = dy·r + (x − μ)·(−r³·S2/count) + (−r·S1/count),
// the form of batchNormBackward. The affine maps (weight and bias, per normalized element for layerNorm,
// per channel for the others) are ordinary broadcasting mul and add, whose gradients autograd has.
//
// localResponseNorm divides each value by (k + α·mean of x² over `size` neighbouring channels)^β,
// composed of avgPool2d over the channels (and pad, for an even size) as PyTorch composes it.

import { noGrad, record } from '../autograd.js';
import { kernels } from '../backend.js';
import { parseArgs, type PyArgs } from '../options.js';
import { formatShape, sameShape } from '../shape.js';
import { adoptValues, Tensor } from '../tensor.js';
import { batchNorm } from './batchnorm.js';
import { add, div, mul, pow } from './elementwise.js';
import { reshape } from './movement.js';
import { pad } from './pad.js';
import { avgPool2d } from './pool.js';
import { mean as meanOver } from './reduce.js';

function checkedInput(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor input, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tg.tensor)' : typeof x}`);
  return x;
}

function checkedEps(op: string, eps: number): number {
  if (!Number.isFinite(eps) || eps < 0) throw new RangeError(`${op}: eps must be a finite number >= 0, got ${eps}`);
  return eps;
}

/** Throws unless t is null or has exactly `shape`, naming the op, the argument and the input. */
function checkShape(op: string, name: string, t: Tensor | null, shape: readonly number[], input: Tensor): void {
  if (t !== null && !sameShape(t.shape, shape)) {
    throw new RangeError(`${op}: ${name} must have shape ${formatShape(shape)} for input ${formatShape(input.shape)}, got ${formatShape(t.shape)}`);
  }
}

interface Standardized {
  /** x̂, x's shape */
  out: Tensor;
  /** each row's mean and biased variance, [rows] each (no gradient) */
  mean: Tensor;
  variance: Tensor;
}

/** Each row of x seen as [rows, count] as (x − μ)/√(σ² + eps) with the row's own statistics; see the header. */
function standardizeRows(x: Tensor, rows: number, count: number, eps: number, op: string): Standardized {
  if (x.size === 0) {
    const none = () => new Tensor(new Float32Array(0), x.shape);
    const perRow = () => new Tensor(new Float32Array(rows), [rows]);
    return { out: record(none(), op, [x], () => [none()]), mean: perRow(), variance: perRow() };
  }
  const p = { outer: 1, channels: rows, inner: count };
  const { mean, variance, invStd } = noGrad(() => {
    const { mean, variance } = kernels().batchNormStats(x, p);
    return { mean, variance, invStd: kernels().unary(add(variance, eps), { op: 'rsqrt' }) };
  });
  const zeros = new Tensor(new Float32Array(rows), [rows]);
  const out = kernels().batchNormForward(x, { mean, scale: invStd, shift: zeros }, p);
  const standardized = record(out, op, [x], (gy) => {
    const { sumGrad: s1, sumGradCentered: s2 } = kernels().batchNormGradSums(gy, x, mean, p);
    const inputScale = mul(mul(invStd, mul(invStd, invStd)), div(s2, -count));
    return [kernels().batchNormBackward(gy, x, { mean, gradScale: invStd, inputScale, shift: mul(invStd, div(s1, -count)) }, p)];
  }, { rows, count, eps });
  return { out: standardized, mean, variance };
}

/** y·weight + bias, each broadcast as `shape` (null: left out). */
function affine(y: Tensor, weight: Tensor | null, bias: Tensor | null, shape: readonly number[]): Tensor {
  const scaled = weight ? mul(y, reshape(weight, shape)) : y;
  return bias ? add(scaled, reshape(bias, shape)) : scaled;
}

/** [C] broadcast along dim 1 of an input of rank `rank`: [C, 1, …]. */
const perChannel = (c: number, rank: number) => [c, ...Array<number>(Math.max(rank - 2, 0)).fill(1)];

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * F.layer_norm(input, normalizedShape, weight?, bias?, eps = 1e-5): standardizes over the last
 * dims, which must equal normalizedShape; weight and bias have normalizedShape.
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | readonly number[],
  ...args: PyArgs<[], [weight: Tensor | null | undefined, bias: Tensor | null | undefined, eps: number | undefined], LayerNormOptions>
): Tensor {
  const op = 'layerNorm';
  const x = checkedInput(op, input);
  const o = parseArgs(op, args, { weight: 'tensor|null', bias: 'tensor|null', eps: 'number' }) as LayerNormOptions;
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`${op}: normalizedShape must be a non-negative integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
  }
  if (x.ndim < shape.length || !sameShape(x.shape.slice(x.ndim - shape.length), shape)) {
    throw new RangeError(`${op}: normalizedShape ${formatShape(shape)} must be the last dims of the input: expected input [*, ${shape.join(', ')}], got ${formatShape(x.shape)}`);
  }
  const [weight, bias] = [o.weight ?? null, o.bias ?? null];
  checkShape(op, 'weight', weight, shape, x);
  checkShape(op, 'bias', bias, shape, x);
  const count = shape.reduce((a, b) => a * b, 1);
  const rows = count === 0 ? 0 : x.size / count;
  const { out } = standardizeRows(x, rows, count, checkedEps(op, o.eps ?? 1e-5), op);
  return affine(out, weight, bias, shape);
}

export interface GroupNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * F.group_norm(input, numGroups, weight?, bias?, eps = 1e-5): input [N, C, ...] with C divisible by
 * numGroups; each sample's group of C/numGroups channels is standardized over its channels and positions,
 * then weight and bias [C] scale and shift each channel.
 */
export function groupNorm(
  input: Tensor,
  numGroups: number,
  ...args: PyArgs<[], [weight: Tensor | null | undefined, bias: Tensor | null | undefined, eps: number | undefined], GroupNormOptions>
): Tensor {
  const op = 'groupNorm';
  const x = checkedInput(op, input);
  const o = parseArgs(op, args, { weight: 'tensor|null', bias: 'tensor|null', eps: 'number' }) as GroupNormOptions;
  if (!Number.isInteger(numGroups) || numGroups < 1) throw new RangeError(`${op}: numGroups must be a positive integer, got ${JSON.stringify(numGroups)}`);
  if (x.ndim < 2) throw new RangeError(`${op}: expected input [N, C, ...], got ${formatShape(x.shape)}`);
  const [n, c] = x.shape;
  if (c % numGroups !== 0) throw new RangeError(`${op}: the input's ${c} channels (dim 1 of ${formatShape(x.shape)}) must be divisible by numGroups ${numGroups}`);
  const [weight, bias] = [o.weight ?? null, o.bias ?? null];
  checkShape(op, 'weight', weight, [c], x);
  checkShape(op, 'bias', bias, [c], x);
  const rows = n * numGroups;
  const { out } = standardizeRows(x, rows, rows === 0 ? 0 : x.size / rows, checkedEps(op, o.eps ?? 1e-5), op);
  return affine(out, weight, bias, perChannel(c, x.ndim));
}

export interface InstanceNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** standardize with each instance's own statistics (and update the running ones, if given); else the running ones */
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * F.instance_norm(input, runningMean?, runningVar?, weight?, bias?, useInputStats = true, momentum = 0.1,
 * eps = 1e-5): input [N, C, ...], each (sample, channel) standardized over its positions. With
 * useInputStats and running statistics [C], these move toward the batch's average of the instances'
 * means and unbiased variances by `momentum`, in place, as PyTorch; without useInputStats the running
 * statistics standardize, as batch norm in evaluation.
 */
export function instanceNorm(
  input: Tensor,
  ...args: PyArgs<
    [],
    [runningMean: Tensor | null | undefined, runningVar: Tensor | null | undefined, weight: Tensor | null | undefined, bias: Tensor | null | undefined, useInputStats: boolean | undefined, momentum: number | undefined, eps: number | undefined],
    InstanceNormOptions
  >
): Tensor {
  const op = 'instanceNorm';
  const x = checkedInput(op, input);
  const o = parseArgs(op, args, { runningMean: 'tensor|null', runningVar: 'tensor|null', weight: 'tensor|null', bias: 'tensor|null', useInputStats: 'boolean', momentum: 'number', eps: 'number' }) as InstanceNormOptions;
  if (x.ndim < 3) throw new RangeError(`${op}: expected input [N, C, ...] with at least one spatial dim, got ${formatShape(x.shape)}`);
  const [n, c] = x.shape;
  const [runningMean, runningVar, weight, bias] = [o.runningMean ?? null, o.runningVar ?? null, o.weight ?? null, o.bias ?? null];
  const perChannelArgs: Array<[string, Tensor | null]> = [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]];
  for (const [name, t] of perChannelArgs) checkShape(op, name, t, [c], x);
  const { useInputStats = true, momentum = 0.1 } = o;
  const eps = checkedEps(op, o.eps ?? 1e-5);
  if (!Number.isFinite(momentum)) throw new RangeError(`${op}: momentum must be a finite number, got ${momentum}`);
  if (!useInputStats) {
    if (runningMean === null || runningVar === null) throw new RangeError(`${op}: useInputStats false needs runningMean and runningVar`);
    return batchNorm(x, runningMean, runningVar, weight, bias, { training: false, eps });
  }
  const rows = n * c;
  const count = rows === 0 ? 0 : x.size / rows;
  if (count === 1) throw new RangeError(`${op}: expected more than 1 spatial element when using the input's statistics, got input ${formatShape(x.shape)}`);
  const { out, mean, variance } = standardizeRows(x, rows, count, eps, op);
  if (rows > 0 && count > 0) {
    noGrad(() => {
      // the batch's average over samples of each channel's instance statistics, variance unbiased
      const average = (t: Tensor) => meanOver(reshape(t, [n, c]), 0);
      if (runningMean) adoptValues(runningMean, add(mul(runningMean, 1 - momentum), mul(average(mean), momentum)));
      if (runningVar) adoptValues(runningVar, add(mul(runningVar, 1 - momentum), mul(average(variance), (momentum * count) / (count - 1))));
    });
  }
  return affine(out, weight, bias, perChannel(c, x.ndim));
}

export interface LocalResponseNormOptions {
  alpha?: number;
  beta?: number;
  k?: number;
}

/**
 * F.local_response_norm(input, size, alpha = 1e-4, beta = 0.75, k = 1): input [N, C, ...], each value
 * divided by (k + α·(1/size)·Σ x²)^β, the sum over the `size` channels around it (size/2 before,
 * (size − 1)/2 after, rounded down; zeros past the edges).
 */
export function localResponseNorm(input: Tensor, size: number, ...args: PyArgs<[], [alpha: number | undefined, beta: number | undefined, k: number | undefined], LocalResponseNormOptions>): Tensor {
  const op = 'localResponseNorm';
  const x = checkedInput(op, input);
  const { alpha = 1e-4, beta = 0.75, k = 1 } = parseArgs(op, args, { alpha: 'number', beta: 'number', k: 'number' }) as LocalResponseNormOptions;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`${op}: size must be a positive integer, got ${JSON.stringify(size)}`);
  for (const [name, v] of [['alpha', alpha], ['beta', beta], ['k', k]] as const) if (!Number.isFinite(v)) throw new RangeError(`${op}: ${name} must be a finite number, got ${v}`);
  if (x.ndim < 3) throw new RangeError(`${op}: expected input [N, C, ...] of rank 3 or more, got ${formatShape(x.shape)}`);
  const [n, c] = x.shape;
  const positions = x.size / (n * c || 1);
  // the squares as one-channel images [N, 1, C, positions], averaged over windows of `size` channels
  // with zeros past the edges: an odd window is centred, so the pooling's own padding (counted in the
  // average, as PyTorch's zeros are) does it; an even one has one zero fewer after, padded explicitly
  const squares = reshape(mul(x, x), [n, 1, c, positions]);
  const half = Math.floor(size / 2);
  const window = { kernelSize: [size, 1] as [number, number], stride: 1 };
  const average =
    x.size === 0 ? squares
    : size % 2 === 1 ? avgPool2d(squares, { ...window, padding: [half, 0] })
    : avgPool2d(pad(squares, [0, 0, half, half - 1]), window);
  const divisor = pow(add(mul(reshape(average, x.shape), alpha), k), beta);
  return div(x, divisor);
}
