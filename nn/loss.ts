// Loss modules: torch.nn's classes over the engine's functional losses.

import { Tensor, crossEntropy, binaryCrossEntropyWithLogits, parseArgs, type PositionalSpec, type PyArgs, type Reduction, type Target } from '../engine/index.js';
import { Module } from './module.js';
import { nllLoss, mseLoss } from './functional.js';

export interface CrossEntropyLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

/**
 * PyTorch's positional orders keep the deprecated size_average and reduce in their places, so that
 * (weight, None, ignore_index) means what it does in PyTorch; given (not null), they are an error.
 */
function lossOptions<T>(loss: string, args: readonly unknown[], spec: PositionalSpec): T {
  const o = parseArgs(loss, args, spec) as Record<string, unknown>;
  for (const k of ['sizeAverage', 'reduce']) {
    if (o[k] !== undefined && o[k] !== null) throw new TypeError(`${loss}: ${k} is deprecated in PyTorch and not supported; use reduction: 'mean' | 'sum' | 'none'`);
    delete o[k];
  }
  if (o.reduction !== undefined && !['mean', 'sum', 'none'].includes(o.reduction as string)) {
    throw new RangeError(`${loss}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(o.reduction)}`);
  }
  return o as T;
}

type Deprecated = null | undefined;

export class CrossEntropyLoss extends Module<[Tensor, Target]> {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  /** `(weight?, sizeAverage?, ignoreIndex?, reduce?, reduction?, labelSmoothing?)` as PyTorch, or an options object. */
  constructor(
    ...args: PyArgs<[], [weight: Tensor | null | undefined, sizeAverage: Deprecated, ignoreIndex: number | undefined, reduce: Deprecated, reduction: Reduction | undefined, labelSmoothing: number | undefined], CrossEntropyLossOptions>
  ) {
    super();
    const options = lossOptions<CrossEntropyLossOptions>('CrossEntropyLoss', args, {
      weight: 'tensor|null', sizeAverage: 'null|boolean', ignoreIndex: 'integer', reduce: 'null|boolean', reduction: 'string', labelSmoothing: 'number',
    });
    // the class weights are a buffer in PyTorch (saved with the state dict)
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }
  forward(input: Tensor, target: Target): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

export interface NLLLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export interface BCEWithLogitsLossOptions {
  weight?: Tensor | null;
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

export class NLLLoss extends Module<[Tensor, Target]> {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  /** `(weight?, sizeAverage?, ignoreIndex?, reduce?, reduction?)` as PyTorch, or an options object. */
  constructor(...args: PyArgs<[], [weight: Tensor | null | undefined, sizeAverage: Deprecated, ignoreIndex: number | undefined, reduce: Deprecated, reduction: Reduction | undefined], NLLLossOptions>) {
    super();
    const options = lossOptions<NLLLossOptions>('NLLLoss', args, { weight: 'tensor|null', sizeAverage: 'null|boolean', ignoreIndex: 'integer', reduce: 'null|boolean', reduction: 'string' });
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
  }
  forward(input: Tensor, target: Target): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export class MSELoss extends Module<[Tensor, Tensor]> {
  readonly reduction: Reduction;
  /** `(sizeAverage?, reduce?, reduction?)` as PyTorch, or `({ reduction })`. */
  constructor(...args: PyArgs<[], [sizeAverage: Deprecated, reduce: Deprecated, reduction: Reduction | undefined], { reduction?: Reduction }>) {
    super();
    const options = lossOptions<{ reduction?: Reduction }>('MSELoss', args, { sizeAverage: 'null|boolean', reduce: 'null|boolean', reduction: 'string' });
    this.reduction = options.reduction ?? 'mean';
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

export class BCEWithLogitsLoss extends Module<[Tensor, Tensor]> {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  readonly reduction: Reduction;
  /** `(weight?, sizeAverage?, reduce?, reduction?, posWeight?)` as PyTorch, or an options object. */
  constructor(
    ...args: PyArgs<[], [weight: Tensor | null | undefined, sizeAverage: Deprecated, reduce: Deprecated, reduction: Reduction | undefined, posWeight: Tensor | null | undefined], BCEWithLogitsLossOptions>
  ) {
    super();
    const options = lossOptions<BCEWithLogitsLossOptions>('BCEWithLogitsLoss', args, {
      weight: 'tensor|null', sizeAverage: 'null|boolean', reduce: 'null|boolean', reduction: 'string', posWeight: 'tensor|null',
    });
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
    this.reduction = options.reduction ?? 'mean';
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}

