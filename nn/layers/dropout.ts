// Dropout (per element) and Dropout2d (whole channels), active only in training mode.

import { dropout, dropout2d, formatShape, parseArgs, type Generator, type PyArgs, type Tensor } from '../../engine/index.js';
import { Module } from '../module.js';
import { checkTensor, py } from './util.js';

export interface DropoutOptions {
  p?: number;
  /** accepted for PyTorch's signature; the result is the same either way (a new tensor is returned) */
  inplace?: boolean;
  generator?: Generator;
}

/** `(options)`, or PyTorch's `(p?, inplace?)` with a trailing options object. */
export type DropoutArgs = PyArgs<[], [p: number | undefined, inplace: boolean | undefined], DropoutOptions>;

function checkP(layer: string, p: number): number {
  if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new RangeError(`${layer}: p must be a probability in [0, 1], got ${p}`);
  return p;
}

function dropoutOptions(layer: string, args: readonly unknown[]): DropoutOptions {
  const o = parseArgs(layer, args, { p: 'number', inplace: 'boolean' }, ['generator']) as DropoutOptions;
  checkP(layer, o.p ?? 0.5);
  return o;
}

export class Dropout extends Module {
  readonly p: number;
  readonly #generator?: Generator;
  readonly inplace: boolean;
  constructor(...args: DropoutArgs) {
    super();
    const options = dropoutOptions('Dropout', args);
    this.p = options.p ?? 0.5;
    this.inplace = options.inplace ?? false;
    this.#generator = options.generator;
  }
  forward(x: Tensor): Tensor {
    return dropout(checkTensor('Dropout', x), this.p, this.training, this.#generator);
  }
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
  override extraRepr(): string {
    return `p=${py(this.p)}, inplace=${py(this.inplace)}`;
  }
}

/** Zeroes whole channels of [N, C, H, W] (or [C, H, W]) with probability p, scaling the rest by 1/(1 − p). */
export class Dropout2d extends Module {
  readonly p: number;
  readonly #generator?: Generator;
  readonly inplace: boolean;
  constructor(...args: DropoutArgs) {
    super();
    const options = dropoutOptions('Dropout2d', args);
    this.p = options.p ?? 0.5;
    this.inplace = options.inplace ?? false;
    this.#generator = options.generator;
  }
  forward(x: Tensor): Tensor {
    checkTensor('Dropout2d', x);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`Dropout2d: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
    return dropout2d(x, this.p, this.training, this.#generator);
  }
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
  override extraRepr(): string {
    return `p=${py(this.p)}, inplace=${py(this.inplace)}`;
  }
}
