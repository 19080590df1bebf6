// Activation layers: stateless wrappers of the elementwise ops and softmax.

import { Tensor, relu, leakyRelu, tanh, sigmoid, gelu, softmax, logSoftmax } from '../../engine/index.js';
import { Module } from '../module.js';
import { checkTensor, py } from './util.js';

abstract class Elementwise extends Module {
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
}

export class ReLU extends Elementwise {
  forward(x: Tensor): Tensor {
    return relu(checkTensor('ReLU', x));
  }
}

export class LeakyReLU extends Elementwise {
  readonly negativeSlope: number;
  constructor(options: { negativeSlope?: number } = {}) {
    super();
    this.negativeSlope = options.negativeSlope ?? 0.01;
    if (!Number.isFinite(this.negativeSlope)) throw new RangeError(`LeakyReLU: negativeSlope must be a finite number, got ${options.negativeSlope}`);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(checkTensor('LeakyReLU', x), this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${py(this.negativeSlope)}`;
  }
}

export class Tanh extends Elementwise {
  forward(x: Tensor): Tensor {
    return tanh(checkTensor('Tanh', x));
  }
}

export class Sigmoid extends Elementwise {
  forward(x: Tensor): Tensor {
    return sigmoid(checkTensor('Sigmoid', x));
  }
}

export class GELU extends Elementwise {
  readonly approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
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
  constructor(options: { dim: number }) {
    super();
    if (!Number.isInteger(options?.dim)) throw new TypeError('Softmax: dim is required (an integer), e.g. new nn.Softmax({ dim: 1 })');
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
  constructor(options: { dim: number }) {
    super();
    if (!Number.isInteger(options?.dim)) throw new TypeError('LogSoftmax: dim is required (an integer), e.g. new nn.LogSoftmax({ dim: 1 })');
    this.dim = options.dim;
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(checkTensor('LogSoftmax', x), this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
