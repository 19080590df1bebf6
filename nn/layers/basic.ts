// Flatten and Identity.

import { Tensor, flatten, formatShape } from '../../engine/index.js';
import { Module } from '../module.js';
import { checkTensor } from './util.js';

export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(options: { startDim?: number; endDim?: number } = {}) {
    super();
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

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
}
