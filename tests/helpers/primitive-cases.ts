// Backend-equivalence cases for the primitive kernels (engine/kernels.ts), one entry per kernel name:
// a function of a seeded random source that returns the kernel's arguments. A suite runs each case on
// a backend and on 'js' and compares what comes out (tensors returned, or for the in-place optimizer
// updates the tensors written). Kept in one table so that the equivalence suite can fold it in.

import { Tensor, type Kernels } from '../../engine/index.js';

/** A small seeded generator (xorshift32): the same seed gives the same case on every backend. */
export class CaseRandom {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  /** uniform in [0, 1) */
  next(): number {
    let s = this.#s;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    this.#s = s >>> 0;
    return this.#s / 2 ** 32;
  }
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  shape(maxDims = 4, maxSize = 5): number[] {
    return Array.from({ length: this.int(1, maxDims) }, () => this.int(1, maxSize));
  }
  /** values in [low, high) */
  tensor(shape: readonly number[], low = -2, high = 2): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return new Tensor(Float32Array.from({ length: n }, () => low + (high - low) * this.next()), shape);
  }
}

const stridesOf = (shape: readonly number[]) => {
  const out = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1] * shape[i + 1];
  return out;
};

/** a shape that broadcasts with `shape` (some dims 1, maybe fewer leading dims), and the strides that read it */
function broadcastOperand(r: CaseRandom, shape: readonly number[]): { own: number[]; strides: number[] } {
  const drop = r.int(0, shape.length - 1);
  const own = shape.slice(drop).map((d) => (r.next() < 0.3 ? 1 : d));
  const ownStrides = stridesOf(own);
  const strides = shape.map((d, i) => (i < drop || own[i - drop] !== d ? 0 : ownStrides[i - drop]));
  return { own, strides };
}

/** A kernel's arguments; an in-place kernel (the optimizer updates) is compared on the tensors among them after the call. */
type Case = { args: unknown[] };
export type PrimitiveCases = { [K in keyof Kernels]?: (r: CaseRandom) => Case };

const unaryOps = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'tanh', 'sigmoid', 'softplus', 'gelu', 'geluTanh', 'leakyRelu', 'clamp', 'geluGrad', 'geluTanhGrad', 'leakyReluGrad', 'clampGrad'] as const;
const binaryOps = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'powGradBase', 'powGradExponent', 'maximumShare', 'minimumShare'] as const;

export const primitiveCases: PrimitiveCases = {
  unary: (r) => {
    const op = r.pick(unaryOps);
    const positive = op === 'log' || op === 'sqrt' || op === 'rsqrt';
    return { args: [r.tensor(r.shape(), positive ? 0.1 : -3, 3), { op, negativeSlope: 0.1, min: -0.5, max: 0.7 }] };
  },
  binary: (r) => {
    const op = r.pick(binaryOps);
    const shape = r.shape();
    const a = broadcastOperand(r, shape);
    const b = broadcastOperand(r, shape);
    const positive = op.startsWith('pow');
    // integer-valued operands make ties for the comparisons and maximum/minimum
    const values = (own: number[]) => (op === 'eq' || op.endsWith('Share') ? new Tensor(r.tensor(own, 0, 3).data.map(Math.floor), own) : r.tensor(own, positive ? 0.1 : -2, 2));
    return { args: [values(a.own), values(b.own), { op, shape, aStrides: a.strides, bStrides: b.strides }] };
  },
  reduce: (r) => {
    const shape = r.shape();
    const op = r.pick(['sum', 'mean', 'max', 'min', 'argmax', 'argmin'] as const);
    const dims = op.startsWith('arg') ? [r.int(0, shape.length - 1)] : shape.map((_, i) => i).filter(() => r.next() < 0.5);
    return { args: [r.tensor(shape), { op, dims }] };
  },
  stridedCopy: (r) => {
    // a permuted, expanded or stepped view of a contiguous tensor
    const shape = r.shape();
    const own = stridesOf(shape);
    const order = shape.map((_, i) => i).sort(() => r.next() - 0.5);
    return { args: [r.tensor(shape), { shape: order.map((d) => shape[d]).concat([r.int(1, 3)]), strides: order.map((d) => own[d]).concat([0]), offset: 0 }] };
  },
  indexSelect: (r) => {
    const shape = r.shape();
    const dim = r.int(0, shape.length - 1);
    const index = Float32Array.from({ length: r.int(1, 6) }, () => r.int(-1, shape[dim] - 1));
    return { args: [r.tensor(shape), new Tensor(index, [index.length]), { dim, fill: r.pick([0, 1.5]) }] };
  },
  indexAdd: (r) => {
    const shape = r.shape();
    const dim = r.int(0, shape.length - 1);
    const size = r.int(1, 5);
    const index = Float32Array.from({ length: shape[dim] }, () => r.int(-1, size - 1)); // repeats add up
    return { args: [r.tensor(shape), new Tensor(index, [index.length]), { dim, size }] };
  },
  softmax: (r) => {
    const shape = r.shape();
    return { args: [r.tensor(shape, -5, 5), { dim: r.int(0, shape.length - 1), log: r.next() < 0.5 }] };
  },
  softmaxBackward: (r) => {
    const shape = r.shape();
    return { args: [r.tensor(shape), r.tensor(shape, -3, 0), { dim: r.int(0, shape.length - 1), log: r.next() < 0.5 }] };
  },
  randomFill: (r) => ({
    args: [{ shape: r.shape(), key: [r.int(0, 2 ** 32 - 1), r.int(0, 2 ** 32 - 1)], counter: r.int(0, 1000), distribution: r.pick(['uniform', 'bernoulli'] as const), p: 0.7, value: 1 / 0.7 }],
  }),
  sgdStep: (r) => {
    const shape = r.shape(2, 40);
    const momentum = r.pick([0, 0.9]);
    return {
      args: [r.tensor(shape), r.tensor(shape), momentum ? r.tensor(shape) : null, { lr: 0.1, momentum, dampening: 0.1, weightDecay: r.pick([0, 0.01]), nesterov: false, maximize: r.next() < 0.5, firstStep: r.next() < 0.5 }],
    };
  },
  adamStep: (r) => {
    const shape = r.shape(2, 40);
    const amsgrad = r.next() < 0.5;
    const state = { expAvg: r.tensor(shape), expAvgSq: r.tensor(shape, 0, 1), maxExpAvgSq: amsgrad ? r.tensor(shape, 0, 1) : null };
    return {
      args: [r.tensor(shape), r.tensor(shape), state, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: r.next() < 0.5, amsgrad, maximize: r.next() < 0.5, step: r.int(1, 5) }],
    };
  },
  rmspropStep: (r) => {
    const shape = r.shape(2, 40);
    const centered = r.next() < 0.5;
    const momentum = r.pick([0, 0.9]);
    const state = { squareAvg: r.tensor(shape, 1, 2), gradAvg: centered ? r.tensor(shape, -0.1, 0.1) : null, momentumBuffer: momentum ? r.tensor(shape) : null };
    return {
      args: [r.tensor(shape), r.tensor(shape), state, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum, centered, maximize: false }],
    };
  },
};

/** Deep copies of the tensors among a case's arguments (in-place kernels must each get their own). */
export function cloneArgs(args: unknown[]): unknown[] {
  const copy = (v: unknown): unknown => {
    if (v instanceof Tensor) return new Tensor(v.data.slice(), v.shape);
    if (Array.isArray(v)) return v.slice();
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
    return v;
  };
  return args.map(copy);
}
