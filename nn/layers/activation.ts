// Activation layers: stateless wrappers of the elementwise ops and softmax.

import { Tensor, relu, leakyRelu, tanh, sigmoid, gelu, softmax, logSoftmax, parseArgs, type PyArgs } from '../../engine/index.js';
import { elu, selu, celu, silu, mish, hardswish, hardsigmoid, softsign, softmin, prelu } from '../../engine/index.js';
import { Module } from '../module.js';
import { checkTensor, py, pyFloat } from './util.js';
import { Parameter } from '../parameter.js';

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

/** A layer with PyTorch's `(inplace?)` and no other argument; inplace is accepted and printed, as ReLU's. */
abstract class InplaceElementwise extends Elementwise {
  readonly inplace: boolean;
  constructor(args: readonly unknown[]) {
    super();
    this.inplace = checkInplace(this.constructor.name, parseArgs(this.constructor.name, args, { inplace: 'boolean' }).inplace);
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** ELU: x above 0, α·(eˣ − 1) at and below. `(alpha?, inplace?)` as PyTorch, or `({ alpha, inplace })`. */
export class ELU extends Elementwise {
  readonly alpha: number;
  readonly inplace: boolean;
  constructor(...args: PyArgs<[], [alpha: number | undefined, inplace: boolean | undefined], { alpha?: number; inplace?: boolean }>) {
    super();
    const options = parseArgs('ELU', args, { alpha: 'number', inplace: 'boolean' }) as { alpha?: number; inplace?: boolean };
    this.alpha = options.alpha ?? 1;
    this.inplace = checkInplace('ELU', options.inplace);
    if (!Number.isFinite(this.alpha)) throw new RangeError(`ELU: alpha must be a finite number, got ${options.alpha}`);
  }
  forward(x: Tensor): Tensor {
    return elu(checkTensor('ELU', x), this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** CELU: max(0, x) + min(0, α·(e^(x/α) − 1)). `(alpha?, inplace?)` as PyTorch, or `({ alpha, inplace })`. */
export class CELU extends Elementwise {
  readonly alpha: number;
  readonly inplace: boolean;
  constructor(...args: PyArgs<[], [alpha: number | undefined, inplace: boolean | undefined], { alpha?: number; inplace?: boolean }>) {
    super();
    const options = parseArgs('CELU', args, { alpha: 'number', inplace: 'boolean' }) as { alpha?: number; inplace?: boolean };
    this.alpha = options.alpha ?? 1;
    this.inplace = checkInplace('CELU', options.inplace);
    if (!Number.isFinite(this.alpha) || this.alpha === 0) throw new RangeError(`CELU: alpha must be a finite number other than 0, got ${options.alpha}`);
  }
  forward(x: Tensor): Tensor {
    return celu(checkTensor('CELU', x), this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** SELU: scale·ELU(x, α) with PyTorch's fixed constants. `(inplace?)` or `({ inplace })`. */
export class SELU extends InplaceElementwise {
  constructor(...args: PyArgs<[], [inplace: boolean | undefined], { inplace?: boolean }>) {
    super(args);
  }
  forward(x: Tensor): Tensor {
    return selu(checkTensor('SELU', x));
  }
}

/** SiLU (swish): x·σ(x). `(inplace?)` or `({ inplace })`. */
export class SiLU extends InplaceElementwise {
  constructor(...args: PyArgs<[], [inplace: boolean | undefined], { inplace?: boolean }>) {
    super(args);
  }
  forward(x: Tensor): Tensor {
    return silu(checkTensor('SiLU', x));
  }
}

/** Mish: x·tanh(softplus(x)). `(inplace?)` or `({ inplace })`. */
export class Mish extends InplaceElementwise {
  constructor(...args: PyArgs<[], [inplace: boolean | undefined], { inplace?: boolean }>) {
    super(args);
  }
  forward(x: Tensor): Tensor {
    return mish(checkTensor('Mish', x));
  }
}

/** Hardswish: x·relu6(x + 3)/6. `(inplace?)` or `({ inplace })`; PyTorch prints no inplace for it. */
export class Hardswish extends InplaceElementwise {
  constructor(...args: PyArgs<[], [inplace: boolean | undefined], { inplace?: boolean }>) {
    super(args);
  }
  forward(x: Tensor): Tensor {
    return hardswish(checkTensor('Hardswish', x));
  }
  override extraRepr(): string {
    return '';
  }
}

/** Hardsigmoid: relu6(x + 3)/6. `(inplace?)` or `({ inplace })`; PyTorch prints no inplace for it. */
export class Hardsigmoid extends InplaceElementwise {
  constructor(...args: PyArgs<[], [inplace: boolean | undefined], { inplace?: boolean }>) {
    super(args);
  }
  forward(x: Tensor): Tensor {
    return hardsigmoid(checkTensor('Hardsigmoid', x));
  }
  override extraRepr(): string {
    return '';
  }
}

/** Softsign: x/(1 + |x|). */
export class Softsign extends Elementwise {
  constructor(...args: [] | [options: Record<string, never>]) {
    super();
    parseArgs('Softsign', args, {});
  }
  forward(x: Tensor): Tensor {
    return softsign(checkTensor('Softsign', x));
  }
}

export class Softmin extends Elementwise {
  readonly dim: number;
  /** `(dim)` as PyTorch, or `({ dim })`; unlike PyTorch, dim is required (no implicit choice), as for Softmax. */
  constructor(...args: [dim: number] | [options: { dim: number }]) {
    super();
    const options = parseArgs('Softmin', args, { dim: 'integer' }) as { dim: number };
    if (!Number.isInteger(options.dim)) throw new TypeError('Softmin: dim is required (an integer), e.g. new nn.Softmin(1) or new nn.Softmin({ dim: 1 })');
    this.dim = options.dim;
  }
  forward(x: Tensor): Tensor {
    return softmin(checkTensor('Softmin', x), this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export interface PReLUOptions {
  /** how many slopes: 1 (shared) or the input's channels (dim 1) */
  numParameters?: number;
  /** every slope's initial value */
  init?: number;
}

/** PReLU: max(0, x) + a·min(0, x) with learned slopes `weight` [numParameters]. `(numParameters?, init?)` as PyTorch, or options. */
export class PReLU extends Elementwise {
  readonly numParameters: number;
  weight: Parameter;
  constructor(...args: PyArgs<[], [numParameters: number | undefined, init: number | undefined], PReLUOptions>) {
    super();
    const options = parseArgs('PReLU', args, { numParameters: 'integer', init: 'number' }) as PReLUOptions;
    const n = options.numParameters ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`PReLU: numParameters must be a positive integer, got ${JSON.stringify(options.numParameters)}`);
    const init = options.init ?? 0.25;
    if (!Number.isFinite(init)) throw new RangeError(`PReLU: init must be a finite number, got ${options.init}`);
    this.numParameters = n;
    this.weight = new Parameter(new Float32Array(n).fill(init), [n]);
  }
  forward(x: Tensor): Tensor {
    return prelu(checkTensor('PReLU', x), this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}
