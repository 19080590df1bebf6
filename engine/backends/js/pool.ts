// Max and average pooling as loops. Output pixel (oh, ow) looks at the window whose top-left corner
// is (oh·stride − pad, ow·stride − pad) in the input; taps in the padding are skipped (max) or count
// as zeros only in the divisor (average with countIncludePad), exactly as PyTorch does.

import type { Pool2dParams } from '../../kernels.js';
import { Tensor } from '../../tensor.js';

function outputShape(p: Pool2dParams): number[] {
  return [p.batch, p.channels, p.outHeight, p.outWidth];
}

export function maxPool2d(x: Tensor, p: Pool2dParams): { output: Tensor; indices: Tensor } {
  const X = x.data;
  const planes = p.batch * p.channels;
  const inPlane = p.inHeight * p.inWidth;
  const outPlane = p.outHeight * p.outWidth;
  const out = new Float32Array(planes * outPlane);
  const indices = new Float32Array(planes * outPlane);
  for (let plane = 0; plane < planes; plane++) {
    for (let oh = 0; oh < p.outHeight; oh++) {
      for (let ow = 0; ow < p.outWidth; ow++) {
        let best = -Infinity;
        let bestIndex = -1;
        for (let kh = 0; kh < p.kernelHeight; kh++) {
          const ih = oh * p.strideHeight - p.padHeight + kh * p.dilationHeight;
          if (ih < 0 || ih >= p.inHeight) continue;
          for (let kw = 0; kw < p.kernelWidth; kw++) {
            const iw = ow * p.strideWidth - p.padWidth + kw * p.dilationWidth;
            if (iw < 0 || iw >= p.inWidth) continue;
            const v = X[plane * inPlane + ih * p.inWidth + iw];
            // first maximum wins; a NaN is the maximum (PyTorch propagates it)
            if (v > best || Number.isNaN(v) || bestIndex < 0) {
              best = v;
              bestIndex = ih * p.inWidth + iw;
              if (Number.isNaN(v)) break;
            }
          }
          if (Number.isNaN(best)) break;
        }
        out[plane * outPlane + oh * p.outWidth + ow] = best;
        indices[plane * outPlane + oh * p.outWidth + ow] = bestIndex;
      }
    }
  }
  return { output: new Tensor(out, outputShape(p)), indices: new Tensor(indices, outputShape(p)) };
}

/** Each output's gradient goes to the one input that was its maximum. */
export function maxPool2dBackward(gradOutput: Tensor, indices: Tensor, p: Pool2dParams): Tensor {
  const G = gradOutput.data;
  const I = indices.data;
  const inPlane = p.inHeight * p.inWidth;
  const outPlane = p.outHeight * p.outWidth;
  const gx = new Float32Array(p.batch * p.channels * inPlane);
  for (let o = 0; o < G.length; o++) {
    if (I[o] < 0) continue; // a window of padding only (possible with dilation): its -inf came from no input
    const plane = Math.floor(o / outPlane);
    gx[plane * inPlane + I[o]] += G[o];
  }
  return new Tensor(gx, [p.batch, p.channels, p.inHeight, p.inWidth]);
}

/** The in-image window of output (oh, ow) and the number its sum is divided by. */
function avgWindow(p: Pool2dParams, oh: number, ow: number) {
  let h0 = oh * p.strideHeight - p.padHeight;
  let w0 = ow * p.strideWidth - p.padWidth;
  // the window may hang over the padding, but not past it (ceilMode's extra windows are cut there)
  let h1 = Math.min(h0 + p.kernelHeight, p.inHeight + p.padHeight);
  let w1 = Math.min(w0 + p.kernelWidth, p.inWidth + p.padWidth);
  const withPadding = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, p.inHeight);
  w1 = Math.min(w1, p.inWidth);
  const divisor = p.countIncludePad ? withPadding : (h1 - h0) * (w1 - w0);
  return { h0, h1, w0, w1, divisor };
}

export function avgPool2d(x: Tensor, p: Pool2dParams): Tensor {
  const X = x.data;
  const planes = p.batch * p.channels;
  const inPlane = p.inHeight * p.inWidth;
  const out = new Float32Array(planes * p.outHeight * p.outWidth);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let oh = 0; oh < p.outHeight; oh++) {
      for (let ow = 0; ow < p.outWidth; ow++) {
        const { h0, h1, w0, w1, divisor } = avgWindow(p, oh, ow);
        let sum = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += X[plane * inPlane + ih * p.inWidth + iw];
        out[o++] = sum / divisor;
      }
    }
  }
  return new Tensor(out, outputShape(p));
}

/** Each output's gradient is shared by its window's inputs, divided as in the forward pass. */
export function avgPool2dBackward(gradOutput: Tensor, p: Pool2dParams): Tensor {
  const G = gradOutput.data;
  const planes = p.batch * p.channels;
  const inPlane = p.inHeight * p.inWidth;
  const gx = new Float32Array(planes * inPlane);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let oh = 0; oh < p.outHeight; oh++) {
      for (let ow = 0; ow < p.outWidth; ow++) {
        const { h0, h1, w0, w1, divisor } = avgWindow(p, oh, ow);
        const share = G[o++] / divisor;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) gx[plane * inPlane + ih * p.inWidth + iw] += share;
      }
    }
  }
  return new Tensor(gx, [p.batch, p.channels, p.inHeight, p.inWidth]);
}
