// Inverted dropout: in training, zero each element with probability p and scale the rest by
// 1/(1 − p), so that evaluation (which does nothing) sees the same expected activations.

import { defaultGenerator, type Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';

export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be a probability in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = generator.uniform() < p ? 0 : scale;
  return mul(x, new Tensor(mask, x.shape)); // mul's gradient passes the same mask back
}
