// Resizing, cropping, padding and flipping CHW images, with torchvision's arithmetic for output sizes
// and crop offsets so the same arguments cut the same pixels.

import { Tensor } from '../../engine/index.js';
import { eachImage, imageDims, perChannel, roundHalfEven } from './image.js';

export type Interpolation = 'nearest' | 'bilinear';
/** torchvision's pad modes: edge repeats the border pixel, reflect mirrors without it, symmetric with it. */
export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';
/** Keras's fill_mode names for pixels a warp pulls from outside the image (reflect there = symmetric here). */
export type FillMode = 'constant' | 'nearest' | 'reflect' | 'wrap';

/** An int (the shorter side, keeping the aspect ratio) or [height, width]. */
export type Size = number | readonly [number] | readonly [number, number];

/** Output [height, width] of resizing an h x w image to `size`, as torchvision's _compute_resized_output_size. */
export function resizedSize(h: number, w: number, size: Size, maxSize?: number): [number, number] {
  const s = typeof size === 'number' ? [size] : [...size];
  if (!(s.length === 1 || s.length === 2) || s.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new RangeError(`resize: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  if (s.length === 2) {
    if (maxSize !== undefined) throw new RangeError('resize: maxSize is only allowed when size is a single number (the shorter side)');
    return [s[0], s[1]];
  }
  const [short, long] = w <= h ? [w, h] : [h, w];
  let [newShort, newLong] = [s[0], Math.floor((s[0] * long) / short)];
  if (maxSize !== undefined) {
    if (maxSize <= s[0]) throw new RangeError(`resize: maxSize (${maxSize}) must be larger than size (${s[0]})`);
    if (newLong > maxSize) [newShort, newLong] = [Math.floor((maxSize * newShort) / newLong), maxSize];
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

/** Where each output index reads in the input (bilinear, align_corners=False as F.interpolate). */
function linearTaps(inSize: number, outSize: number) {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, (o + 0.5) * scale - 0.5);
    i0[o] = Math.min(Math.floor(src), inSize - 1);
    i1[o] = Math.min(i0[o] + 1, inSize - 1);
    frac[o] = src - i0[o];
  }
  return { i0, i1, frac };
}

/**
 * Resizes to `size` (see resizedSize) with bilinear or nearest interpolation and no antialiasing,
 * like torchvision on tensors with antialias=False (PIL images would be antialiased when shrinking).
 */
export function resize(img: Tensor, size: Size, options: { interpolation?: Interpolation; maxSize?: number } = {}): Tensor {
  const { h, w } = imageDims(img, 'resize');
  const [oh, ow] = resizedSize(h, w, size, options.maxSize);
  const mode = options.interpolation ?? 'bilinear';
  if (mode !== 'bilinear' && mode !== 'nearest') throw new RangeError(`resize: interpolation must be 'bilinear' or 'nearest', got '${mode}'`);
  if (oh === h && ow === w) return img;
  return eachImage(img, 'resize', (src, { c }) => {
    const out = new Float32Array(c * oh * ow);
    if (mode === 'nearest') {
      // PyTorch's legacy 'nearest': floor(o * in / out)
      const ys = Int32Array.from({ length: oh }, (_, o) => Math.min(Math.floor(o * (h / oh)), h - 1));
      const xs = Int32Array.from({ length: ow }, (_, o) => Math.min(Math.floor(o * (w / ow)), w - 1));
      for (let k = 0; k < c; k++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) out[(k * oh + y) * ow + x] = src[(k * h + ys[y]) * w + xs[x]];
      return { data: out, c, h: oh, w: ow };
    }
    const ty = linearTaps(h, oh);
    const tx = linearTaps(w, ow);
    for (let k = 0; k < c; k++) {
      const base = k * h * w;
      for (let y = 0; y < oh; y++) {
        const r0 = base + ty.i0[y] * w;
        const r1 = base + ty.i1[y] * w;
        const fy = ty.frac[y];
        for (let x = 0; x < ow; x++) {
          const fx = tx.frac[x];
          const top = src[r0 + tx.i0[x]] * (1 - fx) + src[r0 + tx.i1[x]] * fx;
          const bottom = src[r1 + tx.i0[x]] * (1 - fx) + src[r1 + tx.i1[x]] * fx;
          out[(k * oh + y) * ow + x] = top * (1 - fy) + bottom * fy;
        }
      }
    }
    return { data: out, c, h: oh, w: ow };
  });
}

/** The `height` x `width` window at (top, left); parts outside the image are 0, as torchvision's crop. */
export function crop(img: Tensor, top: number, left: number, height: number, width: number): Tensor {
  if (![top, left, height, width].every(Number.isInteger) || height < 1 || width < 1) {
    throw new RangeError(`crop: expected integer top, left and positive integer height, width, got top=${top}, left=${left}, height=${height}, width=${width}`);
  }
  return eachImage(img, 'crop', (src, { c, h, w }) => {
    const out = new Float32Array(c * height * width);
    for (let k = 0; k < c; k++) {
      for (let y = 0; y < height; y++) {
        const sy = top + y;
        if (sy < 0 || sy >= h) continue;
        for (let x = 0; x < width; x++) {
          const sx = left + x;
          if (sx >= 0 && sx < w) out[(k * height + y) * width + x] = src[(k * h + sy) * w + sx];
        }
      }
    }
    return { data: out, c, h: height, w: width };
  });
}

function pairSize(size: Size, op: string): [number, number] {
  const s = typeof size === 'number' ? [size, size] : size.length === 1 ? [size[0], size[0]] : [size[0], size[1]];
  if (s.some((v) => !Number.isInteger(v) || v < 1)) throw new RangeError(`${op}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  return s as [number, number];
}

/** The central `size` window; offsets round half to even as torchvision's int(round((h - th) / 2)). Smaller images are zero-padded first. */
export function centerCrop(img: Tensor, size: Size): Tensor {
  const { h, w } = imageDims(img, 'centerCrop');
  const [th, tw] = pairSize(size, 'centerCrop');
  if (th > h || tw > w) {
    // torchvision pads (left, top, right, bottom) then crops the padded image
    const l = tw > w ? Math.floor((tw - w) / 2) : 0;
    const t = th > h ? Math.floor((th - h) / 2) : 0;
    const r = tw > w ? Math.floor((tw - w + 1) / 2) : 0;
    const b = th > h ? Math.floor((th - h + 1) / 2) : 0;
    return centerCrop(pad(img, [l, t, r, b]), [th, tw]);
  }
  return crop(img, roundHalfEven((h - th) / 2), roundHalfEven((w - tw) / 2), th, tw);
}

/** The input index a (possibly out-of-range) index i reads under a fill mode; -1 means "use the fill value". */
export function foldIndex(i: number, n: number, mode: PaddingMode | FillMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'reflect': // mirror without repeating the edge: period 2n − 2
      if (n === 1) return 0;
      i = ((i % (2 * n - 2)) + (2 * n - 2)) % (2 * n - 2);
      return i < n ? i : 2 * n - 2 - i;
    case 'symmetric': // mirror repeating the edge: period 2n
      i = ((i % (2 * n)) + 2 * n) % (2 * n);
      return i < n ? i : 2 * n - 1 - i;
    default:
      throw new RangeError(`unknown padding mode '${mode as string}'`);
  }
}

/** torchvision's padding argument: p (all sides), [leftRight, topBottom] or [left, top, right, bottom]. */
export type Padding = number | readonly [number] | readonly [number, number] | readonly [number, number, number, number];

export function paddingLTRB(padding: Padding, op: string): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : [...padding];
  const ltrb = p.length === 1 ? [p[0], p[0], p[0], p[0]] : p.length === 2 ? [p[0], p[1], p[0], p[1]] : p.length === 4 ? p : null;
  if (!ltrb || ltrb.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new RangeError(`${op}: padding must be a non-negative integer, [leftRight, topBottom] or [left, top, right, bottom], got ${JSON.stringify(padding)}`);
  }
  return ltrb as [number, number, number, number];
}

/** Pads the borders (torchvision's F.pad): constant `fill`, or edge / reflect / symmetric copies of the image. */
export function pad(img: Tensor, padding: Padding, options: { fill?: number | readonly number[]; mode?: PaddingMode } = {}): Tensor {
  const [l, t, r, b] = paddingLTRB(padding, 'pad');
  const mode = options.mode ?? 'constant';
  if (!['constant', 'edge', 'reflect', 'symmetric'].includes(mode)) throw new RangeError(`pad: mode must be 'constant', 'edge', 'reflect' or 'symmetric', got '${mode}'`);
  const { h, w } = imageDims(img, 'pad');
  if (mode === 'reflect' && (Math.max(l, r) >= w || Math.max(t, b) >= h)) {
    throw new RangeError(`pad: reflect padding must be smaller than the image side (image ${h}x${w}, padding [${l}, ${t}, ${r}, ${b}])`);
  }
  const oh = h + t + b;
  const ow = w + l + r;
  return eachImage(img, 'pad', (src, { c }) => {
    const fill = perChannel(options.fill ?? 0, c, 'pad', 'fill');
    const ys = Int32Array.from({ length: oh }, (_, y) => foldIndex(y - t, h, mode));
    const xs = Int32Array.from({ length: ow }, (_, x) => foldIndex(x - l, w, mode));
    const out = new Float32Array(c * oh * ow);
    for (let k = 0; k < c; k++) {
      for (let y = 0; y < oh; y++) {
        const o = (k * oh + y) * ow;
        if (ys[y] < 0) {
          out.fill(fill[k], o, o + ow);
          continue;
        }
        const row = (k * h + ys[y]) * w;
        for (let x = 0; x < l; x++) out[o + x] = xs[x] < 0 ? fill[k] : src[row + xs[x]];
        out.set(src.subarray(row, row + w), o + l); // the image itself: a straight copy
        for (let x = l + w; x < ow; x++) out[o + x] = xs[x] < 0 ? fill[k] : src[row + xs[x]];
      }
    }
    return { data: out, c, h: oh, w: ow };
  });
}

function flip(img: Tensor, op: string, horizontal: boolean): Tensor {
  return eachImage(img, op, (src, { c, h, w }) => {
    const out = new Float32Array(src.length);
    for (let k = 0; k < c; k++) {
      for (let y = 0; y < h; y++) {
        const o = (k * h + y) * w;
        if (!horizontal) {
          out.set(src.subarray((k * h + h - 1 - y) * w, (k * h + h - y) * w), o);
          continue;
        }
        for (let x = 0, r = o + w - 1; x < w; x++, r--) out[o + x] = src[r];
      }
    }
    return { data: out, c, h, w };
  });
}

/** Mirror left ↔ right. */
export function hflip(img: Tensor): Tensor {
  return flip(img, 'hflip', true);
}

/** Mirror top ↔ bottom. */
export function vflip(img: Tensor): Tensor {
  return flip(img, 'vflip', false);
}

/**
 * Pads to a square with `fill` (the image centred, the odd pixel right/bottom) then resizes to size x size:
 * the dog-breed lab's ResizeToSquare, which keeps the aspect ratio instead of stretching.
 */
export function resizeToSquare(img: Tensor, size: number, options: { fill?: number | readonly number[]; interpolation?: Interpolation } = {}): Tensor {
  const { h, w } = imageDims(img, 'resizeToSquare');
  const side = Math.max(h, w);
  const left = Math.floor((side - w) / 2);
  const top = Math.floor((side - h) / 2);
  const square = side === h && side === w ? img : pad(img, [left, top, side - w - left, side - h - top], { fill: options.fill ?? 0 });
  return resize(square, [size, size], { interpolation: options.interpolation });
}
