// Small helpers the layers share: pairs, PyTorch-style value printing, input checks.

import { Tensor } from '../../engine/index.js';
import { checkedSize } from '../../engine/shape.js';
import { Parameter } from '../parameter.js';

export type Pair = number | [number, number];

/**
 * A parameter of zeros (the layer's init fills it), its size checked first: new Linear(3 * 4096 * 4096, 100)
 * is an error naming the layer and the bytes it needs, not V8's "Invalid typed array length".
 */
export function zeroParameter(shape: number[], layer: string): Parameter {
  return new Parameter(new Float32Array(checkedSize(shape, layer)), shape);
}

/** Python's print of a value: tuples as (a, b), booleans as True/False. */
export function py(v: unknown): string {
  if (Array.isArray(v)) return `(${v.map(py).join(', ')})`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' && Number.isFinite(v)) {
    // Python prints floats with a decimal point and small ones in e-notation (1e-05)
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) < 1e-4 ? v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2') : String(v);
  }
  return String(v);
}

/** A float option printed as Python prints floats (0.1, 1e-05, 1.0). */
export function pyFloat(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : py(v);
}

export function checkTensor(layer: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) {
    throw new TypeError(`${layer}: expected a Tensor input, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tg.tensor)' : typeof x}`);
  }
  return x;
}

export function checkPositiveInt(layer: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${layer}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}
