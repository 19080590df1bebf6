// Learning-rate schedules: call step() once per epoch, after the optimizer's step(), as in PyTorch.

import type { Optimizer } from './optimizer.js';

export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  readonly baseLrs: number[];
  lastEpoch = 0;

  constructor(optimizer: Optimizer) {
    this.optimizer = optimizer;
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rate of each group at `epoch`. */
  protected abstract lrAt(epoch: number, baseLr: number): number;

  step(): void {
    this.lastEpoch++;
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.lrAt(this.lastEpoch, this.baseLrs[i])));
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): { lastEpoch: number; baseLrs: number[] } {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  loadStateDict(sd: { lastEpoch: number; baseLrs: number[] }): void {
    this.lastEpoch = sd.lastEpoch;
    this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
  }
}

/** Multiplies the learning rate by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    if (!Number.isInteger(options?.stepSize) || options.stepSize < 1) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${options?.stepSize}`);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
  }
  protected lrAt(epoch: number, base: number): number {
    return base * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** Half a cosine from the base rate down to etaMin over tMax epochs (then back up, periodically). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    if (!(options?.tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${options?.tMax}`);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
  }
  protected lrAt(epoch: number, base: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}
