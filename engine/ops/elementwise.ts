// Elementwise ops. Binary ops broadcast like PyTorch; their gradients are summed back down to each
// input's shape (sumToShape), because a broadcast input was used once per copy. Every op is one call
// of the `unary` or `binary` kernel by name; gradients are ops again (they run under noGrad).

import { record, traced } from '../autograd.js';
import { kernels } from '../backend.js';
import type { BinaryOp, UnaryOp, UnaryParams } from '../kernels.js';
import { broadcastShapes, broadcastStrides, checkedSize } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { sumToShape } from './reduce.js';

export function asTensor(x: TensorLike, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return new Tensor(Float32Array.of(x), []);
  throw new TypeError(`${op}: expected a Tensor or a number, got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array (wrap it with tg.tensor)';
  return typeof x === 'object' ? (x.constructor?.name ?? 'an object') : typeof x;
}

/** A binary primitive over the broadcast shape of a and b. */
function broadcast(op: BinaryOp, a: Tensor, b: Tensor, name: string = op): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  checkedSize(shape, name);
  return kernels().binary(a, b, { op, shape, aStrides: broadcastStrides(a.shape, shape), bStrides: broadcastStrides(b.shape, shape) });
}

const unary = (x: Tensor, op: UnaryOp, p: Omit<UnaryParams, 'op'> = {}) => kernels().unary(x, { op, ...p });

// ---- binary, broadcasting ----

export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a, 'add'), asTensor(b, 'add')];
  const out = broadcast('add', x, y);
  return record(out, 'add', [x, y], (g) => [sumToShape(g, x.shape), sumToShape(g, y.shape)]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a, 'sub'), asTensor(b, 'sub')];
  const out = broadcast('sub', x, y);
  return record(out, 'sub', [x, y], (g) => [sumToShape(g, x.shape), y.requiresGrad ? sumToShape(neg(g), y.shape) : null]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a, 'mul'), asTensor(b, 'mul')];
  const out = broadcast('mul', x, y);
  return record(out, 'mul', [x, y], (g) => [
    x.requiresGrad ? sumToShape(mul(g, y), x.shape) : null,
    y.requiresGrad ? sumToShape(mul(g, x), y.shape) : null,
  ]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a, 'div'), asTensor(b, 'div')];
  const out = broadcast('div', x, y);
  return record(out, 'div', [x, y], (g) => [
    x.requiresGrad ? sumToShape(div(g, y), x.shape) : null,
    // d(x/y)/dy = -x/y² = -out/y
    y.requiresGrad ? sumToShape(neg(div(mul(g, out), y)), y.shape) : null,
  ]);
}

export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, e] = [asTensor(a, 'pow'), asTensor(b, 'pow')];
  const out = broadcast('pow', x, e);
  return record(out, 'pow', [x, e], (g) => [
    // d(x^e)/dx = e·x^(e-1); PyTorch takes it as 0 where e == 0 (even at x == 0)
    x.requiresGrad ? sumToShape(mul(g, broadcast('powGradBase', x, e, 'pow')), x.shape) : null,
    // d(x^e)/de = x^e·ln x; 0 where x == 0 and e >= 0, as PyTorch defines it
    e.requiresGrad ? sumToShape(mul(g, broadcast('powGradExponent', x, e, 'pow')), e.shape) : null,
  ]);
}

/** Elementwise larger value; at ties the gradient is split evenly, as PyTorch does. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return pick('maximum', 'maximumShare', a, b);
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return pick('minimum', 'minimumShare', a, b);
}

/** Shared by maximum/minimum: the `share` op says how much of the gradient goes to a (the rest to b). */
function pick(op: 'maximum' | 'minimum', share: 'maximumShare' | 'minimumShare', a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a, op), asTensor(b, op)];
  const out = broadcast(op, x, y);
  return record(out, op, [x, y], (g) => {
    const toX = broadcast(share, x, y, op);
    return [sumToShape(mul(g, toX), x.shape), sumToShape(mul(g, sub(1, toX)), y.shape)];
  });
}

// ---- comparisons: 0/1 results, no gradient ----

const compare = (op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le', a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = [asTensor(a, op), asTensor(b, op)];
  return traced(broadcast(op, x, y), op, [x, y]); // no gradient to record, but an exporter must see it
};
export const eq = (a: TensorLike, b: TensorLike): Tensor => compare('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => compare('ne', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => compare('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => compare('ge', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => compare('lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => compare('le', a, b);

// ---- unary ----

export function neg(x: Tensor): Tensor {
  return record(unary(x, 'neg'), 'neg', [x], (g) => [neg(g)]);
}

export function exp(x: Tensor): Tensor {
  const out = unary(x, 'exp');
  return record(out, 'exp', [x], (g) => [mul(g, out)]);
}

export function log(x: Tensor): Tensor {
  return record(unary(x, 'log'), 'log', [x], (g) => [div(g, x)]);
}

export function sqrt(x: Tensor): Tensor {
  const out = unary(x, 'sqrt');
  return record(out, 'sqrt', [x], (g) => [div(g, mul(out, 2))]);
}

/** |x|; its gradient at 0 is 0 (the sign), as PyTorch's. */
export function abs(x: Tensor): Tensor {
  return record(unary(x, 'abs'), 'abs', [x], (g) => [mul(g, unary(x, 'sign'))]);
}

/** max(x, 0): a fused kernel, the most common activation; its gradient needs only the output. */
export function relu(x: Tensor): Tensor {
  const out = kernels().relu(x);
  return record(out, 'relu', [x], (g) => [kernels().reluBackward(g, out)]);
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (typeof negativeSlope !== 'number') throw new TypeError(`leakyRelu: negativeSlope must be a number, got ${describe(negativeSlope)}`);
  const out = unary(x, 'leakyRelu', { negativeSlope });
  return record(out, 'leakyRelu', [x], (g) => [mul(g, unary(x, 'leakyReluGrad', { negativeSlope }))], { negativeSlope });
}

/** d tanh = 1 − tanh². */
export function tanh(x: Tensor): Tensor {
  const out = unary(x, 'tanh');
  return record(out, 'tanh', [x], (g) => [mul(g, sub(1, mul(out, out)))]);
}

/** d σ = σ·(1 − σ). */
export function sigmoid(x: Tensor): Tensor {
  const out = unary(x, 'sigmoid');
  return record(out, 'sigmoid', [x], (g) => [mul(g, mul(out, sub(1, out)))]);
}

/** log(1 + e^x), computed without overflow; its derivative is sigmoid(x). */
export function softplus(x: Tensor): Tensor {
  return record(unary(x, 'softplus'), 'softplus', [x], (g) => [mul(g, unary(x, 'sigmoid'))]);
}

/**
 * GELU, PyTorch's default exact form x·Φ(x) = x/2·(1 + erf(x/√2)), or its tanh approximation
 * (approximate: 'tanh'). d/dx = Φ(x) + x·φ(x) for the exact form.
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got '${approximate}'`);
  const [op, grad] = approximate === 'tanh' ? (['geluTanh', 'geluTanhGrad'] as const) : (['gelu', 'geluGrad'] as const);
  return record(unary(x, op), 'gelu', [x], (g) => [mul(g, unary(x, grad))], { approximate });
}

/** Limits values to [min, max] (either bound may be omitted); gradient flows where min <= x <= max. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const bounds = { min: min ?? -Infinity, max: max ?? Infinity };
  if (min == null && max == null) throw new RangeError('clamp: at least one of min and max must be given');
  if (Number.isNaN(bounds.min) || Number.isNaN(bounds.max)) throw new RangeError(`clamp: bounds must not be NaN (min=${min}, max=${max})`);
  const out = unary(x, 'clamp', bounds); // min > max gives max everywhere, as in PyTorch
  return record(out, 'clamp', [x], (g) => [mul(g, unary(x, 'clampGrad', bounds))], bounds);
}

/** torch.erf: erf x = 2/√π ∫₀ˣ e^(−t²) dt, elementwise; d/dx = 2/√π·e^(−x²). */
export function erf(x: Tensor): Tensor {
  const t = asTensor(x, 'erf');
  return record(unary(t, 'erf'), 'erf', [t], (g) => [mul(g, mul(exp(neg(mul(t, t))), 2 / Math.sqrt(Math.PI)))]);
}
