// Geometric warps (rotate, affine, perspective): every output pixel asks where it comes from in the
// input and samples there, as torchvision does with affine_grid + grid_sample (align_corners=False).
// Coordinates are computed with float32 rounding at the same steps as torchvision, so nearest-neighbour
// sampling picks the same pixel even where a coordinate lands near a half-pixel boundary.

import { Tensor } from '../../engine/index.js';
import { foldIndex, type FillMode, type Interpolation, type PaddingMode } from './geometry.js';
import { eachImage, imageDims, perChannel } from './image.js';

const f32 = Math.fround;

export interface WarpOptions {
  /** default 'nearest' for rotate/affine, 'bilinear' for perspective (torchvision's defaults) */
  interpolation?: Interpolation;
  /**
   * Colour for pixels pulled from outside the image (a number or one per channel). Omitted: they are 0
   * and bilinear edges blend with 0, like torchvision's fill=None; given: torchvision's mask blending.
   */
  fill?: number | readonly number[];
  /** Keras's fill_mode: 'constant' (use fill, the default), or fold outside coordinates back in: 'nearest', 'reflect' (edge repeated, as scipy), 'wrap' */
  fillMode?: FillMode;
}

/** Where row y of the output samples the input: fills ix[x], iy[x] with input pixel coordinates. */
type RowMap = (y: number, ix: Float64Array, iy: Float64Array) => void;

/** Nearest-neighbour rounding of grid_sample: std::nearbyint, halves to even. */
function nearbyint(v: number): number {
  const r = Math.round(v); // halves up
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// Each output pixel finds its input pixels (and bilinear weights) once and applies them to every channel.
function warp(img: Tensor, op: string, map: RowMap, options: WarpOptions, defaultInterp: Interpolation): Tensor {
  const interp = options.interpolation ?? defaultInterp;
  const fillMode = options.fillMode ?? 'constant';
  if (interp !== 'nearest' && interp !== 'bilinear') throw new RangeError(`${op}: interpolation must be 'nearest' or 'bilinear', got '${interp}'`);
  if (!['constant', 'nearest', 'reflect', 'wrap'].includes(fillMode)) throw new RangeError(`${op}: fillMode must be 'constant', 'nearest', 'reflect' or 'wrap', got '${fillMode}'`);
  // Keras's reflect (scipy 'reflect': d c b a | a b c d) is the edge-repeating mirror
  const fold = fillMode === 'reflect' ? 'symmetric' : fillMode;
  return eachImage(img, op, (src, { c, h, w }) => {
    const given = options.fill === undefined ? null : perChannel(options.fill, c, op, 'fill');
    // torchvision's mask blending with the fill colour; the other fill modes never sample outside
    const fill = given !== null && fillMode === 'constant' ? given : null;
    // as float64s: a plain array's 0 is a small integer, and mixing it with pixel values in one
    // expression made V8 box every pixel value
    const fills = Float64Array.from(fill ?? Array(c).fill(0));
    const out = new Float32Array(c * h * w);
    const image: WarpImage = { src, out, c, h, w, fills, fold };
    if (interp === 'nearest') sampleNearest(image, map);
    else sampleBilinear(image, map, fill !== null);
    return { data: out, c, h, w };
  });
}

/** One image of a warp: its pixels, the output, the fill per channel (zeros without one), the fold mode. */
interface WarpImage {
  src: Float32Array;
  out: Float32Array;
  c: number;
  h: number;
  w: number;
  fills: Float64Array;
  fold: PaddingMode | FillMode;
}

// The sampling loops are functions of their own, with everything they touch in locals: inside the
// warp's closure V8 kept reloading captured values every pixel.
function sampleNearest({ src, out, c, h, w, fills, fold }: WarpImage, map: RowMap): void {
  const plane = h * w;
  const ix = new Float64Array(w);
  const iy = new Float64Array(w);
  // each output pixel's input pixel in the row, or -1 for the fill: found once, then copied channel by
  // channel, so that every channel's loop reads and writes one plane
  const from = new Int32Array(w);
  for (let y = 0; y < h; y++) {
    map(y, ix, iy);
    for (let x = 0; x < w; x++) {
      const nx = nearbyint(ix[x]);
      const ny = nearbyint(iy[x]);
      const fx = nx >= 0 && nx < w ? nx : foldIndex(nx, w, fold);
      const fy = ny >= 0 && ny < h ? ny : foldIndex(ny, h, fold);
      from[x] = fx >= 0 && fy >= 0 ? fy * w + fx : -1;
    }
    for (let k = 0; k < c; k++) {
      const inPlane = k * plane;
      const row = inPlane + y * w;
      const fillK = fills[k];
      // + 0 as the weighted sum this is (0 + 1 · v) turns −0 into 0
      for (let x = 0; x < w; x++) out[row + x] = from[x] >= 0 ? src[inPlane + from[x]] + 0 : fillK;
    }
  }
}

/** `blend`: torchvision's mask blending with the fill colour (a fill was given, fill mode constant). */
function sampleBilinear({ src, out, c, h, w, fills, fold }: WarpImage, map: RowMap, blend: boolean): void {
  const plane = h * w;
  const ix = new Float64Array(w);
  const iy = new Float64Array(w);
  const constant = fold === 'constant';
  const taps = new Int32Array(4); // a pixel near the border: its neighbours, −1 where outside or weightless
  const weights = new Float64Array(4);
  for (let y = 0; y < h; y++) {
    map(y, ix, iy);
    for (let x = 0, o = y * w; x < w; x++, o++) {
      const x0 = Math.floor(ix[x]);
      const y0 = Math.floor(iy[x]);
      if (constant && (x0 < -1 || x0 >= w || y0 < -1 || y0 >= h)) {
        // all four neighbours outside: nothing sampled, so the fill colour (0 without one)
        for (let k = 0; k < c; k++) out[k * plane + o] = fills[k];
        continue;
      }
      const ax = f32(ix[x] - x0);
      const ay = f32(iy[x] - y0);
      if (x0 >= 0 && x0 < w - 1 && y0 >= 0 && y0 < h - 1) {
        // all four neighbours inside: nearly every pixel. Lerped along the rows, then between them (the
        // weights' sum, torchvision's mask, is 1 up to rounding here, so there is nothing to blend)
        const bx = 1 - ax;
        const by = 1 - ay;
        for (let k = 0, q = y0 * w + x0; k < c; k++, q += plane) {
          const top = src[q] * bx + src[q + 1] * ax;
          const bottom = src[q + w] * bx + src[q + w + 1] * ax;
          out[k * plane + o] = 0 + top * by + bottom * ay; // from 0, as a sum of taps: −0 pixels give 0
        }
        continue;
      }
      const w00 = f32((1 - ax) * (1 - ay));
      const w01 = f32(ax * (1 - ay));
      const w10 = f32((1 - ax) * ay);
      const w11 = f32(ax * ay);
      weights[0] = w00;
      weights[1] = w01;
      weights[2] = w10;
      weights[3] = w11;
      let mask = 0; // how much of the sample came from inside the image (torchvision's ones channel)
      for (let t = 0; t < 4; t++) {
        const xi = x0 + (t & 1);
        const yi = y0 + (t >> 1);
        const fx = xi >= 0 && xi < w ? xi : foldIndex(xi, w, fold);
        const fy = yi >= 0 && yi < h ? yi : foldIndex(yi, h, fold);
        const sampled = fx >= 0 && fy >= 0 && weights[t] !== 0;
        taps[t] = sampled ? fy * w + fx : -1;
        if (sampled) mask += weights[t];
      }
      for (let k = 0; k < c; k++) {
        const base = k * plane;
        let v = 0;
        for (let t = 0; t < 4; t++) if (taps[t] >= 0) v += src[base + taps[t]] * weights[t];
        if (blend) v = v * mask + (1 - mask) * fills[k];
        out[base + o] = v;
      }
    }
  }
}

/**
 * The 2x3 matrix taking output coordinates (relative to the image centre) to input ones for a rotation by
 * `angle` degrees (clockwise, as torchvision's affine), translation, scale and shear (x and y, degrees):
 * torchvision's _get_inverse_affine_matrix.
 */
export function inverseAffineMatrix(center: readonly [number, number], angle: number, translate: readonly [number, number], scale: number, shear: readonly [number, number]): number[] {
  const rot = (angle * Math.PI) / 180;
  const sx = (shear[0] * Math.PI) / 180;
  const sy = (shear[1] * Math.PI) / 180;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/** Warps by an inverse affine matrix in centred coordinates, as torchvision's _gen_affine_grid + grid_sample. */
function affineWarp(img: Tensor, op: string, m: number[], options: WarpOptions): Tensor {
  const { h, w } = imageDims(img, op);
  // theta^T / [w/2, h/2] in float32, then grid = [x, y, 1] · theta, then unnormalise: ((g + 1) * size − 1) / 2
  const t = [f32(f32(m[0]) / f32(0.5 * w)), f32(f32(m[1]) / f32(0.5 * w)), f32(f32(m[2]) / f32(0.5 * w)), f32(f32(m[3]) / f32(0.5 * h)), f32(f32(m[4]) / f32(0.5 * h)), f32(f32(m[5]) / f32(0.5 * h))];
  const xs = Float32Array.from({ length: w }, (_, i) => linspaceAt(-w * 0.5 + 0.5, w * 0.5 + 0.5 - 1, w, i));
  const ys = Float32Array.from({ length: h }, (_, i) => linspaceAt(-h * 0.5 + 0.5, h * 0.5 + 0.5 - 1, h, i));
  // the products of each grid coordinate with theta, once per row / column (float32 like the bmm)
  const [x0, x1] = [xs.map((v) => v * t[0]), xs.map((v) => v * t[3])];
  const [y0, y1] = [ys.map((v) => v * t[1]), ys.map((v) => v * t[4])];
  const [t2, t5] = [t[2], t[5]];
  return warp(img, op, (y, ix, iy) => affineRow(ix, iy, x0, x1, y0[y], y1[y], t2, t5, w, h), options, 'nearest');
}

/** One row of affine's sample coordinates (a function of its own, as perspectiveRow, for the same reason). */
function affineRow(ix: Float64Array, iy: Float64Array, x0: Float32Array, x1: Float32Array, y0y: number, y1y: number, t2: number, t5: number, w: number, h: number): void {
  for (let x = 0; x < w; x++) {
    const gx = f32(f32(x0[x] + y0y) + t2);
    const gy = f32(f32(x1[x] + y1y) + t5);
    ix[x] = f32(f32(gx + 1) * w - 1) / 2;
    iy[x] = f32(f32(gy + 1) * h - 1) / 2;
  }
}

/** torch.linspace's i-th value in float32 (the second half counts back from the end). */
function linspaceAt(start: number, end: number, steps: number, i: number): number {
  const step = steps > 1 ? f32(f32(end - start) / (steps - 1)) : 0;
  return f32(i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step);
}

/** Rotates by `angle` degrees counter-clockwise about the centre, keeping the size (torchvision's rotate, expand=False). */
export function rotate(img: Tensor, angle: number, options: WarpOptions = {}): Tensor {
  if (!Number.isFinite(angle)) throw new RangeError(`rotate: angle must be a finite number of degrees, got ${angle}`);
  return affineWarp(img, 'rotate', inverseAffineMatrix([0, 0], -angle, [0, 0], 1, [0, 0]), options);
}

export interface AffineParams {
  /** degrees, clockwise (torchvision's affine convention) */
  angle?: number;
  /** pixels [dx, dy] */
  translate?: readonly [number, number];
  scale?: number;
  /** degrees: a number (x shear) or [x, y] */
  shear?: number | readonly [number, number];
}

/** Rotation, translation, scale and shear about the centre (torchvision's affine). */
export function affine(img: Tensor, params: AffineParams, options: WarpOptions = {}): Tensor {
  const { angle = 0, translate = [0, 0], scale = 1 } = params;
  const shear: [number, number] = typeof params.shear === 'number' ? [params.shear, 0] : params.shear ? [params.shear[0], params.shear[1]] : [0, 0];
  if (!(scale > 0)) throw new RangeError(`affine: scale must be positive, got ${scale}`);
  if (![angle, ...translate, ...shear].every(Number.isFinite)) throw new RangeError(`affine: angle, translate and shear must be finite numbers, got ${JSON.stringify(params)}`);
  return affineWarp(img, 'affine', inverseAffineMatrix([0, 0], angle, [translate[0], translate[1]], scale, shear), options);
}

export type Point = readonly [number, number];

/** The 8 coefficients mapping end points to start points (torchvision's _get_perspective_coeffs, solved in float64). */
export function perspectiveCoeffs(startPoints: readonly Point[], endPoints: readonly Point[]): number[] {
  if (startPoints.length !== 4 || endPoints.length !== 4) throw new RangeError(`perspective: expected 4 start and 4 end points [x, y], got ${startPoints.length} and ${endPoints.length}`);
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = endPoints[i];
    const [u, v] = startPoints[i];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(u, v);
  }
  return solve(a, b, 'perspective');
}

/** Gaussian elimination with partial pivoting; throws for degenerate point sets. */
function solve(a: number[][], b: number[], op: string): number[] {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
    if (Math.abs(a[piv][col]) < 1e-12) throw new RangeError(`${op}: the points are degenerate (three on a line or repeated); no perspective maps them`);
    [a[col], a[piv]] = [a[piv], a[col]];
    [b[col], b[piv]] = [b[piv], b[col]];
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      for (let k = col; k < n; k++) a[r][k] -= f * a[col][k];
      b[r] -= f * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= a[r][k] * x[k];
    x[r] = s / a[r][r];
  }
  return x;
}

/**
 * Maps the four `startPoints` (corners [x, y] in pixels: top-left, top-right, bottom-right, bottom-left)
 * onto `endPoints` (torchvision's perspective).
 */
export function perspective(img: Tensor, startPoints: readonly Point[], endPoints: readonly Point[], options: WarpOptions = {}): Tensor {
  const { h, w } = imageDims(img, 'perspective');
  const co = perspectiveCoeffs(startPoints, endPoints).map(f32);
  const t = [f32(co[0] / f32(0.5 * w)), f32(co[1] / f32(0.5 * w)), f32(co[2] / f32(0.5 * w)), f32(co[3] / f32(0.5 * h)), f32(co[4] / f32(0.5 * h)), f32(co[5] / f32(0.5 * h))];
  // the float32 products of each column's x with the coefficients, once (each row's y ones per row)
  const px = Float64Array.from({ length: w }, (_, x) => linspaceAt(0.5, w + 0.5 - 1, w, x));
  const [pxD, pxX, pxY] = [px.map((v) => f32(v * co[6])), px.map((v) => f32(v * t[0])), px.map((v) => f32(v * t[3]))];
  const [t2, t5] = [t[2], t[5]];
  return warp(img, 'perspective', (y, ix, iy) => {
    const py = linspaceAt(0.5, h + 0.5 - 1, h, y);
    const [pyD, pyX, pyY] = [f32(py * co[7]), f32(py * t[1]), f32(py * t[4])];
    perspectiveRow(ix, iy, pxD, pxX, pxY, pyD, pyX, pyY, t2, t5, w, h);
  }, options, 'bilinear');
}

/**
 * One row of perspective's sample coordinates from each column's products (px*) and the row's (py*),
 * summed in the bmm's order (a function of its own: in the map's closure V8 reloaded every captured
 * value at every pixel). Halving is exact in float32, so it needs no rounding of its own; multiplying by
 * the float64 reciprocal of the denominator rounds to the float32 of dividing by it (but for a tie
 * once in ~2^29 values), at one division per pixel instead of two.
 */
function perspectiveRow(ix: Float64Array, iy: Float64Array, pxD: Float64Array, pxX: Float64Array, pxY: Float64Array, pyD: number, pyX: number, pyY: number, t2: number, t5: number, w: number, h: number): void {
  for (let x = 0; x < w; x++) {
    const inv = 1 / f32(f32(pxD[x] + pyD) + 1);
    const gx = f32(f32(f32(f32(pxX[x] + pyX) + t2) * inv) - 1);
    const gy = f32(f32(f32(f32(pxY[x] + pyY) + t5) * inv) - 1);
    ix[x] = f32(f32(gx + 1) * w - 1) / 2;
    iy[x] = f32(f32(gy + 1) * h - 1) / 2;
  }
}
