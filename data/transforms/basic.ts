// Deterministic transforms: conversion, normalisation, resizing, cropping, padding, grey.

import type { Tensor } from '../../engine/index.js';
import { normalize, toTensor, type RawImage } from '../functional/convert.js';
import { centerCrop, pad, paddingLTRB, resize, resizedSize, resizeToSquare, type Interpolation, type Padding, type PaddingMode, type Size } from '../functional/geometry.js';
import { rgbToGrayscale } from '../functional/color.js';
import type { Transform } from './transform.js';

/** HWC uint8 pixels → CHW float in [0, 1]. */
export class ToTensor implements Transform<RawImage | Tensor, Tensor> {
  apply(pixels: RawImage | Tensor): Tensor {
    return toTensor(pixels);
  }
}

export class Normalize implements Transform {
  readonly mean: number[];
  readonly std: number[];

  constructor(options: { mean: readonly number[]; std: readonly number[] }) {
    if (!options || !Array.isArray(options.mean) || !Array.isArray(options.std) || options.mean.length !== options.std.length) {
      throw new RangeError(`Normalize: expected { mean, std } as lists of one number per channel, of equal length, got ${JSON.stringify(options)}`);
    }
    this.mean = [...options.mean];
    this.std = [...options.std];
  }

  apply(img: Tensor): Tensor {
    return normalize(img, this.mean, this.std);
  }
}

export class Resize implements Transform {
  constructor(readonly options: { size: Size; interpolation?: Interpolation; maxSize?: number }) {
    // fail at construction, naming the transform, rather than at the first image
    try {
      resizedSize(1, 1, options?.size, options?.maxSize);
    } catch (e) {
      throw new RangeError(`Resize: ${(e as Error).message.replace(/^resize: /, '')}`);
    }
  }

  apply(img: Tensor): Tensor {
    return resize(img, this.options.size, this.options);
  }
}

export class CenterCrop implements Transform {
  constructor(readonly options: { size: Size }) {
    const s = options?.size;
    const sizes = typeof s === 'number' ? [s] : Array.isArray(s) ? s : [NaN];
    if (sizes.length < 1 || sizes.length > 2 || sizes.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new RangeError(`CenterCrop: size must be a positive integer or [height, width], got ${JSON.stringify(s)}`);
    }
  }

  apply(img: Tensor): Tensor {
    return centerCrop(img, this.options.size);
  }
}

export class Pad implements Transform {
  constructor(readonly options: { padding: Padding; fill?: number | readonly number[]; paddingMode?: PaddingMode }) {
    paddingLTRB(options?.padding, 'Pad');
  }

  apply(img: Tensor): Tensor {
    return pad(img, this.options.padding, { fill: this.options.fill, mode: this.options.paddingMode });
  }
}

/** Pad to a square (image centred), then resize to size x size: the dog-breed lab's custom transform. */
export class ResizeToSquare implements Transform {
  constructor(readonly options: { size: number; fill?: number | readonly number[]; interpolation?: Interpolation }) {
    if (!Number.isInteger(options?.size) || options.size < 1) throw new RangeError(`ResizeToSquare: size must be a positive integer, got ${options?.size}`);
  }

  apply(img: Tensor): Tensor {
    return resizeToSquare(img, this.options.size, this.options);
  }
}

export class Grayscale implements Transform {
  constructor(readonly options: { numOutputChannels?: 1 | 3 } = {}) {}

  apply(img: Tensor): Tensor {
    return rgbToGrayscale(img, this.options.numOutputChannels ?? 1);
  }
}
