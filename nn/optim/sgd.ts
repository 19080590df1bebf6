// SGD with momentum, dampening, Nesterov momentum and L2 weight decay, step for step as torch.optim.SGD.

import { Tensor, kernels, parseArgs, type PyArgs } from '../../engine/index.js';
import { Optimizer, type ParamGroup, type ParamGroupSpec, type ParamState } from './optimizer.js';

export interface SGDOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

export type SGDArgs = PyArgs<[], [lr: number | undefined, momentum: number | undefined, dampening: number | undefined, weightDecay: number | undefined, nesterov: boolean | undefined], SGDOptions>;

export class SGD extends Optimizer {
  /** `(params, lr?, momentum?, dampening?, weightDecay?, nesterov?)` as torch.optim.SGD, the rest (maximize) in a trailing options object. */
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, ...args: SGDArgs) {
    const options = parseArgs('SGD', args, { lr: 'number', momentum: 'number', dampening: 'number', weightDecay: 'number', nesterov: 'boolean' }, ['maximize']) as SGDOptions;
    const o = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options };
    if (!(o.lr >= 0)) throw new RangeError(`SGD: lr must be >= 0, got ${o.lr}`);
    if (!(o.momentum >= 0)) throw new RangeError(`SGD: momentum must be >= 0, got ${o.momentum}`);
    if (!(o.weightDecay >= 0)) throw new RangeError(`SGD: weightDecay must be >= 0, got ${o.weightDecay}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new RangeError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    super(params, o);
  }

  protected stateKeys(group: ParamGroup): string[] {
    return group.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update(param: Tensor, grad: Tensor, s: ParamState, group: ParamGroup): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group as unknown as Required<SGDOptions>;
    const firstStep = !(s.momentum_buffer instanceof Tensor);
    const buf = momentum !== 0 ? this.buffer(s, 'momentum_buffer', param) : null;
    kernels().sgdStep(param, grad, buf, { lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep });
  }
}
