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
  ]);
  return input.ndim === 3 ? squeeze(out, 0) : out;
}

export function conv2dParams(x: Tensor, w: Tensor, bias: Tensor | null, options: Conv2dOptions): Conv2dParams {
  const op = 'conv2d';
  if (!(x instanceof Tensor) || !(w instanceof Tensor)) throw new TypeError(`${op}: input and weight must be Tensors`);
  if (x.ndim !== 4 && x.ndim !== 3) throw new RangeError(`${op}: expected input of shape [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (w.ndim !== 4) throw new RangeError(`${op}: expected weight of shape [outChannels, inChannels/groups, kH, kW], got ${formatShape(w.shape)}`);
  const shapes = `(input ${formatShape(x.shape)}, weight ${formatShape(w.shape)})`;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
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
  const [strideHeight, strideWidth] = toPair(options.stride ?? 1, 'stride', op);
  const [dilationHeight, dilationWidth] = toPair(options.dilation ?? 1, 'dilation', op);
  const span = (k: number, d: number) => d * (k - 1); // how far the first and last tap are apart
  let padTop: number, padBottom: number, padLeft: number, padRight: number;
  const padding = options.padding ?? 0;
  if (padding === 'same') {
    if (strideHeight !== 1 || strideWidth !== 1) throw new RangeError(`${op}: padding 'same' needs stride 1, got stride [${strideHeight},${strideWidth}]`);
    // an even kernel cannot be centred: the extra zero goes after, as in PyTorch
    padTop = Math.floor(span(kernelHeight, dilationHeight) / 2);
    padBottom = span(kernelHeight, dilationHeight) - padTop;
    padLeft = Math.floor(span(kernelWidth, dilationWidth) / 2);
    padRight = span(kernelWidth, dilationWidth) - padLeft;
  } else if (padding === 'valid') {
    padTop = padBottom = padLeft = padRight = 0;
  } else {
    [padTop, padLeft] = toPair(padding, 'padding', op, 0);
    [padBottom, padRight] = [padTop, padLeft];
  }
  const outHeight = Math.floor((inHeight + padTop + padBottom - span(kernelHeight, dilationHeight) - 1) / strideHeight) + 1;
  const outWidth = Math.floor((inWidth + padLeft + padRight - span(kernelWidth, dilationWidth) - 1) / strideWidth) + 1;
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
