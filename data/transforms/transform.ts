// The shape every transform has (an object with apply), chaining them, and the random draws the random
// ones share: all from a seedable Generator (the default one unless a transform is given its own), so
// `tg.manualSeed(s)` or `generator.setState(saved)` replays the same augmentations.

import { defaultGenerator, type Generator, type Tensor } from '../../engine/index.js';

export interface Transform<I = Tensor, O = Tensor> {
  apply(input: I): O;
}

/** Options every random transform takes. */
export interface RandomOptions {
  /** where the random numbers come from (default: the engine's default generator, read at each apply) */
  generator?: Generator;
}

export function generatorOf(options: RandomOptions): Generator {
  return options.generator ?? defaultGenerator;
}

/** Uniform in [low, high]. */
export function uniform(g: Generator, low: number, high: number): number {
  return low + (high - low) * g.uniform();
}

/** A [min, max] range from a number v (→ [center − v, center + v], clipped at `floor`) or a pair, validated. */
export function rangeOf(value: number | readonly number[], op: string, name: string, center = 0, floor = -Infinity): [number, number] {
  if (typeof value === 'number') {
    if (!(value >= 0)) throw new RangeError(`${op}: ${name} as a single number must be non-negative, got ${value}`);
    return [Math.max(floor, center - value), center + value];
  }
  if (!Array.isArray(value) || value.length !== 2 || !(value[0] <= value[1]) || value[0] < floor) {
    throw new RangeError(`${op}: ${name} must be a number or [min, max] with min <= max${floor > -Infinity ? ` and min >= ${floor}` : ''}, got ${JSON.stringify(value)}`);
  }
  return [value[0], value[1]];
}

export function checkProbability(p: number, op: string): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: p must be a probability in [0, 1], got ${p}`);
  return p;
}

/**
 * Applies transforms in order: `new Compose([new ToTensor(), new Resize({ size: 32 })])`. It takes
 * pixels or a tensor and gives a tensor (the usual image pipeline); for other types use Lambda chains.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export class Compose implements Transform<any, Tensor> {
  readonly transforms: Transform<any, any>[];

  constructor(transforms: readonly Transform<any, any>[]) {
    transforms.forEach((t, i) => {
      if (!t || typeof t.apply !== 'function') throw new TypeError(`Compose: item ${i} is not a transform (an object with apply(img)), got ${t === null ? 'null' : typeof t}`);
    });
    this.transforms = [...transforms];
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  apply(input: any): Tensor {
    return this.transforms.reduce((x, t) => t.apply(x), input) as Tensor;
  }
}

/** A function as a transform. */
export class Lambda<I = Tensor, O = Tensor> implements Transform<I, O> {
  constructor(readonly fn: (input: I) => O) {}

  apply(input: I): O {
    return this.fn(input);
  }
}
