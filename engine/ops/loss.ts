// Losses with torch.nn.functional's semantics, composed from ops (their gradients come with them):
// nll is a product with the weighted one-hot target, summed over the classes; crossEntropy is
// logSoftmax + nll plus PyTorch's label-smoothing term.

import { formatShape, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add, div, mul, neg, softplus, sub } from './elementwise.js';
import { logSoftmax } from './softmax.js';
import { mean, sum } from './reduce.js';
import { reshape } from './movement.js';

export type Reduction = 'mean' | 'sum' | 'none';
/** Class indices: a tensor of integer values, an array, or an Int32Array. */
export type Target = Tensor | readonly number[] | Int32Array;

export interface NllOptions {
  reduction?: Reduction;
  /** a weight per class ([C]) */
  weight?: Tensor | null;
  /** targets equal to this add no loss and no gradient; default -100 as in PyTorch */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllOptions {
  /** mixes the target with the uniform distribution: (1 − ε)·target + ε/C */
  labelSmoothing?: number;
}

/** What a wrong argument was, for an error message: null, a string ('1'), a bigint (1n), … */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `a string (${JSON.stringify(v)})`;
  if (typeof v === 'bigint') return `a bigint (${v}n)`;
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'no prototype'})`;
  return `a ${typeof v} (${String(v)})`;
}

/** Shapes of a classification problem: input [N, C, ...] or [C]; targets [N, ...] or []. */
function classification(op: string, input: Tensor, target: Target, ignoreIndex: number) {
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (!(target instanceof Tensor) && !Array.isArray(target) && !(target instanceof Int32Array)) {
    throw new TypeError(`${op}: target must be a Tensor, an array of class indices or an Int32Array, got ${kindOf(target)}`);
  }
  if (input.ndim === 0) throw new RangeError(`${op}: input must be [N, C], [N, C, ...] or [C], got a 0-d tensor`);
  const classes = input.ndim === 1 ? input.shape[0] : input.shape[1];
  const batch = input.ndim === 1 ? 1 : input.shape[0];
  const spatial = sizeOf(input.shape.slice(2)); // extra dims: one loss per position (segmentation)
  const expectedShape = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  const values = target instanceof Tensor ? target.data : target;
  const targetShape = target instanceof Tensor ? target.shape : [values.length];
  if (sizeOf(targetShape) !== sizeOf(expectedShape) || (target instanceof Tensor && !sameShape(targetShape, expectedShape))) {
    throw new RangeError(`${op}: input ${formatShape(input.shape)} needs a target of shape ${formatShape(expectedShape)}, got ${formatShape(targetShape)}`);
  }
  const classOf = Int32Array.from(values, (t, i) => {
    if (typeof t !== 'number') throw new TypeError(`${op}: target at position ${i} must be a number (a class index), got ${kindOf(t)}`);
    if (!Number.isInteger(t) || ((t < 0 || t >= classes) && t !== ignoreIndex)) {
      throw new RangeError(`${op}: target ${t} at position ${i} is not a class index in 0..${classes - 1}`);
    }
    return t;
  });
  return { classes, batch, spatial, classOf, expectedShape };
}

function checkWeight(op: string, weight: Tensor | null | undefined, classes: number): void {
  if (weight == null) return;
  if (!(weight instanceof Tensor) || weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new RangeError(`${op}: weight must be a Tensor of shape [${classes}] (one per class), got ${weight instanceof Tensor ? formatShape(weight.shape) : typeof weight}`);
  }
}

/** The class weights shaped to broadcast along the class dim of `input`: [C, 1, 1, ...]. */
function alongClasses(weight: Tensor, input: Tensor): Tensor {
  const classDim = input.ndim === 1 ? 0 : 1;
  return reshape(weight, [weight.shape[0], ...input.shape.slice(classDim + 1).map(() => 1)]);
}

/**
 * The target as input's shape: weight[t] at the target's class of each element, 0 elsewhere and for
 * ignored targets. Built on the CPU from the class indices, which were read there to be checked.
 */
function weightedOneHot(input: Tensor, classOf: Int32Array, classes: number, spatial: number, ignoreIndex: number, weight: Tensor | null | undefined): Tensor {
  const hot = new Float32Array(input.size);
  // element k of the target is (n, s); its class t sits at input[n, t, s]
  classOf.forEach((t, k) => {
    if (t !== ignoreIndex) hot[(Math.floor(k / spatial) * classes + t) * spatial + (k % spatial)] = 1;
  });
  const oneHot = new Tensor(hot, input.shape);
  return weight ? mul(oneHot, alongClasses(weight, input)) : oneHot;
}

function checkReduction(op: string, reduction: string): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  }
  return reduction;
}

/** Negative log-likelihood of log-probabilities: −weight[t]·input[n, t]; 'mean' divides by the summed weights. */
export function nll(input: Tensor, target: Target, options: NllOptions = {}): Tensor {
  return negativeLogLikelihood('nll', input, target, options);
}

/**
 * nll's body; `op` is the name errors carry (crossEntropy calls it too). A composite, so its gradient
 * comes from the ops: loss_k = −Σ_c input[n, c, s] · weightedOneHot[n, c, s] (one term is non-zero).
 */
function negativeLogLikelihood(op: string, input: Tensor, target: Target, options: NllOptions): Tensor {
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const { classes, spatial, classOf } = classification(op, input, target, ignoreIndex);
  checkWeight(op, options.weight, classes);
  const hot = weightedOneHot(input, classOf, classes, spatial, ignoreIndex, options.weight);
  const losses = neg(sum(mul(input, hot), input.ndim === 1 ? 0 : 1));
  if (reduction === 'none') return losses;
  // 'mean' divides by the summed weights of the targets that count
  return reduction === 'sum' ? sum(losses) : div(sum(losses), sum(hot));
}

/**
 * PyTorch's F.cross_entropy on logits [N, C] (or [C], or [N, C, ...]) with class-index targets,
 * or with class-probability targets of the logits' own shape.
 */
export function crossEntropy(logits: Tensor, target: Target, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  if (!(logits instanceof Tensor)) throw new TypeError(`${op}: logits must be a Tensor`);
  const classDim = logits.ndim === 1 ? 0 : 1;
  const logp = logSoftmax(logits, classDim);
  const classes = logits.shape[classDim];
  const weightAlongClasses = (w: Tensor) => alongClasses(w, logits);
  checkWeight(op, options.weight, classes);

  if (target instanceof Tensor && sameShape(target.shape, logits.shape) && logits.ndim > 0) {
    // class probabilities: −Σ_c weight_c · target_c · log p_c, averaged over the samples
    let probs: Tensor = target;
    if (smoothing > 0) probs = add(mul(target, 1 - smoothing), smoothing / classes);
    let perClass = mul(logp, probs);
    if (options.weight) perClass = mul(perClass, weightAlongClasses(options.weight));
    const losses = mul(sum(perClass, classDim), -1);
    return reduction === 'none' ? losses : reduction === 'sum' ? sum(losses) : mean(losses);
  }

  const ignoreIndex = options.ignoreIndex ?? -100;
  const nllLoss = negativeLogLikelihood(op, logp, target, { reduction, weight: options.weight, ignoreIndex });
  if (smoothing === 0) return nllLoss;

  // label smoothing adds ε/C · Σ_c −weight_c·log p_c per sample (PyTorch's formula, normalised like nll)
  const { classOf, expectedShape, spatial } = classification(op, logits, target, ignoreIndex);
  const kept = new Tensor(Float32Array.from(classOf, (t) => (t === ignoreIndex ? 0 : 1)), expectedShape);
  let weighted = logp;
  if (options.weight) weighted = mul(logp, weightAlongClasses(options.weight));
  const smooth = mul(mul(sum(weighted, classDim), -1), kept);
  let smoothLoss: Tensor;
  if (reduction === 'none') smoothLoss = smooth;
  else if (reduction === 'sum') smoothLoss = sum(smooth);
  else smoothLoss = div(sum(smooth), sum(weightedOneHot(logits, classOf, classes, spatial, ignoreIndex, options.weight)));
  return add(mul(nllLoss, 1 - smoothing), mul(smoothLoss, smoothing / classes));
}

/** Mean squared error; input and target must have the same shape (PyTorch only warns, then broadcasts). */
export function mse(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const reduction = checkReduction('mse', options.reduction ?? 'mean');
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new TypeError('mse: input and target must be Tensors');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`mse: input ${formatShape(input.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
  const diff = sub(input, target);
  const squared = mul(diff, diff);
  return reduction === 'none' ? squared : reduction === 'sum' ? sum(squared) : mean(squared);
}

/**
 * PyTorch's F.binary_cross_entropy_with_logits: −[t·log σ(x) + (1 − t)·log(1 − σ(x))], computed as
 * (1 − t)·x + (1 + (posWeight − 1)·t)·softplus(−x), which never takes the log of 0.
 * `weight` scales each element; `posWeight` (per class, broadcast over the last dim) scales positives.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null } = {},
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new TypeError(`${op}: input and target must be Tensors`);
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`${op}: target ${formatShape(target.shape)} must have the same shape as input ${formatShape(input.shape)}`);
  }
  const logWeight = options.posWeight ? add(mul(sub(options.posWeight, 1), target), 1) : 1;
  let losses = add(mul(sub(1, target), input), mul(logWeight, softplus(neg(input))));
  if (options.weight) losses = mul(losses, options.weight);
  return reduction === 'none' ? losses : reduction === 'sum' ? sum(losses) : mean(losses);
}
