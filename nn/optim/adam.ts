// Adam and AdamW. Adam adds weight decay to the gradient (L2); AdamW shrinks the weights directly
// (decoupled weight decay), so the decay is not rescaled by the adaptive denominator.

import { kernels, parseArgs, type PyArgs, type Tensor } from '../../engine/index.js';
import { Optimizer, type ParamGroup, type ParamGroupSpec, type ParamState } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

function checked(name: string, o: Required<AdamOptions>): Record<string, number | boolean> {
  const [beta1, beta2] = o.betas;
  if (!(o.lr >= 0)) throw new RangeError(`${name}: lr must be >= 0, got ${o.lr}`);
  if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) throw new RangeError(`${name}: betas must be in [0, 1), got [${o.betas}]`);
  if (!(o.eps >= 0)) throw new RangeError(`${name}: eps must be >= 0, got ${o.eps}`);
  if (!(o.weightDecay >= 0)) throw new RangeError(`${name}: weightDecay must be >= 0, got ${o.weightDecay}`);
  // betas are kept as two numbers so that a group's hyperparameters stay flat
  return { lr: o.lr, beta1, beta2, eps: o.eps, weightDecay: o.weightDecay, amsgrad: o.amsgrad, maximize: o.maximize };
}

/** `(params, lr?, betas?, eps?, weightDecay?, amsgrad?)` as torch.optim.Adam/AdamW, the rest (maximize) in a trailing options object. */
export type AdamArgs = PyArgs<[], [lr: number | undefined, betas: [number, number] | undefined, eps: number | undefined, weightDecay: number | undefined, amsgrad: boolean | undefined], AdamOptions>;

function adamOptions(name: string, args: readonly unknown[]): AdamOptions {
  return parseArgs(name, args, { lr: 'number', betas: 'array', eps: 'number', weightDecay: 'number', amsgrad: 'boolean' }, ['maximize']) as AdamOptions;
}

abstract class AdamBase extends Optimizer {
  protected abstract readonly decoupled: boolean;

  protected stateKeys(group: ParamGroup): string[] {
    return group.amsgrad ? ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['step', 'exp_avg', 'exp_avg_sq'];
  }

  protected update(param: Tensor, grad: Tensor, s: ParamState, group: ParamGroup): void {
    const { lr, beta1, beta2, eps, weightDecay, amsgrad, maximize } = group as unknown as {
      lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean;
    };
    const step = ((s.step as number | undefined) ?? 0) + 1;
    s.step = step;
    const state = {
      expAvg: this.buffer(s, 'exp_avg', param),
      expAvgSq: this.buffer(s, 'exp_avg_sq', param),
      maxExpAvgSq: amsgrad ? this.buffer(s, 'max_exp_avg_sq', param) : null,
    };
    kernels().adamStep(param, grad, state, { lr, beta1, beta2, eps, weightDecay, decoupled: this.decoupled, amsgrad, maximize, step });
  }
}

export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, ...args: AdamArgs) {
    super(params, checked('Adam', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...adamOptions('Adam', args) }));
  }
}

export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, ...args: AdamArgs) {
    super(params, checked('AdamW', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...adamOptions('AdamW', args) }));
  }
}
