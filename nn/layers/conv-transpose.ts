// ConvTranspose2d and ConvTranspose1d: PyTorch's layers over tg.convTranspose2d (conv2d's kernels with
// the roles swapped) and tg.convTranspose1d (the same on a height of 1), with their default init, their
// forward(input, outputSize) and their print.

import { Tensor, convTranspose1d, convTranspose2d, convTransposeOutputSize, formatShape, parseArgs, type Generator, type PyArgs } from '../../engine/index.js';
import { toSingle } from '../../engine/ops/conv1d.js';
import { toPair } from '../../engine/shape.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { resetLinearLike } from '../init.js';
import { checkPositiveInt, checkTensor, py, zeroParameter, type Pair } from './util.js';

export interface ConvTranspose2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Pair;
  stride?: Pair;
  /** dilation·(kernel − 1) − padding zeros around the input (padding shrinks the output) */
  padding?: Pair;
  /** extra rows / columns at the bottom / right of the output, smaller than the stride or the dilation */
  outputPadding?: Pair;
  groups?: number;
  bias?: boolean;
  dilation?: Pair;
  /** only 'zeros', as in PyTorch */
  paddingMode?: 'zeros';
  generator?: Generator;
}

/** PyTorch's order: in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation, padding_mode. */
const positional = {
  inChannels: 'integer', outChannels: 'integer', kernelSize: 'integer|array', stride: 'integer|array', padding: 'integer|array',
  outputPadding: 'integer|array', groups: 'integer', bias: 'boolean', dilation: 'integer|array', paddingMode: 'string',
} as const;

export type ConvTranspose2dArgs =
  | [options: ConvTranspose2dOptions]
  | PyArgs<
      [inChannels: number, outChannels: number, kernelSize: Pair],
      [stride: Pair | undefined, padding: Pair | undefined, outputPadding: Pair | undefined, groups: number | undefined, bias: boolean | undefined, dilation: Pair | undefined, paddingMode: 'zeros' | undefined],
      Partial<ConvTranspose2dOptions>
    >;

type P = [number, number];

export class ConvTranspose2d extends Module<[input: Tensor, outputSize?: readonly number[]]> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: P;
  readonly stride: P;
  readonly padding: P;
  readonly outputPadding: P;
  readonly dilation: P;
  readonly groups: number;
  readonly paddingMode = 'zeros';
  weight: Parameter;
  bias: Parameter | null;

  constructor(...args: ConvTranspose2dArgs) {
    super();
    const name = 'ConvTranspose2d';
    const options = parseArgs(name, args, positional, ['generator']) as unknown as ConvTranspose2dOptions;
    this.inChannels = checkPositiveInt(name, 'inChannels', options.inChannels);
    this.outChannels = checkPositiveInt(name, 'outChannels', options.outChannels);
    this.kernelSize = toPair(options.kernelSize, 'kernelSize', name, 1);
    this.stride = toPair(options.stride ?? 1, 'stride', name, 1);
    if (typeof options.padding === 'string') throw new RangeError(`${name}: padding must be a number or a pair (PyTorch has no '${options.padding}' for transposed convolutions)`);
    this.padding = toPair(options.padding ?? 0, 'padding', name, 0);
    this.outputPadding = toPair(options.outputPadding ?? 0, 'outputPadding', name, 0);
    this.dilation = toPair(options.dilation ?? 1, 'dilation', name, 1);
    this.groups = checkPositiveInt(name, 'groups', options.groups ?? 1);
    if (options.paddingMode !== undefined && options.paddingMode !== 'zeros') {
      throw new RangeError(`${name}: only paddingMode 'zeros' is supported for transposed convolutions (as in PyTorch), got ${JSON.stringify(options.paddingMode)}`);
    }
    if (options.bias !== undefined && typeof options.bias !== 'boolean') throw new TypeError(`${name}: bias must be a boolean, got ${JSON.stringify(options.bias)}`);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new RangeError(`${name}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${this.groups})`);
    }
    [0, 1].forEach((i) => {
      if (this.outputPadding[i] >= this.stride[i] && this.outputPadding[i] >= this.dilation[i]) {
        throw new RangeError(`${name}: outputPadding [${this.outputPadding}] must be smaller than the stride [${this.stride}] or the dilation [${this.dilation}]`);
      }
    });
    const [kh, kw] = this.kernelSize;
    // PyTorch's layout: [in, out/groups, kH, kW]; its default init reads fan_in from dim 1, as here
    this.weight = zeroParameter([this.inChannels, this.outChannels / this.groups, kh, kw], name);
    this.bias = options.bias === false ? null : new Parameter(new Float32Array(this.outChannels), [this.outChannels]);
    resetLinearLike(this.weight, this.bias, options.generator);
  }

  /**
   * `outputSize` ([H, W], or a full [N, C, H, W]) picks one of the output sizes a stride leaves open, as
   * PyTorch's forward(input, output_size): it sets the output padding for this call.
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    checkTensor('ConvTranspose2d', x);
    const c = x.ndim === 4 ? x.shape[1] : x.ndim === 3 ? x.shape[0] : -1;
    if (c !== this.inChannels) {
      throw new RangeError(`${this.toString()}: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W], got ${formatShape(x.shape)}`);
    }
    const outputPadding = outputSize === undefined ? this.outputPadding : this.outputPaddingFor(x, outputSize);
    return convTranspose2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, outputPadding, groups: this.groups, dilation: this.dilation });
  }

  /** The output padding that gives `outputSize`: each size must lie in [smallest, smallest + stride). */
  private outputPaddingFor(x: Tensor, outputSize: readonly number[]): P {
    const size = outputSize.length === x.ndim ? outputSize.slice(-2) : outputSize;
    if (size.length !== 2 || !size.every(Number.isInteger)) throw new RangeError(`ConvTranspose2d: outputSize must be [H, W] or the full output shape, got ${JSON.stringify(outputSize)} for input ${formatShape(x.shape)}`);
    return [0, 1].map((i) => {
      const smallest = convTransposeOutputSize(x.shape[x.ndim - 2 + i], this.kernelSize[i], this.stride[i], this.padding[i], this.dilation[i], 0);
      const largest = smallest + this.stride[i] - 1;
      if (size[i] < smallest || size[i] > largest) {
        throw new RangeError(`ConvTranspose2d: outputSize ${JSON.stringify(outputSize)} is not reachable from input ${formatShape(x.shape)}: dim ${i} can be ${smallest} to ${largest}`);
      }
      return size[i] - smallest;
    }) as P;
  }

  /** [N, inC, H, W] → [N, outC, H', W'] by the transposed output-size formula. */
  outputShape(input: readonly number[]): number[] {
    const size = (i: 0 | 1) => convTransposeOutputSize(input[input.length - 2 + i], this.kernelSize[i], this.stride[i], this.padding[i], this.dilation[i], this.outputPadding[i]);
    return [...input.slice(0, -3), this.outChannels, size(0), size(1)];
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=${py(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${py(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${py(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    return s;
  }
}

/** A length: a number or PyTorch's one-element tuple. */
type Single = number | [number];

export interface ConvTranspose1dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Single;
  stride?: Single;
  /** dilation·(kernel − 1) − padding zeros on each side of the input (padding shrinks the output) */
  padding?: Single;
  /** extra positions at the end of the output, smaller than the stride or the dilation */
  outputPadding?: Single;
  groups?: number;
  bias?: boolean;
  dilation?: Single;
  /** only 'zeros', as in PyTorch */
  paddingMode?: 'zeros';
  generator?: Generator;
}

export type ConvTranspose1dArgs =
  | [options: ConvTranspose1dOptions]
  | PyArgs<
      [inChannels: number, outChannels: number, kernelSize: Single],
      [stride: Single | undefined, padding: Single | undefined, outputPadding: Single | undefined, groups: number | undefined, bias: boolean | undefined, dilation: Single | undefined, paddingMode: 'zeros' | undefined],
      Partial<ConvTranspose1dOptions>
    >;

/** Python's print of a one-element tuple: (3,). */
const tuple1 = (v: number) => `(${v},)`;

export class ConvTranspose1d extends Module<[input: Tensor, outputSize?: readonly number[]]> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;
  readonly groups: number;
  readonly paddingMode = 'zeros';
  weight: Parameter;
  bias: Parameter | null;

  constructor(...args: ConvTranspose1dArgs) {
    super();
    const name = 'ConvTranspose1d';
    const options = parseArgs(name, args, positional, ['generator']) as unknown as ConvTranspose1dOptions;
    this.inChannels = checkPositiveInt(name, 'inChannels', options.inChannels);
    this.outChannels = checkPositiveInt(name, 'outChannels', options.outChannels);
    this.kernelSize = toSingle(options.kernelSize, 'kernelSize', name);
    this.stride = toSingle(options.stride ?? 1, 'stride', name);
    if (typeof options.padding === 'string') throw new RangeError(`${name}: padding must be a number (PyTorch has no '${options.padding}' for transposed convolutions)`);
    this.padding = toSingle(options.padding ?? 0, 'padding', name, 0);
    this.outputPadding = toSingle(options.outputPadding ?? 0, 'outputPadding', name, 0);
    this.dilation = toSingle(options.dilation ?? 1, 'dilation', name);
    this.groups = checkPositiveInt(name, 'groups', options.groups ?? 1);
    if (options.paddingMode !== undefined && options.paddingMode !== 'zeros') {
      throw new RangeError(`${name}: only paddingMode 'zeros' is supported for transposed convolutions (as in PyTorch), got ${JSON.stringify(options.paddingMode)}`);
    }
    if (options.bias !== undefined && typeof options.bias !== 'boolean') throw new TypeError(`${name}: bias must be a boolean, got ${JSON.stringify(options.bias)}`);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new RangeError(`${name}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${this.groups})`);
    }
    if (this.outputPadding >= this.stride && this.outputPadding >= this.dilation) {
      throw new RangeError(`${name}: outputPadding ${this.outputPadding} must be smaller than the stride (${this.stride}) or the dilation (${this.dilation})`);
    }
    // PyTorch's layout: [in, out/groups, k]; its default init reads fan_in from dim 1, as here
    this.weight = zeroParameter([this.inChannels, this.outChannels / this.groups, this.kernelSize], name);
    this.bias = options.bias === false ? null : new Parameter(new Float32Array(this.outChannels), [this.outChannels]);
    resetLinearLike(this.weight, this.bias, options.generator);
  }

  /** `outputSize` ([L], or a full [N, C, L]) picks one of the output lengths a stride leaves open, as PyTorch's forward(input, output_size). */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    checkTensor('ConvTranspose1d', x);
    const c = x.ndim === 3 ? x.shape[1] : x.ndim === 2 ? x.shape[0] : -1;
    if (c !== this.inChannels) throw new RangeError(`${this.toString()}: expected input [N, ${this.inChannels}, L] or [${this.inChannels}, L], got ${formatShape(x.shape)}`);
    const outputPadding = outputSize === undefined ? this.outputPadding : this.outputPaddingFor(x, outputSize);
    return convTranspose1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, outputPadding, groups: this.groups, dilation: this.dilation });
  }

  /** The output padding that gives `outputSize`: the length must lie in [smallest, smallest + stride). */
  private outputPaddingFor(x: Tensor, outputSize: readonly number[]): number {
    const size = outputSize.length === x.ndim ? outputSize.slice(-1) : outputSize;
    if (size.length !== 1 || !Number.isInteger(size[0])) throw new RangeError(`ConvTranspose1d: outputSize must be [L] or the full output shape, got ${JSON.stringify(outputSize)} for input ${formatShape(x.shape)}`);
    const smallest = convTransposeOutputSize(x.shape[x.ndim - 1], this.kernelSize, this.stride, this.padding, this.dilation, 0);
    const largest = smallest + this.stride - 1;
    if (size[0] < smallest || size[0] > largest) {
      throw new RangeError(`ConvTranspose1d: outputSize ${JSON.stringify(outputSize)} is not reachable from input ${formatShape(x.shape)}: the length can be ${smallest} to ${largest}`);
    }
    return size[0] - smallest;
  }

  /** [N, inC, L] → [N, outC, L'] by the transposed output-size formula. */
  outputShape(input: readonly number[]): number[] {
    return [...input.slice(0, -2), this.outChannels, convTransposeOutputSize(input[input.length - 1], this.kernelSize, this.stride, this.padding, this.dilation, this.outputPadding)];
  }

  // PyTorch keeps one-element tuples: kernel_size=(3,)
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple1(this.kernelSize)}, stride=${tuple1(this.stride)}`;
    if (this.padding !== 0) s += `, padding=${tuple1(this.padding)}`;
    if (this.dilation !== 1) s += `, dilation=${tuple1(this.dilation)}`;
    if (this.outputPadding !== 0) s += `, output_padding=${tuple1(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    return s;
  }
}
