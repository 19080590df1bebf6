// Conv2d: PyTorch's layer over tg.conv2d, with its default init and print.

import { Tensor, conv2d, pad, formatShape, parseArgs, type Generator, type PyArgs } from '../../engine/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { resetLinearLike } from '../init.js';
import { conv2dOptions, convOutputSize, convPadding } from '../../engine/ops/conv.js';
import { toPair } from '../../engine/shape.js';
import { checkPositiveInt, checkTensor, py, zeroParameter, type Pair } from './util.js';

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Pair;
  stride?: Pair;
  /** zeros on each side, or 'same' (output size = input size, stride 1) / 'valid' (none) */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  /** what the padding holds: 'zeros' (default), or the input mirrored ('reflect'), its edge repeated ('replicate'), or wrapped around ('circular') */
  paddingMode?: Conv2dPaddingMode;
  generator?: Generator;
}

export type Conv2dPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** PyTorch's positional order of Conv1d's and Conv2d's arguments: in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode. */
export const convArgs = {
  inChannels: 'integer', outChannels: 'integer', kernelSize: 'integer|array', stride: 'integer|array', padding: 'integer|array|string',
  dilation: 'integer|array', groups: 'integer', bias: 'boolean', paddingMode: 'string',
} as const;

/** Conv2d's arguments: `(options)`, or PyTorch's positional order with the rest in a trailing options object. */
export type Conv2dArgs =
  | [options: Conv2dOptions]
  | PyArgs<
      [inChannels: number, outChannels: number, kernelSize: Pair],
      [stride: Pair | undefined, padding: Pair | 'same' | 'valid' | undefined, dilation: Pair | undefined, groups: number | undefined, bias: boolean | undefined, paddingMode: Conv2dPaddingMode | undefined],
      Partial<Conv2dOptions>
    >;

export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: Conv2dPaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(...args: Conv2dArgs) {
    super();
    const name = 'Conv2d';
    const options = parseArgs(name, args, convArgs, ['generator']) as unknown as Conv2dOptions;
    this.inChannels = checkPositiveInt(name, 'inChannels', options.inChannels);
    this.outChannels = checkPositiveInt(name, 'outChannels', options.outChannels);
    this.kernelSize = toPair(options.kernelSize, 'kernelSize', name, 1);
    // checked as conv2d checks them, so that a layer that builds also runs
    ({ stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups } = conv2dOptions(options, name));
    this.paddingMode = options.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(this.paddingMode)) {
      throw new RangeError(`${name}: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got ${JSON.stringify(options.paddingMode)}`);
    }
    if (options.bias !== undefined && typeof options.bias !== 'boolean') throw new TypeError(`${name}: bias must be a boolean, got ${JSON.stringify(options.bias)}`);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new RangeError(`${name}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${this.groups})`);
    }
    const [kh, kw] = this.kernelSize;
    this.weight = zeroParameter([this.outChannels, this.inChannels / this.groups, kh, kw], name);
    this.bias = options.bias === false ? null : new Parameter(new Float32Array(this.outChannels), [this.outChannels]);
    resetLinearLike(this.weight, this.bias, options.generator);
  }

  forward(x: Tensor): Tensor {
    checkTensor('Conv2d', x);
    const c = x.ndim === 4 ? x.shape[1] : x.ndim === 3 ? x.shape[0] : -1;
    if (c !== this.inChannels) {
      throw new RangeError(`${this.toString()}: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W], got ${formatShape(x.shape)}`);
    }
    const opts = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros' || this.padding === 'valid') return conv2d(x, this.weight, this.bias, { ...opts, padding: this.padding });
    // as PyTorch: pad with the mode first (left/right, then top/bottom), then convolve without padding
    return conv2d(pad(x, this.reversedPadding(), { mode: this.paddingMode }), this.weight, this.bias, { ...opts, padding: 0 });
  }

  /** [left, right, top, bottom]: F.pad's order. */
  private reversedPadding(): number[] {
    return [...this.padsOf(1), ...this.padsOf(0)];
  }

  /** The zeros [before, after] along dim 0 (height) or 1 (width). */
  private padsOf(dim: 0 | 1): [number, number] {
    return convPadding(this.padding, dim, this.kernelSize[dim], this.dilation[dim]);
  }

  /** [N, C, H, W] → [N, outChannels, H', W'] by conv2d's output-size formula. */
  outputShape(input: readonly number[]): number[] {
    const size = (dim: 0 | 1) => {
      const [before, after] = this.padsOf(dim);
      return convOutputSize(input[input.length - 2 + dim], this.kernelSize[dim], this.stride[dim], before + after, this.dilation[dim]);
    };
    return [...input.slice(0, -3), this.outChannels, size(0), size(1)];
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`; // Python formats the string unquoted
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${py(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${py(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}
