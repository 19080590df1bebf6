// 3-D convolution and pooling (PyTorch's F.conv3d, F.max_pool3d, F.avg_pool3d) composed of the 2-D ops
// over the depth taps, so the 2-D kernels compute and the gradients come through the composition.
// With depth padding p (zeros, or −∞ for max pooling) in front, output depth od reads, for each depth tap
// kd, the input slice s = od·stride + kd·dilation of the padded input: one strided slice per tap.
//   conv3d        out[:, :, od] = Σ_kd conv2d(x[:, :, s], weight[:, :, kd])     the slices folded into the batch
//   maxPool3d     out[:, :, od] = first max over kd of maxPool2d(x[:, :, s])     a max commutes with a max
//   avgPool3d     out[:, :, od] = avgPool2d(Σ_kd x[:, :, s] / count(od))         the divisor is a product per dim
// where count(od) is the window's depth, clipped to the padded input (countIncludePad) or to the input,
// as PyTorch's avg_pool3d divides by (depth · height · width) counted the same way; avgPool2d divides by
// the height·width part. Pooling needs no transpose: every (channel, depth) pair is a plane of its own.
// Max pooling takes each tap's 2-D pool first and then the first maximum over the taps (maxWithIndices),
// so that at ties the gradient goes where PyTorch's goes: to the first maximum in (depth, height, width)
// order (ReLU's zeros tie often).

import { parseArgs, type PyArgs } from '../options.js';
import { checkedSize, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { conv2d, convOutputSize } from './conv.js';
import { add, mul } from './elementwise.js';
import { permute, reshape, slice, squeeze, stack, unsqueeze } from './movement.js';
import { pad } from './pad.js';
import { avgPool2d, maxPool2d, poolOutputSize } from './pool.js';
import { maxWithIndices } from './reduce.js';

export type Triple = number | readonly [number, number, number];

/** `3` or `[3, 2, 1]` → [3, 2, 1] as [depth, height, width]. */
export function toTriple(value: Triple, name: string, op: string, min = 1): [number, number, number] {
  const t = typeof value === 'number' ? [value, value, value] : value;
  if (!Array.isArray(t) || t.length !== 3 || !t.every((v) => Number.isInteger(v) && v >= min)) {
    throw new RangeError(`${op}: ${name} must be an integer >= ${min} or three of them [depth, height, width], got ${JSON.stringify(value)}`);
  }
  return [t[0], t[1], t[2]];
}

function checkInput(x: Tensor, op: string): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (x.ndim !== 5 && x.ndim !== 4) throw new RangeError(`${op}: expected input of shape [N, C, D, H, W] or [C, D, H, W], got ${formatShape(x.shape)}`);
}

/** Runs `run` on 5-D input; unbatched [C, D, H, W] input runs as a batch of one. */
function batched(x: Tensor, run: (x5: Tensor) => Tensor): Tensor {
  return x.ndim === 4 ? squeeze(run(unsqueeze(x, 0)), 0) : run(x);
}

/** The depth slices od·stride + start of x [N, C, D, H, W] for od < outDepth: [N, C, outDepth, H, W]. */
function depthSlices(x: Tensor, start: number, stride: number, outDepth: number): Tensor {
  return slice(x, 2, start, start + (outDepth - 1) * stride + 1, stride);
}

/** x padded in depth by `front` before and `back` after with `value`. */
function padDepth(x: Tensor, front: number, back: number, value = 0): Tensor {
  return front === 0 && back === 0 ? x : pad(x, [0, 0, 0, 0, front, back], { value });
}

export interface Conv3dOptions {
  bias?: Tensor | null;
  stride?: Triple;
  /** zeros on each side, 'valid' (none) or 'same' (output size = input size; stride 1) */
  padding?: Triple | 'same' | 'valid';
  dilation?: Triple;
  groups?: number;
}

/** PyTorch's order after input and weight: bias, stride, padding, dilation, groups. */
const convPositional = { bias: 'tensor|null', stride: 'integer|array', padding: 'integer|array|string', dilation: 'integer|array', groups: 'integer' } as const;

export type Conv3dArgs = PyArgs<[], [bias: Tensor | null | undefined, stride: Triple | undefined, padding: Triple | 'same' | 'valid' | undefined, dilation: Triple | undefined, groups: number | undefined], Conv3dOptions>;

/** The zeros [before, after] along dim i (0 depth, 1 height, 2 width): 'same' puts the odd one after, as PyTorch. */
export function conv3dPadding(padding: [number, number, number] | 'same' | 'valid', i: number, k: number, d: number): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding !== 'same') return [padding[i], padding[i]];
  const total = d * (k - 1);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** F.conv3d: input [N, C, D, H, W] (or [C, D, H, W]), weight [outC, C/groups, kD, kH, kW], bias [outC]. */
export function conv3d(input: Tensor, weight: Tensor, ...args: Conv3dArgs): Tensor {
  const op = 'conv3d';
  const options = parseArgs(op, args, convPositional) as Conv3dOptions;
  checkInput(input, op);
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor`);
  if (weight.ndim !== 5) throw new RangeError(`${op}: expected weight of shape [outChannels, inChannels/groups, kD, kH, kW], got ${formatShape(weight.shape)}`);
  const shapes = `(input ${formatShape(input.shape)}, weight ${formatShape(weight.shape)})`;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  const stride = toTriple(options.stride ?? 1, 'stride', op);
  const dilation = toTriple(options.dilation ?? 1, 'dilation', op);
  const given = options.padding ?? 0;
  const padding = given === 'same' || given === 'valid' ? given : toTriple(given, 'padding', op, 0);
  if (padding === 'same' && stride.some((s) => s !== 1)) throw new RangeError(`${op}: padding 'same' needs stride 1, got stride [${stride}]`);
  const [channels, ...spatial] = input.shape.slice(-4);
  const [outChannels, perGroup, ...kernel] = weight.shape;
  if (channels !== perGroup * groups) {
    throw new RangeError(`${op}: input has ${channels} channels but weight expects ${perGroup}${groups > 1 ? ` per group × ${groups} groups = ${perGroup * groups}` : ''} ${shapes}`);
  }
  if (outChannels % groups !== 0) throw new RangeError(`${op}: ${outChannels} output channels cannot be split into ${groups} groups ${shapes}`);
  const bias = options.bias ?? null;
  if (bias !== null && (!(bias instanceof Tensor) || bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new RangeError(`${op}: bias must be a Tensor of shape [${outChannels}] for ${outChannels} output channels, got ${bias instanceof Tensor ? formatShape(bias.shape) : typeof bias}`);
  }
  const pads = [0, 1, 2].map((i) => conv3dPadding(padding, i, kernel[i], dilation[i]));
  const out = [0, 1, 2].map((i) => convOutputSize(spatial[i], kernel[i], stride[i], pads[i][0] + pads[i][1], dilation[i]));
  if (out.some((o) => o < 1)) {
    throw new RangeError(`${op}: the output would be ${out.join('x')}: the padded input is smaller than the dilated kernel ${shapes}`);
  }
  checkedSize([input.ndim === 5 ? input.shape[0] : 1, outChannels, ...out], op);
  // conv2d pads height and width itself ('same' included); the depth is padded here
  const padding2d = typeof padding === 'string' ? padding : ([padding[1], padding[2]] as [number, number]);
  const [kd, outDepth] = [kernel[0], out[0]];
  return batched(input, (x) => {
    const [n, , , h, w] = x.shape;
    const padded = padDepth(x, pads[0][0], pads[0][1]);
    let sum: Tensor | null = null;
    for (let tap = 0; tap < kd; tap++) {
      // [N, C, outDepth, H, W] → [N·outDepth, C, H, W]: each output depth's slice is an image of its own
      const images = reshape(permute(depthSlices(padded, tap * dilation[0], stride[0], outDepth), [0, 2, 1, 3, 4]), [n * outDepth, channels, h, w]);
      const y = conv2d(images, squeeze(slice(weight, 2, tap, tap + 1), 2), tap === 0 ? bias : null, { stride: [stride[1], stride[2]], padding: padding2d, dilation: [dilation[1], dilation[2]], groups });
      sum = sum === null ? y : add(sum, y);
    }
    const [, , oh, ow] = sum!.shape;
    return permute(reshape(sum!, [n, outDepth, outChannels, oh, ow]), [0, 2, 1, 3, 4]);
  });
}

export interface MaxPool3dOptions {
  kernelSize: Triple;
  /** defaults to kernelSize */
  stride?: Triple | null;
  padding?: Triple;
  dilation?: Triple;
  ceilMode?: boolean;
  /** PyTorch's return_indices: only false (the indices are not returned) */
  returnIndices?: boolean;
}

export interface AvgPool3dOptions {
  kernelSize: Triple;
  stride?: Triple | null;
  padding?: Triple;
  ceilMode?: boolean;
  /** divide by the whole window including padding (PyTorch's default) */
  countIncludePad?: boolean;
  /** PyTorch's divisor_override: only null */
  divisorOverride?: number | null;
}

export type MaxPool3dArgs =
  | [options: MaxPool3dOptions]
  | PyArgs<[kernelSize: Triple], [stride: Triple | null | undefined, padding: Triple | undefined, dilation: Triple | undefined, ceilMode: boolean | undefined, returnIndices: boolean | undefined], Partial<MaxPool3dOptions>>;

export type AvgPool3dArgs =
  | [options: AvgPool3dOptions]
  | PyArgs<[kernelSize: Triple], [stride: Triple | null | undefined, padding: Triple | undefined, ceilMode: boolean | undefined, countIncludePad: boolean | undefined, divisorOverride: number | null | undefined], Partial<AvgPool3dOptions>>;

interface Window3d {
  kernel: [number, number, number];
  stride: [number, number, number];
  padding: [number, number, number];
  dilation: [number, number, number];
  out: number[];
  /** the depth padding after the input that the last window reaches (ceil mode may reach past the front padding's mirror) */
  back: number;
}

/** The window of a 3-D pooling, checked with 3-D words; the 2-D op then checks nothing that can fail. */
function window3d(op: string, x: Tensor, o: { kernelSize: Triple; stride?: Triple | null; padding?: Triple; dilation?: Triple; ceilMode?: boolean }): Window3d {
  checkInput(x, op);
  if (o.kernelSize === undefined) throw new TypeError(`${op}: kernelSize is required`);
  const kernel = toTriple(o.kernelSize, 'kernelSize', op);
  const stride = toTriple(o.stride ?? kernel, 'stride', op);
  const padding = toTriple(o.padding ?? 0, 'padding', op, 0);
  const dilation = toTriple(o.dilation ?? 1, 'dilation', op);
  if (padding.some((p, i) => p > Math.floor(kernel[i] / 2))) throw new RangeError(`${op}: padding [${padding}] must be at most half the kernel size [${kernel}]`);
  const spatial = x.shape.slice(-3);
  const out = [0, 1, 2].map((i) => poolOutputSize(spatial[i], kernel[i], stride[i], padding[i], dilation[i], o.ceilMode ?? false));
  if (out.some((v) => v < 1)) {
    throw new RangeError(`${op}: the output would be ${out.join('x')}: input ${formatShape(x.shape)} is too small for kernel [${kernel}] with padding [${padding}] and dilation [${dilation}]`);
  }
  checkedSize([...x.shape.slice(0, -3), ...out], op);
  const reach = (out[0] - 1) * stride[0] + (kernel[0] - 1) * dilation[0] + 1; // the padded depth the windows span
  return { kernel, stride, padding, dilation, out, back: Math.max(0, reach - padding[0] - spatial[0]) };
}

/** [N, C, outDepth, H, W] → [N, C·outDepth, H, W], run a 2-D pool, and back. */
function poolPlanes(x: Tensor, pool: (planes: Tensor) => Tensor): Tensor {
  const [n, c, d, h, w] = x.shape;
  const y = pool(reshape(x, [n, c * d, h, w]));
  return reshape(y, [n, c, d, y.shape[2], y.shape[3]]);
}

/** F.max_pool3d over [N, C, D, H, W] or [C, D, H, W]: `maxPool3d(x, 3, 2)` or `maxPool3d(x, { kernelSize: [2, 3, 3], padding: 1 })`. */
export function maxPool3d(input: Tensor, ...args: MaxPool3dArgs): Tensor {
  const op = 'maxPool3d';
  const o = parseArgs(op, args, { kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', dilation: 'integer|array', ceilMode: 'boolean', returnIndices: 'boolean' }) as unknown as MaxPool3dOptions;
  if (o.returnIndices) throw new RangeError(`${op}: returnIndices true is not supported (only false)`);
  const { kernel, stride, padding, dilation, out, back } = window3d(op, input, o);
  return batched(input, (x) => {
    const padded = padDepth(x, padding[0], back, -Infinity);
    const hw = (t: [number, number, number]) => [t[1], t[2]] as [number, number];
    const window2d = { kernelSize: hw(kernel), stride: hw(stride), padding: hw(padding), dilation: hw(dilation), ceilMode: o.ceilMode ?? false };
    const perTap = Array.from({ length: kernel[0] }, (_, tap) => poolPlanes(depthSlices(padded, tap * dilation[0], stride[0], out[0]), (planes) => maxPool2d(planes, window2d)));
    return perTap.length === 1 ? perTap[0] : maxWithIndices(stack(perTap, 0), 0).values;
  });
}

/** F.avg_pool3d over [N, C, D, H, W] or [C, D, H, W]: `avgPool3d(x, 2)` or `avgPool3d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false })`. */
export function avgPool3d(input: Tensor, ...args: AvgPool3dArgs): Tensor {
  const op = 'avgPool3d';
  const o = parseArgs(op, args, { kernelSize: 'integer|array', stride: 'integer|array|null', padding: 'integer|array', ceilMode: 'boolean', countIncludePad: 'boolean', divisorOverride: 'number|null' }) as unknown as AvgPool3dOptions;
  if (o.divisorOverride != null) throw new RangeError(`${op}: divisorOverride is not supported (only null)`);
  const { kernel, stride, padding, out, back } = window3d(op, input, o);
  const includePad = o.countIncludePad ?? true;
  const depth = input.shape[input.ndim - 3];
  // 1 / the depth each output depth's window counts, as [outDepth, 1, 1] to broadcast over the planes
  const perDepth = Float32Array.from({ length: out[0] }, (_, od) => {
    const start = od * stride[0] - padding[0];
    const end = Math.min(start + kernel[0], depth + padding[0]);
    return 1 / (includePad ? end - start : Math.min(end, depth) - Math.max(start, 0));
  });
  return batched(input, (x) => {
    const padded = padDepth(x, padding[0], back);
    let depthSum = depthSlices(padded, 0, stride[0], out[0]);
    for (let tap = 1; tap < kernel[0]; tap++) depthSum = add(depthSum, depthSlices(padded, tap, stride[0], out[0]));
    const depthMean = mul(depthSum, new Tensor(perDepth, [out[0], 1, 1]));
    const hw = (t: [number, number, number]) => [t[1], t[2]] as [number, number];
    return poolPlanes(depthMean, (planes) => avgPool2d(planes, { kernelSize: hw(kernel), stride: hw(stride), padding: hw(padding), ceilMode: o.ceilMode ?? false, countIncludePad: includePad }));
  });
}
