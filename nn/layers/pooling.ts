// Pooling layers over the engine's pooling ops, printing and sizing like PyTorch's.

import { Tensor, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, poolOutputSize, formatShape, type OutputSize } from '../../engine/index.js';
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
}

export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly ceilMode: boolean;

  constructor(options: MaxPool2dOptions) {
    super();
    if (options?.kernelSize === undefined) throw new TypeError('MaxPool2d: kernelSize is required');
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
}

export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(options: AvgPool2dOptions) {
    super();
    if (options?.kernelSize === undefined) throw new TypeError('AvgPool2d: kernelSize is required');
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
}

abstract class AdaptivePool extends Module {
  readonly outputSize: OutputSize;

  constructor(options: AdaptivePoolOptions | OutputSize) {
    super();
    const size = typeof options === 'number' || Array.isArray(options) ? (options as OutputSize) : (options as AdaptivePoolOptions)?.outputSize;
    if (size === undefined) throw new TypeError(`${new.target.name}: outputSize is required`);
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
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(checkPoolInput(this, x), this.outputSize);
  }
}

export class AdaptiveMaxPool2d extends AdaptivePool {
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(checkPoolInput(this, x), this.outputSize);
  }
}
