// Linear (y = x·Wᵀ + b) and LazyLinear, which learns its input size at the first forward.

import { Tensor, linear, formatShape, parseArgs, type Generator, type PyArgs } from '../../engine/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { resetLinearLike } from '../init.js';
import { checkPositiveInt, checkTensor, py, zeroParameter } from './util.js';

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  /** where the initial weights come from (default: the global generator, see tg.manualSeed) */
  generator?: Generator;
}

/** `(options)`, or PyTorch's `(inFeatures, outFeatures, bias?)` with the rest in a trailing options object. */
export type LinearArgs = [options: LinearOptions] | PyArgs<[inFeatures: number, outFeatures: number], [bias: boolean | undefined], Partial<LinearOptions>>;

function checkBias(layer: string, bias: unknown): boolean {
  if (bias !== undefined && typeof bias !== 'boolean') throw new TypeError(`${layer}: bias must be a boolean, got ${JSON.stringify(bias)}`);
  return bias !== false;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(...args: LinearArgs) {
    super();
    const options = parseArgs('Linear', args, { inFeatures: 'integer', outFeatures: 'integer', bias: 'boolean' }, ['generator']) as unknown as LinearOptions;
    this.inFeatures = checkPositiveInt('Linear', 'inFeatures', options.inFeatures);
    this.outFeatures = checkPositiveInt('Linear', 'outFeatures', options.outFeatures);
    this.weight = zeroParameter([this.outFeatures, this.inFeatures], 'Linear');
    this.bias = !checkBias('Linear', options.bias) ? null : new Parameter(new Float32Array(this.outFeatures), [this.outFeatures]);
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    resetLinearLike(this.weight, this.bias, generator);
  }

  forward(x: Tensor): Tensor {
    checkTensor('Linear', x);
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new RangeError(
        `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}): expected input [..., ${this.inFeatures}], got ${formatShape(x.shape)}` +
          (x.ndim > 2 ? ' (flatten it first, e.g. with nn.Flatten)' : ''),
      );
    }
    return linear(x, this.weight, this.bias);
  }

  outputShape(input: readonly number[]): number[] {
    return [...input.slice(0, -1), this.outFeatures];
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${py(this.bias !== null)}`;
  }
}

export interface LazyLinearOptions {
  outFeatures: number;
  bias?: boolean;
  generator?: Generator;
}

/**
 * A Linear whose inFeatures is the size of the last dim of the first input it sees: no need to work
 * out the flattened size after the conv layers. Parameters exist only after that first forward (an
 * optimizer must be made after it, as with PyTorch's lazy modules).
 */
export class LazyLinear extends Module {
  inFeatures = 0;
  readonly outFeatures: number;
  weight: Parameter | null = null;
  bias: Parameter | null = null;
  readonly #withBias: boolean;
  readonly #generator?: Generator;

  constructor(...args: [options: LazyLinearOptions] | PyArgs<[outFeatures: number], [bias: boolean | undefined], Partial<LazyLinearOptions>>) {
    super();
    const options = parseArgs('LazyLinear', args, { outFeatures: 'integer', bias: 'boolean' }, ['generator']) as unknown as LazyLinearOptions;
    this.outFeatures = checkPositiveInt('LazyLinear', 'outFeatures', options.outFeatures);
    this.#withBias = checkBias('LazyLinear', options.bias);
    this.#generator = options.generator;
  }

  get initialized(): boolean {
    return this.weight !== null;
  }

  forward(x: Tensor): Tensor {
    checkTensor('LazyLinear', x);
    if (x.ndim === 0) throw new RangeError('LazyLinear: expected input [..., inFeatures], got a 0-d tensor');
    if (!this.initialized) this.materialize(x.shape[x.ndim - 1]);
    if (x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new RangeError(`LazyLinear: initialised with ${this.inFeatures} input features at the first forward, now got input ${formatShape(x.shape)}`);
    }
    return linear(x, this.weight!, this.bias);
  }

  /** Creates the parameters for `inFeatures` inputs (what the first forward does). */
  materialize(inFeatures: number): void {
    this.inFeatures = checkPositiveInt('LazyLinear', 'inFeatures', inFeatures);
    this.weight = zeroParameter([this.outFeatures, inFeatures], 'LazyLinear');
    this.bias = this.#withBias ? new Parameter(new Float32Array(this.outFeatures), [this.outFeatures]) : null;
    resetLinearLike(this.weight, this.bias, this.#generator);
  }

  outputShape(input: readonly number[]): number[] {
    return [...input.slice(0, -1), this.outFeatures];
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${py(this.#withBias)}`;
  }
}
