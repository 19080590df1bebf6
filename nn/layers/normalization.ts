// Batch normalisation. Training normalises with the batch's mean and (biased) variance and moves the
// running estimates toward the batch's mean and unbiased variance by `momentum`; evaluation normalises
// with the running estimates. The arithmetic and its gradient are the engine's batchNorm op.

import { Tensor, formatShape, batchNorm, parseArgs, type PyArgs } from '../../engine/index.js';
import { layerNorm, groupNorm, instanceNorm, localResponseNorm, squeeze, unsqueeze } from '../../engine/index.js';
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

/** Over [N, C, D, H, W]: one mean and variance per channel (BatchNorm's kernels, the volume as the inner dims). */
export class BatchNorm3d extends BatchNorm {
  protected checkRank(x: Tensor): void {
    if (x.ndim === 5) return;
    throw new RangeError(`BatchNorm3d: expected input [N, C, D, H, W], got ${formatShape(x.shape)}`);
  }
}

/** The affine parameters of the layers below: weight of ones and bias of zeros, as PyTorch initializes them. */
const ones = (shape: number[]) => new Parameter(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
const zeros = (shape: number[]) => new Parameter(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);

export interface LayerNormOptions {
  /** the trailing dims to normalize over: a size or a list of them */
  normalizedShape: number | number[];
  eps?: number;
  /** learn weight and bias of normalizedShape */
  elementwiseAffine?: boolean;
}

/** `(options)`, or PyTorch's `(normalizedShape, eps?, elementwiseAffine?)` with a trailing options object. */
export type LayerNormArgs =
  | [options: LayerNormOptions]
  | PyArgs<[normalizedShape: number | number[]], [eps: number | undefined, elementwiseAffine: boolean | undefined], Partial<LayerNormOptions>>;

/** Standardizes each sample over its last dims (normalizedShape), then scales and shifts each element. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(...args: LayerNormArgs) {
    super();
    const options = parseArgs('LayerNorm', args, { normalizedShape: 'integer|array', eps: 'number', elementwiseAffine: 'boolean' }) as unknown as LayerNormOptions;
    const given = options.normalizedShape;
    const shape = typeof given === 'number' ? [given] : given;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new RangeError(`LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(given)}`);
    }
    this.normalizedShape = [...shape];
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? ones(this.normalizedShape) : null;
    this.bias = this.elementwiseAffine ? zeros(this.normalizedShape) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(checkTensor('LayerNorm', x), this.normalizedShape, this.weight, this.bias, this.eps);
  }

  outputShape(input: readonly number[]): number[] {
    return [...input];
  }

  override extraRepr(): string {
    // Python's tuple of one is (4,)
    const shape = this.normalizedShape.length === 1 ? `(${this.normalizedShape[0]},)` : py(this.normalizedShape);
    return `${shape}, eps=${py(this.eps)}, elementwise_affine=${py(this.elementwiseAffine)}`;
  }
}

export interface GroupNormOptions {
  numGroups: number;
  numChannels: number;
  eps?: number;
  /** learn a weight and bias per channel */
  affine?: boolean;
}

/** `(options)`, or PyTorch's `(numGroups, numChannels, eps?, affine?)` with a trailing options object. */
export type GroupNormArgs =
  | [options: GroupNormOptions]
  | PyArgs<[numGroups: number, numChannels: number], [eps: number | undefined, affine: boolean | undefined], Partial<GroupNormOptions>>;

/** Over [N, C, ...]: standardizes each sample's groups of C/numGroups channels, then scales and shifts each channel. */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(...args: GroupNormArgs) {
    super();
    const options = parseArgs('GroupNorm', args, { numGroups: 'integer', numChannels: 'integer', eps: 'number', affine: 'boolean' }) as unknown as GroupNormOptions;
    this.numGroups = checkPositiveInt('GroupNorm', 'numGroups', options.numGroups);
    this.numChannels = checkPositiveInt('GroupNorm', 'numChannels', options.numChannels);
    if (this.numChannels % this.numGroups !== 0) throw new RangeError(`GroupNorm: numChannels (${this.numChannels}) must be divisible by numGroups (${this.numGroups})`);
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = this.affine ? ones([this.numChannels]) : null;
    this.bias = this.affine ? zeros([this.numChannels]) : null;
  }

  forward(x: Tensor): Tensor {
    checkTensor('GroupNorm', x);
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) throw new RangeError(`${this.toString()}: expected input [N, ${this.numChannels}, ...], got ${formatShape(x.shape)}`);
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  outputShape(input: readonly number[]): number[] {
    return [...input];
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${py(this.eps)}, affine=${py(this.affine)}`;
  }
}

export interface InstanceNormOptions {
  numFeatures: number;
  eps?: number;
  /** weight of the new batch in the running stats */
  momentum?: number;
  /** learn a weight and bias per channel (PyTorch's default: false) */
  affine?: boolean;
  /** keep running statistics and use them in evaluation (PyTorch's default: false) */
  trackRunningStats?: boolean;
}

/** `(options)`, or PyTorch's `(numFeatures, eps?, momentum?, affine?, trackRunningStats?)` with a trailing options object. */
export type InstanceNormArgs =
  | [options: InstanceNormOptions]
  | PyArgs<[numFeatures: number], [eps: number | undefined, momentum: number | undefined, affine: boolean | undefined, trackRunningStats: boolean | undefined], Partial<InstanceNormOptions>>;

/**
 * Over [N, C, H, W] or unbatched [C, H, W]: standardizes each sample's channel over its positions. With
 * trackRunningStats, training also moves running statistics (the batch's average of the instances'), and
 * evaluation standardizes with them; without it, both use the input's own statistics.
 */
export class InstanceNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(...args: InstanceNormArgs) {
    super();
    const options = parseArgs('InstanceNorm2d', args, { numFeatures: 'integer', eps: 'number', momentum: 'number', affine: 'boolean', trackRunningStats: 'boolean' }) as unknown as InstanceNormOptions;
    this.numFeatures = checkPositiveInt('InstanceNorm2d', 'numFeatures', options.numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.affine = options.affine ?? false;
    this.trackRunningStats = options.trackRunningStats ?? false;
    const c = this.numFeatures;
    this.weight = this.affine ? ones([c]) : null;
    this.bias = this.affine ? zeros([c]) : null;
    this.registerBuffer('running_mean', this.trackRunningStats ? new Tensor(new Float32Array(c), [c]) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? new Tensor(new Float32Array(c).fill(1), [c]) : null);
    // PyTorch keeps the count for the state dict's sake; instance norm never advances it
    this.registerBuffer('num_batches_tracked', this.trackRunningStats ? new Tensor(new Float32Array(1), []) : null);
  }

  forward(x: Tensor): Tensor {
    checkTensor('InstanceNorm2d', x);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`InstanceNorm2d: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
    const channels = x.shape[x.ndim - 3];
    // PyTorch only warns about other channel counts when there is nothing per channel to apply
    if (channels !== this.numFeatures && (this.affine || this.trackRunningStats)) {
      throw new RangeError(`${this.toString()}: expected ${this.numFeatures} channels in dim ${x.ndim - 3}, got input ${formatShape(x.shape)}`);
    }
    const run = (x4: Tensor) =>
      instanceNorm(x4, this.running_mean, this.running_var, this.weight, this.bias, this.training || !this.trackRunningStats, this.momentum, this.eps);
    return x.ndim === 3 ? squeeze(run(unsqueeze(x, 0)), 0) : run(x);
  }

  outputShape(input: readonly number[]): number[] {
    return [...input];
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${py(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${py(this.affine)}, track_running_stats=${py(this.trackRunningStats)}`;
  }
}

export interface LocalResponseNormOptions {
  /** how many neighbouring channels to sum over */
  size: number;
  alpha?: number;
  beta?: number;
  k?: number;
}

/** `(options)`, or PyTorch's `(size, alpha?, beta?, k?)` with a trailing options object. */
export type LocalResponseNormArgs =
  | [options: LocalResponseNormOptions]
  | PyArgs<[size: number], [alpha: number | undefined, beta: number | undefined, k: number | undefined], Partial<LocalResponseNormOptions>>;

/** Over [N, C, ...]: each value divided by (k + α·mean of x² over `size` neighbouring channels)^β. */
export class LocalResponseNorm extends Module {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(...args: LocalResponseNormArgs) {
    super();
    const options = parseArgs('LocalResponseNorm', args, { size: 'integer', alpha: 'number', beta: 'number', k: 'number' }) as unknown as LocalResponseNormOptions;
    this.size = checkPositiveInt('LocalResponseNorm', 'size', options.size);
    this.alpha = options.alpha ?? 1e-4;
    this.beta = options.beta ?? 0.75;
    this.k = options.k ?? 1;
  }

  forward(x: Tensor): Tensor {
    return localResponseNorm(checkTensor('LocalResponseNorm', x), this.size, this.alpha, this.beta, this.k);
  }

  outputShape(input: readonly number[]): number[] {
    return [...input];
  }

  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}
