// The optimizers' update rules as plain loops, one pass over a parameter per step, writing the
// parameter and its state in place (step for step torch.optim's, which nn/optim/ documents).

import { adamScalars, type AdamParams, type AdamState, type RmspropParams, type RmspropState, type SgdParams } from '../../kernels.js';
import type { Tensor } from '../../tensor.js';

export function sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, o: SgdParams): void {
  const p = param.data;
  const g = grad.data;
  const buf = momentumBuffer?.data ?? null;
  const sign = o.maximize ? 1 : -1;
  for (let i = 0; i < p.length; i++) {
    let d = g[i] + o.weightDecay * p[i];
    if (buf) {
      // the first step starts the buffer at the gradient itself (no dampening), as PyTorch does
      buf[i] = o.firstStep ? d : o.momentum * buf[i] + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * buf[i] : buf[i];
    }
    p[i] += sign * o.lr * d;
  }
}

export function adamStep(param: Tensor, grad: Tensor, state: AdamState, o: AdamParams): void {
  const p = param.data;
  const grads = grad.data;
  const m = state.expAvg.data;
  const v = state.expAvgSq.data;
  const vMax = state.maxExpAvgSq?.data ?? null;
  const { beta1, beta2, eps } = o;
  const { stepSize, bc2Sqrt, decay, l2 } = adamScalars(o);
  for (let i = 0; i < p.length; i++) {
    if (o.decoupled) p[i] *= decay;
    let g = o.maximize ? -grads[i] : grads[i];
    g += l2 * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    let second = v[i];
    if (vMax) second = vMax[i] = Math.max(vMax[i], v[i]);
    p[i] -= (stepSize * m[i]) / (Math.sqrt(second) / bc2Sqrt + eps);
  }
}

export function rmspropStep(param: Tensor, grad: Tensor, state: RmspropState, o: RmspropParams): void {
  const p = param.data;
  const grads = grad.data;
  const sq = state.squareAvg.data;
  const avg = state.gradAvg?.data ?? null;
  const buf = state.momentumBuffer?.data ?? null;
  const { alpha, eps, lr, momentum } = o;
  for (let i = 0; i < p.length; i++) {
    let g = o.maximize ? -grads[i] : grads[i];
    g += o.weightDecay * p[i];
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
