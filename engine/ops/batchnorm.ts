// Batch normalization, PyTorch's F.batch_norm: normalize each channel (dim 1) of [N, C, ...] by its
// mean and variance, then scale by weight and shift by bias. One op with a hand-written gradient
// rather than a composite of mean/var/sub/div/mul/add: the composite allocates a dozen full-size
// tensors per call and costs ~100x more on a CNN's activations.

import { record } from '../autograd.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

export interface BatchNormOptions {
  /** use the batch's statistics (and update the running ones in place, if given); else the running ones */
  training?: boolean;
  /** running = (1 − momentum)·running + momentum·batch; the module turns momentum null into 1/batches */
  momentum?: number;
  eps?: number;
}

/**
 * input [N, C, ...]; runningMean, runningVar, weight, bias [C] or null. In training, the running
 * variance is updated with the unbiased batch variance and the output uses the biased one, as PyTorch.
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  options: BatchNormOptions = {},
): Tensor {
  const { training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (input.ndim < 2) throw new RangeError(`batchNorm: expected input [N, C, ...], got ${formatShape(input.shape)}`);
  const [n, c] = input.shape;
  const inner = input.size / (n * c || 1);
  const count = n * inner; // values per channel
  const perChannel: Array<[string, Tensor | null]> = [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]];
  for (const [name, t] of perChannel) {
    if (t !== null && (t.ndim !== 1 || t.shape[0] !== c)) {
      throw new RangeError(`batchNorm: ${name} must have shape [${c}] for input ${formatShape(input.shape)}, got ${formatShape(t.shape)}`);
    }
  }
  if (!training && (runningMean === null || runningVar === null)) {
    throw new RangeError('batchNorm: evaluation (training false) needs runningMean and runningVar');
  }
  if (training && count <= 1) {
    throw new RangeError(`batchNorm: expected more than 1 value per channel when training, got input ${formatShape(input.shape)}`);
  }

  const xd = input.data;
  const gamma = weight?.data;
  const beta = bias?.data;
  // xhat = (x − mean)·invStd, kept for the gradient; until normalize() it holds x − mean
  const xhat = new Float32Array(xd.length);
  let mean: Float64Array;
  let variance: Float64Array;
  if (training) {
    mean = channelSums(xd, null, n, c, inner).map((s) => s / count);
    subtractChannelMeans(xd, mean, xhat, n, c, inner);
    variance = channelSums(xhat, xhat, n, c, inner).map((s) => s / count);
    if (runningMean && runningVar) {
      const rm = runningMean.data;
      const rv = runningVar.data;
      for (let ch = 0; ch < c; ch++) {
        rm[ch] = (1 - momentum) * rm[ch] + momentum * mean[ch];
        rv[ch] = (1 - momentum) * rv[ch] + momentum * ((variance[ch] * count) / (count - 1));
      }
    }
  } else {
    mean = Float64Array.from(runningMean!.data);
    variance = Float64Array.from(runningVar!.data);
    subtractChannelMeans(xd, mean, xhat, n, c, inner);
  }
  const invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const out = normalize(xhat, invStd, gamma, beta, n, c, inner);

  return record(new Tensor(out, input.shape), 'batchNorm', [input, weight, bias], (gy) => {
    const { gx, gGamma, gBeta } = batchNormBackward(gy.data, xhat, invStd, gamma, training, n, c, inner);
    return [new Tensor(gx, input.shape), weight && new Tensor(gGamma, [c]), bias && new Tensor(gBeta, [c])];
  });
}

// The loops live in functions of their own, not in batchNorm and its closure: variables a closure
// captures live in a heap context, and V8 reloads them on every iteration of a loop that uses them.

/** Scales the centred xhat by invStd in place; returns xhat·gamma + beta. */
function normalize(xhat: Float32Array, invStd: Float64Array, gamma: Float32Array | undefined, beta: Float32Array | undefined, n: number, c: number, inner: number): Float32Array {
  const out = new Float32Array(xhat.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const is = invStd[ch];
      const g = gamma ? gamma[ch] : 1;
      const bt = beta ? beta[ch] : 0;
      for (let i = (b * c + ch) * inner, e = i + inner; i < e; i++) {
        const xh = xhat[i] * is;
        xhat[i] = xh;
        out[i] = xh * g + bt;
      }
    }
  }
  return out;
}

function batchNormBackward(gd: Float32Array, xhat: Float32Array, invStd: Float64Array, gamma: Float32Array | undefined, training: boolean, n: number, c: number, inner: number) {
  const count = n * inner;
  const sumG = channelSums(gd, null, n, c, inner);
  const sumGXhat = channelSums(gd, xhat, n, c, inner);
  const gx = new Float32Array(gd.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const k = (gamma ? gamma[ch] : 1) * invStd[ch];
      // in training the batch statistics depend on x too: dx = k·(g − mean(g) − xhat·mean(g·xhat))
      const meanG = training ? sumG[ch] / count : 0;
      const meanGXhat = training ? sumGXhat[ch] / count : 0;
      for (let i = (b * c + ch) * inner, e = i + inner; i < e; i++) gx[i] = k * (gd[i] - meanG - xhat[i] * meanGXhat);
    }
  }
  return { gx, gGamma: new Float32Array(sumGXhat), gBeta: new Float32Array(sumG) };
}

/** Per channel of [n, c, inner] buffers, the float64 sum of a[i]·b[i] (or of a[i] when b is null). */
function channelSums(a: Float32Array, b: Float32Array | null, n: number, c: number, inner: number): Float64Array {
  const sums = new Float64Array(c);
  for (let batch = 0; batch < n; batch++) {
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      const start = (batch * c + ch) * inner;
      if (b) for (let i = start; i < start + inner; i++) s += a[i] * b[i];
      else for (let i = start; i < start + inner; i++) s += a[i];
      sums[ch] += s;
    }
  }
  return sums;
}

function subtractChannelMeans(x: Float32Array, mean: Float64Array, out: Float32Array, n: number, c: number, inner: number): void {
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) for (let i = (b * c + ch) * inner, e = i + inner; i < e; i++) out[i] = x[i] - mean[ch];
  }
}
