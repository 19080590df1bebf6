// Pooling layers over the engine's pooling ops, printing and sizing like PyTorch's.

import { Tensor, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, poolOutputSize, formatShape, parseArgs, type OutputSize, type PyArgs } from '../../engine/index.js';
import { Module } from '../module.js';
import { checkTensor, pair, py, type Pair } from './util.js';

function checkPoolInput(layer: Module, x: unknown): Tensor {
  const t = checkTensor(layer.constructor.name, x);
  if (t.ndim !== 3 && t.ndim !== 4) throw new RangeError(`${layer.toString()}: expected input [N, C, H, W] or [C, H, W], got ${formatShape(t.shape)}`);
  return t;
}

export interface MaxPool2dOptions {
  kernelSize: Pair;
  /** default: kernelSize */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
  /** PyTorch's return_indices: only false (the indices are not returned) */
  returnIndices?: boolean;
}

/** PyTorch's order: kernel_size, stride, padding, dilation, return_indices, ceil_mode. */
export type MaxPool2dArgs =
  | [options: MaxPool2dOptions]
  | PyArgs<[kernelSize: Pair], [stride: Pair | null | undefined, padding: Pair | undefined, dilation: Pair | undefined, returnIndices: boolean | undefined, ceilMode: boolean | undefined], Partial<MaxPool2dOptions>>;

function unsupported(layer: string, name: string, v: unknown, allowed: unknown[]): void {
  if (v !== undefined && !allowed.includes(v)) throw new RangeError(`${layer}: ${name} ${JSON.stringify(v)} is not supported (only ${allowed.map((a) => JSON.stringify(a)).join(' or ')})`);
}

export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly ceilMode: boolean;

  constructor(...args: MaxPool2dArgs) {
    super();
    const options = parseArgs('MaxPool2d', args, {
      kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', dilation: 'integer|array', returnIndices: 'boolean', ceilMode: 'boolean',
    }) as unknown as MaxPool2dOptions;
    if (options.kernelSize === undefined) throw new TypeError('MaxPool2d: kernelSize is required');
    unsupported('MaxPool2d', 'returnIndices', options.returnIndices, [false]);
    pair(options.kernelSize, 'kernelSize', 'MaxPool2d');
    this.kernelSize = options.kernelSize;
    this.stride = options.stride ?? options.kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(checkPoolInput(this, x), { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  outputShape(input: readonly number[]): number[] {
    return poolShape(input, this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode);
  }

  override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}, dilation=${py(this.dilation)}, ceil_mode=${py(this.ceilMode)}`;
  }
}

export interface AvgPool2dOptions {
  kernelSize: Pair;
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** PyTorch's divisor_override: only null (divide by the window's count) */
  divisorOverride?: null;
}

/** PyTorch's order: kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override. */
export type AvgPool2dArgs =
  | [options: AvgPool2dOptions]
  | PyArgs<[kernelSize: Pair], [stride: Pair | null | undefined, padding: Pair | undefined, ceilMode: boolean | undefined, countIncludePad: boolean | undefined, divisorOverride: null | undefined], Partial<AvgPool2dOptions>>;

export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(...args: AvgPool2dArgs) {
    super();
    const options = parseArgs('AvgPool2d', args, {
      kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', ceilMode: 'boolean', countIncludePad: 'boolean', divisorOverride: 'null|integer',
    }) as unknown as AvgPool2dOptions;
    if (options.kernelSize === undefined) throw new TypeError('AvgPool2d: kernelSize is required');
    unsupported('AvgPool2d', 'divisorOverride', options.divisorOverride, [null]);
    pair(options.kernelSize, 'kernelSize', 'AvgPool2d');
    this.kernelSize = options.kernelSize;
    this.stride = options.stride ?? options.kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(checkPoolInput(this, x), {
      kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad,
    });
  }

  outputShape(input: readonly number[]): number[] {
    return poolShape(input, this.kernelSize, this.stride, this.padding, 1, this.ceilMode);
  }

  override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}`;
  }
}

function poolShape(input: readonly number[], k: Pair, s: Pair, p: Pair, d: Pair, ceil: boolean): number[] {
  const [kh, kw] = pair(k, 'kernelSize', 'pool');
  const [sh, sw] = pair(s, 'stride', 'pool');
  const [ph, pw] = pair(p, 'padding', 'pool');
  const [dh, dw] = pair(d, 'dilation', 'pool');
  const [h, w] = input.slice(-2);
  return [...input.slice(0, -2), poolOutputSize(h, kh, sh, ph, dh, ceil), poolOutputSize(w, kw, sw, pw, dw, ceil)];
}

export interface AdaptivePoolOptions {
  /** a number (square), or [height, width] where null keeps the input's size */
  outputSize: OutputSize;
  /** PyTorch's return_indices (AdaptiveMaxPool2d): only false */
  returnIndices?: boolean;
}

abstract class AdaptivePool extends Module {
  readonly outputSize: OutputSize;

  constructor(args: readonly unknown[], withIndices: boolean) {
    super();
    const name = new.target.name;
    const spec: Record<string, string> = withIndices ? { outputSize: 'integer|array', returnIndices: 'boolean' } : { outputSize: 'integer|array' };
    const options = parseArgs(name, args, spec) as unknown as AdaptivePoolOptions;
    const size = options.outputSize;
    if (size === undefined) throw new TypeError(`${name}: outputSize is required`);
    unsupported(name, 'returnIndices', options.returnIndices, [false]);
    this.outputSize = size;
  }

  outputShape(input: readonly number[]): number[] {
    const [oh, ow] = typeof this.outputSize === 'number' ? [this.outputSize, this.outputSize] : this.outputSize;
    return [...input.slice(0, -2), oh ?? input[input.length - 2], ow ?? input[input.length - 1]];
  }

  override extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }
}

export class AdaptiveAvgPool2d extends AdaptivePool {
  /** `(outputSize)` as PyTorch, or `({ outputSize })` */
  constructor(...args: [outputSize: OutputSize] | [options: Omit<AdaptivePoolOptions, 'returnIndices'>]) {
    super(args, false);
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(checkPoolInput(this, x), this.outputSize);
  }
}

export class AdaptiveMaxPool2d extends AdaptivePool {
  /** `(outputSize, returnIndices?)` as PyTorch, or `({ outputSize })` */
  constructor(...args: [options: AdaptivePoolOptions] | PyArgs<[outputSize: OutputSize], [returnIndices: boolean | undefined], { returnIndices?: boolean }>) {
    super(args, true);
  }
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(checkPoolInput(this, x), this.outputSize);
  }
}
