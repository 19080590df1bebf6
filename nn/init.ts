// torch.nn.init: fill a tensor in place from the seedable generator (typegrad's, so the numbers repeat
// for a seed but differ from PyTorch's). Each returns the tensor it filled.

import { Tensor, defaultGenerator, formatShape, type Generator } from '../engine/index.js';
import type { Module } from './module.js';
// the layers' default init lives here, so these imports are a cycle; torchvisionInit reads them only when called
import { Conv2d } from './layers/conv.js';
import { Linear } from './layers/linear.js';
import { BatchNorm2d } from './layers/normalization.js';

export interface InitOptions {
  generator?: Generator;
}

export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';
export type FanMode = 'fan_in' | 'fan_out';

/** fan_in = inputs per output unit (in·kH·kW), fan_out = outputs per input unit, as PyTorch counts them. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new RangeError(`init: fan in and fan out need a tensor with at least 2 dims, got ${formatShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    default:
      throw new RangeError(`calculateGain: unknown nonlinearity '${nonlinearity as string}'`);
  }
}

export function uniform(t: Tensor, low = 0, high = 1, options: InitOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  return fill(t, (values) => g.fillUniform(values, low, high));
}

export function normal(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  return fill(t, (values) => g.fillNormal(values, mean, std));
}

export function constant(t: Tensor, value: number): Tensor {
  return fill(t, (values) => values.fill(value));
}

/**
 * Writes new values into t in place, on any backend: straight into a CPU tensor's array (vgg16 has
 * 138M weights: no second copy), else made on the CPU and taken by copy_ (a parameter on a GPU is not
 * read back first).
 */
function fill(t: Tensor, write: (values: Float32Array) => void): Tensor {
  if (!t.onDevice) {
    write(t.data);
    return t;
  }
  const values = new Float32Array(t.size);
  write(values);
  t.copy_(new Tensor(values, t.shape));
  return t;
}

export const zeros = (t: Tensor): Tensor => constant(t, 0);
export const ones = (t: Tensor): Tensor => constant(t, 1);

export interface KaimingOptions extends InitOptions {
  /** the negative slope of the leaky ReLU that follows (PyTorch's `a`) */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, options: KaimingOptions): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = (options.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  return calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0) / Math.sqrt(fan);
}

/** U(−b, b) with b = gain·√(3 / fan). With a = √5 (the layers' default) b = 1/√fan_in. */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform(t, -bound, bound, options);
}

export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, options), options);
}

export function xavierUniform(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -bound, bound, options);
}

export function xavierNormal(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

let skipping = false;

/**
 * Builds modules without drawing their initial weights (they stay zero), like torch.nn.utils.skip_init:
 * for models whose weights are loaded right after (vgg16 has 138M of them).
 */
export function skipInit<T>(build: () => T): T {
  const previous = skipping;
  skipping = true;
  try {
    return build();
  } finally {
    skipping = previous;
  }
}

/** The default init of Linear and Conv2d: weight kaiming-uniform with a = √5, bias U(±1/√fan_in). */
export function resetLinearLike(weight: Tensor, bias: Tensor | null, generator?: Generator): void {
  if (skipping) return;
  kaimingUniform(weight, { a: Math.sqrt(5), generator });
  if (bias) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform(bias, -bound, bound, { generator });
  }
}

/**
 * torchvision's init: conv weights kaiming-normal (fan_out, relu) with zero bias, batchnorm 1 and 0,
 * and with `linear: 'normal'` (VGG's) Linear weights N(0, 0.01) with zero bias; 'default' (ResNet's)
 * keeps Linear's own init.
 */
export function torchvisionInit(model: Module, linear: 'normal' | 'default'): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d) {
      kaimingNormal(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      if (m.bias) zeros(m.bias);
    } else if (m instanceof BatchNorm2d) {
      ones(m.weight!);
      zeros(m.bias!);
    } else if (m instanceof Linear && linear === 'normal') {
      normal(m.weight, 0, 0.01);
      if (m.bias) zeros(m.bias);
    }
  }
}
