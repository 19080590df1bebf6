// The activations of torch.nn beyond ReLU, GELU and friends, each a composite of the elementwise
// primitives (relu, clamp, exp, sigmoid, tanh, softplus, abs, mul, add), so that they run on every
// backend and their gradients come from the ops they are made of. The pieces are chosen so that the
// gradient at each kink is PyTorch's one-sided choice: relu's gradient is 0 at 0, clamp's is 1 at its
// bounds (inclusive), and a branch that could overflow (exp of a large x) is clamped before it is taken.
//
//   elu(x; α, scale, s) = scale·(max(x, 0) + α·(e^(s·min(x, 0)) − 1))
//       ELU: scale = s = 1; SELU: PyTorch's α and scale, s = 1; CELU: s = 1/α
//       d/dx = scale at x > 0, scale·α·s·e^(s·x) at x <= 0 (so α·s·scale at 0, as PyTorch)
//   silu(x) = x·σ(x)                              d/dx = σ(x)·(1 + x·(1 − σ(x)))
//   mish(x) = x·tanh(softplus(x))
//   hardswish(x) = x·clamp(x + 3, 0, 6)/6         d/dx = 0 below −3, x/3 + ½ on [−3, 3], 1 above 3
//   hardsigmoid(x) = relu(6 − relu(3 − x))/6      = clamp(x/6 + ½, 0, 1), d/dx = 1/6 on (−3, 3) only
//   softsign(x) = x/(1 + |x|)                     as PyTorch writes it
//   softmin(x, dim) = softmax(−x, dim)
//   prelu(x, w) = max(x, 0) + w·min(x, 0)          w per channel (dim 1); d/dx = w at x <= 0
// `min(x, 0)` is clamp(x, max 0): its gradient is 1 at 0, where relu's is 0, so each kink's two sides
// add up to PyTorch's choice.

import { formatShape, normDim } from '../shape.js';
import { parseArgs, type PyArgs } from '../options.js';
import { Tensor } from '../tensor.js';
import { add, clamp, exp, mul, relu, sigmoid, softplus, sub, tanh, abs, div, neg } from './elementwise.js';
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

/** scale·(max(x, 0) + α·(e^(s·min(x, 0)) − 1)): ELU, SELU and CELU. */
function eluFamily(x: Tensor, alpha: number, scale: number, inputScale: number): Tensor {
  const negativePart = clamp(x, null, 0);
  const exponent = exp(inputScale === 1 ? negativePart : mul(negativePart, inputScale));
  const y = add(relu(x), mul(sub(exponent, 1), alpha));
  return scale === 1 ? y : mul(y, scale);
}

/** F.elu(input, alpha = 1): x above 0, α·(eˣ − 1) at and below. */
export function elu(input: Tensor, ...args: PyArgs<[], [alpha: number | undefined], { alpha?: number }>): Tensor {
  const { alpha = 1 } = parseArgs('elu', args, { alpha: 'number' }) as { alpha?: number };
  return eluFamily(checkedInput('elu', input), checkedFinite('elu', 'alpha', alpha), 1, 1);
}

/** F.selu(input): scale·elu(x, α) with PyTorch's fixed α ≈ 1.6733 and scale ≈ 1.0507. */
export function selu(input: Tensor): Tensor {
  return eluFamily(checkedInput('selu', input), SELU_ALPHA, SELU_SCALE, 1);
}

/** F.celu(input, alpha = 1): max(0, x) + min(0, α·(e^(x/α) − 1)); α must not be 0. */
export function celu(input: Tensor, ...args: PyArgs<[], [alpha: number | undefined], { alpha?: number }>): Tensor {
  const { alpha = 1 } = parseArgs('celu', args, { alpha: 'number' }) as { alpha?: number };
  if (checkedFinite('celu', 'alpha', alpha) === 0) throw new RangeError('celu: alpha must not be 0 (CELU divides by it)');
  return eluFamily(checkedInput('celu', input), alpha, 1, 1 / alpha);
}

/** F.silu(input): x·σ(x) (also called swish). */
export function silu(input: Tensor): Tensor {
  const x = checkedInput('silu', input);
  return mul(x, sigmoid(x));
}

/** F.mish(input): x·tanh(softplus(x)). */
export function mish(input: Tensor): Tensor {
  const x = checkedInput('mish', input);
  return mul(x, tanh(softplus(x)));
}

/** F.hardswish(input): x·relu6(x + 3)/6; its gradient at ±3 is PyTorch's (−½ and 3/2). */
export function hardswish(input: Tensor): Tensor {
  const x = checkedInput('hardswish', input);
  return mul(x, mul(clamp(add(x, 3), 0, 6), 1 / 6));
}

/**
 * F.hardsigmoid(input): relu6(x + 3)/6. Written as relu(6 − relu(3 − x))/6 rather than a clamp, because
 * PyTorch's gradient is 1/6 strictly inside (−3, 3) and 0 at ±3, where clamp's would be 1/6: relu's
 * gradient is 0 where its input is 0, which is 3 − x at x = 3 and 6 − (3 − x) at x = −3.
 */
export function hardsigmoid(input: Tensor): Tensor {
  const x = checkedInput('hardsigmoid', input);
  return mul(relu(sub(6, relu(sub(3, x)))), 1 / 6);
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
