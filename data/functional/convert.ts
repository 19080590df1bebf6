// Between pixel buffers (HWC uint8, as decoders and canvases give them) and CHW float tensors in [0, 1].

import { Tensor } from '../../engine/index.js';
import { eachImage, perChannel } from './image.js';

/** Pixels as decoders, canvases (ImageData) and files hold them: row-major HWC, `channels` per pixel. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA); inferred from the data length when omitted */
  channels?: number;
}

function rawChannels(pixels: RawImage, op: string): number {
  const { data, width, height } = pixels;
  if (!data || !Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new TypeError(`${op}: expected pixels { data, width, height[, channels] } with positive integer width and height, got width=${width}, height=${height}`);
  }
  const c = pixels.channels ?? data.length / (width * height);
  if (![1, 2, 3, 4].includes(c) || data.length !== width * height * c) {
    throw new RangeError(`${op}: ${data.length} bytes do not make a ${width}x${height} image with ${pixels.channels ?? '1, 2, 3 or 4'} channels`);
  }
  return c;
}

/** HWC uint8 pixels → CHW float32 tensor in [0, 1] (torchvision's to_tensor). A tensor passes through. */
export function toTensor(pixels: RawImage | Tensor): Tensor {
  if (pixels instanceof Tensor) return pixels;
  const c = rawChannels(pixels, 'toTensor');
  const { data, width: w, height: h } = pixels;
  const out = new Float32Array(c * h * w);
  const plane = h * w;
  for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[k * plane + p] = data[p * c + k] / 255;
  return new Tensor(out, [c, h, w]);
}

/**
 * CHW float tensor in [0, 1] → HWC uint8 pixels, rounding and clamping as torchvision's save_image
 * (to_pil_image truncates instead; rounding keeps a decode → encode round trip exact).
 */
export function toPixels(img: Tensor): RawImage {
  if (!(img instanceof Tensor) || img.ndim !== 3) throw new RangeError(`toPixels: expected one image tensor [C, H, W], got ${img instanceof Tensor ? `shape [${img.shape}]` : typeof img}`);
  const [c, h, w] = img.shape;
  if (c < 1 || c > 4) throw new RangeError(`toPixels: expected 1 to 4 channels, got ${c} (shape [${img.shape}])`);
  const out = new Uint8Array(c * h * w);
  const plane = h * w;
  const src = img.data;
  for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[p * c + k] = Math.min(255, Math.max(0, Math.floor(src[k * plane + p] * 255 + 0.5)));
  return { data: out, width: w, height: h, channels: c };
}

/** (x − mean[c]) / std[c] per channel (torchvision's normalize). */
export function normalize(img: Tensor, mean: number | readonly number[], std: number | readonly number[]): Tensor {
  return eachImage(img, 'normalize', (src, { c, h, w }) => {
    const m = perChannel(mean, c, 'normalize', 'mean');
    const s = perChannel(std, c, 'normalize', 'std');
    if (s.some((v) => v === 0)) throw new RangeError(`normalize: std must not contain 0 (division by zero), got ${JSON.stringify(std)}`);
    const out = new Float32Array(src.length);
    const plane = h * w;
    for (let k = 0; k < c; k++) for (let p = 0; p < plane; p++) out[k * plane + p] = (src[k * plane + p] - m[k]) / s[k];
    return { data: out, c, h, w };
  });
}
