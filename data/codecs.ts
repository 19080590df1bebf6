// Image files ↔ pixels. In Node, JPEG through jpeg-js and PNG through pngjs: pure JS, so `npm install`
// needs no native build and the same decoder runs in workers. Measured on a 500x375 photo (this machine):
// jpeg-js 14 ms, sharp (libvips, 19 MB native binaries, async only) 3.4 ms, PIL 1.4 ms; pngjs decode 6.8
// ms vs sharp 4.2 ms. The gap is closed where it matters by decoding on worker threads (DataLoader's
// `workers`). jpeg-js repeats chroma samples where libjpeg interpolates them, so 4:2:0 JPEGs differ from
// PIL's pixels by a few levels at colour edges (4:4:4 ones only by IDCT rounding, <= 3 levels).
// In a browser, decodeImageAsync uses createImageBitmap + OffscreenCanvas. Every failure names the file.
// Decoding is bounded and strict (decode-core.ts): the size a header declares is checked against
// `maxPixels` (default DEFAULT_MAX_PIXELS = 2^28) before anything is allocated, and a PNG is decoded only
// once its chunk stream, CRCs and image data size are known to be good; damaged files are refused.

import { checkPixels, declaredSize, decodeCore, type CoreDeps } from './decode-core.js';
import type { RawImage } from './functional/convert.js';
import { nodeBuiltin, nodeRequire } from './node-modules.js';

/**
 * The default limit on an image's declared width x height: 2^28 = 268,435,456 pixels (16384 x 16384;
 * 1 GiB as RGBA, 3 GiB as a float32 RGB tensor). PIL refuses more than 2 x 89,478,485 by default.
 */
export const DEFAULT_MAX_PIXELS = 2 ** 28;

/** PIL's modes: 'RGB' (alpha dropped, grey repeated), 'L' (grey by ITU-R 601-2 luma), 'RGBA'. */
export type ImageMode = 'RGB' | 'L' | 'RGBA';

export interface DecodeOptions {
  mode?: ImageMode;
  /** the file's name, for error messages */
  name?: string;
  /** refuse images whose header declares more pixels than this (default DEFAULT_MAX_PIXELS = 2^28) */
  maxPixels?: number;
}

/** Checks a maxPixels option (undefined: the default). */
export function checkMaxPixels(maxPixels: number | undefined, op: string): number {
  if (maxPixels === undefined) return DEFAULT_MAX_PIXELS;
  if (typeof maxPixels !== 'number' || !(maxPixels >= 1)) throw new RangeError(`${op}: maxPixels must be a number >= 1, got ${maxPixels}`);
  return maxPixels;
}

/** The error decodeImage throws for a decodeCore failure (also used for the decode workers' replies). */
export function decodeError(name: string, format: string, message: string, limit: boolean): Error {
  return new Error(limit ? `decodeImage: ${name} ${message}` : `decodeImage: cannot decode ${name} (${format.toUpperCase()}): ${message}`);
}

type Format = 'png' | 'jpeg';

export function sniffFormat(bytes: Uint8Array): Format | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

interface PngJs {
  PNG: {
    sync: {
      write(png: { width: number; height: number; data: Uint8Array }, opts: { colorType: number; inputColorType: number; inputHasAlpha: boolean }): Uint8Array;
    };
    new (opts: { width: number; height: number }): { width: number; height: number; data: Uint8Array };
  };
}

/** Converts RGBA or RGB pixels to the requested mode. */
export function convertMode(img: RawImage, mode: ImageMode): RawImage {
  const c = img.channels ?? img.data.length / (img.width * img.height);
  const want = mode === 'L' ? 1 : mode === 'RGB' ? 3 : 4;
  if (c === want) return { ...img, channels: c };
  const n = img.width * img.height;
  const out = new Uint8Array(n * want);
  const src = img.data;
  for (let p = 0; p < n; p++) {
    const r = src[p * c];
    const g = c >= 3 ? src[p * c + 1] : r;
    const b = c >= 3 ? src[p * c + 2] : r;
    const a = c === 4 ? src[p * c + 3] : c === 2 ? src[p * c + 1] : 255;
    if (want === 1) out[p] = Math.floor((r * 299 + g * 587 + b * 114 + 500) / 1000); // PIL's rounding luma
    else {
      out[p * want] = r;
      out[p * want + 1] = g;
      out[p * want + 2] = b;
      if (want === 4) out[p * want + 3] = a;
    }
  }
  return { data: out, width: img.width, height: img.height, channels: want };
}

/**
 * Decodes PNG or JPEG bytes (Node). Throws `decodeImage: cannot decode <name> (<format>): <reason>` for
 * anything else or a damaged file, and `decodeImage: <name> declares WxH pixels (...), over the limit of
 * ... (maxPixels)` before allocating anything for an image over `maxPixels`.
 */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): RawImage {
  const name = options.name ?? 'image bytes';
  const mode = options.mode ?? 'RGB';
  const maxPixels = checkMaxPixels(options.maxPixels, 'decodeImage');
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeImage: expected the bytes of ${name} as a Uint8Array, got ${typeof bytes}`);
  const format = sniffFormat(bytes);
  if (!format) throw new Error(`decodeImage: cannot decode ${name}: not a PNG or JPEG file (first bytes ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ') || 'none: empty file'})`);
  let raw: RawImage;
  try {
    raw = decodeCore(bytes, maxPixels, coreDeps(), format);
  } catch (e) {
    const limit = (e as { limit?: unknown })?.limit === true;
    throw decodeError(name, format, e instanceof Error ? e.message : `decoder threw ${String(e)}`, limit);
  }
  return convertMode(raw, mode);
}

let deps: CoreDeps | null = null;
function coreDeps(): CoreDeps {
  return (deps ??= {
    zlib: nodeBuiltin<CoreDeps['zlib']>('node:zlib', 'decodeImage'),
    pngjs: nodeRequire<CoreDeps['pngjs']>('pngjs', 'decodeImage'),
    jpeg: nodeRequire<CoreDeps['jpeg']>('jpeg-js', 'decodeImage'),
  });
}

/** Encodes pixels (1, 3 or 4 channels) as an 8-bit PNG (Node). */
export function encodePng(img: RawImage): Uint8Array {
  const c = img.channels ?? img.data.length / (img.width * img.height);
  if (![1, 3, 4].includes(c) || img.data.length !== img.width * img.height * c) {
    throw new RangeError(`encodePng: expected ${img.width}x${img.height} pixels with 1, 3 or 4 channels, got ${img.data.length} bytes`);
  }
  const { PNG } = nodeRequire<PngJs>('pngjs', 'encodePng');
  const png = new PNG({ width: img.width, height: img.height });
  const rgba = convertMode(img, 'RGBA').data;
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length); // pngjs packs from a Buffer
  const bytes = PNG.sync.write(png, { colorType: c === 1 ? 0 : c === 3 ? 2 : 6, inputColorType: 6, inputHasAlpha: true });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Decodes an image anywhere: createImageBitmap + OffscreenCanvas where they exist (browsers, workers),
 * else decodeImage (Node). Both refuse an image declaring more than `maxPixels` before decoding it.
 */
export async function decodeImageAsync(bytes: Uint8Array | Blob, options: DecodeOptions = {}): Promise<RawImage> {
  const g = globalThis as { createImageBitmap?: (b: Blob) => Promise<ImageBitmap>; OffscreenCanvas?: typeof OffscreenCanvas };
  if (typeof g.createImageBitmap === 'function' && typeof g.OffscreenCanvas === 'function') {
    const name = options.name ?? 'image';
    const maxPixels = checkMaxPixels(options.maxPixels, 'decodeImageAsync');
    // the browser decodes whatever it is given: check the declared size first, as decodeImage does
    const size = declaredSize(bytes instanceof Uint8Array ? bytes : new Uint8Array(await bytes.arrayBuffer()));
    try {
      if (size) checkPixels(size.w, size.h, maxPixels);
    } catch (e) {
      throw new Error(`decodeImageAsync: ${name} ${(e as Error).message}`);
    }
    let bitmap: ImageBitmap;
    try {
      bitmap = await g.createImageBitmap(bytes instanceof Blob ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]));
    } catch (e) {
      throw new Error(`decodeImageAsync: cannot decode ${name}: ${(e as Error).message}`);
    }
    const canvas = new g.OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return convertMode({ data: new Uint8Array(data.data.buffer), width: data.width, height: data.height, channels: 4 }, options.mode ?? 'RGB');
  }
  return decodeImage(bytes instanceof Uint8Array ? bytes : new Uint8Array(await bytes.arrayBuffer()), options);
}
