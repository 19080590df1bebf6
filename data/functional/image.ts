// What an image is here: a CHW float tensor (or a batch [..., C, H, W], processed image by image), and
// the checks every functional op runs on it so a wrong input fails with the op's name and the shape.

import { Tensor } from '../../engine/index.js';

export interface ImageDims {
  /** images in the batch (the product of the leading dims; 1 for a single CHW image) */
  n: number;
  c: number;
  h: number;
  w: number;
}

export function imageDims(img: Tensor, op: string): ImageDims {
  if (!(img instanceof Tensor)) throw new TypeError(`${op}: expected an image tensor [C, H, W] (make one with toTensor), got ${img === null ? 'null' : typeof img}`);
  if (img.ndim < 3) throw new RangeError(`${op}: expected an image tensor [C, H, W] or a batch [..., C, H, W], got shape [${img.shape}]`);
  const [c, h, w] = img.shape.slice(-3);
  return { n: img.size / (c * h * w || 1), c, h, w };
}

/** Runs `fn` on each CHW image of a (possibly batched) tensor and reassembles the batch. */
export function eachImage(img: Tensor, op: string, fn: (data: Float32Array, dims: ImageDims) => { data: Float32Array; c: number; h: number; w: number }): Tensor {
  const dims = imageDims(img, op);
  const per = dims.c * dims.h * dims.w;
  const parts: Float32Array[] = [];
  let out = { c: dims.c, h: dims.h, w: dims.w };
  for (let k = 0; k < dims.n; k++) {
    const r = fn(img.data.subarray(k * per, (k + 1) * per), dims);
    parts.push(r.data);
    out = r;
  }
  const data = parts.length === 1 ? parts[0] : new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  if (parts.length !== 1) parts.reduce((offset, p) => (data.set(p, offset), offset + p.length), 0);
  return new Tensor(data, [...img.shape.slice(0, -3), out.c, out.h, out.w]);
}

/** A per-channel value (fill colour, mean, std) from a number or a list of 1 or C numbers. */
export function perChannel(value: number | readonly number[], c: number, op: string, what: string): number[] {
  const v = typeof value === 'number' ? [value] : [...value];
  if (v.length === 1) return Array(c).fill(v[0]);
  if (v.length !== c || v.some((x) => typeof x !== 'number' || Number.isNaN(x))) {
    throw new RangeError(`${op}: ${what} needs 1 or ${c} numbers (one per channel), got ${JSON.stringify(value)}`);
  }
  return v;
}

/** Python's round(): halves go to the even neighbour (torchvision's crop arithmetic uses it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
