// RMSprop: divide the gradient by a running root-mean-square of recent gradients.

import { parseArgs, type PyArgs, type Tensor } from '../../engine/index.js';
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

  protected update(p: Float32Array, grad: Float32Array, s: ParamState, group: ParamGroup): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group as unknown as Required<RMSpropOptions>;
    s.step = ((s.step as number | undefined) ?? 0) + 1;
    const sq = this.buffer(s, 'square_avg', p.length);
    const avg = centered ? this.buffer(s, 'grad_avg', p.length) : null;
    const buf = momentum > 0 ? this.buffer(s, 'momentum_buffer', p.length) : null;
    for (let i = 0; i < p.length; i++) {
      let g = maximize ? -grad[i] : grad[i];
      g += weightDecay * p[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * g * g;
      let denom: number;
      if (avg) {
        avg[i] = alpha * avg[i] + (1 - alpha) * g;
        denom = Math.sqrt(sq[i] - avg[i] * avg[i]) + eps;
      } else denom = Math.sqrt(sq[i]) + eps;
      if (buf) {
        buf[i] = momentum * buf[i] + g / denom;
        p[i] -= lr * buf[i];
      } else p[i] -= (lr * g) / denom;
    }
  }
}
