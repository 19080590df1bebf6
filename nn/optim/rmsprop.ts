// RMSprop: divide the gradient by a running root-mean-square of recent gradients.

import { kernels, parseArgs, type PyArgs, type Tensor } from '../../engine/index.js';
import { Optimizer, type ParamGroup, type ParamGroupSpec, type ParamState } from './optimizer.js';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  /** normalise by the variance estimate (square avg − avg²) instead of the raw square average */
  centered?: boolean;
  maximize?: boolean;
}

export type RMSpropArgs = PyArgs<[], [lr: number | undefined, alpha: number | undefined, eps: number | undefined, weightDecay: number | undefined, momentum: number | undefined, centered: boolean | undefined], RMSpropOptions>;

export class RMSprop extends Optimizer {
  /** `(params, lr?, alpha?, eps?, weightDecay?, momentum?, centered?)` as torch.optim.RMSprop, the rest (maximize) in a trailing options object. */
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, ...args: RMSpropArgs) {
    const options = parseArgs('RMSprop', args, { lr: 'number', alpha: 'number', eps: 'number', weightDecay: 'number', momentum: 'number', centered: 'boolean' }, ['maximize']) as RMSpropOptions;
    const o = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...options };
    if (!(o.lr >= 0)) throw new RangeError(`RMSprop: lr must be >= 0, got ${o.lr}`);
    if (!(o.alpha >= 0)) throw new RangeError(`RMSprop: alpha must be >= 0, got ${o.alpha}`);
    if (!(o.momentum >= 0)) throw new RangeError(`RMSprop: momentum must be >= 0, got ${o.momentum}`);
    super(params, o);
  }

  protected stateKeys(group: ParamGroup): string[] {
    return ['step', 'square_avg', ...(group.centered ? ['grad_avg'] : []), ...((group.momentum as number) > 0 ? ['momentum_buffer'] : [])];
  }

  protected update(param: Tensor, grad: Tensor, s: ParamState, group: ParamGroup): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group as unknown as Required<RMSpropOptions>;
    s.step = ((s.step as number | undefined) ?? 0) + 1;
    const state = {
      squareAvg: this.buffer(s, 'square_avg', param),
      gradAvg: centered ? this.buffer(s, 'grad_avg', param) : null,
      momentumBuffer: momentum > 0 ? this.buffer(s, 'momentum_buffer', param) : null,
    };
    kernels().rmspropStep(param, grad, state, { lr, alpha, eps, weightDecay, momentum, centered, maximize });
  }
}
