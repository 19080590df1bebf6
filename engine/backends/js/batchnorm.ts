// Batch normalization's passes over x seen as [outer, channels, inner], as plain loops. The per-channel
// coefficients come from engine/ops/batchnorm.ts, which explains them.

import type { BatchNormBackwardCoefficients, BatchNormForwardCoefficients, ChannelParams } from '../../kernels.js';
import { Tensor } from '../../tensor.js';

export function batchNormStats(x: Tensor, p: ChannelParams): { mean: Tensor; variance: Tensor } {
  const X = x.data;
  const count = p.outer * p.inner;
  // two passes with float64 sums: the mean and variance of 100k values stay exact
  const mean = channelSums(X, p).map((s) => s / count);
  const variance = centredProductSums(X, true, X, mean, p).map((s) => s / count);
  return { mean: new Tensor(Float32Array.from(mean), [p.channels]), variance: new Tensor(Float32Array.from(variance), [p.channels]) };
}

export function batchNormForward(x: Tensor, k: BatchNormForwardCoefficients, { outer, channels, inner }: ChannelParams): Tensor {
  const X = x.data;
  const [M, S, B] = [k.mean.data, k.scale.data, k.shift.data];
  const Y = new Float32Array(X.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const mean = M[c], scale = S[c], shift = B[c];
      for (let i = (o * channels + c) * inner, end = i + inner; i < end; i++) Y[i] = (X[i] - mean) * scale + shift;
    }
  }
  return new Tensor(Y, x.shape);
}

export function batchNormGradSums(gradOutput: Tensor, x: Tensor, mean: Tensor, p: ChannelParams): { sumGrad: Tensor; sumGradCentered: Tensor } {
  const G = gradOutput.data;
  const sumGrad = Float32Array.from(channelSums(G, p));
  const sumGradCentered = Float32Array.from(centredProductSums(G, false, x.data, mean.data, p));
  return { sumGrad: new Tensor(sumGrad, [p.channels]), sumGradCentered: new Tensor(sumGradCentered, [p.channels]) };
}

export function batchNormBackward(gradOutput: Tensor, x: Tensor, k: BatchNormBackwardCoefficients, { outer, channels, inner }: ChannelParams): Tensor {
  const G = gradOutput.data;
  const X = x.data;
  const [M, A, B, S] = [k.mean.data, k.gradScale.data, k.inputScale.data, k.shift.data];
  const gx = new Float32Array(G.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const mean = M[c], a = A[c], b = B[c], shift = S[c];
      for (let i = (o * channels + c) * inner, end = i + inner; i < end; i++) gx[i] = G[i] * a + (X[i] - mean) * b + shift;
    }
  }
  return new Tensor(gx, gradOutput.shape);
}

// The sums are loops of their own rather than one loop taking a term callback: a shared callback is
// not inlined, and the call per element made these passes twice as slow.

/** Per channel, the float64 sum of A over the channel's values. */
function channelSums(A: Float32Array, { outer, channels, inner }: ChannelParams): Float64Array {
  const sums = new Float64Array(channels);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      let s = 0;
      for (let i = (o * channels + c) * inner, end = i + inner; i < end; i++) s += A[i];
      sums[c] += s;
    }
  }
  return sums;
}

/** Per channel, the float64 sum of A·(X − mean) (or (A − mean)·(X − mean) when centreA). */
function centredProductSums(A: Float32Array, centreA: boolean, X: Float32Array, mean: ArrayLike<number>, { outer, channels, inner }: ChannelParams): Float64Array {
  const sums = new Float64Array(channels);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const m = mean[c];
      const shiftA = centreA ? m : 0;
      let s = 0;
      for (let i = (o * channels + c) * inner, end = i + inner; i < end; i++) s += (A[i] - shiftA) * (X[i] - m);
      sums[c] += s;
    }
  }
  return sums;
}
