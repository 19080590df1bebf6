// Batch normalization's passes over x seen as [outer, channels, inner], as plain loops. The per-channel
// coefficients come from engine/ops/batchnorm.ts, which explains them.

import type { ChannelParams } from '../../kernels.js';
import { Tensor } from '../../tensor.js';

export function batchNormStats(x: Tensor, p: ChannelParams): Tensor {
  const X = x.data;
  const count = p.outer * p.inner;
  // two passes with float64 sums: the mean and variance of 100k values stay exact
  const mean = channelSums(p, (i) => X[i]).map((s) => s / count);
  const variance = channelSums(p, (i, c) => (X[i] - mean[c]) ** 2).map((s) => s / count);
  return new Tensor(Float32Array.from([...mean, ...variance]), [2, p.channels]);
}

export function batchNormForward(x: Tensor, coefficients: Tensor, { outer, channels, inner }: ChannelParams): Tensor {
  const X = x.data;
  const K = coefficients.data; // rows: mean, scale, shift
  const Y = new Float32Array(X.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const mean = K[c], scale = K[channels + c], shift = K[2 * channels + c];
      for (let i = (o * channels + c) * inner, end = i + inner; i < end; i++) Y[i] = (X[i] - mean) * scale + shift;
    }
  }
  return new Tensor(Y, x.shape);
}

export function batchNormGradSums(gradOutput: Tensor, x: Tensor, coefficients: Tensor, p: ChannelParams): Tensor {
  const G = gradOutput.data;
  const X = x.data;
  const mean = coefficients.data;
  const sumG = channelSums(p, (i) => G[i]);
  const sumGX = channelSums(p, (i, c) => G[i] * (X[i] - mean[c]));
  return new Tensor(Float32Array.from([...sumG, ...sumGX]), [2, p.channels]);
}

export function batchNormBackward(gradOutput: Tensor, x: Tensor, coefficients: Tensor, { outer, channels, inner }: ChannelParams): Tensor {
  const G = gradOutput.data;
  const X = x.data;
  const K = coefficients.data; // rows: mean, a, b, shift
  const gx = new Float32Array(G.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const mean = K[c], a = K[channels + c], b = K[2 * channels + c], shift = K[3 * channels + c];
      for (let i = (o * channels + c) * inner, end = i + inner; i < end; i++) gx[i] = G[i] * a + (X[i] - mean) * b + shift;
    }
  }
  return new Tensor(gx, gradOutput.shape);
}

/** Per channel, the float64 sum of term(i, c) over the channel's flat indices i. */
function channelSums({ outer, channels, inner }: ChannelParams, term: (i: number, c: number) => number): Float64Array {
  const sums = new Float64Array(channels);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      let s = 0;
      for (let i = (o * channels + c) * inner, end = i + inner; i < end; i++) s += term(i, c);
      sums[c] += s;
    }
  }
  return sums;
}
