// conv2d forward and both gradients as im2col / col2im + GEMM, one image and one group at a time.
//
// For image n and group g, with K = (C/groups)·kH·kW and P = outH·outW:
//   col[K, P]   = im2col(x[n, group g's channels])         (each column: the taps one output sees)
//   forward      y[n, g]  [outC/groups, P] = W_g [outC/groups, K] · col
//   grad input   gcol [K, P] = W_gᵀ · gy[n, g];  gx[n, g] += col2im(gcol)
//   grad weight  gW_g [outC/groups, K] += gy[n, g] · colᵀ
// A 1×1 convolution with stride 1 and no padding needs no im2col: x itself is col.
// 3×3 convolutions with stride 1 and enough channels go through Winograd instead (winograd.ts).

import { gemm } from './gemm';
import { addInto, copy, zero } from './rows';
import { winogradConv, winogradFloats, winogradWeightGrad } from './winograd';

/** The Conv2dParams of engine/kernels.ts as 16 i32s, written by the host in this order. */
@unmanaged
class ConvParams {
  batch: i32;
  inChannels: i32;
  inHeight: i32;
  inWidth: i32;
  outChannels: i32;
  outHeight: i32;
  outWidth: i32;
  kernelHeight: i32;
  kernelWidth: i32;
  strideHeight: i32;
  strideWidth: i32;
  padTop: i32;
  padLeft: i32;
  dilationHeight: i32;
  dilationWidth: i32;
  groups: i32;
}

// @ts-ignore: decorator
@inline function isPointwise(p: ConvParams): bool {
  return p.kernelHeight == 1 && p.kernelWidth == 1 && p.strideHeight == 1 && p.strideWidth == 1 &&
    p.padTop == 0 && p.padLeft == 0 && p.outHeight == p.inHeight && p.outWidth == p.inWidth;
}

/**
 * Channels both sides, and plane size (rows and columns, input and output), that Winograd needs to beat
 * im2col (bench/ab.js, batch 32): 3 → 32 channels stays im2col; 16 → 16 on 32×32 is 2.4x faster, 64 → 64
 * on 8×8 1.2x, but on 6×6 and 4×4 it is 1.2–2.2x slower (a 4×4 tile, 4 tiles a vector: mostly padding).
 */
const WINOGRAD_MIN_CHANNELS = 16;
const WINOGRAD_MIN_SIZE = 8;

/** Whether the three kernels take the Winograd F(4×4, 3×3) path for these params. */
// @ts-ignore: decorator
@inline function winograd(p: ConvParams): bool {
  return p.kernelHeight == 3 && p.kernelWidth == 3 && p.strideHeight == 1 && p.strideWidth == 1 &&
    p.dilationHeight == 1 && p.dilationWidth == 1 && p.groups == 1 &&
    min(p.inChannels, p.outChannels) >= WINOGRAD_MIN_CHANNELS &&
    min(min(p.inHeight, p.inWidth), min(p.outHeight, p.outWidth)) >= WINOGRAD_MIN_SIZE;
}

/** First output column ow whose input column iw0 + ow·s lies at or after 0, and the first past the end. */
// @ts-ignore: decorator
@inline function validRange(iw0: i32, s: i32, width: i32, outWidth: i32): i64 {
  let lo = iw0 >= 0 ? 0 : (-iw0 + s - 1) / s;
  let hi = iw0 >= width ? 0 : (width - iw0 + s - 1) / s;
  if (lo > outWidth) lo = outWidth;
  if (hi > outWidth) hi = outWidth;
  if (hi < lo) hi = lo;
  return (<i64>lo << 32) | <i64>hi;
}

// im2col and col2im work on output rows oh0 .. oh1 at a time, so that the column buffer (K rows of
// (oh1 − oh0)·outW floats) stays in L2 between being written and being packed by the GEMM.
// (Zen 4 has 1 MB of L2 per core: 640 KB of columns leave room for the packed panels.)
const CHUNK_FLOATS = 160 * 1024;

function chunkRows(K: i32, outWidth: i32, outHeight: i32): i32 {
  const most = min(outHeight, max(1, CHUNK_FLOATS / max(1, K * outWidth)));
  const chunks = (outHeight + most - 1) / most;
  return (outHeight + chunks - 1) / chunks; // equal chunks: no thin last one
}

/**
 * col[(c·kH + kh)·kW + kw, (oh − oh0)·outW + ow] = x[c, oh·sH − padTop + kh·dH, ow·sW − padLeft + kw·dW]
 * for oh0 <= oh < oh1 (0 in the padding).
 */
function im2col(p: ConvParams, x: usize, channels: i32, col: usize, oh0: i32, oh1: i32): void {
  // params to locals: they live in memory, and the stores below would force V8 to reload them
  const H = p.inHeight, W = p.inWidth, OW = p.outWidth;
  const kH = p.kernelHeight, kW = p.kernelWidth, sH = p.strideHeight, sW = p.strideWidth;
  const dH = p.dilationHeight, dW = p.dilationWidth, padTop = p.padTop, padLeft = p.padLeft;
  const rowBytes = <usize>OW << 2;
  let dst = col;
  for (let c = 0; c < channels; c++) {
    const plane = x + ((<usize>c * H * W) << 2);
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const iw0 = kw * dW - padLeft;
        const range = validRange(iw0, sW, W, OW);
        const lo = <i32>(range >> 32), hi = <i32>range;
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * sH - padTop + kh * dH;
          // rows are short (outW floats): inline loops, as memory.fill/copy are calls into the engine
          if (ih < 0 || ih >= H || lo == hi) {
            zero(dst, OW);
          } else {
            const src = plane + ((<usize>ih * W) << 2);
            zero(dst, lo);
            if (sW == 1) {
              copy(dst + (<usize>lo << 2), src + (<usize>(iw0 + lo) << 2), hi - lo);
            } else {
              for (let ow = lo; ow < hi; ow++) store<f32>(dst + (<usize>ow << 2), load<f32>(src + (<usize>(iw0 + ow * sW) << 2)));
            }
            zero(dst + (<usize>hi << 2), OW - hi);
          }
          dst += rowBytes;
        }
      }
    }
  }
}

/** The adjoint of im2col over output rows oh0 .. oh1: x[c, ih, iw] += col[row, column] for every in-image tap. */
function col2im(p: ConvParams, col: usize, channels: i32, x: usize, oh0: i32, oh1: i32): void {
  const H = p.inHeight, W = p.inWidth, OW = p.outWidth;
  const kH = p.kernelHeight, kW = p.kernelWidth, sH = p.strideHeight, sW = p.strideWidth;
  const dH = p.dilationHeight, dW = p.dilationWidth, padTop = p.padTop, padLeft = p.padLeft;
  let src = col;
  const rowBytes = <usize>OW << 2;
  for (let c = 0; c < channels; c++) {
    const plane = x + ((<usize>c * H * W) << 2);
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const iw0 = kw * dW - padLeft;
        const range = validRange(iw0, sW, W, OW);
        const lo = <i32>(range >> 32), hi = <i32>range;
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * sH - padTop + kh * dH;
          if (ih >= 0 && ih < H) {
            const dst = plane + ((<usize>ih * W) << 2);
            if (sW == 1) {
              addInto(dst + (<usize>(iw0 + lo) << 2), src + (<usize>lo << 2), hi - lo);
            } else {
              for (let ow = lo; ow < hi; ow++) {
                const d = dst + (<usize>(iw0 + ow * sW) << 2);
                store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ow << 2)));
              }
            }
          }
          src += rowBytes;
        }
      }
    }
  }
}

/** y = conv2d(x, w) + bias (bias = 0: none). col: scratch of colFloats() floats (unused for pointwise convolutions). */
export function conv2dForward(params: usize, x: usize, w: usize, bias: usize, y: usize, col: usize): void {
  const p = changetype<ConvParams>(params);
  const batch = p.batch, groups = p.groups, inC = p.inChannels, outC = p.outChannels, OH = p.outHeight, OW = p.outWidth;
  if (winograd(p)) {
    winogradConv(batch, inC, p.inHeight, p.inWidth, outC, OH, OW, p.padTop, p.padLeft, x, w, true, bias, y, col);
    return;
  }
  const icg = inC / groups, ocg = outC / groups;
  const K = icg * p.kernelHeight * p.kernelWidth;
  const P = OH * OW;
  const inPlane = p.inHeight * p.inWidth;
  const pointwise = isPointwise(p);
  const rows = pointwise ? OH : chunkRows(K, OW, OH);
  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < groups; g++) {
      const xg = x + ((<usize>(n * inC + g * icg) * inPlane) << 2);
      const wg = w + ((<usize>g * ocg * K) << 2);
      const yg = y + ((<usize>(n * outC + g * ocg) * P) << 2);
      for (let oh0 = 0; oh0 < OH; oh0 += rows) {
        const oh1 = min(OH, oh0 + rows);
        const cols = (oh1 - oh0) * OW;
        const column = <usize>(oh0 * OW) << 2;
        if (pointwise) {
          gemm(ocg, cols, K, wg, K, false, xg + column, P, false, yg + column, P, false);
        } else {
          im2col(p, xg, icg, col, oh0, oh1);
          gemm(ocg, cols, K, wg, K, false, col, cols, false, yg + column, P, false);
        }
      }
    }
  }
  if (bias != 0) {
    for (let n = 0; n < batch; n++) {
      for (let oc = 0; oc < outC; oc++) {
        const plane = y + ((<usize>(n * outC + oc) * P) << 2);
        const v = load<f32>(bias + (<usize>oc << 2));
        const vv = f32x4.splat(v);
        let i = 0;
        for (; i + 4 <= P; i += 4) v128.store(plane + (<usize>i << 2), f32x4.add(v128.load(plane + (<usize>i << 2)), vv));
        for (; i < P; i++) store<f32>(plane + (<usize>i << 2), load<f32>(plane + (<usize>i << 2)) + v);
      }
    }
  }
}

/** gx = the gradient of conv2d w.r.t. its input. gcol: scratch of colFloats() floats. */
export function conv2dBackwardInput(params: usize, gy: usize, w: usize, gx: usize, gcol: usize): void {
  const p = changetype<ConvParams>(params);
  const batch = p.batch, groups = p.groups, inC = p.inChannels, outC = p.outChannels, OH = p.outHeight, OW = p.outWidth;
  if (winograd(p)) {
    // a forward convolution of gy, padded by 2 − pad, with the rotated filters: outC → inC channels
    winogradConv(batch, outC, OH, OW, inC, p.inHeight, p.inWidth, 2 - p.padTop, 2 - p.padLeft, gy, w, false, 0, gx, gcol);
    return;
  }
  const icg = inC / groups, ocg = outC / groups;
  const K = icg * p.kernelHeight * p.kernelWidth;
  const P = OH * OW;
  const inPlane = p.inHeight * p.inWidth;
  const pointwise = isPointwise(p);
  const rows = pointwise ? OH : chunkRows(K, OW, OH);
  memory.fill(gx, 0, (<usize>batch * inC * inPlane) << 2);
  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < groups; g++) {
      const gxg = gx + ((<usize>(n * inC + g * icg) * inPlane) << 2);
      const wg = w + ((<usize>g * ocg * K) << 2);
      const gyg = gy + ((<usize>(n * outC + g * ocg) * P) << 2);
      for (let oh0 = 0; oh0 < OH; oh0 += rows) {
        const oh1 = min(OH, oh0 + rows);
        const cols = (oh1 - oh0) * OW;
        const column = <usize>(oh0 * OW) << 2;
        if (pointwise) {
          gemm(K, cols, ocg, wg, K, true, gyg + column, P, false, gxg + column, P, false);
        } else {
          gemm(K, cols, ocg, wg, K, true, gyg + column, P, false, gcol, cols, false);
          col2im(p, gcol, icg, gxg, oh0, oh1);
        }
      }
    }
  }
}

/** gw = the gradient of conv2d w.r.t. its weight, summed over the batch. col: scratch of colFloats() floats. */
export function conv2dBackwardWeight(params: usize, gy: usize, x: usize, gw: usize, col: usize): void {
  const p = changetype<ConvParams>(params);
  const batch = p.batch, groups = p.groups, inC = p.inChannels, outC = p.outChannels, OH = p.outHeight, OW = p.outWidth;
  if (winograd(p)) {
    winogradWeightGrad(batch, inC, p.inHeight, p.inWidth, outC, OH, OW, p.padTop, p.padLeft, x, gy, gw, col);
    return;
  }
  const icg = inC / groups, ocg = outC / groups;
  const K = icg * p.kernelHeight * p.kernelWidth;
  const P = OH * OW;
  const inPlane = p.inHeight * p.inWidth;
  const pointwise = isPointwise(p);
  const rows = pointwise ? OH : chunkRows(K, OW, OH);
  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < groups; g++) {
      const xg = x + ((<usize>(n * inC + g * icg) * inPlane) << 2);
      const gyg = gy + ((<usize>(n * outC + g * ocg) * P) << 2);
      const gwg = gw + ((<usize>g * ocg * K) << 2);
      for (let oh0 = 0; oh0 < OH; oh0 += rows) {
        const oh1 = min(OH, oh0 + rows);
        const cols = (oh1 - oh0) * OW;
        const column = <usize>(oh0 * OW) << 2;
        const first = n == 0 && oh0 == 0;
        if (pointwise) {
          gemm(ocg, K, cols, gyg + column, P, false, xg + column, P, true, gwg, K, !first);
        } else {
          im2col(p, xg, icg, col, oh0, oh1);
          gemm(ocg, K, cols, gyg + column, P, false, col, cols, true, gwg, K, !first);
        }
      }
    }
  }
}

/** Floats of scratch (im2col columns or Winograd tiles) the three kernels above need for these params. */
export function colFloats(params: usize): i32 {
  const p = changetype<ConvParams>(params);
  if (winograd(p)) return winogradFloats(p.batch, p.inChannels, p.inHeight, p.inWidth, p.outChannels, p.outHeight, p.outWidth);
  const K = (p.inChannels / p.groups) * p.kernelHeight * p.kernelWidth;
  return K * p.outWidth * chunkRows(K, p.outWidth, p.outHeight);
}
