// 1-D convolution and pooling (PyTorch's F.conv1d, F.conv_transpose1d, F.max_pool1d, F.avg_pool1d) as the 2-D ops on a
// height of 1: [N, C, L] is viewed as [N, C, 1, L] (a reshape, no copy), the kernel as 1 × k, and the
// result viewed back. The 2-D kernels compute, and the gradients come through the reshapes. The
// arguments are checked here first, so that an error speaks of lengths, not of 1 × L images.

import { parseArgs, type PyArgs } from '../options.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { conv2d, convOutputSize } from './conv.js';
import { convTranspose2d, convTransposeOutputSize } from './conv-transpose.js';
import { squeeze, unsqueeze } from './movement.js';
import { avgPool2d, maxPool2d, poolOutputSize } from './pool.js';

type Single = number | [number];

export interface Conv1dOptions {
  bias?: Tensor | null;
  stride?: Single;
  /** zeros on each side, 'valid' (none) or 'same' (output length = input length; stride 1) */
  padding?: Single | 'same' | 'valid';
  dilation?: Single;
  groups?: number;
}

/** PyTorch's order after input and weight: bias, stride, padding, dilation, groups. */
const convPositional = { bias: 'tensor|null', stride: 'integer|array', padding: 'integer|array|string', dilation: 'integer|array', groups: 'integer' } as const;

export type Conv1dArgs = PyArgs<[], [bias: Tensor | null | undefined, stride: Single | undefined, padding: Single | 'same' | 'valid' | undefined, dilation: Single | undefined, groups: number | undefined], Conv1dOptions>;

/** `3` or `[3]` → 3: the one-element tuples PyTorch's 1-D layers keep. */
export function toSingle(value: Single, name: string, op: string, min = 1): number {
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (!Number.isInteger(v) || (v as number) < min) throw new RangeError(`${op}: ${name} must be an integer >= ${min} or a one-element array of one, got ${JSON.stringify(value)}`);
  return v as number;
}

function checkInput(x: Tensor, op: string): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (x.ndim !== 3 && x.ndim !== 2) throw new RangeError(`${op}: expected input of shape [N, C, L] or [C, L], got ${formatShape(x.shape)}`);
}

/** Runs a 2-D op on x seen as one row: [N, C, L] → [N, C, 1, L] and back (unbatched [C, L] → [C, 1, L]). */
function asRow(x: Tensor, run: (row: Tensor) => Tensor): Tensor {
  return squeeze(run(unsqueeze(x, -2)), -2);
}

/** F.conv1d: input [N, C, L] (or [C, L]), weight [outC, C/groups, k], bias [outC]. */
export function conv1d(input: Tensor, weight: Tensor, ...args: Conv1dArgs): Tensor {
  const op = 'conv1d';
  const options = parseArgs(op, args, convPositional) as Conv1dOptions;
  checkInput(input, op);
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor`);
  if (weight.ndim !== 3) throw new RangeError(`${op}: expected weight of shape [outChannels, inChannels/groups, k], got ${formatShape(weight.shape)}`);
  const shapes = `(input ${formatShape(input.shape)}, weight ${formatShape(weight.shape)})`;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  const stride = toSingle(options.stride ?? 1, 'stride', op);
  const dilation = toSingle(options.dilation ?? 1, 'dilation', op);
  const given = options.padding ?? 0;
  const padding = given === 'same' || given === 'valid' ? given : toSingle(given, 'padding', op, 0);
  if (padding === 'same' && stride !== 1) throw new RangeError(`${op}: padding 'same' needs stride 1, got stride ${stride}`);
  const [channels, length] = input.shape.slice(-2);
  const [outChannels, perGroup, k] = weight.shape;
  if (channels !== perGroup * groups) {
    throw new RangeError(`${op}: input has ${channels} channels but weight expects ${perGroup}${groups > 1 ? ` per group × ${groups} groups = ${perGroup * groups}` : ''} ${shapes}`);
  }
  if (outChannels % groups !== 0) throw new RangeError(`${op}: ${outChannels} output channels cannot be split into ${groups} groups ${shapes}`);
  const bias = options.bias ?? null;
  if (bias !== null && (!(bias instanceof Tensor) || bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new RangeError(`${op}: bias must be a Tensor of shape [${outChannels}] for ${outChannels} output channels, got ${bias instanceof Tensor ? formatShape(bias.shape) : typeof bias}`);
  }
  const pads = padding === 'valid' ? 0 : padding === 'same' ? dilation * (k - 1) : 2 * padding;
  const out = convOutputSize(length, k, stride, pads, dilation);
  if (out < 1) throw new RangeError(`${op}: the output would have length ${out}: the padded input (${length + pads}) is shorter than the dilated kernel (${dilation * (k - 1) + 1}) ${shapes}`);
  const padding2d = typeof padding === 'string' ? padding : ([0, padding] as [number, number]);
  return asRow(input, (x) => conv2d(x, unsqueeze(weight, -2), bias, { stride: [1, stride], padding: padding2d, dilation: [1, dilation], groups }));
}

export interface MaxPool1dOptions {
  kernelSize: Single;
  /** defaults to kernelSize */
  stride?: Single | null;
  padding?: Single;
  dilation?: Single;
  ceilMode?: boolean;
  /** PyTorch's return_indices: only false (the indices are not returned) */
  returnIndices?: boolean;
}

export interface AvgPool1dOptions {
  kernelSize: Single;
  stride?: Single | null;
  padding?: Single;
  ceilMode?: boolean;
  /** divide by the whole window including padding (PyTorch's default) */
  countIncludePad?: boolean;
}

export type MaxPool1dArgs =
  | [options: MaxPool1dOptions]
  | PyArgs<[kernelSize: Single], [stride: Single | null | undefined, padding: Single | undefined, dilation: Single | undefined, ceilMode: boolean | undefined, returnIndices: boolean | undefined], Partial<MaxPool1dOptions>>;

export type AvgPool1dArgs =
  | [options: AvgPool1dOptions]
  | PyArgs<[kernelSize: Single], [stride: Single | null | undefined, padding: Single | undefined, ceilMode: boolean | undefined, countIncludePad: boolean | undefined], Partial<AvgPool1dOptions>>;

/** The window of a 1-D pooling, checked with 1-D words; the 2-D op then checks nothing that can fail. */
function window1d(op: string, x: Tensor, o: { kernelSize: Single; stride?: Single | null; padding?: Single; dilation?: Single; ceilMode?: boolean }) {
  checkInput(x, op);
  if (o.kernelSize === undefined) throw new TypeError(`${op}: kernelSize is required`);
  const k = toSingle(o.kernelSize, 'kernelSize', op);
  const s = toSingle(o.stride ?? k, 'stride', op);
  const p = toSingle(o.padding ?? 0, 'padding', op, 0);
  const d = toSingle(o.dilation ?? 1, 'dilation', op);
  if (p > Math.floor(k / 2)) throw new RangeError(`${op}: padding ${p} must be at most half the kernel size ${k}`);
  const length = x.shape[x.ndim - 1];
  const out = poolOutputSize(length, k, s, p, d, o.ceilMode ?? false);
  if (out < 1) throw new RangeError(`${op}: the output would have length ${out}: input ${formatShape(x.shape)} is too short for kernel ${k} with padding ${p} and dilation ${d}`);
  return { kernelSize: [1, k] as [number, number], stride: [1, s] as [number, number], padding: [0, p] as [number, number], dilation: [1, d] as [number, number] };
}

/** F.max_pool1d over [N, C, L] or [C, L]: `maxPool1d(x, 3, 2)` or `maxPool1d(x, { kernelSize: 3, stride: 2 })`. */
export function maxPool1d(input: Tensor, ...args: MaxPool1dArgs): Tensor {
  const op = 'maxPool1d';
  const o = parseArgs(op, args, { kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', dilation: 'integer|array', ceilMode: 'boolean', returnIndices: 'boolean' }) as unknown as MaxPool1dOptions;
  if (o.returnIndices) throw new RangeError(`${op}: returnIndices true is not supported (only false)`);
  const w = window1d(op, input, o);
  return asRow(input, (x) => maxPool2d(x, { ...w, ceilMode: o.ceilMode ?? false }));
}

/** F.avg_pool1d over [N, C, L] or [C, L]: `avgPool1d(x, 3, 2, 1)` or `avgPool1d(x, { kernelSize: 3, countIncludePad: false })`. */
export function avgPool1d(input: Tensor, ...args: AvgPool1dArgs): Tensor {
  const op = 'avgPool1d';
  const o = parseArgs(op, args, { kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', ceilMode: 'boolean', countIncludePad: 'boolean' }) as unknown as AvgPool1dOptions;
  const { kernelSize, stride, padding } = window1d(op, input, o);
  return asRow(input, (x) => avgPool2d(x, { kernelSize, stride, padding, ceilMode: o.ceilMode ?? false, countIncludePad: o.countIncludePad ?? true }));
}

export interface ConvTranspose1dOptions {
  bias?: Tensor | null;
  stride?: Single;
  /** dilation·(k − 1) − padding zeros on each side of the input, as PyTorch (so padding shrinks the output) */
  padding?: Single;
  /** extra output positions at the end; smaller than the stride or the dilation */
  outputPadding?: Single;
  groups?: number;
  dilation?: Single;
}

/** PyTorch's order after input and weight: bias, stride, padding, output_padding, groups, dilation. */
const convTransposePositional = { bias: 'tensor|null', stride: 'integer|array', padding: 'integer|array', outputPadding: 'integer|array', groups: 'integer', dilation: 'integer|array' } as const;

export type ConvTranspose1dArgs = PyArgs<
  [],
  [bias: Tensor | null | undefined, stride: Single | undefined, padding: Single | undefined, outputPadding: Single | undefined, groups: number | undefined, dilation: Single | undefined],
  ConvTranspose1dOptions
>;

/**
 * F.conv_transpose1d: input [N, inC, L] (or [inC, L]), weight [inC, outC/groups, k], bias [outC];
 * convTranspose2d on a height of 1. Output length (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 */
export function convTranspose1d(input: Tensor, weight: Tensor, ...args: ConvTranspose1dArgs): Tensor {
  const op = 'convTranspose1d';
  const options = parseArgs(op, args, convTransposePositional) as ConvTranspose1dOptions;
  checkInput(input, op);
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor`);
  if (weight.ndim !== 3) throw new RangeError(`${op}: expected weight of shape [inChannels, outChannels/groups, k], got ${formatShape(weight.shape)}`);
  const shapes = `(input ${formatShape(input.shape)}, weight ${formatShape(weight.shape)})`;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  if (typeof options.padding === 'string') throw new RangeError(`${op}: padding must be a number (PyTorch has no '${options.padding}' for transposed convolutions)`);
  const stride = toSingle(options.stride ?? 1, 'stride', op);
  const padding = toSingle(options.padding ?? 0, 'padding', op, 0);
  const outputPadding = toSingle(options.outputPadding ?? 0, 'outputPadding', op, 0);
  const dilation = toSingle(options.dilation ?? 1, 'dilation', op);
  const [channels, length] = input.shape.slice(-2);
  const [weightChannels, outPerGroup, k] = weight.shape;
  if (channels !== weightChannels) throw new RangeError(`${op}: input has ${channels} channels but weight expects ${weightChannels} ${shapes}`);
  if (channels % groups !== 0) throw new RangeError(`${op}: ${channels} input channels cannot be split into ${groups} groups ${shapes}`);
  const bias = options.bias ?? null;
  const outChannels = outPerGroup * groups;
  if (bias !== null && (!(bias instanceof Tensor) || bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new RangeError(`${op}: bias must be a Tensor of shape [${outChannels}] for ${outChannels} output channels, got ${bias instanceof Tensor ? formatShape(bias.shape) : typeof bias}`);
  }
  if (outputPadding >= stride && outputPadding >= dilation) throw new RangeError(`${op}: outputPadding ${outputPadding} must be smaller than the stride (${stride}) or the dilation (${dilation})`);
  const out = convTransposeOutputSize(length, k, stride, padding, dilation, outputPadding);
  if (out < 1) throw new RangeError(`${op}: the output would have length ${out}: padding ${padding} takes more than the input gives ${shapes}`);
  return asRow(input, (x) =>
    convTranspose2d(x, unsqueeze(weight, -2), bias, { stride: [1, stride], padding: [0, padding], outputPadding: [0, outputPadding], groups, dilation: [1, dilation] }),
  );
}
