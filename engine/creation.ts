// Making tensors: from values, filled, ranges, and random with the seedable generator.

import { defaultGenerator, type Generator } from './random.js';
import { checkedSize, formatShape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

export interface TensorOptions {
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

type ShapeArg = number | readonly number[];

/** The shape argument as a list, with its checked element count. */
function shapeOf(shape: ShapeArg, op: string): { s: number[]; size: number } {
  if (!Array.isArray(shape) && typeof shape !== 'number') {
    throw new TypeError(`${op}: shape must be a number or an array of numbers, got ${shape === null ? 'null' : typeof shape}`);
  }
  const s = typeof shape === 'number' ? [shape] : [...shape];
  return { s, size: checkedSize(s, op) };
}

/** Options come as an object; a number there is PyTorch's `zeros(2, 3)` spelling, which would lose the 3. */
function optionsOf<T extends object>(options: T | undefined, op: string): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${op}: expected an options object after the shape, got ${typeof options}; pass the shape as one array, e.g. ${op}([2, 3])`);
  }
  return options;
}

function filled(op: string, shape: ShapeArg, value: number, options: TensorOptions | undefined): Tensor {
  const { s, size } = shapeOf(shape, op);
  return new Tensor(new Float32Array(size).fill(value), s, optionsOf(options, op).requiresGrad ?? false);
}

/**
 * A tensor from a Float32Array, a flat number[] (give the shape) or nested arrays (shape inferred),
 * or a single number (0-d). `tensor(values, { requiresGrad })` also works. The values are copied,
 * as torch.tensor does; `new Tensor(float32Array, shape)` wraps an array without copying.
 */
export function tensor(values: Float32Array | NestedArray | ArrayLike<number>, shape?: readonly number[] | TensorOptions, options: TensorOptions = {}): Tensor {
  if (shape !== undefined && !Array.isArray(shape)) return tensor(values, undefined, shape as TensorOptions);
  const op = 'tensor';
  let data: Float32Array;
  let inferred: number[];
  if (typeof values === 'number') {
    data = Float32Array.of(values);
    inferred = [];
  } else if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    data = Float32Array.from(values as ArrayLike<number>);
    inferred = [data.length];
  } else if (Array.isArray(values)) {
    ({ data, shape: inferred } = flattenNested(values));
  } else {
    throw new TypeError(`${op}: expected a Float32Array, a (nested) array of numbers or a number, got ${values === null ? 'null' : typeof values}`);
  }
  const finalShape = shape ? [...(shape as readonly number[])] : inferred;
  const size = checkedSize(finalShape, op);
  if (size !== data.length) {
    throw new RangeError(`${op}: ${data.length} values cannot have shape ${formatShape(finalShape)} (${size} values)`);
  }
  return new Tensor(data, finalShape, options.requiresGrad ?? false);
}

function flattenNested(values: NestedArray[]): { data: Float32Array; shape: number[] } {
  const shape: number[] = [];
  for (let level: NestedArray = values; Array.isArray(level); level = level[0]) shape.push(level.length);
  const data = new Float32Array(checkedSize(shape, 'tensor'));
  let k = 0;
  const walk = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw new TypeError(`tensor: expected a number at ${path}, got ${Array.isArray(v) ? 'an array' : typeof v}`);
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new RangeError(`tensor: ragged nested array: expected ${shape[depth]} elements at ${path}, got ${Array.isArray(v) ? v.length : typeof v}`);
    }
    v.forEach((item, i) => walk(item, depth + 1, `${path}[${i}]`));
  };
  walk(values, 0, 'values');
  return { data, shape };
}

export function full(shape: ShapeArg, value: number, options?: TensorOptions): Tensor {
  if (typeof value !== 'number') throw new TypeError(`full: the fill value must be a number, got ${typeof value}`);
  return filled('full', shape, value, options);
}

export function zeros(shape: ShapeArg, options?: TensorOptions): Tensor {
  return filled('zeros', shape, 0, options);
}

export function ones(shape: ShapeArg, options?: TensorOptions): Tensor {
  return filled('ones', shape, 1, options);
}

export function zerosLike(x: Tensor, options?: TensorOptions): Tensor {
  return filled('zerosLike', x.shape, 0, options);
}

export function onesLike(x: Tensor, options?: TensorOptions): Tensor {
  return filled('onesLike', x.shape, 1, options);
}

/** start, start + step, … up to but not including end; `arange(n)` is 0 … n − 1. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a non-zero finite number, got ${step}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError(`arange: start and end must be finite, got ${start} and ${end}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  checkedSize([n], 'arange');
  return new Tensor(Float32Array.from({ length: n }, (_, i) => start + i * step), [n], options.requiresGrad ?? false);
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  checkedSize([steps], 'linspace');
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // the second half counts back from end, so the last value is exactly end (as PyTorch does)
  const values = Float32Array.from({ length: steps }, (_, i) => (i < steps / 2 ? start + i * delta : end - (steps - 1 - i) * delta));
  return new Tensor(values, [steps], options.requiresGrad ?? false);
}

/** Identity matrix n × m (m defaults to n). */
export function eye(n: number, m = n, options?: TensorOptions): Tensor {
  const out = filled('eye', [n, m], 0, options);
  for (let i = 0; i < Math.min(n, m); i++) out.data[i * m + i] = 1;
  return out;
}

/** Uniform in [0, 1). */
export function rand(shape: ShapeArg, options?: RandomOptions): Tensor {
  return random('rand', shape, options, (g) => g.uniform());
}

/** Standard normal. */
export function randn(shape: ShapeArg, options?: RandomOptions): Tensor {
  return random('randn', shape, options, (g) => g.normal());
}

/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: ShapeArg, options?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || low >= high) {
    throw new RangeError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  return random('randint', shape, options, (g) => g.int(low, high));
}

function random(op: string, shape: ShapeArg, options: RandomOptions | undefined, draw: (g: Generator) => number): Tensor {
  const { s, size } = shapeOf(shape, op);
  const { generator = defaultGenerator, requiresGrad = false } = optionsOf(options, op);
  return new Tensor(Float32Array.from({ length: size }, () => draw(generator)), s, requiresGrad);
}
