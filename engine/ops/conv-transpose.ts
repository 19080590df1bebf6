// convTranspose2d (PyTorch's F.conv_transpose2d): the adjoint of a conv2d, so it runs on conv2d's three
// kernels with their roles swapped and needs none of its own.
//
// Take the conv2d C that maps an output-shaped tensor y [N, outC, Ho, Wo] to the transposed conv's input
// shape [N, inC, H, W] with the same weight W [inC, outC/groups, kH, kW] (read as conv2d's
// [outChannels, inChannels/groups, …]), the same stride, padding and dilation. Then
//   forward        out = Cᵀ·x                    conv2dBackwardInput(x, W)
//   input grad     dx  = C·g                     conv2d(g, W)
//   weight grad    dW  = Σ x[o]·g[i] per tap      conv2dBackwardWeight(x, g): x plays the output gradient
// Output size per spatial dim: Ho = (H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
// outputPadding adds rows at the bottom (columns at the right) that a stride > 1 leaves ambiguous: C maps
// every Ho in [Ho₀, Ho₀ + stride) to the same H.

import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import type { Conv2dParams } from '../kernels.js';
import { parseArgs, type PyArgs } from '../options.js';
import { checkedSize, formatShape, toPair } from '../shape.js';
import { Tensor } from '../tensor.js';
import { biasGradient } from './matmul.js';
import { squeeze, unsqueeze } from './movement.js';

export interface ConvTranspose2dOptions {
  bias?: Tensor | null;
  stride?: number | [number, number];
  /** dilation·(kernel − 1) − padding zeros around the input, as PyTorch (so padding shrinks the output) */
  padding?: number | [number, number];
  /** extra output rows / columns at the bottom / right; smaller than the stride or the dilation */
  outputPadding?: number | [number, number];
  groups?: number;
  dilation?: number | [number, number];
}

/** PyTorch's positional order after input and weight: bias, stride, padding, output_padding, groups, dilation. */
const positional = { bias: 'tensor|null', stride: 'integer|array', padding: 'integer|array', outputPadding: 'integer|array', groups: 'integer', dilation: 'integer|array' } as const;

export type ConvTranspose2dArgs = PyArgs<
  [],
  [bias: Tensor | null | undefined, stride: number | [number, number] | undefined, padding: number | [number, number] | undefined, outputPadding: number | [number, number] | undefined, groups: number | undefined, dilation: number | [number, number] | undefined],
  ConvTranspose2dOptions
>;

/**
 * F.conv_transpose2d: input [N, inC, H, W] (or unbatched [inC, H, W]), weight [inC, outC/groups, kH, kW],
 * bias [outC]; `convTranspose2d(x, w, b, 2, 1, 1)` or `convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 })`.
 */
export function convTranspose2d(input: Tensor, weight: Tensor, ...args: ConvTranspose2dArgs): Tensor {
  const options = parseArgs('convTranspose2d', args, positional) as ConvTranspose2dOptions;
  const bias = options.bias ?? null;
  const p = convTranspose2dParams(input, weight, bias, options);
  const x = input.ndim === 3 ? unsqueeze(input, 0) : input; // unbatched: a batch of one
  const out = record(kernels().conv2dBackwardInput(x, weight, p), 'convTranspose2d', [x, weight], (g) => [
    x.requiresGrad ? kernels().conv2d(g, weight, null, p) : null,
    weight.requiresGrad ? kernels().conv2dBackwardWeight(x, g, p) : null,
  ], p);
  const biased = bias === null ? out : addBias(out, bias, p);
  return input.ndim === 3 ? squeeze(biased, 0) : biased;
}

/** out + bias per output channel: a kernel rather than a broadcasting add, as linear's bias, so a GPU backend keeps it on the device. */
function addBias(out: Tensor, bias: Tensor, p: Conv2dParams): Tensor {
  const c = { outer: p.batch, channels: p.inChannels, inner: p.inHeight * p.inWidth };
  return record(kernels().biasAdd(out, bias, c), 'convTranspose2d bias', [out, bias], (g) => [g, bias.requiresGrad ? biasGradient(g, c) : null]);
}

/** The transposed conv's output length along one dim: (n − 1)·s − 2·pad + d·(k − 1) + outputPadding + 1. */
export function convTransposeOutputSize(n: number, k: number, s: number, pad: number, d: number, outputPadding: number): number {
  return (n - 1) * s - 2 * pad + d * (k - 1) + outputPadding + 1;
}

/**
 * The Conv2dParams of the conv2d C whose adjoint this is (see the header): C's input is the transposed
 * conv's output and C's output its input, so inChannels / inHeight / inWidth describe the result.
 */
export function convTranspose2dParams(x: Tensor, w: Tensor, bias: Tensor | null, options: Omit<ConvTranspose2dOptions, 'bias'>, op = 'convTranspose2d'): Conv2dParams {
  if (!(x instanceof Tensor) || !(w instanceof Tensor)) throw new TypeError(`${op}: input and weight must be Tensors`);
  if (x.ndim !== 4 && x.ndim !== 3) throw new RangeError(`${op}: expected input of shape [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (w.ndim !== 4) throw new RangeError(`${op}: expected weight of shape [inChannels, outChannels/groups, kH, kW], got ${formatShape(w.shape)}`);
  const shapes = `(input ${formatShape(x.shape)}, weight ${formatShape(w.shape)})`;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  if (typeof options.padding === 'string') throw new RangeError(`${op}: padding must be a number or a pair (PyTorch has no '${options.padding}' for transposed convolutions)`);
  const [strideHeight, strideWidth] = toPair(options.stride ?? 1, 'stride', op, 1);
  const [padHeight, padWidth] = toPair(options.padding ?? 0, 'padding', op, 0);
  const [extraHeight, extraWidth] = toPair(options.outputPadding ?? 0, 'outputPadding', op, 0);
  const [dilationHeight, dilationWidth] = toPair(options.dilation ?? 1, 'dilation', op, 1);
  const [batch, inChannels, inHeight, inWidth] = x.ndim === 3 ? [1, ...x.shape] : x.shape;
  const [weightInChannels, outPerGroup, kernelHeight, kernelWidth] = w.shape;
  if (inChannels !== weightInChannels) throw new RangeError(`${op}: input has ${inChannels} channels but weight expects ${weightInChannels} ${shapes}`);
  if (inChannels % groups !== 0) throw new RangeError(`${op}: ${inChannels} input channels cannot be split into ${groups} groups ${shapes}`);
  const outChannels = outPerGroup * groups;
  if (bias !== null) {
    if (!(bias instanceof Tensor)) throw new TypeError(`${op}: bias must be a Tensor or null`);
    if (bias.ndim !== 1 || bias.shape[0] !== outChannels) {
      throw new RangeError(`${op}: bias must have shape [${outChannels}] for ${outChannels} output channels, got ${formatShape(bias.shape)}`);
    }
  }
  for (const [extra, s, d, dim] of [[extraHeight, strideHeight, dilationHeight, 'height'], [extraWidth, strideWidth, dilationWidth, 'width']] as const) {
    if (extra >= s && extra >= d) throw new RangeError(`${op}: outputPadding ${extra} (${dim}) must be smaller than the stride (${s}) or the dilation (${d})`);
  }
  const outHeight = convTransposeOutputSize(inHeight, kernelHeight, strideHeight, padHeight, dilationHeight, extraHeight);
  const outWidth = convTransposeOutputSize(inWidth, kernelWidth, strideWidth, padWidth, dilationWidth, extraWidth);
  if (outHeight < 1 || outWidth < 1) throw new RangeError(`${op}: the output would be ${outHeight}x${outWidth}: padding [${padHeight},${padWidth}] takes more than the input gives ${shapes}`);
  checkedSize([batch, outChannels, outHeight, outWidth], op);
  // C's view: its input is our output, its output our input; the output padding is the rows C's last
  // window does not reach, so C's bottom padding is padding − outputPadding (it only documents C's size)
  return {
    batch, inChannels: outChannels, inHeight: outHeight, inWidth: outWidth, outChannels: inChannels, outHeight: inHeight, outWidth: inWidth,
    kernelHeight, kernelWidth, strideHeight, strideWidth, padTop: padHeight, padLeft: padWidth, padBottom: padHeight - extraHeight, padRight: padWidth - extraWidth,
    dilationHeight, dilationWidth, groups,
  };
}
