// Random orders for shuffling and splitting, drawn from a seedable Generator so they can be replayed.

import { defaultGenerator, Generator } from '../engine/index.js';

/** A uniformly random permutation of 0 … n − 1 (Fisher–Yates). */
export function permutation(n: number, generator: Generator = defaultGenerator): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = generator.int(0, i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * A generator for epoch `epoch` of a run seeded with `seed`: every (seed, epoch) pair gets its own
 * stream, so any epoch can be replayed on its own without replaying the ones before it.
 */
export function epochGenerator(seed: number, epoch: number): Generator {
  // The low 32 bits mix the seed and the epoch (a bijection of the seed's low bits for a fixed epoch);
  // the epoch also goes in the high bits, so two epochs of one seed never share a stream.
  const lo = (Math.imul((seed >>> 0) ^ 0x2545f491, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b) ^ Math.floor(seed / 2 ** 32)) >>> 0;
  return new Generator(lo + (epoch % 2 ** 20) * 2 ** 32);
}
