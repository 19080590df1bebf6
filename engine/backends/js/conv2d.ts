// 2-D convolution as loops: the course's "convolution from scratch".
//
// One loop nest visits every (output pixel, kernel tap) pair: output y[n, oc, oh, ow] reads input
// x[n, c, oh·stride − pad + kh·dilation, ow·stride − pad + kw·dilation] times weight w[oc, ic, kh, kw],
// skipping taps that fall in the zero padding. Groups split the channels: output channel oc of group
// g sees only input channels g·(C/groups) … (g+1)·(C/groups) − 1.
//
// The forward pass and both gradients are the same visit with a different multiply-add:
//   forward          y[out]  += x[in] · w[tap]
//   backward input   gx[in]  += gy[out] · w[tap]   (each input gets back what it contributed to)
//   backward weight  gw[tap] += gy[out] · x[in]

import type { Conv2dParams } from '../../kernels.js';
import { Tensor } from '../../tensor.js';

type Visit = (outIndex: number, inIndex: number, weightIndex: number) => void;

function forEachTap(p: Conv2dParams, visit: Visit): void {
  const inPerGroup = p.inChannels / p.groups;
  const outPerGroup = p.outChannels / p.groups;
  for (let n = 0; n < p.batch; n++) {
    for (let oc = 0; oc < p.outChannels; oc++) {
      const group = Math.floor(oc / outPerGroup);
      for (let oh = 0; oh < p.outHeight; oh++) {
        for (let ow = 0; ow < p.outWidth; ow++) {
          const outIndex = ((n * p.outChannels + oc) * p.outHeight + oh) * p.outWidth + ow;
          for (let ic = 0; ic < inPerGroup; ic++) {
            const c = group * inPerGroup + ic;
            for (let kh = 0; kh < p.kernelHeight; kh++) {
              const ih = oh * p.strideHeight - p.padTop + kh * p.dilationHeight;
              if (ih < 0 || ih >= p.inHeight) continue; // a zero of the padding
              for (let kw = 0; kw < p.kernelWidth; kw++) {
                const iw = ow * p.strideWidth - p.padLeft + kw * p.dilationWidth;
                if (iw < 0 || iw >= p.inWidth) continue;
                const inIndex = ((n * p.inChannels + c) * p.inHeight + ih) * p.inWidth + iw;
                const weightIndex = ((oc * inPerGroup + ic) * p.kernelHeight + kh) * p.kernelWidth + kw;
                visit(outIndex, inIndex, weightIndex);
              }
            }
          }
        }
      }
    }
  }
}

export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor {
  const X = x.data;
  const W = weight.data;
  const y = new Float64Array(p.batch * p.outChannels * p.outHeight * p.outWidth);
  forEachTap(p, (o, i, t) => {
    y[o] += X[i] * W[t];
  });
  if (bias) {
    const B = bias.data;
    const plane = p.outHeight * p.outWidth;
    for (let o = 0; o < y.length; o++) y[o] += B[Math.floor(o / plane) % p.outChannels];
  }
  return new Tensor(Float32Array.from(y), [p.batch, p.outChannels, p.outHeight, p.outWidth]);
}

export function conv2dBackwardInput(gradOutput: Tensor, weight: Tensor, p: Conv2dParams): Tensor {
  const G = gradOutput.data;
  const W = weight.data;
  const gx = new Float64Array(p.batch * p.inChannels * p.inHeight * p.inWidth);
  forEachTap(p, (o, i, t) => {
    gx[i] += G[o] * W[t];
  });
  return new Tensor(Float32Array.from(gx), [p.batch, p.inChannels, p.inHeight, p.inWidth]);
}

export function conv2dBackwardWeight(gradOutput: Tensor, x: Tensor, p: Conv2dParams): Tensor {
  const G = gradOutput.data;
  const X = x.data;
  const shape = [p.outChannels, p.inChannels / p.groups, p.kernelHeight, p.kernelWidth];
  const gw = new Float64Array(shape.reduce((a, b) => a * b, 1));
  forEachTap(p, (o, i, t) => {
    gw[t] += G[o] * X[i];
  });
  return new Tensor(Float32Array.from(gw), shape);
}
