// Dropout (per element) and Dropout2d (whole channels), active only in training mode.

import { Tensor, dropout, mul, formatShape, defaultGenerator, type Generator } from '../../engine/index.js';
import { Module } from '../module.js';
import { checkTensor, py } from './util.js';

export interface DropoutOptions {
  p?: number;
  generator?: Generator;
}

function checkP(layer: string, p: number): number {
  if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new RangeError(`${layer}: p must be a probability in [0, 1], got ${p}`);
  return p;
}

export class Dropout extends Module {
  readonly p: number;
  readonly #generator?: Generator;
  constructor(options: DropoutOptions = {}) {
    super();
    this.p = checkP('Dropout', options.p ?? 0.5);
    this.#generator = options.generator;
  }
  forward(x: Tensor): Tensor {
    return dropout(checkTensor('Dropout', x), this.p, this.training, this.#generator);
  }
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
  override extraRepr(): string {
    return `p=${py(this.p)}, inplace=False`;
  }
}

/** Zeroes whole channels of [N, C, H, W] (or [C, H, W]) with probability p, scaling the rest by 1/(1 − p). */
export class Dropout2d extends Module {
  readonly p: number;
  readonly #generator?: Generator;
  constructor(options: DropoutOptions = {}) {
    super();
    this.p = checkP('Dropout2d', options.p ?? 0.5);
    this.#generator = options.generator;
  }
  forward(x: Tensor): Tensor {
    checkTensor('Dropout2d', x);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`Dropout2d: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
    if (!this.training || this.p === 0) return x;
    const planes = x.ndim === 4 ? x.shape[0] * x.shape[1] : x.shape[0];
    const g = this.#generator ?? defaultGenerator;
    const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
    const mask = Float32Array.from({ length: planes }, () => (g.uniform() < this.p ? 0 : scale));
    const maskShape = x.ndim === 4 ? [x.shape[0], x.shape[1], 1, 1] : [x.shape[0], 1, 1];
    return mul(x, new Tensor(mask, maskShape));
  }
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
  override extraRepr(): string {
    return `p=${py(this.p)}, inplace=False`;
  }
}
