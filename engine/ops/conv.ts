// conv2d: argument checks, output size, the kernel call, and the gradient, in one place.
// Output size per spatial dim: floor((n + padBefore + padAfter − dilation·(k − 1) − 1) / stride) + 1.

import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import type { Conv2dParams } from '../kernels.js';
import { checkedSize, formatShape, toPair } from '../shape.js';
import { Tensor } from '../tensor.js';
import { biasGradient } from './matmul.js';
import { squeeze, unsqueeze } from './movement.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** zeros on each side: a number, [height, width], 'valid' (none) or 'same' (output size = input size; stride 1) */
  padding?: number | [number, number] | 'same' | 'valid';
  dilation?: number | [number, number];
  groups?: number;
}

/** PyTorch's F.conv2d: input [N, C, H, W] (or unbatched [C, H, W]), weight [outC, C/groups, kH, kW], bias [outC]. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const b = bias ?? null;
  const p = conv2dParams(input, weight, b, options);
  const x = input.ndim === 3 ? unsqueeze(input, 0) : input; // unbatched: a batch of one
  const out = record(kernels().conv2d(x, weight, b, p), 'conv2d', [x, weight, b], (g) => [
    x.requiresGrad ? kernels().conv2dBackwardInput(g, weight, p) : null,
    weight.requiresGrad ? kernels().conv2dBackwardWeight(g, x, p) : null,
    b?.requiresGrad ? biasGradient(g, { outer: p.batch, channels: p.outChannels, inner: p.outHeight * p.outWidth }) : null,
  ], p);
  return input.ndim === 3 ? squeeze(out, 0) : out;
}

/** Conv options checked, as pairs: what conv2d and the Conv2d layer (op 'Conv2d') both accept. */
export function conv2dOptions(options: Conv2dOptions, op: string): { stride: [number, number]; padding: [number, number] | 'same' | 'valid'; dilation: [number, number]; groups: number } {
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  const stride = toPair(options.stride ?? 1, 'stride', op, 1);
  const dilation = toPair(options.dilation ?? 1, 'dilation', op, 1);
  const given = options.padding ?? 0;
  const padding = given === 'same' || given === 'valid' ? given : toPair(given, 'padding', op, 0);
  if (padding === 'same' && (stride[0] !== 1 || stride[1] !== 1)) throw new RangeError(`${op}: padding 'same' needs stride 1, got stride [${stride}]`);
  return { stride, padding, dilation, groups };
}

/**
 * The zeros [before, after] one spatial dim (0: height, 1: width) gets: the given number on both sides,
 * none for 'valid', and for 'same' the d·(k − 1) that keeps the size, split with the extra one after
 * (an even kernel cannot be centred), as in PyTorch.
 */
export function convPadding(padding: [number, number] | 'same' | 'valid', dim: 0 | 1, k: number, d: number): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding !== 'same') return [padding[dim], padding[dim]];
  const total = d * (k - 1);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Output length along one dim with `pad` zeros in all (both sides): floor((n + pad − d·(k − 1) − 1) / s) + 1. */
export function convOutputSize(n: number, k: number, s: number, pad: number, d: number): number {
  return Math.floor((n + pad - d * (k - 1) - 1) / s) + 1;
}

export function conv2dParams(x: Tensor, w: Tensor, bias: Tensor | null, options: Conv2dOptions): Conv2dParams {
  const op = 'conv2d';
  if (!(x instanceof Tensor) || !(w instanceof Tensor)) throw new TypeError(`${op}: input and weight must be Tensors`);
  if (x.ndim !== 4 && x.ndim !== 3) throw new RangeError(`${op}: expected input of shape [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (w.ndim !== 4) throw new RangeError(`${op}: expected weight of shape [outChannels, inChannels/groups, kH, kW], got ${formatShape(w.shape)}`);
  const shapes = `(input ${formatShape(x.shape)}, weight ${formatShape(w.shape)})`;
  const { stride: [strideHeight, strideWidth], padding, dilation: [dilationHeight, dilationWidth], groups } = conv2dOptions(options, op);
  const [batch, inChannels, inHeight, inWidth] = x.ndim === 3 ? [1, ...x.shape] : x.shape;
  const [outChannels, weightInChannels, kernelHeight, kernelWidth] = w.shape;
  if (inChannels !== weightInChannels * groups) {
    throw new RangeError(
      groups === 1
        ? `${op}: input has ${inChannels} channels but weight expects ${weightInChannels} ${shapes}`
        : `${op}: input has ${inChannels} channels but weight expects ${weightInChannels} per group × ${groups} groups = ${weightInChannels * groups} ${shapes}`,
    );
  }
  if (outChannels % groups !== 0) throw new RangeError(`${op}: ${outChannels} output channels cannot be split into ${groups} groups ${shapes}`);
  if (bias !== null) {
    if (!(bias instanceof Tensor)) throw new TypeError(`${op}: bias must be a Tensor or null`);
    if (bias.ndim !== 1 || bias.shape[0] !== outChannels) {
      throw new RangeError(`${op}: bias must have shape [${outChannels}] for ${outChannels} output channels, got ${formatShape(bias.shape)}`);
    }
  }
  const [padTop, padBottom] = convPadding(padding, 0, kernelHeight, dilationHeight);
  const [padLeft, padRight] = convPadding(padding, 1, kernelWidth, dilationWidth);
  const outHeight = convOutputSize(inHeight, kernelHeight, strideHeight, padTop + padBottom, dilationHeight);
  const outWidth = convOutputSize(inWidth, kernelWidth, strideWidth, padLeft + padRight, dilationWidth);
  const span = (k: number, d: number) => d * (k - 1); // how far the first and last tap are apart
  if (outHeight < 1 || outWidth < 1) {
    throw new RangeError(
      `${op}: the output would be ${outHeight}x${outWidth}: the padded input (${inHeight + padTop + padBottom}x${inWidth + padLeft + padRight}) is smaller than the dilated kernel (${span(kernelHeight, dilationHeight) + 1}x${span(kernelWidth, dilationWidth) + 1}) ${shapes}`,
    );
  }
  checkedSize([batch, outChannels, outHeight, outWidth], op);
  return {
    batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelHeight, kernelWidth,
    strideHeight, strideWidth, padTop, padLeft, padBottom, padRight, dilationHeight, dilationWidth, groups,
  };
}
