// Pooling layers over the engine's pooling ops, printing and sizing like PyTorch's.

import { Tensor, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, poolOutputSize, formatShape, parseArgs, type OutputSize, type PyArgs } from '../../engine/index.js';
import { toPair } from '../../engine/shape.js';
import { Module } from '../module.js';
import { checkTensor, py, type Pair } from './util.js';

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

type P = [number, number];
type Window = { kernelSize: P; stride: P; padding: P; dilation: P };

/**
 * The window as pairs (what the layer stores, like Conv2d), and as given (what PyTorch prints:
 * kernel_size=2, not (2, 2)). The stride defaults to the kernel size.
 */
function windowOf(layer: string, o: { kernelSize: Pair; stride?: Pair | null; padding?: Pair; dilation?: Pair }): { window: Window; given: Record<keyof Window, Pair> } {
  if (o.kernelSize === undefined) throw new TypeError(`${layer}: kernelSize is required`);
  const given = { kernelSize: o.kernelSize, stride: o.stride ?? o.kernelSize, padding: o.padding ?? 0, dilation: o.dilation ?? 1 };
  const window = {
    kernelSize: toPair(given.kernelSize, 'kernelSize', layer, 1),
    stride: toPair(given.stride, 'stride', layer, 1),
    padding: toPair(given.padding, 'padding', layer, 0),
    dilation: toPair(given.dilation, 'dilation', layer, 1),
  };
  return { window, given };
}

function unsupported(layer: string, name: string, v: unknown, allowed: unknown[]): void {
  if (v !== undefined && !allowed.includes(v)) throw new RangeError(`${layer}: ${name} ${JSON.stringify(v)} is not supported (only ${allowed.map((a) => JSON.stringify(a)).join(' or ')})`);
}

export class MaxPool2d extends Module {
  readonly kernelSize: P;
  readonly stride: P;
  readonly padding: P;
  readonly dilation: P;
  readonly ceilMode: boolean;
  readonly #given: Record<keyof Window, Pair>;

  constructor(...args: MaxPool2dArgs) {
    super();
    const options = parseArgs('MaxPool2d', args, {
      kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', dilation: 'integer|array', returnIndices: 'boolean', ceilMode: 'boolean',
    }) as unknown as MaxPool2dOptions;
    const { window, given } = windowOf('MaxPool2d', options);
    unsupported('MaxPool2d', 'returnIndices', options.returnIndices, [false]);
    ({ kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation } = window);
    this.#given = given;
    this.ceilMode = options.ceilMode ?? false;
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(checkPoolInput(this, x), { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  outputShape(input: readonly number[]): number[] {
    return poolShape(input, this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode);
  }

  override extraRepr(): string {
    const g = this.#given;
    return `kernel_size=${py(g.kernelSize)}, stride=${py(g.stride)}, padding=${py(g.padding)}, dilation=${py(g.dilation)}, ceil_mode=${py(this.ceilMode)}`;
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
  readonly kernelSize: P;
  readonly stride: P;
  readonly padding: P;
  readonly #given: Record<keyof Window, Pair>;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(...args: AvgPool2dArgs) {
    super();
    const options = parseArgs('AvgPool2d', args, {
      kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', ceilMode: 'boolean', countIncludePad: 'boolean', divisorOverride: 'null|integer',
    }) as unknown as AvgPool2dOptions;
    const { window, given } = windowOf('AvgPool2d', options);
    unsupported('AvgPool2d', 'divisorOverride', options.divisorOverride, [null]);
    ({ kernelSize: this.kernelSize, stride: this.stride, padding: this.padding } = window);
    this.#given = given;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(checkPoolInput(this, x), {
      kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad,
    });
  }

  outputShape(input: readonly number[]): number[] {
    return poolShape(input, this.kernelSize, this.stride, this.padding, [1, 1], this.ceilMode);
  }

  override extraRepr(): string {
    const g = this.#given;
    return `kernel_size=${py(g.kernelSize)}, stride=${py(g.stride)}, padding=${py(g.padding)}`;
  }
}

function poolShape(input: readonly number[], k: P, s: P, p: P, d: P, ceil: boolean): number[] {
  const size = (i: 0 | 1) => poolOutputSize(input[input.length - 2 + i], k[i], s[i], p[i], d[i], ceil);
  return [...input.slice(0, -2), size(0), size(1)];
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
