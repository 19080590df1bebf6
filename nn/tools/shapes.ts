// Shape and size arithmetic of single layers, as the course's exercises ask for it.

import { formatShape } from '../../engine/index.js';
import { convOutputSize as outputLength } from '../../engine/ops/conv.js';
import { toPair } from '../../engine/shape.js';
import type { Module } from '../module.js';

/** Output length of a conv or pool along one dim: floor((n + 2p − d(k − 1) − 1) / s) + 1. */
export function convOutputSize(n: number, options: { kernelSize: number; stride?: number; padding?: number; dilation?: number }): number {
  const { kernelSize: k, stride: s = 1, padding: p = 0, dilation: d = 1 } = options;
  return outputLength(n, k, s, 2 * p, d);
}

/**
 * Parameters of a conv layer with k filters of n×m over d input channels: (n·m·d + 1)·k with a bias,
 * n·m·d·k without.
 */
export function conv2dParameterCount(options: { inChannels: number; outChannels: number; kernelSize: number | [number, number]; bias?: boolean; groups?: number }): number {
  const [n, m] = toPair(options.kernelSize, 'kernelSize', 'conv2dParameterCount', 1);
  const perFilter = n * m * (options.inChannels / (options.groups ?? 1));
  return (perFilter + (options.bias === false ? 0 : 1)) * options.outChannels;
}

/** A module's output shape for an input shape, from its shape arithmetic (no forward pass). */
export function outputShape(module: Module, inputShape: readonly number[]): number[] {
  const f = (module as unknown as { outputShape?: (s: readonly number[]) => number[] }).outputShape;
  if (typeof f !== 'function') throw new TypeError(`outputShape: ${module.constructor.name} has no outputShape(); run a forward pass instead`);
  const out = f.call(module, inputShape);
  if (out.some((n) => !(n >= 1))) throw new RangeError(`outputShape: ${module.constructor.name} maps ${formatShape(inputShape)} to ${formatShape(out)}`);
  return out;
}
