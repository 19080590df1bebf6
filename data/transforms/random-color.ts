// Random colour augmentation and erasing, with torchvision's parameter distributions.

import { Tensor, parseArgs, type PyArgs } from '../../engine/index.js';
import { adjustColors, erase, rgbToGrayscale, type ColorStep } from '../functional/color.js';
import { imageDims, roundHalfEven } from '../functional/image.js';
import { permutation } from '../sampling.js';
import { checkProbability, generatorOf, rangeOf, uniform, type RandomOptions, type Transform } from './transform.js';

export interface ColorJitterOptions extends RandomOptions {
  /** b (factor in [max(0, 1 − b), 1 + b]) or [min, max]: Keras's brightness_range is the pair form */
  brightness?: number | readonly [number, number];
  contrast?: number | readonly [number, number];
  saturation?: number | readonly [number, number];
  /** h (shift in [-h, h] turns) or [min, max], within [-0.5, 0.5] */
  hue?: number | readonly [number, number];
}

/** Brightness, contrast, saturation and hue changes by random factors, in a random order. */
export class ColorJitter implements Transform {
  readonly brightness: [number, number] | null;
  readonly contrast: [number, number] | null;
  readonly saturation: [number, number] | null;
  readonly hue: [number, number] | null;

  readonly options: ColorJitterOptions;

  /** `(brightness?, contrast?, saturation?, hue?)` as torchvision, or `({ brightness, … })`. */
  constructor(
    ...args: PyArgs<[], [brightness: ColorJitterOptions['brightness'], contrast: ColorJitterOptions['contrast'], saturation: ColorJitterOptions['saturation'], hue: ColorJitterOptions['hue']], ColorJitterOptions>
  ) {
    const options = (this.options = parseArgs('ColorJitter', args, { brightness: 'number|array', contrast: 'number|array', saturation: 'number|array', hue: 'number|array' }, [
      'generator',
    ]) as ColorJitterOptions);
    // torchvision's _check_input: a range that is just the centre (0, or [1, 1]; hue 0 or [0, 0]) is None, no change and no draw
    const range = (v: number | readonly [number, number] | undefined, name: string, center: number, floor: number) => {
      if (v === undefined) return null;
      const r = rangeOf(v, 'ColorJitter', name, center, floor);
      return r[0] === center && r[1] === center ? null : r;
    };
    this.brightness = range(options.brightness, 'brightness', 1, 0);
    this.contrast = range(options.contrast, 'contrast', 1, 0);
    this.saturation = range(options.saturation, 'saturation', 1, 0);
    this.hue = range(options.hue, 'hue', 0, -Infinity);
    if (this.hue && (this.hue[0] < -0.5 || this.hue[1] > 0.5)) throw new RangeError(`ColorJitter: hue must lie in [-0.5, 0.5], got ${JSON.stringify(options.hue)}`);
  }

  apply(img: Tensor): Tensor {
    const g = generatorOf(this.options);
    const { brightness: b, contrast: c, saturation: s, hue: h } = this;
    // draw the order first, then every factor, as torchvision's get_params
    const order = permutation(4, g);
    const factors = [b, c, s, h].map((r) => (r ? uniform(g, r[0], r[1]) : null));
    const ops = ['brightness', 'contrast', 'saturation', 'hue'] as const;
    return adjustColors(img, order.filter((k) => factors[k] !== null).map((k): ColorStep => ({ op: ops[k], factor: factors[k]! })));
  }
}

/** Grey (kept with the input's channel count) with probability p (default 0.1). */
export class RandomGrayscale implements Transform {
  readonly p: number;

  readonly options: { p?: number } & RandomOptions;

  /** `(p?)` as torchvision, or `({ p, generator })`. */
  constructor(...args: PyArgs<[], [p: number | undefined], { p?: number } & RandomOptions>) {
    this.options = parseArgs('RandomGrayscale', args, { p: 'number' }, ['generator']) as { p?: number } & RandomOptions;
    this.p = checkProbability(this.options.p ?? 0.1, 'RandomGrayscale');
  }

  apply(img: Tensor): Tensor {
    const { c } = imageDims(img, 'RandomGrayscale');
    return generatorOf(this.options).uniform() < this.p ? rgbToGrayscale(img, c === 3 ? 3 : 1) : img;
  }
}

export interface RandomErasingOptions extends RandomOptions {
  p?: number;
  /** range of the erased area as a fraction of the image (default [0.02, 0.33]) */
  scale?: readonly [number, number];
  /** range of the box's aspect ratio (default [0.3, 3.3]) */
  ratio?: readonly [number, number];
  /** fill: a number, one per channel, or 'random' (standard normal noise) */
  value?: number | readonly number[] | 'random';
  /** accepted for torchvision's signature; a new tensor is returned either way */
  inplace?: boolean;
}

/** Erases a random box (Zhong et al.), on a tensor image, as torchvision's RandomErasing. */
export class RandomErasing implements Transform {
  readonly p: number;

  readonly options: RandomErasingOptions;

  /** `(p?, scale?, ratio?, value?, inplace?)` as torchvision, or `({ p, scale, … })`. */
  constructor(
    ...args: PyArgs<
      [],
      [p: number | undefined, scale: readonly [number, number] | undefined, ratio: readonly [number, number] | undefined, value: RandomErasingOptions['value'], inplace: boolean | undefined],
      RandomErasingOptions
    >
  ) {
    const options = (this.options = parseArgs('RandomErasing', args, { p: 'number', scale: 'array', ratio: 'array', value: 'number|array|string', inplace: 'boolean' }, [
      'generator',
    ]) as RandomErasingOptions);
    this.p = checkProbability(options.p ?? 0.5, 'RandomErasing');
    const [s0, s1] = options.scale ?? [0.02, 0.33];
    const [r0, r1] = options.ratio ?? [0.3, 3.3];
    if (!(s0 >= 0 && s0 <= s1 && s1 <= 1)) throw new RangeError(`RandomErasing: scale must be [min, max] within [0, 1], got ${JSON.stringify(options.scale)}`);
    if (!(r0 > 0 && r0 <= r1)) throw new RangeError(`RandomErasing: ratio must be [min, max] with 0 < min <= max, got ${JSON.stringify(options.ratio)}`);
    if (typeof options.value === 'string' && options.value !== 'random') throw new RangeError(`RandomErasing: value as a string must be 'random', got ${JSON.stringify(options.value)}`);
  }

  apply(img: Tensor): Tensor {
    const g = generatorOf(this.options);
    if (!(g.uniform() < this.p)) return img;
    const { c, h, w } = imageDims(img, 'RandomErasing');
    const [s0, s1] = this.options.scale ?? [0.02, 0.33];
    const [r0, r1] = this.options.ratio ?? [0.3, 3.3];
    for (let attempt = 0; attempt < 10; attempt++) {
      const area = h * w * uniform(g, s0, s1);
      const aspect = Math.exp(uniform(g, Math.log(r0), Math.log(r1)));
      const eh = roundHalfEven(Math.sqrt(area * aspect));
      const ew = roundHalfEven(Math.sqrt(area / aspect));
      if (!(eh < h && ew < w) || eh < 1 || ew < 1) continue;
      const v = this.options.value ?? 0;
      // torchvision draws the noise before the position
      const value = v === 'random' ? new Tensor(Float32Array.from({ length: c * eh * ew }, () => g.normal()), [c, eh, ew]) : v;
      const top = g.int(0, h - eh + 1);
      const left = g.int(0, w - ew + 1);
      return erase(img, top, left, eh, ew, value);
    }
    return img;
  }
}
