// How matplotlib's imshow turns values into pixels: RGB floats are clipped to [0, 1]; one channel goes
// through a colormap after scaling vmin..vmax (default: the image's own min and max) to 0..1.

import type { RGB } from './raster.js';

/** matplotlib's 'Blues' (ColorBrewer's nine steps, interpolated). */
const BLUES: RGB[] = [[247, 251, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225], [107, 174, 214], [66, 146, 198], [33, 113, 181], [8, 81, 156], [8, 48, 107]];

export function blues(t: number): RGB {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(BLUES[i][k] + (BLUES[i + 1][k] - BLUES[i][k]) * f)) as unknown as RGB;
}

/** Relative luminance in 0..1, to pick black or white text over a colour. */
export const luminance = (c: RGB) => (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;

export interface ImshowOptions {
  /** for one channel: the values shown black and white (default: the image's min and max) */
  vmin?: number;
  vmax?: number;
}

/** [C, H, W] values (C = 1 or 3) as RGB bytes, as plt.imshow shows them (one channel with cmap='gray'). */
export function imshowPixels(values: ArrayLike<number>, [c, h, w]: readonly number[], o: ImshowOptions = {}): Uint8Array {
  const n = h * w;
  const out = new Uint8Array(n * 3);
  if (c === 3) {
    for (let p = 0; p < n; p++) for (let k = 0; k < 3; k++) out[p * 3 + k] = Math.round(255 * Math.min(1, Math.max(0, values[k * n + p] || 0)));
    return out;
  }
  if (c !== 1) throw new RangeError(`imshow: expected 1 or 3 channels, got ${c}`);
  let [lo, hi] = [Infinity, -Infinity];
  for (let p = 0; p < n; p++) if (Number.isFinite(values[p])) (lo = Math.min(lo, values[p])), (hi = Math.max(hi, values[p]));
  lo = o.vmin ?? lo;
  hi = o.vmax ?? hi;
  for (let p = 0; p < n; p++) {
    const t = hi > lo ? (values[p] - lo) / (hi - lo) : 0;
    const level = Math.min(255, Math.max(0, Math.floor((Number.isFinite(t) ? t : 0) * 256))); // the 256-entry lookup table
    out.fill(level, p * 3, p * 3 + 3);
  }
  return out;
}
