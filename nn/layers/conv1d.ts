// Conv1d, MaxPool1d and AvgPool1d: PyTorch's 1-D layers over tg.conv1d / maxPool1d / avgPool1d (the 2-D
// kernels on a height of 1), with PyTorch's defaults, init, padding modes and print.

import { Tensor, conv1d, maxPool1d, avgPool1d, pad, formatShape, parseArgs, poolOutputSize, type Generator, type PyArgs } from '../../engine/index.js';
import { convOutputSize } from '../../engine/ops/conv.js';
import { toSingle } from '../../engine/ops/conv1d.js';
import { Module } from '../module.js';
import { convArgs } from './conv.js';
import { Parameter } from '../parameter.js';
import { resetLinearLike } from '../init.js';
import { checkPositiveInt, checkTensor, py, zeroParameter } from './util.js';

/** A length: a number or PyTorch's one-element tuple. */
export type Single = number | [number];

/** Python's print of a one-element tuple: (3,). */
const tuple1 = (v: number) => `(${v},)`;

export type Conv1dPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface Conv1dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Single;
  stride?: Single;
  /** zeros (or the padding mode's values) on each side, or 'same' / 'valid' */
  padding?: Single | 'same' | 'valid';
  dilation?: Single;
  groups?: number;
  bias?: boolean;
  paddingMode?: Conv1dPaddingMode;
  generator?: Generator;
}

export type Conv1dArgs =
  | [options: Conv1dOptions]
  | PyArgs<
      [inChannels: number, outChannels: number, kernelSize: Single],
      [stride: Single | undefined, padding: Single | 'same' | 'valid' | undefined, dilation: Single | undefined, groups: number | undefined, bias: boolean | undefined, paddingMode: Conv1dPaddingMode | undefined],
      Partial<Conv1dOptions>
    >;

export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;
  readonly paddingMode: Conv1dPaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(...args: Conv1dArgs) {
    super();
    const name = 'Conv1d';
    const options = parseArgs(name, args, convArgs, ['generator']) as unknown as Conv1dOptions;
    this.inChannels = checkPositiveInt(name, 'inChannels', options.inChannels);
    this.outChannels = checkPositiveInt(name, 'outChannels', options.outChannels);
    this.kernelSize = toSingle(options.kernelSize, 'kernelSize', name);
    this.stride = toSingle(options.stride ?? 1, 'stride', name);
    this.dilation = toSingle(options.dilation ?? 1, 'dilation', name);
    const given = options.padding ?? 0;
    this.padding = given === 'same' || given === 'valid' ? given : toSingle(given, 'padding', name, 0);
    if (this.padding === 'same' && this.stride !== 1) throw new RangeError(`${name}: padding 'same' needs stride 1, got stride ${this.stride}`);
    this.groups = checkPositiveInt(name, 'groups', options.groups ?? 1);
    this.paddingMode = options.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(this.paddingMode)) {
      throw new RangeError(`${name}: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got ${JSON.stringify(options.paddingMode)}`);
    }
    if (options.bias !== undefined && typeof options.bias !== 'boolean') throw new TypeError(`${name}: bias must be a boolean, got ${JSON.stringify(options.bias)}`);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new RangeError(`${name}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${this.groups})`);
    }
    this.weight = zeroParameter([this.outChannels, this.inChannels / this.groups, this.kernelSize], name);
    this.bias = options.bias === false ? null : new Parameter(new Float32Array(this.outChannels), [this.outChannels]);
    resetLinearLike(this.weight, this.bias, options.generator);
  }

  forward(x: Tensor): Tensor {
    checkTensor('Conv1d', x);
    const c = x.ndim === 3 ? x.shape[1] : x.ndim === 2 ? x.shape[0] : -1;
    if (c !== this.inChannels) throw new RangeError(`${this.toString()}: expected input [N, ${this.inChannels}, L] or [${this.inChannels}, L], got ${formatShape(x.shape)}`);
    const opts = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros' || this.padding === 'valid') return conv1d(x, this.weight, this.bias, { ...opts, padding: this.padding });
    // as PyTorch: pad with the mode first, then convolve without padding
    return conv1d(pad(x, this.pads(), { mode: this.paddingMode }), this.weight, this.bias, { ...opts, padding: 0 });
  }

  /** [left, right]: 'same' puts the odd one on the right, as PyTorch. */
  private pads(): [number, number] {
    if (this.padding === 'valid') return [0, 0];
    if (this.padding !== 'same') return [this.padding, this.padding];
    const total = this.dilation * (this.kernelSize - 1);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }

  /** [N, C, L] → [N, outChannels, L']. */
  outputShape(input: readonly number[]): number[] {
    const [left, right] = this.pads();
    return [...input.slice(0, -2), this.outChannels, convOutputSize(input[input.length - 1], this.kernelSize, this.stride, left + right, this.dilation)];
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple1(this.kernelSize)}, stride=${tuple1(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding !== 0) s += `, padding=${tuple1(this.padding)}`;
    if (this.dilation !== 1) s += `, dilation=${tuple1(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

function checkPool1dInput(layer: Module, x: unknown): Tensor {
  const t = checkTensor(layer.constructor.name, x);
  if (t.ndim !== 2 && t.ndim !== 3) throw new RangeError(`${layer.toString()}: expected input [N, C, L] or [C, L], got ${formatShape(t.shape)}`);
  return t;
}

export interface MaxPool1dOptions {
  kernelSize: Single;
  /** default: kernelSize */
  stride?: Single | null;
  padding?: Single;
  dilation?: Single;
  /** PyTorch's return_indices: only false */
  returnIndices?: boolean;
  ceilMode?: boolean;
}

/** PyTorch's order: kernel_size, stride, padding, dilation, return_indices, ceil_mode. */
export type MaxPool1dArgs =
  | [options: MaxPool1dOptions]
  | PyArgs<[kernelSize: Single], [stride: Single | null | undefined, padding: Single | undefined, dilation: Single | undefined, returnIndices: boolean | undefined, ceilMode: boolean | undefined], Partial<MaxPool1dOptions>>;

export class MaxPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly ceilMode: boolean;

  constructor(...args: MaxPool1dArgs) {
    super();
    const name = 'MaxPool1d';
    const o = parseArgs(name, args, { kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', dilation: 'integer|array', returnIndices: 'boolean', ceilMode: 'boolean' }) as unknown as MaxPool1dOptions;
    if (o.kernelSize === undefined) throw new TypeError(`${name}: kernelSize is required`);
    if (o.returnIndices) throw new RangeError(`${name}: returnIndices true is not supported (only false)`);
    this.kernelSize = toSingle(o.kernelSize, 'kernelSize', name);
    this.stride = toSingle(o.stride ?? this.kernelSize, 'stride', name);
    this.padding = toSingle(o.padding ?? 0, 'padding', name, 0);
    this.dilation = toSingle(o.dilation ?? 1, 'dilation', name);
    this.ceilMode = o.ceilMode ?? false;
  }

  forward(x: Tensor): Tensor {
    return maxPool1d(checkPool1dInput(this, x), { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  outputShape(input: readonly number[]): number[] {
    return [...input.slice(0, -1), poolOutputSize(input[input.length - 1], this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode)];
  }

  // PyTorch's max pooling keeps its arguments as given: kernel_size=3
  override extraRepr(): string {
    return `kernel_size=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}, ceil_mode=${py(this.ceilMode)}`;
  }
}

export interface AvgPool1dOptions {
  kernelSize: Single;
  stride?: Single | null;
  padding?: Single;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** PyTorch's order: kernel_size, stride, padding, ceil_mode, count_include_pad. */
export type AvgPool1dArgs =
  | [options: AvgPool1dOptions]
  | PyArgs<[kernelSize: Single], [stride: Single | null | undefined, padding: Single | undefined, ceilMode: boolean | undefined, countIncludePad: boolean | undefined], Partial<AvgPool1dOptions>>;

export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(...args: AvgPool1dArgs) {
    super();
    const name = 'AvgPool1d';
    const o = parseArgs(name, args, { kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', ceilMode: 'boolean', countIncludePad: 'boolean' }) as unknown as AvgPool1dOptions;
    if (o.kernelSize === undefined) throw new TypeError(`${name}: kernelSize is required`);
    this.kernelSize = toSingle(o.kernelSize, 'kernelSize', name);
    this.stride = toSingle(o.stride ?? this.kernelSize, 'stride', name);
    this.padding = toSingle(o.padding ?? 0, 'padding', name, 0);
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    return avgPool1d(checkPool1dInput(this, x), { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }

  outputShape(input: readonly number[]): number[] {
    return [...input.slice(0, -1), poolOutputSize(input[input.length - 1], this.kernelSize, this.stride, this.padding, 1, this.ceilMode)];
  }

  // PyTorch's AvgPool1d keeps one-element tuples: kernel_size=(3,)
  override extraRepr(): string {
    return `kernel_size=${tuple1(this.kernelSize)}, stride=${tuple1(this.stride)}, padding=${tuple1(this.padding)}`;
  }
}
