// torchvision.utils.make_grid and save_image (torchvision 0.14), value for value: the same channel
// expansion (1 channel becomes 3), the same normalisation arithmetic in float32, the same layout of
// `padding` px of `padValue` around and between images, and the same single-image shortcut (one image
// comes back without padding). save_image's rounding is mul(255).add(0.5).clamp(0, 255) then truncate.

import { nodeBuiltin } from '../engine/node.js';
import { Tensor } from '../engine/tensor.js';
import { pngBytes, type Pixels } from './png.js';

export interface MakeGridOptions {
  /** images per row (torchvision's nrow, default 8) */
  nrow?: number;
  /** px between and around images (default 2) */
  padding?: number;
  /** rescale to [0, 1] by the min and max (or valueRange) */
  normalize?: boolean;
  /** [low, high] to normalise by, instead of the data's min and max */
  valueRange?: readonly [number, number];
  /** normalise each image by its own min and max */
  scaleEach?: boolean;
  /** the value of the padding (default 0) */
  padValue?: number;
}

const f32 = Math.fround;

/** torchvision's norm_ip: clamp to [low, high], then (x − low) / max(high − low, 1e-5), in float32. */
function normalizeInPlace(x: Float32Array, low: number, high: number): void {
  const [lo, hi, d] = [f32(low), f32(high), f32(Math.max(high - low, 1e-5))];
  for (let i = 0; i < x.length; i++) x[i] = f32(f32(Math.min(hi, Math.max(lo, x[i])) - lo) / d);
}

function minMax(x: Float32Array): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of x) (lo = v < lo ? v : lo), (hi = v > hi ? v : hi);
  return [lo, hi];
}

/** [B, C, H, W] data from a 4-D tensor, a [C, H, W] or [H, W] tensor, or an array of [C, H, W]. */
function asBatch(images: Tensor | readonly Tensor[]): { data: Float32Array; shape: [number, number, number, number] } {
  if (Array.isArray(images)) {
    const list = images as readonly Tensor[];
    if (list.length === 0) throw new RangeError('makeGrid: expected at least one image, got an empty array');
    const s = list[0].shape;
    if (s.length !== 3) throw new RangeError(`makeGrid: expected an array of [C, H, W] images, got one of shape [${s.join(', ')}]`);
    list.forEach((t, i) => {
      if (t.shape.join() !== s.join()) throw new RangeError(`makeGrid: images must share one shape (as torch.stack): image 0 is [${s.join(', ')}], image ${i} is [${t.shape.join(', ')}]`);
    });
    const data = new Float32Array(list.length * list[0].size);
    list.forEach((t, i) => data.set(t.data, i * t.size));
    return expandGrey(data, [list.length, s[0], s[1], s[2]]);
  }
  const t = images as Tensor;
  if (!(t instanceof Tensor)) throw new TypeError(`makeGrid: expected a Tensor or an array of Tensors, got ${typeof images}`);
  const s = t.shape;
  if (s.length === 2) return expandGrey(t.data, [1, 1, s[0], s[1]]);
  if (s.length === 3) return expandGrey(t.data, [1, s[0], s[1], s[2]]);
  if (s.length === 4) return expandGrey(t.data, [s[0], s[1], s[2], s[3]]);
  throw new RangeError(`makeGrid: expected a [B, C, H, W], [C, H, W] or [H, W] tensor, got shape [${s.join(', ')}]`);
}

/** One channel becomes three (torch.cat((t, t, t), 1)), as torchvision does; other channel counts stay. */
function expandGrey(data: Float32Array, [b, c, h, w]: [number, number, number, number]) {
  if (c !== 1) return { data: data.slice(), shape: [b, c, h, w] as [number, number, number, number] };
  const out = new Float32Array(b * 3 * h * w);
  for (let i = 0; i < b; i++) for (let k = 0; k < 3; k++) out.set(data.subarray(i * h * w, (i + 1) * h * w), (i * 3 + k) * h * w);
  return { data: out, shape: [b, 3, h, w] as [number, number, number, number] };
}

/** torchvision.utils.make_grid: images in rows of `nrow`, as one [C, H', W'] tensor. */
export function makeGrid(images: Tensor | readonly Tensor[], options: MakeGridOptions = {}): Tensor {
  const { nrow = 8, padding = 2, normalize = false, valueRange, scaleEach = false, padValue = 0 } = options;
  if (!(Number.isInteger(nrow) && nrow >= 1)) throw new RangeError(`makeGrid: nrow must be an integer >= 1, got ${nrow}`);
  if (!(Number.isInteger(padding) && padding >= 0)) throw new RangeError(`makeGrid: padding must be an integer >= 0, got ${padding}`);
  if (valueRange !== undefined && !(Array.isArray(valueRange) && valueRange.length === 2)) throw new TypeError('makeGrid: valueRange must be [low, high]');
  const { data, shape } = asBatch(images);
  const [b, c, h, w] = shape;
  if (normalize) {
    const norm = (x: Float32Array) => (valueRange ? normalizeInPlace(x, valueRange[0], valueRange[1]) : normalizeInPlace(x, ...minMax(x)));
    if (scaleEach) for (let i = 0; i < b; i++) norm(data.subarray(i * c * h * w, (i + 1) * c * h * w));
    else norm(data);
  }
  if (b === 1) return new Tensor(data, [c, h, w]);
  const xmaps = Math.min(nrow, b);
  const ymaps = Math.ceil(b / xmaps);
  const [cellH, cellW] = [h + padding, w + padding];
  const [H, W] = [cellH * ymaps + padding, cellW * xmaps + padding];
  const grid = new Float32Array(c * H * W).fill(padValue);
  for (let k = 0; k < b; k++) {
    const [top, left] = [Math.floor(k / xmaps) * cellH + padding, (k % xmaps) * cellW + padding];
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const src = ((k * c + ch) * h + y) * w;
        grid.set(data.subarray(src, src + w), (ch * H + top + y) * W + left);
      }
    }
  }
  return new Tensor(grid, [c, H, W]);
}

/** A [C, H, W] tensor (C = 1, 3 or 4) of values in [0, 1] as 8-bit pixels, rounded as save_image does. */
export function toPixels(t: Tensor): Pixels {
  if (t.ndim !== 3 || ![1, 3, 4].includes(t.shape[0])) throw new RangeError(`toPixels: expected a [C, H, W] tensor with 1, 3 or 4 channels, got shape [${t.shape.join(', ')}]`);
  const [c, h, w] = t.shape;
  const src = t.data;
  const out = new Uint8Array(c * h * w);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h * w; p++) {
      const v = f32(f32(src[ch * h * w + p] * 255) + 0.5);
      out[p * c + ch] = v >= 255 ? 255 : v > 0 ? Math.trunc(v) : 0; // NaN → 0, as the uint8 cast of clamp(NaN)
    }
  }
  return { data: out, width: w, height: h, channels: c as 1 | 3 | 4 };
}

export interface SaveImageOptions extends MakeGridOptions {}

/** PNG bytes of makeGrid(images, options): torchvision.utils.save_image's picture, in a browser too. */
export function encodeImage(images: Tensor | readonly Tensor[], options: SaveImageOptions = {}): Uint8Array {
  return pngBytes(toPixels(makeGrid(images, options)));
}

interface Fs {
  writeFileSync(path: string, data: Uint8Array): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
}

/**
 * torchvision.utils.save_image in Node: makeGrid, then a PNG at `path`, written atomically (a temp file
 * beside it renamed over it, so a reader never sees half a picture). vis/ may import only engine/ and
 * data's codecs, so this is its own small temp + rename rather than io's writeFileAtomic.
 */
export function saveImage(images: Tensor | readonly Tensor[], path: string, options: SaveImageOptions = {}): void {
  writeFileAtomic(path, encodeImage(images, options), 'saveImage');
}

let counter = 0;
/** Writes a temp file beside `path` and renames it over `path` (atomic on POSIX file systems). */
export function writeFileAtomic(path: string, bytes: Uint8Array | string, op: string): void {
  const fs = nodeBuiltin<Fs>('node:fs');
  if (!fs) throw new Error(`${op}: writing files needs Node (>= 20.16); in a browser use tg.vis.encodeImage for the PNG bytes`);
  const pid = (globalThis as unknown as { process: { pid: number } }).process.pid; // in Node, as fs is there
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const tmp = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${pid}.${counter++}.tmp`;
  try {
    fs.writeFileSync(tmp, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
