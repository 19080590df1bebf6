// Random geometric augmentation: crops, flips, rotations, affine warps and perspective, each drawing its
// parameters with torchvision's distributions from a seedable generator, then calling the functional op.
// On a batch [N, C, H, W] one draw applies to the whole batch, as torchvision does on batched tensors.

import { parseArgs, type PyArgs, type Tensor } from '../../engine/index.js';
import { crop, hflip, pad, resize, vflip, type FillMode, type Interpolation, type Padding, type PaddingMode, type Size } from '../functional/geometry.js';
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

export type RandomCropArgs =
  | [options: RandomCropOptions]
  | PyArgs<[size: Size], [padding: Padding | null | undefined, padIfNeeded: boolean | undefined, fill: number | readonly number[] | undefined, paddingMode: PaddingMode | undefined], Partial<RandomCropOptions>>;

/** Turns torchvision's None (null) into "left out". */
function noNulls<T>(o: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as T;
}

export class RandomCrop implements Transform {
  readonly size: [number, number];
  readonly options: RandomCropOptions;

  /** `(size, padding?, padIfNeeded?, fill?, paddingMode?)` as torchvision, or `({ size, … })`. */
  constructor(...args: RandomCropArgs) {
    const options = (this.options = noNulls<RandomCropOptions>(
      parseArgs('RandomCrop', args, { size: 'integer|array', padding: 'integer|array|null', padIfNeeded: 'boolean', fill: 'number|array', paddingMode: 'string' }, ['generator']),
    ));
    const s = options.size;
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

  readonly options: { p?: number } & RandomOptions;

  constructor(args: readonly unknown[], private readonly flip: (img: Tensor) => Tensor, op: string) {
    this.options = parseArgs(op, args, { p: 'number' }, ['generator']) as { p?: number } & RandomOptions;
    this.p = checkProbability(this.options.p ?? 0.5, op);
  }

  apply(img: Tensor): Tensor {
    return generatorOf(this.options).uniform() < this.p ? this.flip(img) : img;
  }
}

export class RandomHorizontalFlip extends RandomFlip {
  /** `(p?)` as torchvision, or `({ p, generator })`. */
  constructor(...args: PyArgs<[], [p: number | undefined], { p?: number } & RandomOptions>) {
    super(args, hflip, 'RandomHorizontalFlip');
  }
}

export class RandomVerticalFlip extends RandomFlip {
  /** `(p?)` as torchvision, or `({ p, generator })`. */
  constructor(...args: PyArgs<[], [p: number | undefined], { p?: number } & RandomOptions>) {
    super(args, vflip, 'RandomVerticalFlip');
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

/** torchvision's RandomRotation(degrees, interpolation, expand, center, fill): only expand false and center null are supported. */
export type RandomRotationArgs =
  | [options: RandomRotationOptions]
  | PyArgs<
      [degrees: number | readonly [number, number]],
      [interpolation: Interpolation | undefined, expand: false | undefined, center: null | undefined, fill: number | readonly number[] | undefined],
      Partial<RandomRotationOptions> & { expand?: false; center?: null }
    >;

function onlyDefault(op: string, name: string, v: unknown, allowed: unknown): void {
  if (v === undefined || v === null || v === allowed) return;
  throw new RangeError(`${op}: ${name} ${JSON.stringify(v)} is not supported (only ${JSON.stringify(allowed)}: the image keeps its size and turns about its centre)`);
}

export class RandomRotation implements Transform {
  readonly degrees: [number, number];
  readonly options: RandomRotationOptions;

  /** `(degrees, interpolation?, expand?, center?, fill?)` as torchvision, or `({ degrees, … })`. */
  constructor(...args: RandomRotationArgs) {
    const { expand, center, ...options } = parseArgs('RandomRotation', args, { degrees: 'number|array', interpolation: 'string', expand: 'boolean', center: 'null|array', fill: 'number|array' }, [
      'fillMode', 'generator',
    ]) as unknown as RandomRotationOptions & { expand?: boolean; center?: null };
    onlyDefault('RandomRotation', 'expand', expand, false);
    onlyDefault('RandomRotation', 'center', center, null);
    this.options = options;
    this.degrees = rangeOf(options.degrees, 'RandomRotation', 'degrees');
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

/** torchvision's RandomAffine(degrees, translate, scale, shear, interpolation, fill); center is keyword-only here and only null. */
export type RandomAffineArgs =
  | [options: RandomAffineOptions]
  | PyArgs<
      [degrees: number | readonly [number, number]],
      [
        translate: readonly [number, number] | null | undefined, scale: readonly [number, number] | null | undefined,
        shear: number | readonly [number, number] | readonly [number, number, number, number] | null | undefined,
        interpolation: Interpolation | undefined, fill: number | readonly number[] | undefined,
      ],
      Partial<RandomAffineOptions> & { center?: null }
    >;

export class RandomAffine implements Transform {
  readonly degrees: [number, number];
  readonly shear: number[] | null;
  readonly options: RandomAffineOptions;

  /** `(degrees, translate?, scale?, shear?, interpolation?, fill?)` as torchvision, or `({ degrees, … })`. */
  constructor(...args: RandomAffineArgs) {
    const { center, ...options } = noNulls<RandomAffineOptions & { center?: unknown }>(
      parseArgs('RandomAffine', args, { degrees: 'number|array', translate: 'array|null', scale: 'array|null', shear: 'number|array|null', interpolation: 'string', fill: 'number|array' }, [
        'center', 'fillMode', 'generator',
      ]),
    );
    onlyDefault('RandomAffine', 'center', center, null);
    this.options = options;
    this.degrees = rangeOf(options.degrees, 'RandomAffine', 'degrees');
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
  readonly options: RandomPerspectiveOptions;

  /** `(distortionScale?, p?, interpolation?, fill?)` as torchvision, or `({ distortionScale, p, … })`. */
  constructor(...args: PyArgs<[], [distortionScale: number | undefined, p: number | undefined, interpolation: Interpolation | undefined, fill: number | readonly number[] | undefined], RandomPerspectiveOptions>) {
    const options = (this.options = parseArgs('RandomPerspective', args, { distortionScale: 'number', p: 'number', interpolation: 'string', fill: 'number|array' }, [
      'fillMode', 'generator',
    ]) as RandomPerspectiveOptions);
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

export interface RandomResizedCropOptions extends RandomOptions {
  /** output [height, width], or one number for a square */
  size: Size;
  /** range of the crop's area as a fraction of the image's (default [0.08, 1]) */
  scale?: readonly [number, number];
  /** range of the crop's aspect ratio w/h, drawn log-uniformly (default [3/4, 4/3]) */
  ratio?: readonly [number, number];
  interpolation?: Interpolation;
  /** torchvision 0.14's default on tensors (null/false: no antialiasing); true is not supported */
  antialias?: boolean | null;
}

/** A random crop of random area and aspect ratio, resized to size: torchvision's RandomResizedCrop (Inception's crop). */
export class RandomResizedCrop implements Transform {
  readonly size: [number, number];
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly options: RandomResizedCropOptions;

  /** `(size, scale?, ratio?, interpolation?, antialias?)` as torchvision, or `({ size, … })`. */
  constructor(
    ...args:
      | [options: RandomResizedCropOptions]
      | PyArgs<
          [size: Size],
          [scale: readonly [number, number] | undefined, ratio: readonly [number, number] | undefined, interpolation: Interpolation | undefined, antialias: boolean | null | undefined],
          Partial<RandomResizedCropOptions>
        >
  ) {
    const op = 'RandomResizedCrop';
    const options = (this.options = parseArgs(op, args, { size: 'integer|array', scale: 'array', ratio: 'array', interpolation: 'string', antialias: 'boolean|null' }, ['generator']) as unknown as RandomResizedCropOptions);
    const s = options.size;
    this.size = typeof s === 'number' ? [s, s] : s?.length === 1 ? [s[0], s[0]] : ([s?.[0], s?.[1]] as [number, number]);
    if (this.size.some((v) => !Number.isInteger(v) || v < 1)) throw new RangeError(`${op}: size must be a positive integer or [height, width], got ${JSON.stringify(s)}`);
    const pairOf = (v: readonly number[] | undefined, dflt: [number, number], name: string): [number, number] => {
      if (v === undefined) return dflt;
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && x > 0) || v[0] > v[1]) {
        throw new RangeError(`${op}: ${name} must be [min, max] with 0 < min <= max, got ${JSON.stringify(v)}`);
      }
      return [v[0], v[1]];
    };
    this.scale = pairOf(options.scale, [0.08, 1], 'scale');
    this.ratio = pairOf(options.ratio, [3 / 4, 4 / 3], 'ratio');
    if (options.antialias === true) throw new RangeError(`${op}: antialias true is not supported (typegrad resizes tensors as torchvision 0.14 does by default: no antialiasing)`);
  }

  /** torchvision's RandomResizedCrop.get_params: [top, left, height, width] of the crop. */
  static getParams(height: number, width: number, scale: readonly [number, number], ratio: readonly [number, number], g: import('../../engine/index.js').Generator): [number, number, number, number] {
    const area = height * width;
    const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = area * uniform(g, scale[0], scale[1]);
      const aspect = Math.exp(uniform(g, logRatio[0], logRatio[1]));
      const w = roundHalfEven(Math.sqrt(targetArea * aspect));
      const h = roundHalfEven(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) return [g.int(0, height - h + 1), g.int(0, width - w + 1), h, w];
    }
    // fallback: a centre crop of the whole image, clipped to the ratio range
    const inRatio = width / height;
    let [w, h] = [width, height];
    if (inRatio < Math.min(...ratio)) h = roundHalfEven(w / Math.min(...ratio));
    else if (inRatio > Math.max(...ratio)) w = roundHalfEven(h * Math.max(...ratio));
    return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
  }

  apply(img: Tensor): Tensor {
    const { h, w } = imageDims(img, 'RandomResizedCrop');
    const [top, left, ch, cw] = RandomResizedCrop.getParams(h, w, this.scale, this.ratio, generatorOf(this.options));
    return resize(crop(img, top, left, ch, cw), this.size, { interpolation: this.options.interpolation });
  }
}
