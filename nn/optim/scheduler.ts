// Learning-rate schedules: call step() after the optimizer's step(), as in PyTorch: once per epoch,
// except OneCycleLR, which is stepped once per batch.

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
    this.apply();
  }

  /** Sets every group's hyperparameters for lastEpoch. */
  protected apply(): void {
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

export interface OneCycleLROptions {
  maxLr: number;
  totalSteps: number;
  /** the fraction of the steps spent warming up */
  pctStart?: number;
  /** the first lr is maxLr / divFactor */
  divFactor?: number;
  /** the last lr is maxLr / divFactor / finalDivFactor */
  finalDivFactor?: number;
  /** cycle Adam's beta1 (or SGD's momentum) the opposite way to the lr */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
}

const cosineAnneal = (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);

/**
 * The one-cycle policy (Smith & Topin), torch.optim.lr_scheduler.OneCycleLR with its defaults: a
 * cosine warm-up from maxLr/25 to maxLr over the first 30% of the steps, then a cosine anneal to
 * maxLr/25/1e4, with beta1 (or momentum) going from 0.95 to 0.85 and back. Stepped every batch; the
 * constructor sets step 0's values, as PyTorch's does.
 */
export class OneCycleLR extends LRScheduler {
  readonly options: Required<OneCycleLROptions>;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    super(optimizer);
    if (!(options?.maxLr > 0)) throw new RangeError(`OneCycleLR: maxLr must be positive, got ${options?.maxLr}`);
    if (!Number.isInteger(options.totalSteps) || options.totalSteps < 1) throw new RangeError(`OneCycleLR: totalSteps must be a positive integer, got ${options.totalSteps}`);
    this.options = { pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, cycleMomentum: true, baseMomentum: 0.85, maxMomentum: 0.95, ...options };
    this.apply();
  }

  /** [lr, momentum] at a step, by PyTorch's two-phase formula. */
  at(step: number): [number, number] {
    const { maxLr, totalSteps, pctStart, divFactor, finalDivFactor, baseMomentum, maxMomentum } = this.options;
    if (step > totalSteps) throw new RangeError(`OneCycleLR: tried to step ${step} times, but totalSteps is ${totalSteps}`);
    const initialLr = maxLr / divFactor;
    const warmUpEnd = pctStart * totalSteps - 1;
    if (step <= warmUpEnd) {
      const pct = step / warmUpEnd;
      return [cosineAnneal(initialLr, maxLr, pct), cosineAnneal(maxMomentum, baseMomentum, pct)];
    }
    const pct = (step - warmUpEnd) / (totalSteps - 1 - warmUpEnd);
    return [cosineAnneal(maxLr, initialLr / finalDivFactor, pct), cosineAnneal(baseMomentum, maxMomentum, pct)];
  }

  protected lrAt(step: number): number {
    return this.at(step)[0];
  }

  protected override apply(): void {
    const [lr, momentum] = this.at(this.lastEpoch);
    for (const g of this.optimizer.paramGroups) {
      g.lr = lr;
      if (!this.options.cycleMomentum) continue;
      if (typeof g.beta1 === 'number') g.beta1 = momentum;
      else if (typeof g.momentum === 'number') g.momentum = momentum;
    }
  }
}
