// Flatten and Identity.

import { Tensor, flatten, formatShape, parseArgs, type PyArgs } from '../../engine/index.js';
import { Module } from '../module.js';
import { checkTensor } from './util.js';

export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  /** `(startDim?, endDim?)` as PyTorch, or `({ startDim, endDim })`. */
  constructor(...args: PyArgs<[], [startDim: number | undefined, endDim: number | undefined], { startDim?: number; endDim?: number }>) {
    super();
    const options = parseArgs('Flatten', args, { startDim: 'integer', endDim: 'integer' }) as { startDim?: number; endDim?: number };
    this.startDim = options.startDim ?? 1;
    this.endDim = options.endDim ?? -1;
  }
  forward(x: Tensor): Tensor {
    checkTensor('Flatten', x);
    if (x.ndim <= this.startDim && this.startDim >= 0) {
      throw new RangeError(`Flatten: startDim ${this.startDim} needs an input with more than ${this.startDim} dims, got ${formatShape(x.shape)}`);
    }
    return flatten(x, this.startDim, this.endDim);
  }
  outputShape(input: readonly number[]): number[] {
    const n = input.length;
    const s = this.startDim < 0 ? this.startDim + n : this.startDim;
    const e = this.endDim < 0 ? this.endDim + n : this.endDim;
    return [...input.slice(0, s), input.slice(s, e + 1).reduce((a, b) => a * b, 1), ...input.slice(e + 1)];
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Ignores any constructor arguments, as PyTorch's ("argument-insensitive"). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
}
