// Inverted dropout: in training, zero each element (or, channel-wise, each whole channel) with
// probability p and scale the rest by 1/(1 − p), so that evaluation (which does nothing) sees the same
// expected activations. The mask is one `randomFill` kernel call: a counter-based generator keyed by
// two words drawn from `generator`, so every backend makes the same mask for the same seed.

import { kernels } from '../backend.js';
import { formatShape } from '../shape.js';
import { defaultGenerator, type Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';

export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  return masked('dropout', x, x.shape, p, training, generator);
}

/**
 * Dropout2d's op (F.dropout2d): zeroes whole channels of [N, C, H, W] (or [C, H, W]), one draw per
 * channel, scaling the rest by 1/(1 − p).
 */
export function dropout2d(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`dropout2d: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  const maskShape = x.ndim === 4 ? [x.shape[0], x.shape[1], 1, 1] : [x.shape[0], 1, 1];
  return masked('dropout2d', x, maskShape, p, training, generator);
}

/** x times a mask of `maskShape` (broadcast over x) that keeps each entry with probability 1 − p, scaled. */
function masked(op: string, x: Tensor, maskShape: readonly number[], p: number, training: boolean, generator: Generator): Tensor {
  if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new RangeError(`${op}: p must be a probability in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const key = [generator.nextUint32(), generator.nextUint32()] as const;
  const mask = kernels().randomFill({ shape: maskShape, key, counter: 0, distribution: 'bernoulli', p: 1 - p, value: p === 1 ? 0 : 1 / (1 - p) });
  return mul(x, mask); // mul's gradient passes the same mask back
}
