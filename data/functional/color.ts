// Colour adjustments on CHW float images in [0, 1], with torchvision's formulas (ITU-R 601 luma weights,
// blending with a degenerate image, then clamping to [0, 1]).

import { Tensor } from '../../engine/index.js';
import { eachImage, perChannel } from './image.js';

const f32 = Math.fround;

const cl = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

function luma(src: Float32Array, plane: number): Float32Array {
  const g = new Float32Array(plane);
  for (let p = 0; p < plane; p++) g[p] = 0.2989 * src[p] + 0.587 * src[plane + p] + 0.114 * src[2 * plane + p];
  return g;
}

function requireRgb(c: number, op: string): void {
  if (c !== 3) throw new RangeError(`${op}: expected an RGB image with 3 channels, got ${c}`);
}

/** Grey from RGB (0.2989 R + 0.587 G + 0.114 B), as 1 channel or repeated to 3. A 1-channel image is kept. */
export function rgbToGrayscale(img: Tensor, numOutputChannels: 1 | 3 = 1): Tensor {
  if (numOutputChannels !== 1 && numOutputChannels !== 3) throw new RangeError(`rgbToGrayscale: numOutputChannels must be 1 or 3, got ${numOutputChannels}`);
  return eachImage(img, 'rgbToGrayscale', (src, { c, h, w }) => {
    if (c !== 1) requireRgb(c, 'rgbToGrayscale');
    const plane = h * w;
    const g = c === 1 ? src.slice() : luma(src, plane);
    const out = new Float32Array(numOutputChannels * plane);
    for (let k = 0; k < numOutputChannels; k++) out.set(g, k * plane);
    return { data: out, c: numOutputChannels, h, w };
  });
}

/**
 * ratio · img + (1 − ratio) · other, clamped to [0, 1] (torchvision's _blend), in float32 steps. The
 * degenerate image is a constant (`other` a number) or grey per pixel (`other` the luma plane). `out`
 * may be `src`: each value is read before it is written.
 */
function blend(src: Float32Array, out: Float32Array, c: number, plane: number, ratio: number, other: number | Float32Array): void {
  if (typeof other === 'number') {
    const rest = f32((1 - ratio) * other); // the same for every pixel
    for (let i = 0; i < src.length; i++) {
      const v = f32(f32(ratio * src[i]) + rest);
      out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    return;
  }
  for (let p = 0; p < plane; p++) {
    const rest = f32((1 - ratio) * other[p]); // shared by the pixel's channels
    for (let i = p; i < c * plane; i += plane) {
      const v = f32(f32(ratio * src[i]) + rest);
      out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
}

function checkFactor(factor: number, op: string): void {
  if (!(factor >= 0) || !Number.isFinite(factor)) throw new RangeError(`${op}: factor must be a non-negative number, got ${factor}`);
}

/** One colour adjustment: a brightness, contrast or saturation factor (≥ 0; 1 keeps the image) or a hue shift in turns. */
export interface ColorStep {
  op: 'brightness' | 'contrast' | 'saturation' | 'hue';
  factor: number;
}

// Each adjustment on one CHW image, from src into out (which may be src)
const ADJUST: Record<ColorStep['op'], { check(factor: number): void; run(src: Float32Array, out: Float32Array, c: number, plane: number, factor: number): void }> = {
  brightness: {
    check: (f) => checkFactor(f, 'adjustBrightness'),
    run: (src, out, c, plane, f) => blend(src, out, c, plane, f, 0),
  },
  contrast: {
    check: (f) => checkFactor(f, 'adjustContrast'),
    run: (src, out, c, plane, f) => {
      if (c !== 1) requireRgb(c, 'adjustContrast');
      const g = c === 3 ? luma(src, plane) : src;
      let sum = 0;
      for (let p = 0; p < plane; p++) sum += g[p];
      blend(src, out, c, plane, f, f32(sum / plane));
    },
  },
  saturation: {
    check: (f) => checkFactor(f, 'adjustSaturation'),
    run: (src, out, c, plane, f) => {
      if (c === 1) return out.set(src);
      requireRgb(c, 'adjustSaturation');
      blend(src, out, c, plane, f, luma(src, plane));
    },
  },
  hue: {
    check: (f) => {
      if (!(f >= -0.5 && f <= 0.5)) throw new RangeError(`adjustHue: factor must be in [-0.5, 0.5], got ${f}`);
    },
    run: (src, out, c, plane, f) => {
      if (c === 1) return out.set(src);
      requireRgb(c, 'adjustHue');
      shiftHue(src, out, plane, f);
    },
  },
};

function adjust(img: Tensor, steps: readonly ColorStep[], op: string): Tensor {
  for (const { op: step, factor } of steps) {
    if (!Object.hasOwn(ADJUST, step)) throw new RangeError(`${op}: unknown adjustment '${step}' (brightness, contrast, saturation or hue)`);
    ADJUST[step].check(factor);
  }
  return eachImage(img, op, (src, { c, h, w }) => {
    const out = new Float32Array(src.length);
    steps.forEach((s, k) => ADJUST[s.op].run(k === 0 ? src : out, out, c, h * w, s.factor));
    return { data: out, c, h, w };
  });
}

/**
 * The adjustments `steps` one after another, as adjustBrightness … adjustHue applied in that order,
 * into one new image (ColorJitter's work, without an image per step).
 */
export function adjustColors(img: Tensor, steps: readonly ColorStep[]): Tensor {
  return steps.length === 0 ? img : adjust(img, steps, 'adjustColors');
}

/** 0 gives black, 1 the original, 2 twice as bright. */
export function adjustBrightness(img: Tensor, factor: number): Tensor {
  return adjust(img, [{ op: 'brightness', factor }], 'adjustBrightness');
}

/** 0 gives a solid grey at the image's mean luma, 1 the original. */
export function adjustContrast(img: Tensor, factor: number): Tensor {
  return adjust(img, [{ op: 'contrast', factor }], 'adjustContrast');
}

/** 0 gives the grey image, 1 the original, 2 doubled saturation. A 1-channel image is returned as is. */
export function adjustSaturation(img: Tensor, factor: number): Tensor {
  return adjust(img, [{ op: 'saturation', factor }], 'adjustSaturation');
}

/** Shifts the hue by `factor` turns in [-0.5, 0.5] through HSV (torchvision's _rgb2hsv / _hsv2rgb). */
export function adjustHue(img: Tensor, factor: number): Tensor {
  return adjust(img, [{ op: 'hue', factor }], 'adjustHue');
}

/** The hue of every RGB pixel shifted by `factor` turns, with torchvision's float32 HSV round trip. */
function shiftHue(src: Float32Array, out: Float32Array, plane: number, factor: number): void {
  for (let p = 0; p < plane; p++) {
    const r = src[p];
    const g = src[plane + p];
    const b = src[2 * plane + p];
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const eq = maxc === minc;
    const cr = f32(maxc - minc);
    const s = f32(cr / (eq ? 1 : maxc));
    const div = eq ? 1 : cr;
    const rc = f32(f32(maxc - r) / div);
    const gc = f32(f32(maxc - g) / div);
    const bc = f32(f32(maxc - b) / div);
    let hue: number;
    if (maxc === r) hue = f32(bc - gc);
    else if (maxc === g) hue = f32(f32(2 + rc) - bc);
    else hue = f32(f32(4 + gc) - rc);
    // torchvision's fmod(hue / 6 + 1, 1), then the shift and a Python-style remainder into [0, 1).
    // x − floor(x) (x ≥ 0 here) and x − trunc(x) are JS's x % 1 exactly, without its slow fmod call
    hue = f32(f32(hue / 6) + 1);
    hue = f32(f32(hue - Math.floor(hue)) + factor);
    hue -= Math.trunc(hue);
    hue = f32(hue + 1 - Math.floor(hue + 1));
    // HSV back to RGB
    const i6 = Math.floor(f32(hue * 6));
    const f = f32(f32(hue * 6) - i6);
    const v = maxc;
    const pp = cl(f32(v * f32(1 - s)));
    const q = cl(f32(v * f32(1 - f32(s * f))));
    const t = cl(f32(v * f32(1 - f32(s * f32(1 - f)))));
    const sector = i6 >= 0 && i6 < 6 ? i6 : ((i6 % 6) + 6) % 6; // 6 when hue · 6 rounds up to it
    let rr: number, gg: number, bb: number;
    switch (sector) {
      case 0: rr = v; gg = t; bb = pp; break;
      case 1: rr = q; gg = v; bb = pp; break;
      case 2: rr = pp; gg = v; bb = t; break;
      case 3: rr = pp; gg = q; bb = v; break;
      case 4: rr = t; gg = pp; bb = v; break;
      default: rr = v; gg = pp; bb = q;
    }
    out[p] = rr;
    out[plane + p] = gg;
    out[2 * plane + p] = bb;
  }
}

/** Sets the h x w box at (top, left) to `value` (a number, one per channel, or a [C, h, w] tensor): torchvision's erase. */
export function erase(img: Tensor, top: number, left: number, height: number, width: number, value: number | readonly number[] | Tensor = 0): Tensor {
  return eachImage(img, 'erase', (src, { c, h, w }) => {
    if (top < 0 || left < 0 || top + height > h || left + width > w) {
      throw new RangeError(`erase: box at (${top}, ${left}) of ${height}x${width} does not fit in a ${h}x${w} image`);
    }
    const out = src.slice();
    const v = value instanceof Tensor ? null : perChannel(value, c, 'erase', 'value');
    if (value instanceof Tensor && value.size !== c * height * width) throw new RangeError(`erase: value tensor needs ${c}x${height}x${width} values, got shape [${value.shape}]`);
    for (let k = 0; k < c; k++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          out[(k * h + top + y) * w + left + x] = v ? v[k] : (value as Tensor).data[(k * height + y) * width + x];
        }
      }
    }
    return { data: out, c, h, w };
  });
}
