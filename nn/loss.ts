// Loss modules: torch.nn's classes over the engine's functional losses.

import { Tensor, crossEntropy, nll, mse, binaryCrossEntropyWithLogits, type Reduction, type Target } from '../engine/index.js';
import { Module } from './module.js';

export interface CrossEntropyLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

export class CrossEntropyLoss extends Module {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  constructor(options: CrossEntropyLossOptions = {}) {
    super();
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

export class NLLLoss extends Module {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  constructor(options: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super();
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
  }
  forward(input: Tensor, target: Target): Tensor {
    return nll(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export class MSELoss extends Module {
  readonly reduction: Reduction;
  constructor(options: { reduction?: Reduction } = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mse(input, target, { reduction: this.reduction });
  }
}

export class BCEWithLogitsLoss extends Module {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  readonly reduction: Reduction;
  constructor(options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super();
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
    this.reduction = options.reduction ?? 'mean';
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}

