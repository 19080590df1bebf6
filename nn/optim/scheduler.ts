// Learning-rate schedules: call step() after the optimizer's step(), as in PyTorch: once per epoch,
// except OneCycleLR, which is stepped once per batch.

import { parseArgs, type PyArgs } from '../../engine/index.js';
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

  /** Restores stateDict()'s values; anything else (a schedule of another optimizer, a damaged file) is refused. */
  loadStateDict(sd: { lastEpoch: number; baseLrs: number[] }): void {
    const name = this.constructor.name;
    if (!(Number.isSafeInteger(sd?.lastEpoch) && sd.lastEpoch >= 0)) throw new RangeError(`${name}.loadStateDict: lastEpoch must be a non-negative integer, got ${JSON.stringify(sd?.lastEpoch)}`);
    const n = this.baseLrs.length;
    if (!Array.isArray(sd.baseLrs) || sd.baseLrs.length !== n || !sd.baseLrs.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`${name}.loadStateDict: baseLrs must be ${n} finite learning rates >= 0 (one per parameter group), got ${JSON.stringify(sd.baseLrs)}`);
    }
    this.lastEpoch = sd.lastEpoch;
    this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
  }
}

export interface StepLROptions {
  stepSize: number;
  gamma?: number;
}

/** Multiplies the learning rate by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  /** `(optimizer, stepSize, gamma?)` as torch.optim.lr_scheduler.StepLR, or `(optimizer, { stepSize, gamma })`. */
  constructor(optimizer: Optimizer, ...args: [options: StepLROptions] | PyArgs<[stepSize: number], [gamma: number | undefined], Partial<StepLROptions>>) {
    super(optimizer);
    const options = parseArgs('StepLR', args, { stepSize: 'integer', gamma: 'number' }) as unknown as StepLROptions;
    if (!Number.isInteger(options?.stepSize) || options.stepSize < 1) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${options?.stepSize}`);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
  }
  protected lrAt(epoch: number, base: number): number {
    return base * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

export interface CosineAnnealingLROptions {
  tMax: number;
  etaMin?: number;
}

/** Half a cosine from the base rate down to etaMin over tMax epochs (then back up, periodically). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  /** `(optimizer, tMax, etaMin?)` as torch.optim.lr_scheduler.CosineAnnealingLR (T_max, eta_min), or `(optimizer, { tMax, etaMin })`. */
  constructor(optimizer: Optimizer, ...args: [options: CosineAnnealingLROptions] | PyArgs<[tMax: number], [etaMin: number | undefined], Partial<CosineAnnealingLROptions>>) {
    super(optimizer);
    const options = parseArgs('CosineAnnealingLR', args, { tMax: 'number', etaMin: 'number' }) as unknown as CosineAnnealingLROptions;
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
  /** the number of steps in the cycle; or give epochs and stepsPerEpoch (PyTorch: one or the other) */
  totalSteps?: number | null;
  epochs?: number | null;
  stepsPerEpoch?: number | null;
  /** the fraction of the steps spent warming up */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing within each phase */
  annealStrategy?: 'cos' | 'linear';
  /** cycle Adam's beta1 (or SGD's momentum) the opposite way to the lr */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  /** the first lr is maxLr / divFactor */
  divFactor?: number;
  /** the last lr is maxLr / divFactor / finalDivFactor */
  finalDivFactor?: number;
  /** three phases (up, back down to the initial lr, then the final anneal) instead of two */
  threePhase?: boolean;
}

/** torch.optim.lr_scheduler.OneCycleLR's positional order after the optimizer. */
const oneCycleArgs = {
  maxLr: 'number', totalSteps: 'integer|null', epochs: 'integer|null', stepsPerEpoch: 'integer|null', pctStart: 'number', annealStrategy: 'string',
  cycleMomentum: 'boolean', baseMomentum: 'number', maxMomentum: 'number', divFactor: 'number', finalDivFactor: 'number', threePhase: 'boolean',
} as const;

export type OneCycleLRArgs =
  | [options: OneCycleLROptions]
  | PyArgs<
      [maxLr: number],
      [
        totalSteps: number | null | undefined, epochs: number | null | undefined, stepsPerEpoch: number | null | undefined, pctStart: number | undefined,
        annealStrategy: 'cos' | 'linear' | undefined, cycleMomentum: boolean | undefined, baseMomentum: number | undefined, maxMomentum: number | undefined,
        divFactor: number | undefined, finalDivFactor: number | undefined, threePhase: boolean | undefined,
      ],
      Partial<OneCycleLROptions>
    >;

const cosineAnneal = (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
const linearAnneal = (start: number, end: number, pct: number) => (end - start) * pct + start;

interface Phase {
  endStep: number;
  lr: [number, number];
  momentum: [number, number];
}

/**
 * The one-cycle policy (Smith & Topin), torch.optim.lr_scheduler.OneCycleLR with its defaults: a
 * cosine warm-up from maxLr/25 to maxLr over the first 30% of the steps, then a cosine anneal to
 * maxLr/25/1e4, with beta1 (or momentum) going from 0.95 to 0.85 and back. Stepped every batch; the
 * constructor sets step 0's values, as PyTorch's does.
 */
export class OneCycleLR extends LRScheduler {
  readonly options: Required<OneCycleLROptions> & { totalSteps: number };
  readonly #phases: Phase[];

  /** `(optimizer, maxLr, totalSteps?, epochs?, stepsPerEpoch?, pctStart?, …)` in PyTorch's order, or `(optimizer, { maxLr, totalSteps, … })`. */
  constructor(optimizer: Optimizer, ...args: OneCycleLRArgs) {
    super(optimizer);
    const name = 'OneCycleLR';
    const given = parseArgs(name, args, oneCycleArgs) as unknown as OneCycleLROptions;
    if (!(given.maxLr > 0)) throw new RangeError(`${name}: maxLr must be positive, got ${given.maxLr}`);
    const positiveInt = (k: 'totalSteps' | 'epochs' | 'stepsPerEpoch') => {
      const v = given[k];
      if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${name}: ${k} must be a positive integer, got ${v}`);
      return v as number;
    };
    let totalSteps: number;
    if (given.totalSteps !== undefined && given.totalSteps !== null) totalSteps = positiveInt('totalSteps');
    else if (given.epochs !== undefined && given.epochs !== null && given.stepsPerEpoch !== undefined && given.stepsPerEpoch !== null) totalSteps = positiveInt('epochs') * positiveInt('stepsPerEpoch');
    else throw new RangeError(`${name}: totalSteps must be a positive integer, got ${given.totalSteps} (give totalSteps, or epochs and stepsPerEpoch)`);
    const o = {
      pctStart: 0.3, annealStrategy: 'cos' as const, cycleMomentum: true, baseMomentum: 0.85, maxMomentum: 0.95, divFactor: 25, finalDivFactor: 1e4, threePhase: false,
      epochs: null, stepsPerEpoch: null, ...given, totalSteps,
    };
    if (!(o.pctStart >= 0 && o.pctStart <= 1)) throw new RangeError(`${name}: pctStart must be in [0, 1], got ${o.pctStart}`);
    if (o.annealStrategy !== 'cos' && o.annealStrategy !== 'linear') throw new RangeError(`${name}: annealStrategy must be 'cos' or 'linear', got ${JSON.stringify(o.annealStrategy)}`);
    this.options = o;
    const initialLr = o.maxLr / o.divFactor;
    const minLr = initialLr / o.finalDivFactor;
    const [base, max] = [o.baseMomentum, o.maxMomentum];
    const up = o.pctStart * totalSteps - 1;
    this.#phases = o.threePhase
      ? [
          { endStep: up, lr: [initialLr, o.maxLr], momentum: [max, base] },
          { endStep: 2 * o.pctStart * totalSteps - 2, lr: [o.maxLr, initialLr], momentum: [base, max] },
          { endStep: totalSteps - 1, lr: [initialLr, minLr], momentum: [max, max] },
        ]
      : [
          { endStep: up, lr: [initialLr, o.maxLr], momentum: [max, base] },
          { endStep: totalSteps - 1, lr: [o.maxLr, minLr], momentum: [base, max] },
        ];
    this.apply();
  }

  /** [lr, momentum] at a step, by PyTorch's phase formula. */
  at(step: number): [number, number] {
    const { totalSteps, annealStrategy } = this.options;
    if (step > totalSteps) throw new RangeError(`OneCycleLR: tried to step ${step} times, but totalSteps is ${totalSteps}`);
    const anneal = annealStrategy === 'linear' ? linearAnneal : cosineAnneal;
    let start = 0;
    for (let i = 0; i < this.#phases.length; i++) {
      const ph = this.#phases[i];
      if (step <= ph.endStep || i === this.#phases.length - 1) {
        const pct = (step - start) / (ph.endStep - start);
        return [anneal(ph.lr[0], ph.lr[1], pct), anneal(ph.momentum[0], ph.momentum[1], pct)];
      }
      start = ph.endStep;
    }
    throw new Error('unreachable');
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
