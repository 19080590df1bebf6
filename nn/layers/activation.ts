// Activation layers: stateless wrappers of the elementwise ops and softmax.

import { Tensor, relu, leakyRelu, tanh, sigmoid, gelu, softmax, logSoftmax, parseArgs, type PyArgs } from '../../engine/index.js';
import { Module } from '../module.js';
import { checkTensor, py } from './util.js';

abstract class Elementwise extends Module {
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
}

function checkInplace(layer: string, v: unknown): boolean {
  if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`${layer}: inplace must be a boolean, got ${JSON.stringify(v)}`);
  return v === true;
}

/**
 * `(inplace?)` or `({ inplace })` as PyTorch. inplace is accepted for PyTorch's signature and printed;
 * the values are the same either way (typegrad always returns a new tensor).
 */
export class ReLU extends Elementwise {
  readonly inplace: boolean;
  constructor(...args: PyArgs<[], [inplace: boolean | undefined], { inplace?: boolean }>) {
    super();
    this.inplace = checkInplace('ReLU', parseArgs('ReLU', args, { inplace: 'boolean' }).inplace);
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
  forward(x: Tensor): Tensor {
    return relu(checkTensor('ReLU', x));
  }
}

/** `(negativeSlope?, inplace?)` as PyTorch, or `({ negativeSlope, inplace })`. */
export class LeakyReLU extends Elementwise {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  constructor(...args: PyArgs<[], [negativeSlope: number | undefined, inplace: boolean | undefined], { negativeSlope?: number; inplace?: boolean }>) {
    super();
    const options = parseArgs('LeakyReLU', args, { negativeSlope: 'number', inplace: 'boolean' }) as { negativeSlope?: number; inplace?: boolean };
    this.negativeSlope = options.negativeSlope ?? 0.01;
    this.inplace = checkInplace('LeakyReLU', options.inplace);
    if (!Number.isFinite(this.negativeSlope)) throw new RangeError(`LeakyReLU: negativeSlope must be a finite number, got ${options.negativeSlope}`);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(checkTensor('LeakyReLU', x), this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${py(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

export class Tanh extends Elementwise {
  constructor(...args: [] | [options: Record<string, never>]) {
    super();
    parseArgs('Tanh', args, {});
  }
  forward(x: Tensor): Tensor {
    return tanh(checkTensor('Tanh', x));
  }
}

export class Sigmoid extends Elementwise {
  constructor(...args: [] | [options: Record<string, never>]) {
    super();
    parseArgs('Sigmoid', args, {});
  }
  forward(x: Tensor): Tensor {
    return sigmoid(checkTensor('Sigmoid', x));
  }
}

export class GELU extends Elementwise {
  readonly approximate: 'none' | 'tanh';
  /** `(approximate?)` as PyTorch, or `({ approximate })`. */
  constructor(...args: PyArgs<[], [approximate: 'none' | 'tanh' | undefined], { approximate?: 'none' | 'tanh' }>) {
    super();
    const options = parseArgs('GELU', args, { approximate: 'string' }) as { approximate?: 'none' | 'tanh' };
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(options.approximate)}`);
  }
  forward(x: Tensor): Tensor {
    return gelu(checkTensor('GELU', x), this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class Softmax extends Elementwise {
  readonly dim: number;
  /** `(dim)` as PyTorch, or `({ dim })`; unlike PyTorch, dim is required (no implicit choice). */
  constructor(...args: [dim: number] | [options: { dim: number }]) {
    super();
    const options = parseArgs('Softmax', args, { dim: 'integer' }) as { dim: number };
    if (!Number.isInteger(options.dim)) throw new TypeError('Softmax: dim is required (an integer), e.g. new nn.Softmax(1) or new nn.Softmax({ dim: 1 })');
    this.dim = options.dim;
  }
  forward(x: Tensor): Tensor {
    return softmax(checkTensor('Softmax', x), this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class LogSoftmax extends Elementwise {
  readonly dim: number;
  /** `(dim)` as PyTorch, or `({ dim })`; unlike PyTorch, dim is required (no implicit choice). */
  constructor(...args: [dim: number] | [options: { dim: number }]) {
    super();
    const options = parseArgs('LogSoftmax', args, { dim: 'integer' }) as { dim: number };
    if (!Number.isInteger(options.dim)) throw new TypeError('LogSoftmax: dim is required (an integer), e.g. new nn.LogSoftmax(1) or new nn.LogSoftmax({ dim: 1 })');
    this.dim = options.dim;
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(checkTensor('LogSoftmax', x), this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
