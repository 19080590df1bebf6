// Conv3d, MaxPool3d and AvgPool3d: PyTorch's 3-D layers over tg.conv3d / maxPool3d / avgPool3d (the 2-D
// kernels over the depth taps), with PyTorch's defaults, init, padding modes and print.

import { Tensor, conv3d, maxPool3d, avgPool3d, pad, formatShape, parseArgs, poolOutputSize, type Generator, type PyArgs } from '../../engine/index.js';
import { convOutputSize } from '../../engine/ops/conv.js';
import { conv3dPadding, toTriple, type Triple } from '../../engine/ops/conv3d.js';
import { Module } from '../module.js';
import { convArgs } from './conv.js';
import { Parameter } from '../parameter.js';
import { resetLinearLike } from '../init.js';
import { checkPositiveInt, checkTensor, py, zeroParameter } from './util.js';

type T3 = [number, number, number];

export type Conv3dPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface Conv3dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Triple;
  stride?: Triple;
  /** zeros (or the padding mode's values) on each side, or 'same' / 'valid' */
  padding?: Triple | 'same' | 'valid';
  dilation?: Triple;
  groups?: number;
  bias?: boolean;
  paddingMode?: Conv3dPaddingMode;
  generator?: Generator;
}

export type Conv3dArgs =
  | [options: Conv3dOptions]
  | PyArgs<
      [inChannels: number, outChannels: number, kernelSize: Triple],
      [stride: Triple | undefined, padding: Triple | 'same' | 'valid' | undefined, dilation: Triple | undefined, groups: number | undefined, bias: boolean | undefined, paddingMode: Conv3dPaddingMode | undefined],
      Partial<Conv3dOptions>
    >;

export class Conv3d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: T3;
  readonly stride: T3;
  readonly padding: T3 | 'same' | 'valid';
  readonly dilation: T3;
  readonly groups: number;
  readonly paddingMode: Conv3dPaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(...args: Conv3dArgs) {
    super();
    const name = 'Conv3d';
    const options = parseArgs(name, args, convArgs, ['generator']) as unknown as Conv3dOptions;
    this.inChannels = checkPositiveInt(name, 'inChannels', options.inChannels);
    this.outChannels = checkPositiveInt(name, 'outChannels', options.outChannels);
    this.kernelSize = toTriple(options.kernelSize, 'kernelSize', name);
    this.stride = toTriple(options.stride ?? 1, 'stride', name);
    this.dilation = toTriple(options.dilation ?? 1, 'dilation', name);
    this.groups = checkPositiveInt(name, 'groups', options.groups ?? 1);
    const given = options.padding ?? 0;
    this.padding = given === 'same' || given === 'valid' ? given : toTriple(given, 'padding', name, 0);
    if (this.padding === 'same' && this.stride.some((s) => s !== 1)) throw new RangeError(`${name}: padding 'same' needs stride 1, got stride [${this.stride}]`);
    this.paddingMode = options.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(this.paddingMode)) {
      throw new RangeError(`${name}: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got ${JSON.stringify(options.paddingMode)}`);
    }
    if (options.bias !== undefined && typeof options.bias !== 'boolean') throw new TypeError(`${name}: bias must be a boolean, got ${JSON.stringify(options.bias)}`);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new RangeError(`${name}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${this.groups})`);
    }
    this.weight = zeroParameter([this.outChannels, this.inChannels / this.groups, ...this.kernelSize], name);
    this.bias = options.bias === false ? null : new Parameter(new Float32Array(this.outChannels), [this.outChannels]);
    resetLinearLike(this.weight, this.bias, options.generator);
  }

  forward(x: Tensor): Tensor {
    checkTensor('Conv3d', x);
    const c = x.ndim === 5 ? x.shape[1] : x.ndim === 4 ? x.shape[0] : -1;
    if (c !== this.inChannels) throw new RangeError(`${this.toString()}: expected input [N, ${this.inChannels}, D, H, W] or [${this.inChannels}, D, H, W], got ${formatShape(x.shape)}`);
    const opts = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros' || this.padding === 'valid') return conv3d(x, this.weight, this.bias, { ...opts, padding: this.padding });
    // as PyTorch: pad with the mode first (width, height, then depth: F.pad's order), then convolve without padding
    const pads = [2, 1, 0].flatMap((i) => this.padsOf(i));
    return conv3d(pad(x, pads, { mode: this.paddingMode }), this.weight, this.bias, { ...opts, padding: 0 });
  }

  /** The [before, after] padding along dim i (0 depth, 1 height, 2 width). */
  private padsOf(i: number): [number, number] {
    return conv3dPadding(this.padding, i, this.kernelSize[i], this.dilation[i]);
  }

  /** [N, C, D, H, W] → [N, outChannels, D', H', W']. */
  outputShape(input: readonly number[]): number[] {
    const size = (i: number) => {
      const [before, after] = this.padsOf(i);
      return convOutputSize(input[input.length - 3 + i], this.kernelSize[i], this.stride[i], before + after, this.dilation[i]);
    };
    return [...input.slice(0, -4), this.outChannels, size(0), size(1), size(2)];
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${py(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${py(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

function checkPool3dInput(layer: Module, x: unknown): Tensor {
  const t = checkTensor(layer.constructor.name, x);
  if (t.ndim !== 4 && t.ndim !== 5) throw new RangeError(`${layer.toString()}: expected input [N, C, D, H, W] or [C, D, H, W], got ${formatShape(t.shape)}`);
  return t;
}

/** PyTorch prints a pooling argument as it was given: 3, or (3, 2, 2). */
const asGiven = (v: Triple) => (typeof v === 'number' ? String(v) : py([...v]));

export interface MaxPool3dOptions {
  kernelSize: Triple;
  /** default: kernelSize */
  stride?: Triple | null;
  padding?: Triple;
  dilation?: Triple;
  /** PyTorch's return_indices: only false */
  returnIndices?: boolean;
  ceilMode?: boolean;
}

/** PyTorch's order: kernel_size, stride, padding, dilation, return_indices, ceil_mode. */
export type MaxPool3dArgs =
  | [options: MaxPool3dOptions]
  | PyArgs<[kernelSize: Triple], [stride: Triple | null | undefined, padding: Triple | undefined, dilation: Triple | undefined, returnIndices: boolean | undefined, ceilMode: boolean | undefined], Partial<MaxPool3dOptions>>;

export class MaxPool3d extends Module {
  readonly kernelSize: Triple;
  readonly stride: Triple;
  readonly padding: Triple;
  readonly dilation: Triple;
  readonly ceilMode: boolean;

  constructor(...args: MaxPool3dArgs) {
    super();
    const name = 'MaxPool3d';
    const o = parseArgs(name, args, { kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', dilation: 'integer|array', returnIndices: 'boolean', ceilMode: 'boolean' }) as unknown as MaxPool3dOptions;
    if (o.kernelSize === undefined) throw new TypeError(`${name}: kernelSize is required`);
    if (o.returnIndices) throw new RangeError(`${name}: returnIndices true is not supported (only false)`);
    // kept as given, for the print; checked here so that a layer that builds also runs
    [o.kernelSize, o.stride ?? o.kernelSize, o.padding ?? 0, o.dilation ?? 1].forEach((v, i) => toTriple(v, ['kernelSize', 'stride', 'padding', 'dilation'][i], name, i === 2 ? 0 : 1));
    this.kernelSize = o.kernelSize;
    this.stride = o.stride ?? o.kernelSize;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.ceilMode = o.ceilMode ?? false;
  }

  forward(x: Tensor): Tensor {
    return maxPool3d(checkPool3dInput(this, x), { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  outputShape(input: readonly number[]): number[] {
    const [k, s, p, d] = [this.kernelSize, this.stride, this.padding, this.dilation].map((v) => toTriple(v, 'size', 'MaxPool3d', 0));
    return [...input.slice(0, -3), ...[0, 1, 2].map((i) => poolOutputSize(input[input.length - 3 + i], k[i], s[i], p[i], d[i], this.ceilMode))];
  }

  override extraRepr(): string {
    return `kernel_size=${asGiven(this.kernelSize)}, stride=${asGiven(this.stride)}, padding=${asGiven(this.padding)}, dilation=${asGiven(this.dilation)}, ceil_mode=${py(this.ceilMode)}`;
  }
}

export interface AvgPool3dOptions {
  kernelSize: Triple;
  stride?: Triple | null;
  padding?: Triple;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** PyTorch's divisor_override: only null */
  divisorOverride?: number | null;
}

/** PyTorch's order: kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override. */
export type AvgPool3dArgs =
  | [options: AvgPool3dOptions]
  | PyArgs<[kernelSize: Triple], [stride: Triple | null | undefined, padding: Triple | undefined, ceilMode: boolean | undefined, countIncludePad: boolean | undefined, divisorOverride: number | null | undefined], Partial<AvgPool3dOptions>>;

export class AvgPool3d extends Module {
  readonly kernelSize: Triple;
  readonly stride: Triple;
  readonly padding: Triple;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(...args: AvgPool3dArgs) {
    super();
    const name = 'AvgPool3d';
    const o = parseArgs(name, args, { kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', ceilMode: 'boolean', countIncludePad: 'boolean', divisorOverride: 'number|null' }) as unknown as AvgPool3dOptions;
    if (o.kernelSize === undefined) throw new TypeError(`${name}: kernelSize is required`);
    if (o.divisorOverride != null) throw new RangeError(`${name}: divisorOverride is not supported (only null)`);
    [o.kernelSize, o.stride ?? o.kernelSize, o.padding ?? 0].forEach((v, i) => toTriple(v, ['kernelSize', 'stride', 'padding'][i], name, i === 2 ? 0 : 1));
    this.kernelSize = o.kernelSize;
    this.stride = o.stride ?? o.kernelSize;
    this.padding = o.padding ?? 0;
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    return avgPool3d(checkPool3dInput(this, x), { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }

  outputShape(input: readonly number[]): number[] {
    const [k, s, p] = [this.kernelSize, this.stride, this.padding].map((v) => toTriple(v, 'size', 'AvgPool3d', 0));
    return [...input.slice(0, -3), ...[0, 1, 2].map((i) => poolOutputSize(input[input.length - 3 + i], k[i], s[i], p[i], 1, this.ceilMode))];
  }

  // PyTorch's AvgPool3d prints only these three
  override extraRepr(): string {
    return `kernel_size=${asGiven(this.kernelSize)}, stride=${asGiven(this.stride)}, padding=${asGiven(this.padding)}`;
  }
}
