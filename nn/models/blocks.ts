// The activation and pooling choices of the course's models, by name.

import { Module } from '../module.js';
import { ReLU, LeakyReLU, Tanh, Sigmoid, GELU } from '../layers/activation.js';
import { MaxPool2d, AvgPool2d, type MaxPool2dOptions } from '../layers/pooling.js';

export type ActivationType = 'relu' | 'lrelu' | 'tanh' | 'sigmoid' | 'gelu';
export type PoolingType = 'max' | 'avg';

export interface ActivationParams {
  negativeSlope?: number;
}

export function makeActivation(type: ActivationType, params: ActivationParams = {}, owner = 'model'): Module {
  switch (type) {
    case 'relu':
      return new ReLU();
    case 'lrelu':
      return new LeakyReLU(params);
    case 'tanh':
      return new Tanh();
    case 'sigmoid':
      return new Sigmoid();
    case 'gelu':
      return new GELU();
    default:
      throw new RangeError(`${owner}: activationType must be one of 'relu', 'lrelu', 'tanh', 'sigmoid', 'gelu', got '${type as string}'`);
  }
}

export function makePooling(type: PoolingType, params: Partial<MaxPool2dOptions> = {}, owner = 'model'): Module {
  const options = { kernelSize: 2, ...params };
  if (type === 'max') return new MaxPool2d(options);
  if (type === 'avg') return new AvgPool2d(options);
  throw new RangeError(`${owner}: poolingType must be 'max' or 'avg', got '${type as string}'`);
}
