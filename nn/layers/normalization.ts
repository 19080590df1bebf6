// Batch normalisation. Training normalises with the batch's mean and (biased) variance and moves the
// running estimates toward the batch's mean and unbiased variance by `momentum`; evaluation normalises
// with the running estimates. Built from differentiable ops, so the gradient comes from autograd.

import { Tensor, noGrad, formatShape, sub, div, mul, add, sqrt, reshape } from '../../engine/index.js';
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

  constructor(options: BatchNormOptions) {
    super();
    const name = new.target.name;
    this.numFeatures = checkPositiveInt(name, 'numFeatures', options?.numFeatures);
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

  /** The ranks this layer accepts, and the dims its statistics are taken over for each. */
  protected abstract statDims(x: Tensor): number[];

  resetRunningStats(): void {
    this.running_mean?.data.fill(0);
    this.running_var?.data.fill(1);
    this.num_batches_tracked?.data.fill(0);
  }

  forward(x: Tensor): Tensor {
    checkTensor(this.constructor.name, x);
    const dims = this.statDims(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.toString()}: expected ${this.numFeatures} channels in dim 1, got input ${formatShape(x.shape)}`);
    }
    // [1, C, 1, ...]: statistics and affine parameters broadcast along the channel dim
    const statShape = x.shape.map((n, i) => (i === 1 ? n : 1));
    const useBatchStats = this.training || !this.trackRunningStats;
    let mean: Tensor;
    let variance: Tensor;
    if (useBatchStats) {
      const count = x.size / this.numFeatures;
      if (this.training && count <= 1) {
        throw new RangeError(`${this.constructor.name}: expected more than 1 value per channel when training, got input ${formatShape(x.shape)}`);
      }
      mean = x.mean(dims, true);
      variance = x.var(dims, true, 0);
      if (this.training && this.trackRunningStats) this.#updateRunningStats(mean, variance, count);
    } else {
      mean = reshape(this.running_mean!, statShape);
      variance = reshape(this.running_var!, statShape);
    }
    let y = div(sub(x, mean), sqrt(add(variance, this.eps)));
    if (this.affine) y = add(mul(y, reshape(this.weight!, statShape)), reshape(this.bias!, statShape));
    return y;
  }

  #updateRunningStats(mean: Tensor, biasedVar: Tensor, count: number): void {
    noGrad(() => {
      const n = this.num_batches_tracked!.data;
      n[0] += 1;
      const m = this.momentum ?? 1 / n[0];
      const rm = this.running_mean!.data;
      const rv = this.running_var!.data;
      const bm = mean.data;
      const bv = biasedVar.data;
      for (let c = 0; c < rm.length; c++) {
        rm[c] = (1 - m) * rm[c] + m * bm[c];
        rv[c] = (1 - m) * rv[c] + m * ((bv[c] * count) / (count - 1));
      }
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
  protected statDims(x: Tensor): number[] {
    if (x.ndim === 2) return [0];
    if (x.ndim === 3) return [0, 2];
    throw new RangeError(`BatchNorm1d: expected input [N, C] or [N, C, L], got ${formatShape(x.shape)}`);
  }
}

/** Over [N, C, H, W]: one mean and variance per channel. */
export class BatchNorm2d extends BatchNorm {
  protected statDims(x: Tensor): number[] {
    if (x.ndim === 4) return [0, 2, 3];
    throw new RangeError(`BatchNorm2d: expected input [N, C, H, W], got ${formatShape(x.shape)}`);
  }
}
