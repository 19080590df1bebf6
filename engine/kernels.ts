// The Kernels interface: everything an op computes goes through one of these, so that a backend
// (plain JS loops, WASM SIMD, gpu.js, later WebGPU) owns every pass over a tensor's values and the
// ops in engine/ops/ only check arguments, work out sizes, call kernels and record gradients.
// Ops validate and resolve every size before they call a kernel, so a kernel receives consistent,
// fully resolved parameters (named fields, never positional rows) and only computes.
//
// Kernels take and return Tensors (not raw arrays) so that a GPU backend can keep its results on the
// device between kernels; a CPU backend just reads `.data`.
//
// Two kinds of kernel:
// - the fused hot kernels of a CNN (gemm, conv2d and both gradients, pooling, relu, bias, batch
//   norm's passes), each worth its own tuned code;
// - a small set of primitives that every other op is composed from, each one GPU dispatch with one
//   thread per output element (or per reduced slice): `unary` and `binary` elementwise by op name
//   (binary broadcasts through strides; comparisons give 0/1), `reduce` over dims, the movement
//   copies (`stridedCopy` reads any view: permute, expand; `indexSelect` / `indexAdd` pick and
//   scatter back along one dim: slice, index, pad, cat), `softmax` (a kernel rather than the five
//   passes max, sub, exp, sum, div), counter-based `randomFill` (dropout's mask) and the optimizer
//   updates (one fused pass per parameter and step, in place).
//   `gather` / `scatterAdd` pick and add back with a position per element rather than per slice
//   (torch.gather and scatter; where and sort are composed from them).
// Derivatives that a composition of primitives would make cost several passes have ops of their own
// (`geluGrad`, `clampGrad`, `powGradBase` ...): the gradient is then one `unary`/`binary` and a `mul`.
// Composed from primitives rather than given kernels, because they cost few passes over small tensors
// or are rare: the losses (nll is a product with the weighted one-hot target and a sum), pad (one
// indexSelect per padded dim), cat (each part placed by indexSelect, then added), uneven adaptive
// pooling (average: two matmuls with window matrices; max: indexSelect and a max along the windows),
// dropout (a randomFill mask and a mul), batch norm's per-channel arithmetic. Two rules keep every
// primitive one GPU dispatch: no data-dependent output shapes, and indices as float32 (exact below 2^24)
// only for positions along one dim, never flat positions into a large tensor.

import type { Tensor } from './tensor.js';

/** C[b] = op(A[b]) · op(B[b]) for b < batch, where op transposes when asked. */
export interface GemmParams {
  batch: number;
  /** rows of C */
  m: number;
  /** columns of C */
  n: number;
  /** the summed-over dim */
  k: number;
  /** A is stored as [k, m] per batch (use Aᵀ) instead of [m, k] */
  transA: boolean;
  /** B is stored as [n, k] per batch (use Bᵀ) instead of [k, n] */
  transB: boolean;
  /** how many matrices A holds: `batch`, or 1 to use the same A for every batch */
  batchA: number;
  /** how many matrices B holds: `batch`, or 1 */
  batchB: number;
}

/** A 2-D convolution (cross-correlation, as in PyTorch) on NCHW input and [outC, inC/groups, kH, kW] weight. */
export interface Conv2dParams {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  /** zeros added above / left of the input; the bottom / right amounts only shape outHeight / outWidth */
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  dilationHeight: number;
  dilationWidth: number;
  groups: number;
}

/** Max or average pooling over NCHW input; every output window starts at o·stride − pad. */
export interface Pool2dParams {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  padHeight: number;
  padWidth: number;
  /** max pooling only (1 for average pooling) */
  dilationHeight: number;
  dilationWidth: number;
  /** average pooling only: divide by the window including padding (true) or by its in-image part */
  countIncludePad: boolean;
}

/**
 * A reduction that sums over every dim but one (a bias gradient, a per-channel sum) seen as
 * [outer, channels, inner] summed over outer and inner, or null for any other: the case that
 * backends give their own loop.
 */
export function asChannelSum(shape: readonly number[], p: ReduceParams): ChannelParams | null {
  if (p.op !== 'sum' || shape.length < 2 || p.dims.length !== shape.length - 1) return null;
  const kept = shape.findIndex((_, i) => !p.dims.includes(i));
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  return { outer: size(shape.slice(0, kept)), channels: shape[kept], inner: size(shape.slice(kept + 1)) };
}

/**
 * The order in which the WASM and GL hosts pack Conv2dParams into one array of numbers, declared once:
 * the AssemblyScript class ConvParams (kernels-wasm/assembly/conv.ts) declares its fields in this order
 * and the GL shaders read P[i] by it (tests/engine/layouts.test.ts checks both). padBottom and
 * padRight are not packed: they only shape outHeight / outWidth.
 */
export const conv2dLayout = [
  'batch', 'inChannels', 'inHeight', 'inWidth', 'outChannels', 'outHeight', 'outWidth', 'kernelHeight', 'kernelWidth',
  'strideHeight', 'strideWidth', 'padTop', 'padLeft', 'dilationHeight', 'dilationWidth', 'groups',
] as const satisfies ReadonlyArray<keyof Conv2dParams>;

/** Pool2dParams packed for the WASM and GL hosts, as conv2dLayout (PoolParams in kernels-wasm/assembly/pool.ts). */
export const pool2dLayout = [
  'batch', 'channels', 'inHeight', 'inWidth', 'outHeight', 'outWidth', 'kernelHeight', 'kernelWidth',
  'strideHeight', 'strideWidth', 'padHeight', 'padWidth', 'dilationHeight', 'dilationWidth', 'countIncludePad',
] as const satisfies ReadonlyArray<keyof Pool2dParams>;

/** p's fields in a layout's order, booleans as 1/0; `overrides` replaces some (a host's share of the batch). */
export function packParams<P extends object>(p: P, layout: ReadonlyArray<keyof P>, overrides: Partial<Record<keyof P, number>> = {}): number[] {
  return layout.map((f) => {
    const v = overrides[f] ?? p[f];
    return typeof v === 'boolean' ? +v : (v as number);
  });
}

/**
 * A tensor seen as [outer, channels, inner], with one bias per channel: NCHW activations are
 * [N, C, H·W]; a Linear layer's output [N, features] is [N, features, 1].
 */
export interface ChannelParams {
  outer: number;
  channels: number;
  inner: number;
}


// ---- primitives ----

/** Elementwise functions of one tensor; the *Grad ops are derivatives f'(x), for the gradients. */
export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'sign' | 'tanh' | 'sigmoid' | 'softplus'
  /** x·Φ(x), PyTorch's exact GELU */
  | 'gelu'
  /** GELU's tanh approximation */
  | 'geluTanh'
  | 'leakyRelu'
  /** min(max(x, min), max); min > max gives max everywhere, as in PyTorch */
  | 'clamp'
  | 'geluGrad' | 'geluTanhGrad'
  /** 1 where x > 0, else negativeSlope */
  | 'leakyReluGrad'
  /** 1 where min <= x <= max, else 0 */
  | 'clampGrad'
  /** x·σ(x) */
  | 'silu'
  /** x above 0, alpha·(eˣ − 1) at and below */
  | 'elu'
  /** x·tanh(softplus(x)) */
  | 'mish'
  /** x·clamp(x + 3, 0, 6)/6 */
  | 'hardswish'
  /** clamp(x + 3, 0, 6)/6 */
  | 'hardsigmoid'
  /** σ(x)·(1 + x·(1 − σ(x))) */
  | 'siluGrad'
  /** 1 where x > 0 (and NaN), else alpha·eˣ: PyTorch's side at 0 */
  | 'eluGrad'
  /** tanh(softplus(x)) + x·(1 − tanh²(softplus(x)))·σ(x) */
  | 'mishGrad'
  /** 0 below −3, x/3 + ½ on [−3, 3], 1 above (and NaN): PyTorch's sides at ±3 */
  | 'hardswishGrad'
  /** 1/6 strictly inside (−3, 3), else 0: PyTorch's sides at ±3 */
  | 'hardsigmoidGrad'
  /** the error function (its derivative 2/√π·e^(−x²) is composed: exp and mul) */
  | 'erf';

export interface UnaryParams {
  op: UnaryOp;
  /** leakyRelu, leakyReluGrad */
  negativeSlope?: number;
  /** clamp, clampGrad (−Infinity / Infinity for an open side) */
  min?: number;
  max?: number;
  /** elu, eluGrad */
  alpha?: number;
}

/** Elementwise functions of two tensors; comparisons give 0/1. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'
  /** ∂(a^b)/∂a = b·a^(b−1), taken as 0 where b == 0 (PyTorch's convention) */
  | 'powGradBase'
  /** ∂(a^b)/∂b = a^b·ln a, taken as 0 where a == 0 and b >= 0 */
  | 'powGradExponent'
  /** the share of maximum's gradient that goes to a: 1 if a > b, 0 if a < b, ½ at ties */
  | 'maximumShare'
  /** the share of minimum's gradient that goes to a */
  | 'minimumShare';

/**
 * out[i] = op(a[aOffset(i)], b[bOffset(i)]) for every index i of `shape` (the broadcast shape), where
 * an operand's offset is Σ index_d · strides_d over its strides, which are 0 along broadcast dims.
 */
export interface BinaryParams {
  op: BinaryOp;
  shape: readonly number[];
  aStrides: readonly number[];
  bStrides: readonly number[];
}

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min' | 'argmax' | 'argmin';

/**
 * Reduces x over `dims` (sorted, distinct), keeping them as size 1. sum and mean accumulate in
 * float64 on the CPU. max and min propagate NaN. argmax / argmin take exactly one dim and give the
 * float32 index along it of the first extreme (a NaN counts as the extreme, the first one wins).
 */
export interface ReduceParams {
  op: ReduceOp;
  dims: readonly number[];
}

/** out[i] = x[offset + Σ index_d · strides_d] for every index of `shape`: any view of x, made contiguous. */
export interface StridedCopyParams {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/**
 * indexSelect: out has x's shape with `dim` of size index.size; out[..., o, ...] = x[..., index[o], ...],
 * or `fill` where index[o] is −1 (the padding of pad's constant mode).
 */
export interface IndexSelectParams {
  dim: number;
  fill: number;
}

/**
 * indexAdd, indexSelect's adjoint: out has src's shape with `dim` of size `size`, zero but for
 * out[..., index[o], ...] += src[..., o, ...] (entries −1 are skipped; repeated indices add up). A GPU
 * thread per output element gathers instead (it sums the o whose index names it): no atomics needed.
 */
export interface IndexAddParams {
  dim: number;
  size: number;
}

/**
 * gather (torch.gather along `dim`): x and index agree in every dim but `dim` (the op narrows x first
 * where PyTorch's index is smaller), seen as [outer, length, inner]; out has index's shape and
 * out[o, k, j] = x[o, index[o, k, j], j]. Index entries are float32 positions (exact below 2^24); one that
 * is not a position 0 … length − 1 gives NaN (the op checks a CPU index first; a device index it cannot
 * read without waiting).
 */
export interface GatherParams {
  dim: number;
}

/**
 * scatterAdd, gather's adjoint: src and index have the same shape, out has it with `dim` of size
 * `size`, zero but for out[o, index[o, k, j], j] += src[o, k, j] (entries that are no position
 * 0 … size − 1 are skipped; repeated ones add up, in order of k). A GPU thread per output element
 * gathers instead (it sums the k whose index names it): no atomics needed.
 */
export interface ScatterAddParams {
  dim: number;
  size: number;
}

/** softmax or (log) logSoftmax along `dim`. */
export interface SoftmaxParams {
  dim: number;
  log: boolean;
}

/**
 * A counter-based random fill: element i is a pure function of (key, counter + i) (Philox4x32-10),
 * so every backend (and a GPU thread per element) makes the same values bit for bit, in any order.
 * 'uniform' gives u in [0, 1) with 24 random bits; 'bernoulli' gives `value` where u < p, else 0.
 */
export interface RandomParams {
  shape: readonly number[];
  /** two uint32 words, drawn from a Generator */
  key: readonly [number, number];
  /** the position of element 0 in the stream */
  counter: number;
  distribution: 'uniform' | 'bernoulli';
  /** bernoulli only */
  p?: number;
  value?: number;
}

// ---- optimizer updates: in place on the parameter and its state, one pass per parameter ----

/** torch.optim.SGD's update of one parameter. */
export interface SgdParams {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /** the momentum buffer is new: it starts at the gradient (no dampening) */
  firstStep: boolean;
}

/** torch.optim.Adam (decoupled false) or AdamW (true), for step `step` (1 on the first). */
export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  amsgrad: boolean;
  maximize: boolean;
  step: number;
}

/**
 * Adam's per-step scalars, worked out once on the CPU in float64 for every backend: the bias-corrected
 * step size lr / (1 − β1^step), √(1 − β2^step), the weight's decay factor (AdamW shrinks the weight
 * itself) and the L2 coefficient (Adam adds the decay to the gradient).
 */
export function adamScalars(o: AdamParams): { stepSize: number; bc2Sqrt: number; decay: number; l2: number } {
  return {
    stepSize: o.lr / (1 - o.beta1 ** o.step),
    bc2Sqrt: Math.sqrt(1 - o.beta2 ** o.step),
    decay: o.decoupled ? 1 - o.lr * o.weightDecay : 1,
    l2: o.decoupled ? 0 : o.weightDecay,
  };
}

export interface AdamState {
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** amsgrad only */
  maxExpAvgSq: Tensor | null;
}

export interface RmspropParams {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export interface RmspropState {
  squareAvg: Tensor;
  /** centered only */
  gradAvg: Tensor | null;
  /** momentum > 0 only */
  momentumBuffer: Tensor | null;
}

/** Per-channel coefficients of batchNormForward, [channels] each. */
export interface BatchNormForwardCoefficients {
  mean: Tensor;
  scale: Tensor;
  shift: Tensor;
}

/** Per-channel coefficients of batchNormBackward, [channels] each. */
export interface BatchNormBackwardCoefficients {
  mean: Tensor;
  gradScale: Tensor;
  inputScale: Tensor;
  shift: Tensor;
}

export interface Kernels {
  /** [batch, m, n] */
  gemm(a: Tensor, b: Tensor, p: GemmParams): Tensor;
  /** [batch, outChannels, outHeight, outWidth] */
  conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor;
  /** gradient w.r.t. the input: [batch, inChannels, inHeight, inWidth] */
  conv2dBackwardInput(gradOutput: Tensor, weight: Tensor, p: Conv2dParams): Tensor;
  /** gradient w.r.t. the weight: [outChannels, inChannels / groups, kernelHeight, kernelWidth] */
  conv2dBackwardWeight(gradOutput: Tensor, x: Tensor, p: Conv2dParams): Tensor;
  /**
   * output [batch, channels, outHeight, outWidth] and, per output, the flat h·W + w index of its max in
   * the input plane, or -1 (with output -inf) for a window that covers only padding, which dilation allows
   */
  maxPool2d(x: Tensor, p: Pool2dParams): { output: Tensor; indices: Tensor };
  maxPool2dBackward(gradOutput: Tensor, indices: Tensor, p: Pool2dParams): Tensor;
  avgPool2d(x: Tensor, p: Pool2dParams): Tensor;
  avgPool2dBackward(gradOutput: Tensor, p: Pool2dParams): Tensor;
  // The rest of a CNN layer, so that a GPU backend keeps a whole forward/backward pass on the device.
  /** max(x, 0), elementwise; NaN stays NaN */
  relu(x: Tensor): Tensor;
  /** gradOutput where the ReLU's output > 0, else 0 */
  reluBackward(gradOutput: Tensor, output: Tensor): Tensor;
  /** x [outer, channels, inner] + bias [channels] */
  biasAdd(x: Tensor, bias: Tensor, p: ChannelParams): Tensor;
  // Batch normalization's passes over x [outer, channels, inner]; the op in engine/ops/batchnorm.ts
  // works out the per-channel coefficients between them (with primitives on [channels] tensors).
  /** each channel's mean and biased variance, [channels] each */
  batchNormStats(x: Tensor, p: ChannelParams): { mean: Tensor; variance: Tensor };
  /** (x − mean)·scale + shift, per channel */
  batchNormForward(x: Tensor, c: BatchNormForwardCoefficients, p: ChannelParams): Tensor;
  /** per channel, Σ gradOutput and Σ gradOutput·(x − mean), [channels] each */
  batchNormGradSums(gradOutput: Tensor, x: Tensor, mean: Tensor, p: ChannelParams): { sumGrad: Tensor; sumGradCentered: Tensor };
  /** gradOutput·gradScale + (x − mean)·inputScale + shift, per channel */
  batchNormBackward(gradOutput: Tensor, x: Tensor, c: BatchNormBackwardCoefficients, p: ChannelParams): Tensor;
  // ---- primitives ----
  /** op(x) elementwise, x's shape */
  unary(x: Tensor, p: UnaryParams): Tensor;
  /** op(a, b) over the broadcast shape p.shape */
  binary(a: Tensor, b: Tensor, p: BinaryParams): Tensor;
  /** x's shape with p.dims set to 1 */
  reduce(x: Tensor, p: ReduceParams): Tensor;
  /** [p.shape] */
  stridedCopy(x: Tensor, p: StridedCopyParams): Tensor;
  /** index: 1-d, float32 positions along p.dim (−1: p.fill) */
  indexSelect(x: Tensor, index: Tensor, p: IndexSelectParams): Tensor;
  indexAdd(src: Tensor, index: Tensor, p: IndexAddParams): Tensor;
  /** index: x's shape but along p.dim, float32 positions along p.dim; out: index's shape */
  gather(x: Tensor, index: Tensor, p: GatherParams): Tensor;
  /** index: src's shape; out: src's shape with p.dim of size p.size */
  scatterAdd(src: Tensor, index: Tensor, p: ScatterAddParams): Tensor;
  softmax(x: Tensor, p: SoftmaxParams): Tensor;
  /** the gradient of softmax (or logSoftmax) from its output */
  softmaxBackward(gradOutput: Tensor, output: Tensor, p: SoftmaxParams): Tensor;
  randomFill(p: RandomParams): Tensor;
  /** updates param (and momentumBuffer, given when momentum > 0) in place */
  sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, p: SgdParams): void;
  /** updates param and state in place */
  adamStep(param: Tensor, grad: Tensor, state: AdamState, p: AdamParams): void;
  rmspropStep(param: Tensor, grad: Tensor, state: RmspropState, p: RmspropParams): void;
  /**
   * Device backends that queue work: resolves when everything submitted so far has run (tg.sync()).
   * Optional, so not in kernelNames: a CPU backend has computed every result when its kernel returns.
   */
  sync?(): Promise<void>;
}

/** Every kernel a backend must provide; checked when it registers. */
export const kernelNames = [
  'gemm',
  'conv2d',
  'conv2dBackwardInput',
  'conv2dBackwardWeight',
  'maxPool2d',
  'maxPool2dBackward',
  'avgPool2d',
  'avgPool2dBackward',
  'relu',
  'reluBackward',
  'biasAdd',
  'batchNormStats',
  'batchNormForward',
  'batchNormGradSums',
  'batchNormBackward',
  'unary',
  'binary',
  'reduce',
  'stridedCopy',
  'indexSelect',
  'indexAdd',
  'gather',
  'scatterAdd',
  'softmax',
  'softmaxBackward',
  'randomFill',
  'sgdStep',
  'adamStep',
  'rmspropStep',
] as const satisfies ReadonlyArray<keyof Kernels>;

// Compile-time proof that kernelNames lists every member of Kernels (but the optional sync).
type Missing = Exclude<keyof Kernels, (typeof kernelNames)[number] | 'sync'>;
const everyKernelListed: Missing extends never ? true : Missing = true;
void everyKernelListed;
