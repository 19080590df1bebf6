// The activations of torch.nn beyond ReLU, GELU and friends. The pointwise ones are one `unary` kernel
// each way, as gelu is: the forward by name and the gradient as its derivative (another unary op, named
// *Grad) times dy. As composites of relu, clamp, exp, sigmoid, mul and add they took 4 to 10 passes
// forward and backward, and on 1M values on js 1.3x (SiLU, Mish: their exp dominates) to 4x (Hardswish)
// the time. The derivatives take PyTorch's side at each kink, which the fixtures check
// (tests/nn/activation-norm.test.ts):
//
//   elu(x; α) = x above 0, α·(eˣ − 1) at and below     d/dx = 1 above 0, α·eˣ at and below
//   selu(x) = scale·elu(x; α), PyTorch's α and scale    celu(x; α) = α·elu(x/α; 1)
//   silu(x) = x·σ(x)                                   d/dx = σ(x)·(1 + x·(1 − σ(x)))
//   mish(x) = x·tanh(softplus(x))                      d/dx = t + x·(1 − t²)·σ(x), t = tanh(softplus(x))
//   hardswish(x) = x·clamp(x + 3, 0, 6)/6              d/dx = 0 below −3, x/3 + ½ on [−3, 3], 1 above
//   hardsigmoid(x) = clamp(x + 3, 0, 6)/6              d/dx = 1/6 strictly inside (−3, 3), else 0
//
// Composites, as PyTorch writes them or because they take a second input:
//   softsign(x) = x/(1 + |x|)      softmin(x, dim) = softmax(−x, dim)
//   prelu(x, w) = max(x, 0) + w·min(x, 0), w per channel (dim 1). min(x, 0) is clamp(x, max 0), whose
//   gradient is 1 at 0 where relu's is 0: d/dx at 0 is w, PyTorch's side.

import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import type { UnaryOp } from '../kernels.js';
import { formatShape, normDim } from '../shape.js';
import { parseArgs, type PyArgs } from '../options.js';
import { Tensor } from '../tensor.js';
import { add, clamp, mul, relu, abs, div, neg } from './elementwise.js';
import { reshape } from './movement.js';
import { softmax } from './softmax.js';

/** SELU's constants, as PyTorch (Klambauer et al., 2017). */
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

function checkedInput(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor input, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tg.tensor)' : typeof x}`);
  return x;
}

function checkedFinite(op: string, name: string, v: number): number {
  if (!Number.isFinite(v)) throw new RangeError(`${op}: ${name} must be a finite number, got ${v}`);
  return v;
}

/** op(x) by one unary kernel; the gradient is dy·grad(x), grad the derivative's unary op. */
function pointwise(name: string, x: Tensor, op: UnaryOp, grad: UnaryOp, alpha?: number): Tensor {
  const out = kernels().unary(x, { op, alpha });
  return record(out, name, [x], (g) => [mul(g, kernels().unary(x, { op: grad, alpha }))], { alpha });
}

/** F.elu(input, alpha = 1): x above 0, α·(eˣ − 1) at and below. */
export function elu(input: Tensor, ...args: PyArgs<[], [alpha: number | undefined], { alpha?: number }>): Tensor {
  const { alpha = 1 } = parseArgs('elu', args, { alpha: 'number' }) as { alpha?: number };
  return pointwise('elu', checkedInput('elu', input), 'elu', 'eluGrad', checkedFinite('elu', 'alpha', alpha));
}

/** F.selu(input): scale·elu(x, α) with PyTorch's fixed α ≈ 1.6733 and scale ≈ 1.0507. */
export function selu(input: Tensor): Tensor {
  return mul(pointwise('selu', checkedInput('selu', input), 'elu', 'eluGrad', SELU_ALPHA), SELU_SCALE);
}

/** F.celu(input, alpha = 1): max(0, x) + min(0, α·(e^(x/α) − 1)) = α·elu(x/α); α must not be 0. */
export function celu(input: Tensor, ...args: PyArgs<[], [alpha: number | undefined], { alpha?: number }>): Tensor {
  const { alpha = 1 } = parseArgs('celu', args, { alpha: 'number' }) as { alpha?: number };
  if (checkedFinite('celu', 'alpha', alpha) === 0) throw new RangeError('celu: alpha must not be 0 (CELU divides by it)');
  return mul(pointwise('celu', mul(checkedInput('celu', input), 1 / alpha), 'elu', 'eluGrad', 1), alpha);
}

/** F.silu(input): x·σ(x) (also called swish). */
export function silu(input: Tensor): Tensor {
  return pointwise('silu', checkedInput('silu', input), 'silu', 'siluGrad');
}

/** F.mish(input): x·tanh(softplus(x)). */
export function mish(input: Tensor): Tensor {
  return pointwise('mish', checkedInput('mish', input), 'mish', 'mishGrad');
}

/** F.hardswish(input): x·relu6(x + 3)/6; its gradient at ±3 is PyTorch's (−½ and 3/2). */
export function hardswish(input: Tensor): Tensor {
  return pointwise('hardswish', checkedInput('hardswish', input), 'hardswish', 'hardswishGrad');
}

/** F.hardsigmoid(input): relu6(x + 3)/6; its gradient is 0 at ±3, as PyTorch's. */
export function hardsigmoid(input: Tensor): Tensor {
  return pointwise('hardsigmoid', checkedInput('hardsigmoid', input), 'hardsigmoid', 'hardsigmoidGrad');
}

/** F.softsign(input): x/(1 + |x|). */
export function softsign(input: Tensor): Tensor {
  const x = checkedInput('softsign', input);
  return div(x, add(abs(x), 1));
}

/** F.softmin(input, dim): softmax(−x) along dim; unlike PyTorch, dim is required (as for softmax). */
export function softmin(input: Tensor, ...args: [dim: number] | [options: { dim: number }]): Tensor {
  const { dim } = parseArgs('softmin', args, { dim: 'integer' }) as { dim?: number };
  if (dim === undefined) throw new TypeError('softmin: dim is required (an integer), e.g. tg.softmin(x, 1)');
  const x = checkedInput('softmin', input);
  normDim(dim, Math.max(x.ndim, 1), 'softmin', x.shape); // a bad dim named by this op, not by softmax
  return softmax(neg(x), dim);
}

/**
 * F.prelu(input, weight): max(x, 0) + w·min(x, 0) with a learned slope w, one per channel (dim 1 of an
 * input of rank >= 2) or a single one for any input: weight [1] or [channels].
 */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  const x = checkedInput('prelu', input);
  if (!(weight instanceof Tensor)) throw new TypeError(`prelu: weight must be a Tensor, got ${weight === null ? 'null' : typeof weight}`);
  if (weight.ndim !== 1) throw new RangeError(`prelu: weight must be 1-d ([1] or [channels]), got ${formatShape(weight.shape)}`);
  const channels = x.ndim >= 2 ? x.shape[1] : 1;
  const n = weight.shape[0];
  if (n !== 1 && x.ndim < 2) throw new RangeError(`prelu: an input of rank ${x.ndim} (${formatShape(x.shape)}) has no channels (dim 1): weight must be [1], got ${formatShape(weight.shape)}`);
  if (n !== 1 && n !== channels) {
    throw new RangeError(`prelu: weight ${formatShape(weight.shape)} must have 1 or ${channels} (the input's channels, dim 1) values for input ${formatShape(x.shape)}`);
  }
  // one slope per channel, broadcast along dim 1 and the dims after it (a single slope: along every dim)
  const slope = reshape(weight, n === 1 ? x.shape.map(() => 1) : [n, ...x.shape.slice(2).map(() => 1)]);
  return add(relu(x), mul(slope, clamp(x, null, 0)));
}
