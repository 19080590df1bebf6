// Elementwise ops. Binary ops broadcast like PyTorch; their gradients are summed back down to each
// input's shape (sumToShape), because a broadcast input was used once per copy.

import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { broadcastShapes, broadcastStrides, checkedSize, formatShape, sameShape } from '../shape.js';
import { stridedGather } from '../strided.js';
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

/** out = f(a, b) elementwise over the broadcast shape. */
function broadcastMap(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = new Float32Array(checkedSize(shape, op));
  const ad = a.data;
  const bd = b.data;
  if (ad.length === out.length && bd.length === out.length) {
    for (let i = 0; i < out.length; i++) out[i] = f(ad[i], bd[i]);
  } else if (bd.length === 1 && ad.length === out.length) {
    const y = bd[0];
    for (let i = 0; i < out.length; i++) out[i] = f(ad[i], y);
  } else {
    // read both operands at the broadcast shape (stride 0 repeats), then combine elementwise
    const x = ad.length === out.length ? ad : stridedGather(ad, shape, broadcastStrides(a.shape, shape));
    const y = bd.length === out.length ? bd : stridedGather(bd, shape, broadcastStrides(b.shape, shape));
    for (let i = 0; i < out.length; i++) out[i] = f(x[i], y[i]);
  }
  return new Tensor(out, shape);
}

function map(x: Tensor, f: (v: number) => number): Tensor {
  const src = x.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
  return new Tensor(out, x.shape);
}

/** f over two tensors of the same shape (used by gradients: the upstream grad and a saved tensor). */
function zipMap(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  if (!sameShape(a.shape, b.shape)) throw new Error(`zipMap: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} differ`);
  return broadcastMap('zipMap', a, b, f);
}

// ---- binary, broadcasting ----

export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a, 'add'), asTensor(b, 'add')];
  const out = broadcastMap('add', x, y, (p, q) => p + q);
  return record(out, 'add', [x, y], (g) => [sumToShape(g, x.shape), sumToShape(g, y.shape)]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a, 'sub'), asTensor(b, 'sub')];
  const out = broadcastMap('sub', x, y, (p, q) => p - q);
  return record(out, 'sub', [x, y], (g) => [sumToShape(g, x.shape), y.requiresGrad ? sumToShape(neg(g), y.shape) : null]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a, 'mul'), asTensor(b, 'mul')];
  const out = broadcastMap('mul', x, y, (p, q) => p * q);
  return record(out, 'mul', [x, y], (g) => [
    x.requiresGrad ? sumToShape(mul(g, y), x.shape) : null,
    y.requiresGrad ? sumToShape(mul(g, x), y.shape) : null,
  ]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [asTensor(a, 'div'), asTensor(b, 'div')];
  const out = broadcastMap('div', x, y, (p, q) => p / q);
  return record(out, 'div', [x, y], (g) => [
    x.requiresGrad ? sumToShape(div(g, y), x.shape) : null,
    // d(x/y)/dy = -x/y² = -out/y
    y.requiresGrad ? sumToShape(neg(div(mul(g, out), y)), y.shape) : null,
  ]);
}

export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, e] = [asTensor(a, 'pow'), asTensor(b, 'pow')];
  const out = broadcastMap('pow', x, e, (p, q) => p ** q);
  return record(out, 'pow', [x, e], (g) => [
    // d(x^e)/dx = e·x^(e-1); PyTorch takes it as 0 where e == 0 (even at x == 0)
    x.requiresGrad ? sumToShape(mul(g, broadcastMap('pow', x, e, (p, q) => (q === 0 ? 0 : q * p ** (q - 1)))), x.shape) : null,
    // d(x^e)/de = x^e·ln x; 0 where x == 0 and e >= 0, as PyTorch defines it
    e.requiresGrad ? sumToShape(mul(g, broadcastMap('pow', x, e, (p, q) => (p === 0 && q >= 0 ? 0 : p ** q * Math.log(p)))), e.shape) : null,
  ]);
}

/** Elementwise larger value; at ties the gradient is split evenly, as PyTorch does. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return pick('maximum', a, b, (p, q) => (p > q ? 1 : p < q ? 0 : 0.5));
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return pick('minimum', a, b, (p, q) => (p < q ? 1 : p > q ? 0 : 0.5));
}

/** Shared by maximum/minimum: `share(a, b)` is how much of the gradient goes to a (the rest to b). */
function pick(op: string, a: TensorLike, b: TensorLike, share: (p: number, q: number) => number): Tensor {
  const [x, y] = [asTensor(a, op), asTensor(b, op)];
  const out = broadcastMap(op, x, y, (p, q) => (Number.isNaN(p) || Number.isNaN(q) ? NaN : share(p, q) >= 0.5 ? p : q));
  return record(out, op, [x, y], (g) => {
    const toX = broadcastMap(op, x, y, share);
    return [sumToShape(mul(g, toX), x.shape), sumToShape(mul(g, sub(1, toX)), y.shape)];
  });
}

// ---- comparisons: 0/1 results, no gradient ----

export const eq = (a: TensorLike, b: TensorLike): Tensor => broadcastMap('eq', asTensor(a, 'eq'), asTensor(b, 'eq'), (p, q) => +(p === q));
export const ne = (a: TensorLike, b: TensorLike): Tensor => broadcastMap('ne', asTensor(a, 'ne'), asTensor(b, 'ne'), (p, q) => +(p !== q));
export const gt = (a: TensorLike, b: TensorLike): Tensor => broadcastMap('gt', asTensor(a, 'gt'), asTensor(b, 'gt'), (p, q) => +(p > q));
export const ge = (a: TensorLike, b: TensorLike): Tensor => broadcastMap('ge', asTensor(a, 'ge'), asTensor(b, 'ge'), (p, q) => +(p >= q));
export const lt = (a: TensorLike, b: TensorLike): Tensor => broadcastMap('lt', asTensor(a, 'lt'), asTensor(b, 'lt'), (p, q) => +(p < q));
export const le = (a: TensorLike, b: TensorLike): Tensor => broadcastMap('le', asTensor(a, 'le'), asTensor(b, 'le'), (p, q) => +(p <= q));

// ---- unary ----

export function neg(x: Tensor): Tensor {
  return record(map(x, (v) => -v), 'neg', [x], (g) => [neg(g)]);
}

export function exp(x: Tensor): Tensor {
  const out = map(x, Math.exp);
  return record(out, 'exp', [x], (g) => [mul(g, out)]);
}

export function log(x: Tensor): Tensor {
  return record(map(x, Math.log), 'log', [x], (g) => [div(g, x)]);
}

export function sqrt(x: Tensor): Tensor {
  const out = map(x, Math.sqrt);
  return record(out, 'sqrt', [x], (g) => [zipMap(g, out, (gi, yi) => gi / (2 * yi))]);
}

/** |x|; its gradient at 0 is 0 (the sign), as PyTorch's. */
export function abs(x: Tensor): Tensor {
  return record(map(x, Math.abs), 'abs', [x], (g) => [zipMap(g, x, (gi, xi) => gi * Math.sign(xi))]);
}

/** max(x, 0): a kernel, so that a GPU backend keeps it on the device; its gradient needs only the output. */
export function relu(x: Tensor): Tensor {
  const out = kernels().relu(x);
  return record(out, 'relu', [x], (g) => [kernels().reluBackward(g, out)]);
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (typeof negativeSlope !== 'number') throw new TypeError(`leakyRelu: negativeSlope must be a number, got ${describe(negativeSlope)}`);
  const out = map(x, (v) => (v > 0 ? v : v * negativeSlope));
  return record(out, 'leakyRelu', [x], (g) => [zipMap(g, x, (gi, xi) => (xi > 0 ? gi : gi * negativeSlope))]);
}

export function tanh(x: Tensor): Tensor {
  const out = map(x, Math.tanh);
  return record(out, 'tanh', [x], (g) => [zipMap(g, out, (gi, yi) => gi * (1 - yi * yi))]);
}

export function sigmoid(x: Tensor): Tensor {
  const out = map(x, stableSigmoid);
  return record(out, 'sigmoid', [x], (g) => [zipMap(g, out, (gi, yi) => gi * yi * (1 - yi))]);
}

/** log(1 + e^x), computed without overflow; its derivative is sigmoid(x). */
export function softplus(x: Tensor): Tensor {
  const out = map(x, (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))));
  return record(out, 'softplus', [x], (g) => [zipMap(g, x, (gi, v) => gi * stableSigmoid(v))]);
}

/** 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) below: neither form overflows on its side. */
function stableSigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

/**
 * GELU, PyTorch's default exact form x·Φ(x) = x/2·(1 + erf(x/√2)), or its tanh approximation
 * (approximate: 'tanh'). d/dx = Φ(x) + x·φ(x) for the exact form.
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got '${approximate}'`);
  if (approximate === 'tanh') {
    const c = Math.sqrt(2 / Math.PI);
    const inner = (v: number) => c * (v + 0.044715 * v * v * v);
    const out = map(x, (v) => 0.5 * v * (1 + Math.tanh(inner(v))));
    return record(out, 'gelu', [x], (g) =>
      [zipMap(g, x, (gi, v) => {
        const t = Math.tanh(inner(v));
        return gi * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v));
      })],
    );
  }
  const out = map(x, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
  return record(out, 'gelu', [x], (g) =>
    [zipMap(g, x, (gi, v) => gi * (0.5 * (1 + erf(v / Math.SQRT2)) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI)))],
  );
}

/**
 * The error function, to about 1e-15 relative error: a Taylor series near 0 and a continued
 * fraction for erfc in the tails (JavaScript has no Math.erf).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf x = 2/√π · Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let total = ax;
    for (let n = 1; n < 60; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      total += add;
      if (Math.abs(add) < 1e-17 * Math.abs(total)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * total;
  }
  if (ax > 6) return Math.sign(x);
  // erfc x = e^(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + …))))), evaluated from the tail
  let fraction = ax;
  for (let k = 60; k >= 1; k--) fraction = ax + k / 2 / fraction;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fraction;
  return Math.sign(x) * (1 - erfc);
}

/** Limits values to [min, max] (either bound may be omitted); gradient flows where min <= x <= max. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (min == null && max == null) throw new RangeError('clamp: at least one of min and max must be given');
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new RangeError(`clamp: bounds must not be NaN (min=${min}, max=${max})`);
  const out = map(x, (v) => Math.min(Math.max(v, lo), hi)); // lo > hi gives hi everywhere, as in PyTorch
  return record(out, 'clamp', [x], (g) => [zipMap(g, x, (gi, xi) => (xi >= lo && xi <= hi ? gi : 0))]);
}
