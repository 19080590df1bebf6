// Pooling: maxPool2d, avgPool2d and their adaptive forms, with PyTorch's output-size rules.
// Fixed-window pooling runs in the backend's kernels; adaptive pooling whose windows tile the input
// evenly is the same thing and goes there too, the uneven case is composed from ops (matmuls for the
// average, indexSelect and maxWithIndices for the max).

import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import type { Pool2dParams } from '../kernels.js';
import { checkedSize, formatShape, toPair } from '../shape.js';
import { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { indexSelect as slicePositions, reshape, squeeze, transpose, unsqueeze } from './movement.js';
import { maxWithIndices } from './reduce.js';

export interface MaxPool2dOptions {
  kernelSize: number | [number, number];
  /** defaults to kernelSize */
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  /** round the output size up instead of down (the last window may hang over the edge) */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  kernelSize: number | [number, number];
  stride?: number | [number, number];
  padding?: number | [number, number];
  ceilMode?: boolean;
  /** divide by the whole window including padding (PyTorch's default) */
  countIncludePad?: boolean;
}

export type OutputSize = number | readonly [number | null, number | null];

function checkInput(x: Tensor, op: string): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (x.ndim !== 4 && x.ndim !== 3) throw new RangeError(`${op}: expected input of shape [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
}

/** [batch, channels, height, width], reading unbatched [C, H, W] input as a batch of one. */
function dimsOf(x: Tensor): [number, number, number, number] {
  const [n, c, h, w] = x.ndim === 3 ? [1, ...x.shape] : x.shape;
  return [n, c, h, w];
}

/** Runs `run` on 4-D input; unbatched [C, H, W] input runs as a batch of one. */
function batched(x: Tensor, run: (x4: Tensor) => Tensor): Tensor {
  return x.ndim === 3 ? squeeze(run(unsqueeze(x, 0)), 0) : run(x);
}

export function maxPool2d(input: Tensor, options: MaxPool2dOptions | number): Tensor {
  const opts = typeof options === 'number' ? { kernelSize: options } : options;
  const p = poolParams('maxPool2d', input, opts.kernelSize, opts.stride, opts.padding, opts.dilation, opts.ceilMode, true);
  return batched(input, (x) => maxPoolWith(x, p));
}

function maxPoolWith(x: Tensor, p: Pool2dParams): Tensor {
  const { output, indices } = kernels().maxPool2d(x, p);
  return record(output, 'maxPool2d', [x], (g) => [kernels().maxPool2dBackward(g, indices, p)], p);
}

export function avgPool2d(input: Tensor, options: AvgPool2dOptions | number): Tensor {
  const opts = typeof options === 'number' ? { kernelSize: options } : options;
  const p = poolParams('avgPool2d', input, opts.kernelSize, opts.stride, opts.padding, 1, opts.ceilMode, opts.countIncludePad ?? true);
  return batched(input, (x) => avgPoolWith(x, p));
}

function avgPoolWith(x: Tensor, p: Pool2dParams): Tensor {
  return record(kernels().avgPool2d(x, p), 'avgPool2d', [x], (g) => [kernels().avgPool2dBackward(g, p)], p);
}

/** PyTorch's pooling output size, with the ceil-mode rule that the last window must start inside the input or left padding. */
export function poolOutputSize(n: number, k: number, s: number, pad: number, d: number, ceilMode: boolean): number {
  const span = n + 2 * pad - d * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceilMode && (out - 1) * s >= n + pad) out--;
  return out;
}

function poolParams(
  op: string,
  x: Tensor,
  kernelSize: number | readonly number[],
  stride: number | readonly number[] | undefined,
  padding: number | readonly number[] | undefined,
  dilation: number | readonly number[] | undefined,
  ceilMode = false,
  countIncludePad = true,
): Pool2dParams {
  checkInput(x, op);
  if (kernelSize === undefined) throw new TypeError(`${op}: kernelSize is required`);
  const [kh, kw] = toPair(kernelSize, 'kernelSize', op);
  const [sh, sw] = toPair(stride ?? [kh, kw], 'stride', op);
  const [ph, pw] = toPair(padding ?? 0, 'padding', op, 0);
  const [dh, dw] = toPair(dilation ?? 1, 'dilation', op);
  if (ph > Math.floor(kh / 2) || pw > Math.floor(kw / 2)) {
    throw new RangeError(`${op}: padding [${ph},${pw}] must be at most half the kernel size [${kh},${kw}]`);
  }
  const [batch, channels, inHeight, inWidth] = dimsOf(x);
  const outHeight = poolOutputSize(inHeight, kh, sh, ph, dh, ceilMode);
  const outWidth = poolOutputSize(inWidth, kw, sw, pw, dw, ceilMode);
  if (outHeight < 1 || outWidth < 1) {
    throw new RangeError(
      `${op}: the output would be ${outHeight}x${outWidth}: input ${formatShape(x.shape)} is too small for kernel [${kh},${kw}] with padding [${ph},${pw}] and dilation [${dh},${dw}]`,
    );
  }
  checkedSize([batch, channels, outHeight, outWidth], op);
  return {
    batch, channels, inHeight, inWidth, outHeight, outWidth, kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
    padHeight: ph, padWidth: pw, dilationHeight: dh, dilationWidth: dw, countIncludePad,
  };
}

// ---- adaptive pooling: output size fixed, windows follow from it ----

function resolveOutputSize(op: string, x: Tensor, outputSize: OutputSize): [number, number] {
  checkInput(x, op);
  const [n, c, h, w] = dimsOf(x);
  const pair = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(pair) || pair.length !== 2) throw new RangeError(`${op}: outputSize must be a number or [height, width], got ${JSON.stringify(outputSize)}`);
  const [oh, ow] = [pair[0] ?? h, pair[1] ?? w]; // null keeps the input's size
  if (![oh, ow].every((v) => Number.isInteger(v) && v >= 1)) throw new RangeError(`${op}: outputSize must hold positive integers, got ${JSON.stringify(outputSize)}`);
  checkedSize([n, c, oh, ow], op);
  return [oh, ow];
}

/** Window i of n outputs over a length-`size` input: [floor(i·size/n), ceil((i+1)·size/n)). */
function adaptiveWindow(i: number, n: number, size: number): [number, number] {
  return [Math.floor((i * size) / n), Math.ceil(((i + 1) * size) / n)];
}

/** Adaptive pooling with even windows is ordinary pooling with kernel = stride = input / output. */
function evenParams(x: Tensor, oh: number, ow: number, op: string): Pool2dParams | null {
  const [, , h, w] = dimsOf(x);
  if (h % oh !== 0 || w % ow !== 0) return null;
  return poolParams(op, x, [h / oh, w / ow], undefined, 0, 1);
}

/**
 * Uneven windows are still a rectangle each, so averaging over them is separable: with Ph [oh, H]
 * holding 1/|window| inside row window i, and Pw [ow, W] likewise, every plane's output is Ph·X·Pwᵀ:
 * two matmuls whose gradients come with them.
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: OutputSize): Tensor {
  const [oh, ow] = resolveOutputSize('adaptiveAvgPool2d', input, outputSize);
  const even = evenParams(input, oh, ow, 'adaptiveAvgPool2d');
  return batched(input, (x) => {
    if (even) return avgPoolWith(x, even);
    if (x.shape[0] * x.shape[1] === 0) return emptyPool(x, oh, ow, 'adaptiveAvgPool2d');
    const [, , h, w] = x.shape;
    return matmul(matmul(averaging(oh, h), x), transpose(averaging(ow, w), 0, 1));
  });
}

/** No planes: nothing to pool (and the window matrices for oh·ow may be more than the size limit allows). */
function emptyPool(x: Tensor, oh: number, ow: number, op: string): Tensor {
  const out = new Tensor(new Float32Array(0), [x.shape[0], x.shape[1], oh, ow]);
  return record(out, op, [x], () => [new Tensor(new Float32Array(x.size), x.shape)]);
}

/** [n, size]: row i averages adaptive window i of n over a length-`size` dim. */
function averaging(n: number, size: number): Tensor {
  const m = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const [start, end] = adaptiveWindow(i, n, size);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return new Tensor(m, [n, size]);
}

/**
 * The max over a rectangle is the max over its rows of the max along each row: first along the width,
 * then the height, each as indexSelect of every window's positions (a short window repeats its last
 * one) and maxWithIndices over them, whose gradient goes to the first maximum: the first in row-major
 * order, as PyTorch's.
 */
export function adaptiveMaxPool2d(input: Tensor, outputSize: OutputSize): Tensor {
  const [oh, ow] = resolveOutputSize('adaptiveMaxPool2d', input, outputSize);
  const even = evenParams(input, oh, ow, 'adaptiveMaxPool2d');
  return batched(input, (x) => {
    if (even) return maxPoolWith(x, even);
    if (x.shape[0] * x.shape[1] === 0) return emptyPool(x, oh, ow, 'adaptiveMaxPool2d');
    return windowMax(windowMax(x, 3, ow), 2, oh);
  });
}

/** The max over each of n adaptive windows along `dim` of x. */
function windowMax(x: Tensor, dim: number, n: number): Tensor {
  const size = x.shape[dim];
  let longest = 0;
  for (let i = 0; i < n; i++) longest = Math.max(longest, adaptiveWindow(i, n, size)[1] - adaptiveWindow(i, n, size)[0]);
  const index = new Float32Array(n * longest);
  for (let i = 0; i < n; i++) {
    const [start, end] = adaptiveWindow(i, n, size);
    for (let k = 0; k < longest; k++) index[i * longest + k] = Math.min(start + k, end - 1);
  }
  const windows = reshape(slicePositions(x, dim, new Tensor(index, [index.length])), [...x.shape.slice(0, dim), n, longest, ...x.shape.slice(dim + 1)]);
  return maxWithIndices(windows, dim + 1).values;
}
