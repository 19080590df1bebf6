// Deterministic transforms: conversion, normalisation, resizing, cropping, padding, grey.

import { parseArgs, type PyArgs, type Tensor } from '../../engine/index.js';
import { normalize, toTensor, type RawImage } from '../functional/convert.js';
import { centerCrop, pad, paddingLTRB, resize, resizedSize, resizeToSquare, type Interpolation, type Padding, type PaddingMode, type Size } from '../functional/geometry.js';
import { rgbToGrayscale } from '../functional/color.js';
import type { Transform } from './transform.js';

/** HWC uint8 pixels → CHW float in [0, 1]. */
export class ToTensor implements Transform<RawImage | Tensor, Tensor> {
  constructor(...args: []) {
    parseArgs('ToTensor', args, {});
  }

  apply(pixels: RawImage | Tensor): Tensor {
    return toTensor(pixels);
  }
}

export interface NormalizeOptions {
  mean: readonly number[];
  std: readonly number[];
  inplace?: boolean;
}

export class Normalize implements Transform {
  readonly mean: number[];
  readonly std: number[];

  /** `(mean, std, inplace?)` as torchvision, or `({ mean, std })`. inplace is accepted; a new tensor is returned either way. */
  constructor(...args: [options: NormalizeOptions] | PyArgs<[mean: readonly number[], std: readonly number[]], [inplace: boolean | undefined], Partial<NormalizeOptions>>) {
    const options = parseArgs('Normalize', args, { mean: 'array', std: 'array', inplace: 'boolean' }) as unknown as NormalizeOptions;
    if (!Array.isArray(options.mean) || !Array.isArray(options.std) || options.mean.length !== options.std.length) {
      throw new RangeError(`Normalize: expected { mean, std } as lists of one number per channel, of equal length, got ${JSON.stringify(options)}`);
    }
    this.mean = [...options.mean];
    this.std = [...options.std];
  }

  apply(img: Tensor): Tensor {
    return normalize(img, this.mean, this.std);
  }
}

export interface ResizeOptions {
  /** [height, width], or one number: the shorter side becomes size, the longer keeps the aspect ratio (floor), as torchvision */
  size: Size;
  interpolation?: Interpolation;
  maxSize?: number | null;
  /** torchvision 0.14's default on tensors (null/false: no antialiasing); true is not supported */
  antialias?: boolean | null;
}

export class Resize implements Transform {
  readonly options: { size: Size; interpolation?: Interpolation; maxSize?: number };

  /** `(size, interpolation?, maxSize?, antialias?)` as torchvision, or `({ size, … })`. */
  constructor(...args: [options: ResizeOptions] | PyArgs<[size: Size], [interpolation: Interpolation | undefined, maxSize: number | null | undefined, antialias: boolean | null | undefined], Partial<ResizeOptions>>) {
    const { antialias, maxSize, ...rest } = parseArgs('Resize', args, { size: 'integer|array', interpolation: 'string', maxSize: 'integer|null', antialias: 'boolean|null' }) as unknown as ResizeOptions;
    if (antialias === true) throw new RangeError('Resize: antialias true is not supported (typegrad resizes tensors as torchvision 0.14 does by default: no antialiasing)');
    this.options = maxSize === null || maxSize === undefined ? rest : { ...rest, maxSize };
    const options = this.options;
    // fail at construction, naming the transform, rather than at the first image
    try {
      resizedSize(1, 1, options.size, options.maxSize);
    } catch (e) {
      throw new RangeError(`Resize: ${(e as Error).message.replace(/^resize: /, '')}`);
    }
  }

  apply(img: Tensor): Tensor {
    return resize(img, this.options.size, this.options);
  }
}

export class CenterCrop implements Transform {
  readonly options: { size: Size };

  /** `(size)` as torchvision, or `({ size })`. */
  constructor(...args: [size: Size] | [options: { size: Size }]) {
    this.options = parseArgs('CenterCrop', args, { size: 'integer|array' }) as { size: Size };
    const s = this.options.size;
    const sizes = typeof s === 'number' ? [s] : Array.isArray(s) ? s : [NaN];
    if (sizes.length < 1 || sizes.length > 2 || sizes.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new RangeError(`CenterCrop: size must be a positive integer or [height, width], got ${JSON.stringify(s)}`);
    }
  }

  apply(img: Tensor): Tensor {
    return centerCrop(img, this.options.size);
  }
}

export interface PadOptions {
  padding: Padding;
  fill?: number | readonly number[];
  paddingMode?: PaddingMode;
}

export class Pad implements Transform {
  readonly options: PadOptions;

  /** `(padding, fill?, paddingMode?)` as torchvision, or `({ padding, … })`. */
  constructor(...args: [options: PadOptions] | PyArgs<[padding: Padding], [fill: number | readonly number[] | undefined, paddingMode: PaddingMode | undefined], Partial<PadOptions>>) {
    this.options = parseArgs('Pad', args, { padding: 'integer|array', fill: 'number|array', paddingMode: 'string' }) as unknown as PadOptions;
    paddingLTRB(this.options.padding, 'Pad');
  }

  apply(img: Tensor): Tensor {
    return pad(img, this.options.padding, { fill: this.options.fill, mode: this.options.paddingMode });
  }
}

/** Pad to a square (image centred), then resize to size x size: the dog-breed lab's custom transform. */
export interface ResizeToSquareOptions {
  size: number;
  fill?: number | readonly number[];
  interpolation?: Interpolation;
}

export class ResizeToSquare implements Transform {
  readonly options: ResizeToSquareOptions;

  /** `(size, fill?, interpolation?)` or `({ size, … })`. */
  constructor(...args: [options: ResizeToSquareOptions] | PyArgs<[size: number], [fill: number | readonly number[] | undefined, interpolation: Interpolation | undefined], Partial<ResizeToSquareOptions>>) {
    const options = (this.options = parseArgs('ResizeToSquare', args, { size: 'integer', fill: 'number|array', interpolation: 'string' }) as unknown as ResizeToSquareOptions);
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`ResizeToSquare: size must be a positive integer, got ${options?.size}`);
  }

  apply(img: Tensor): Tensor {
    return resizeToSquare(img, this.options.size, this.options);
  }
}

export class Grayscale implements Transform {
  readonly options: { numOutputChannels?: 1 | 3 };

  /** `(numOutputChannels?)` as torchvision, or `({ numOutputChannels })`. */
  constructor(...args: PyArgs<[], [numOutputChannels: 1 | 3 | undefined], { numOutputChannels?: 1 | 3 }>) {
    this.options = parseArgs('Grayscale', args, { numOutputChannels: 'integer' }) as { numOutputChannels?: 1 | 3 };
    const n = this.options.numOutputChannels;
    if (n !== undefined && n !== 1 && n !== 3) throw new RangeError(`Grayscale: numOutputChannels must be 1 or 3, got ${n}`);
  }

  apply(img: Tensor): Tensor {
    return rgbToGrayscale(img, this.options.numOutputChannels ?? 1);
  }
}
