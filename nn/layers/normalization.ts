// Batch normalisation. Training normalises with the batch's mean and (biased) variance and moves the
// running estimates toward the batch's mean and unbiased variance by `momentum`; evaluation normalises
// with the running estimates. The arithmetic and its gradient are the engine's batchNorm op.

import { Tensor, formatShape, batchNorm, parseArgs, type PyArgs } from '../../engine/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkPositiveInt, checkTensor, py, pyFloat } from './util.js';

export interface BatchNormOptions {
  numFeatures: number;
  eps?: number;
  /** weight of the new batch in the running stats; null = cumulative average */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** `(options)`, or PyTorch's `(numFeatures, eps?, momentum?, affine?, trackRunningStats?)` with a trailing options object. */
export type BatchNormArgs =
  | [options: BatchNormOptions]
  | PyArgs<[numFeatures: number], [eps: number | undefined, momentum: number | null | undefined, affine: boolean | undefined, trackRunningStats: boolean | undefined], Partial<BatchNormOptions>>;

abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(...args: BatchNormArgs) {
    super();
    const name = new.target.name;
    const options = parseArgs(name, args, { numFeatures: 'integer', eps: 'number', momentum: 'number|null', affine: 'boolean', trackRunningStats: 'boolean' }) as unknown as BatchNormOptions;
    this.numFeatures = checkPositiveInt(name, 'numFeatures', options.numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const c = this.numFeatures;
    this.weight = this.affine ? new Parameter(new Float32Array(c).fill(1), [c]) : null;
    this.bias = this.affine ? new Parameter(new Float32Array(c), [c]) : null;
    this.registerBuffer('running_mean', this.trackRunningStats ? new Tensor(new Float32Array(c), [c]) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? new Tensor(new Float32Array(c).fill(1), [c]) : null);
    // a count, stored as a float tensor (PyTorch's int64; the safetensors reader converts)
    this.registerBuffer('num_batches_tracked', this.trackRunningStats ? new Tensor(new Float32Array(1), []) : null);
  }

  /** Throws unless x has a rank this layer accepts. */
  protected abstract checkRank(x: Tensor): void;

  resetRunningStats(): void {
    const c = this.numFeatures;
    this.running_mean?.copy_(new Tensor(new Float32Array(c), [c]));
    this.running_var?.copy_(new Tensor(new Float32Array(c).fill(1), [c]));
    this.num_batches_tracked?.copy_(new Tensor(new Float32Array(1), []));
  }

  forward(x: Tensor): Tensor {
    checkTensor(this.constructor.name, x);
    this.checkRank(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.toString()}: expected ${this.numFeatures} channels in dim 1, got input ${formatShape(x.shape)}`);
    }
    // an empty batch is fine (an empty result, as in PyTorch); one value per channel has no variance
    if (this.training && x.size / this.numFeatures === 1) {
      throw new RangeError(`${this.constructor.name}: expected more than 1 value per channel when training, got input ${formatShape(x.shape)}`);
    }
    const updateStats = this.training && this.trackRunningStats;
    let momentum = this.momentum ?? 0;
    if (updateStats) {
      const batches = this.num_batches_tracked!.data;
      batches[0] += 1;
      if (this.momentum === null) momentum = 1 / batches[0]; // a cumulative average
    }
    return batchNorm(x, this.running_mean, this.running_var, this.weight, this.bias, {
      training: this.training || !this.trackRunningStats,
      momentum,
      eps: this.eps,
    });
  }

  outputShape(input: readonly number[]): number[] {
    return [...input];
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${py(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${py(this.affine)}, track_running_stats=${py(this.trackRunningStats)}`;
  }
}

/** Over [N, C] or [N, C, L]: one mean and variance per feature C. */
export class BatchNorm1d extends BatchNorm {
  protected checkRank(x: Tensor): void {
    if (x.ndim === 2 || x.ndim === 3) return;
    throw new RangeError(`BatchNorm1d: expected input [N, C] or [N, C, L], got ${formatShape(x.shape)}`);
  }
}

/** Over [N, C, H, W]: one mean and variance per channel. */
export class BatchNorm2d extends BatchNorm {
  protected checkRank(x: Tensor): void {
    if (x.ndim === 4) return;
    throw new RangeError(`BatchNorm2d: expected input [N, C, H, W], got ${formatShape(x.shape)}`);
  }
}
