// Batch normalization, PyTorch's F.batch_norm: normalize each channel (dim 1) of [N, C, ...] by its
// mean and variance, then scale by weight and shift by bias. One op with a hand-written gradient
// rather than a composite of mean/var/sub/div/mul/add (a dozen full-size tensors per call); the passes
// over the activations are kernels (statistics, the per-channel affine map forward, the gradient's
// two channel sums and its per-channel affine map), and the per-channel arithmetic between them is here,
// as elementwise ops on [C] tensors.

import { noGrad, record } from '../autograd.js';
import { kernels } from '../backend.js';
import { formatShape } from '../shape.js';
import { adoptValues, Tensor } from '../tensor.js';
import { add, div, mul } from './elementwise.js';

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
  // the per-channel arithmetic runs on [C] tensors, outside the graph: the gradient is written by hand
  const { mean, invStd, scale, shift } = noGrad(() => {
    let mean: Tensor, variance: Tensor;
    if (training) {
      ({ mean, variance } = kernels().batchNormStats(input, p));
      if (runningMean && runningVar) {
        adoptValues(runningMean, add(mul(runningMean, 1 - momentum), mul(mean, momentum)));
        adoptValues(runningVar, add(mul(runningVar, 1 - momentum), mul(variance, (momentum * count) / (count - 1)))); // unbiased
      }
    } else {
      [mean, variance] = [runningMean!, runningVar!];
    }
    const invStd = kernels().unary(add(variance, eps), { op: 'rsqrt' });
    // y = (x − mean)·invStd·gamma + beta
    return { mean, invStd, scale: weight ? mul(invStd, weight) : invStd, shift: bias ?? zerosOf(c) };
  });
  const out = kernels().batchNormForward(input, { mean, scale, shift }, p);

  return record(out, 'batchNorm', [input, weight, bias], (gy) => {
    // S1 = Σ gy and S2 = Σ gy·(x − mean) per channel; gy·xhat summed is invStd·S2
    const { sumGrad: s1, sumGradCentered: s2 } = kernels().batchNormGradSums(gy, input, mean, p);
    // gx = k·(gy − mean(gy) − xhat·mean(gy·xhat)) with k = gamma·invStd in training (the batch
    // statistics depend on x too), gx = k·gy in evaluation; as gy·k + (x − mean)·b + shift:
    const k = scale;
    const coefficients = training
      ? { mean, gradScale: k, inputScale: mul(mul(k, mul(invStd, invStd)), div(s2, -count)), shift: mul(k, div(s1, -count)) }
      : { mean, gradScale: k, inputScale: zerosOf(c), shift: zerosOf(c) };
    return [
      input.requiresGrad ? kernels().batchNormBackward(gy, input, coefficients, p) : null,
      weight && mul(invStd, s2),
      bias && s1,
    ];
  }, { runningMean, runningVar, eps, training });
}

const zerosOf = (c: number) => new Tensor(new Float32Array(c), [c]);
