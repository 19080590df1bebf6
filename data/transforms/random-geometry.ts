// Random geometric augmentation: crops, flips, rotations, affine warps and perspective, each drawing its
// parameters with torchvision's distributions from a seedable generator, then calling the functional op.
// On a batch [N, C, H, W] one draw applies to the whole batch, as torchvision does on batched tensors.

import type { Tensor } from '../../engine/index.js';
import { crop, hflip, pad, vflip, type FillMode, type Interpolation, type Padding, type PaddingMode, type Size } from '../functional/geometry.js';
import { imageDims, roundHalfEven } from '../functional/image.js';
import { affine, perspective, rotate, type Point } from '../functional/warp.js';
import { checkProbability, generatorOf, rangeOf, uniform, type RandomOptions, type Transform } from './transform.js';

export interface RandomCropOptions extends RandomOptions {
  size: Size;
  padding?: Padding;
  /** pad images smaller than size up to it instead of failing */
  padIfNeeded?: boolean;
  fill?: number | readonly number[];
  paddingMode?: PaddingMode;
}

export class RandomCrop implements Transform {
  readonly size: [number, number];

  constructor(readonly options: RandomCropOptions) {
    const s = options?.size;
    this.size = typeof s === 'number' ? [s, s] : s?.length === 1 ? [s[0], s[0]] : [s?.[0], s?.[1]] as [number, number];
    if (this.size.some((v) => !Number.isInteger(v) || v < 1)) throw new RangeError(`RandomCrop: size must be a positive integer or [height, width], got ${JSON.stringify(s)}`);
  }

  apply(img: Tensor): Tensor {
    const { fill, paddingMode: mode } = this.options;
    if (this.options.padding !== undefined) img = pad(img, this.options.padding, { fill, mode });
    let { h, w } = imageDims(img, 'RandomCrop');
    const [th, tw] = this.size;
    if (this.options.padIfNeeded && w < tw) img = pad(img, [tw - w, 0], { fill, mode });
    if (this.options.padIfNeeded && h < th) img = pad(img, [0, th - h], { fill, mode });
    ({ h, w } = imageDims(img, 'RandomCrop'));
    if (h < th || w < tw) throw new RangeError(`RandomCrop: crop size ${th}x${tw} is larger than the (padded) image ${h}x${w}; set padIfNeeded: true or a padding`);
    if (h === th && w === tw) return img;
    const g = generatorOf(this.options);
    const top = g.int(0, h - th + 1);
    const left = g.int(0, w - tw + 1);
    return crop(img, top, left, th, tw);
  }
}

class RandomFlip implements Transform {
  readonly p: number;

  constructor(readonly options: { p?: number } & RandomOptions, private readonly flip: (img: Tensor) => Tensor, op: string) {
    this.p = checkProbability(options.p ?? 0.5, op);
  }

  apply(img: Tensor): Tensor {
    return generatorOf(this.options).uniform() < this.p ? this.flip(img) : img;
  }
}

export class RandomHorizontalFlip extends RandomFlip {
  constructor(options: { p?: number } & RandomOptions = {}) {
    super(options, hflip, 'RandomHorizontalFlip');
  }
}

export class RandomVerticalFlip extends RandomFlip {
  constructor(options: { p?: number } & RandomOptions = {}) {
    super(options, vflip, 'RandomVerticalFlip');
  }
}

interface WarpTransformOptions extends RandomOptions {
  interpolation?: Interpolation;
  /** colour for pixels from outside the image (default 0) */
  fill?: number | readonly number[];
  /** Keras's fill_mode (default 'constant', which uses fill) */
  fillMode?: FillMode;
}

export interface RandomRotationOptions extends WarpTransformOptions {
  /** d (→ [-d, d]) or [min, max], counter-clockwise */
  degrees: number | readonly [number, number];
}

export class RandomRotation implements Transform {
  readonly degrees: [number, number];

  constructor(readonly options: RandomRotationOptions) {
    this.degrees = rangeOf(options?.degrees, 'RandomRotation', 'degrees');
  }

  apply(img: Tensor): Tensor {
    const angle = uniform(generatorOf(this.options), ...this.degrees);
    const { interpolation, fill = 0, fillMode } = this.options;
    return rotate(img, angle, { interpolation, fill, fillMode });
  }
}

export interface RandomAffineOptions extends WarpTransformOptions {
  /** d (→ [-d, d]) or [min, max], clockwise as torchvision's affine */
  degrees: number | readonly [number, number];
  /** maximum shift as fractions of [width, height] (Keras's width_shift_range / height_shift_range) */
  translate?: readonly [number, number];
  /** [min, max] zoom factor (Keras's zoom_range z is [1 − z, 1 + z]) */
  scale?: readonly [number, number];
  /** degrees: s (x shear in [-s, s]), [min, max] for x, or [xmin, xmax, ymin, ymax] */
  shear?: number | readonly [number, number] | readonly [number, number, number, number];
}

export class RandomAffine implements Transform {
  readonly degrees: [number, number];
  readonly shear: number[] | null;

  constructor(readonly options: RandomAffineOptions) {
    this.degrees = rangeOf(options?.degrees, 'RandomAffine', 'degrees');
    const { translate, scale, shear } = options;
    if (translate && (translate.length !== 2 || translate.some((t) => !(t >= 0 && t <= 1)))) {
      throw new RangeError(`RandomAffine: translate must be [maxDx, maxDy] fractions in [0, 1], got ${JSON.stringify(translate)}`);
    }
    if (scale && (scale.length !== 2 || !(scale[0] > 0 && scale[0] <= scale[1]))) throw new RangeError(`RandomAffine: scale must be [min, max] with 0 < min <= max, got ${JSON.stringify(scale)}`);
    if (shear === undefined) this.shear = null;
    else if (typeof shear === 'number' || shear.length === 2) this.shear = rangeOf(shear as number | [number, number], 'RandomAffine', 'shear');
    else if (shear.length === 4) this.shear = [...rangeOf([shear[0], shear[1]], 'RandomAffine', 'shear'), ...rangeOf([shear[2], shear[3]], 'RandomAffine', 'shear')];
    else throw new RangeError(`RandomAffine: shear must be a number, [min, max] or [xmin, xmax, ymin, ymax], got ${JSON.stringify(shear)}`);
  }

  apply(img: Tensor): Tensor {
    const { h, w } = imageDims(img, 'RandomAffine');
    const g = generatorOf(this.options);
    const angle = uniform(g, ...this.degrees);
    const t = this.options.translate;
    const translate: [number, number] = t ? [roundHalfEven(uniform(g, -t[0] * w, t[0] * w)), roundHalfEven(uniform(g, -t[1] * h, t[1] * h))] : [0, 0];
    const scale = this.options.scale ? uniform(g, this.options.scale[0], this.options.scale[1]) : 1;
    const shear: [number, number] = [0, 0];
    if (this.shear) {
      shear[0] = uniform(g, this.shear[0], this.shear[1]);
      if (this.shear.length === 4) shear[1] = uniform(g, this.shear[2], this.shear[3]);
    }
    const { interpolation, fill = 0, fillMode } = this.options;
    return affine(img, { angle, translate, scale, shear }, { interpolation, fill, fillMode });
  }
}

export interface RandomPerspectiveOptions extends WarpTransformOptions {
  /** how far corners may move, as a fraction of half the side (default 0.5) */
  distortionScale?: number;
  /** probability of applying (default 0.5) */
  p?: number;
}

export class RandomPerspective implements Transform {
  readonly p: number;
  readonly distortionScale: number;

  constructor(readonly options: RandomPerspectiveOptions = {}) {
    this.p = checkProbability(options.p ?? 0.5, 'RandomPerspective');
    this.distortionScale = options.distortionScale ?? 0.5;
    if (!(this.distortionScale >= 0 && this.distortionScale <= 1)) throw new RangeError(`RandomPerspective: distortionScale must be in [0, 1], got ${this.distortionScale}`);
  }

  /** torchvision's RandomPerspective.get_params: each corner moves inwards by up to distortionScale · half the side. */
  static getParams(width: number, height: number, distortionScale: number, g: import('../../engine/index.js').Generator): { startPoints: Point[]; endPoints: Point[] } {
    const hw = Math.floor(distortionScale * Math.floor(width / 2));
    const hh = Math.floor(distortionScale * Math.floor(height / 2));
    const topLeft: Point = [g.int(0, hw + 1), g.int(0, hh + 1)];
    const topRight: Point = [g.int(width - hw - 1, width), g.int(0, hh + 1)];
    const bottomRight: Point = [g.int(width - hw - 1, width), g.int(height - hh - 1, height)];
    const bottomLeft: Point = [g.int(0, hw + 1), g.int(height - hh - 1, height)];
    const startPoints: Point[] = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]];
    return { startPoints, endPoints: [topLeft, topRight, bottomRight, bottomLeft] };
  }

  apply(img: Tensor): Tensor {
    const g = generatorOf(this.options);
    if (!(g.uniform() < this.p)) return img;
    const { h, w } = imageDims(img, 'RandomPerspective');
    const { startPoints, endPoints } = RandomPerspective.getParams(w, h, this.distortionScale, g);
    const { interpolation, fill = 0, fillMode } = this.options;
    try {
      return perspective(img, startPoints, endPoints, { interpolation, fill, fillMode });
    } catch (e) {
      // On small images the drawn corners can admit no perspective map (torchvision's lstsq raises
      // then too); a random augmentation should not stop a training run, so the image passes unchanged.
      if (e instanceof RangeError && /degenerate/.test(e.message)) return img;
      throw e;
    }
  }
}
