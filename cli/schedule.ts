// The one-cycle learning-rate policy (Smith & Topin; torch.optim.lr_scheduler.OneCycleLR's defaults):
// a cosine warm-up from maxLr/25 to maxLr over the first 30% of the steps, then a cosine anneal down to
// maxLr/25/1e4, with Adam's beta1 cycling the opposite way between 0.95 and 0.85. Stepped every batch.

import type * as tg from '../index.js';

export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  pctStart?: number;
  divFactor?: number;
  finalDivFactor?: number;
  baseMomentum?: number;
  maxMomentum?: number;
}

const cosine = (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);

export class OneCycle {
  readonly o: Required<OneCycleOptions>;

  constructor(options: OneCycleOptions) {
    this.o = { pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, baseMomentum: 0.85, maxMomentum: 0.95, ...options };
    if (!(this.o.totalSteps >= 1)) throw new RangeError(`OneCycle: totalSteps must be >= 1, got ${this.o.totalSteps}`);
  }

  /** [lr, beta1] for step `step` (0-based), as OneCycleLR computes them. */
  at(step: number): [number, number] {
    const { maxLr, totalSteps, pctStart, divFactor, finalDivFactor, baseMomentum, maxMomentum } = this.o;
    const initial = maxLr / divFactor;
    const min = initial / finalDivFactor;
    const warmEnd = pctStart * totalSteps - 1;
    const s = Math.min(step, totalSteps - 1);
    if (s <= warmEnd) {
      const pct = warmEnd > 0 ? s / warmEnd : 1;
      return [cosine(initial, maxLr, pct), cosine(maxMomentum, baseMomentum, pct)];
    }
    const pct = (s - warmEnd) / (totalSteps - 1 - warmEnd);
    return [cosine(maxLr, min, pct), cosine(baseMomentum, maxMomentum, pct)];
  }

  /** Sets every group's lr (and beta1 for Adam-style optimizers, momentum for SGD with momentum) for `step`. */
  apply(optimizer: tg.optim.Optimizer, step: number): number {
    const [lr, m] = this.at(step);
    for (const g of optimizer.paramGroups) {
      g.lr = lr;
      if (typeof g.beta1 === 'number') g.beta1 = m;
      else if (typeof g.momentum === 'number' && g.momentum > 0) g.momentum = m;
    }
    return lr;
  }
}
