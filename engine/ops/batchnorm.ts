// Batch normalization, PyTorch's F.batch_norm: normalize each channel (dim 1) of [N, C, ...] by its
// mean and variance, then scale by weight and shift by bias. One op with a hand-written gradient
// rather than a composite of mean/var/sub/div/mul/add (a dozen full-size tensors per call); the passes
// over the activations are kernels (statistics, the per-channel affine map forward, the gradient's
// two channel sums and its per-channel affine map), and the per-channel arithmetic between them is here.

import { record } from '../autograd.js';
import { kernels } from '../backend.js';
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
  if (training && count === 1) {
    throw new RangeError(`batchNorm: expected more than 1 value per channel when training, got input ${formatShape(input.shape)}`);
  }
  if (count === 0) {
    // an empty batch gives an empty result and leaves the running stats alone, as PyTorch 1.13 does
    const none = () => new Tensor(new Float32Array(0), input.shape);
    const perChannelZeros = (t: Tensor | null) => t && new Tensor(new Float32Array(c), [c]);
    return record(none(), 'batchNorm', [input, weight, bias], () => [none(), perChannelZeros(weight), perChannelZeros(bias)]);
  }

  const p = { outer: n, channels: c, inner };
  let mean: Float64Array;
  let variance: Float64Array;
  if (training) {
    const stats = kernels().batchNormStats(input, p).data; // [2, C]: small, read back even from a GPU
    mean = Float64Array.from(stats.subarray(0, c));
    variance = Float64Array.from(stats.subarray(c));
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
  }
  const invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const gamma = (ch: number) => (weight ? weight.data[ch] : 1);

  // y = (x − mean)·invStd·gamma + beta
  const forward = rows(c, [mean, (ch) => invStd[ch] * gamma(ch), (ch) => (bias ? bias.data[ch] : 0)]);
  const out = kernels().batchNormForward(input, forward, p);

  return record(out, 'batchNorm', [input, weight, bias], (gy) => {
    // S1 = Σ gy and S2 = Σ gy·(x − mean) per channel; gy·xhat summed is invStd·S2
    const sums = kernels().batchNormGradSums(gy, input, rows(c, [mean]), p).data;
    const s1 = (ch: number) => sums[ch];
    const s2 = (ch: number) => sums[c + ch];
    // gx = k·(gy − mean(gy) − xhat·mean(gy·xhat)) with k = gamma·invStd in training (the batch
    // statistics depend on x too), gx = k·gy in evaluation; as gy·a + (x − mean)·b + shift:
    const k = (ch: number) => gamma(ch) * invStd[ch];
    const backward = rows(c, [
      mean,
      k,
      (ch) => (training ? (-k(ch) * invStd[ch] * invStd[ch] * s2(ch)) / count : 0),
      (ch) => (training ? (-k(ch) * s1(ch)) / count : 0),
    ]);
    return [
      input.requiresGrad ? kernels().batchNormBackward(gy, input, backward, p) : null,
      weight && new Tensor(Float32Array.from({ length: c }, (_, ch) => invStd[ch] * s2(ch)), [c]),
      bias && new Tensor(Float32Array.from({ length: c }, (_, ch) => s1(ch)), [c]),
    ];
  });
}

/** A [rows.length, c] tensor of per-channel coefficients, each row given as values or a function of the channel. */
function rows(c: number, values: Array<ArrayLike<number> | ((ch: number) => number)>): Tensor {
  const out = new Float32Array(values.length * c);
  values.forEach((row, r) => {
    for (let ch = 0; ch < c; ch++) out[r * c + ch] = typeof row === 'function' ? row(ch) : row[ch];
  });
  return new Tensor(out, [values.length, c]);
}
