// The Kernels interface: the hot ops that a backend (plain JS loops, WASM SIMD, gpu.js) implements.
// Ops in engine/ops/ validate arguments and work out every size before they call a kernel, so a
// kernel receives consistent, fully resolved parameters and only computes.
//
// Kernels take and return Tensors (not raw arrays) so that a GPU backend can keep its results on the
// device between kernels; a CPU backend just reads `.data`.

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
 * A tensor seen as [outer, channels, inner], with one bias per channel: NCHW activations are
 * [N, C, H·W]; a Linear layer's output [N, features] is [N, features, 1].
 */
export interface ChannelParams {
  outer: number;
  channels: number;
  inner: number;
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
  /** the bias gradient [channels]: gradOutput summed over outer and inner */
  biasGrad(gradOutput: Tensor, p: ChannelParams): Tensor;
  // Batch normalization's passes over x [outer, channels, inner] (the op in engine/ops/batchnorm.ts
  // does the per-channel arithmetic between them). Coefficients come as rows of a [rows, channels] tensor.
  /** [2, channels]: each channel's mean and biased variance */
  batchNormStats(x: Tensor, p: ChannelParams): Tensor;
  /** (x − mean)·scale + shift, with coefficient rows mean, scale, shift */
  batchNormForward(x: Tensor, coefficients: Tensor, p: ChannelParams): Tensor;
  /** [2, channels]: Σ gradOutput and Σ gradOutput·(x − mean), with coefficient row mean */
  batchNormGradSums(gradOutput: Tensor, x: Tensor, coefficients: Tensor, p: ChannelParams): Tensor;
  /** gradOutput·a + (x − mean)·b + shift, with coefficient rows mean, a, b, shift */
  batchNormBackward(gradOutput: Tensor, x: Tensor, coefficients: Tensor, p: ChannelParams): Tensor;
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
  'biasGrad',
  'batchNormStats',
  'batchNormForward',
  'batchNormGradSums',
  'batchNormBackward',
] as const satisfies ReadonlyArray<keyof Kernels>;

// Compile-time proof that kernelNames lists every member of Kernels.
type Missing = Exclude<keyof Kernels, (typeof kernelNames)[number]>;
const everyKernelListed: Missing extends never ? true : Missing = true;
void everyKernelListed;
