// How each ONNX node runs in typegrad (loadModel, import.ts): constantOps fold on the CPU at load when no
// input is live (the int64 shape arithmetic torch.onnx emits); tensorOps build once at load into a function
// of typegrad tensors (autograd records it, every backend runs it), reading what they need at load (shapes,
// axes, pads, bounds) through NodeContext.constant. Semantics: ONNX's Operators.md, opsets 13 to 21.

import {
  add, argmax, argmin, avgPool1d, avgPool2d, batchNorm, broadcastShapes, cat, clamp, conv1d, conv2d, convTranspose2d, cumsum, div, einsum, elu, eq, erf, exp, expand, flip, formatShape, gather,
  ge, gelu, gt, hardswish, instanceNorm, interpolate, layerNorm, le, leakyRelu, linear, log, logSoftmax, lt, matmul, max, maximum, maxPool1d, maxPool2d, mean, min, minimum, mish,
  mul, ne, neg, pad, permute, pow, relu, reshape, scatter, scatterAdd, sigmoid, slice, softmax, softplus, softsign, split, sqrt, sub, sum, tanh, abs, topk, where, celu, tile, Tensor,
  type InterpolateMode, type PadMode,
} from '../engine/index.js';
import { indexSelect } from '../engine/ops/movement.js';
import { DATA_TYPE, type Decoded } from './proto.js';

/** A value known at load: float32 values, or integers (int64, int32, bool) as JS numbers. */
export interface Constant {
  dims: number[];
  values: Float32Array | number[];
  float: boolean;
}

export interface Node {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, Decoded>;
}

/** What a node's builder may ask about its inputs and attributes at load. */
export interface NodeContext {
  node: Node;
  has(i: number): boolean;
  shape(i: number): readonly number[];
  /** input i's values, read at load (a live input is refused, naming the node) */
  constant(i: number): Constant;
  /** whether input i is known at load (an initializer or a constant) */
  isConstant(i: number): boolean;
  /** marks input i as a tensor the op reads but never trains (batch norm's running statistics) */
  untrained(i: number): void;
  int(name: string, fallback?: number): number;
  ints(name: string, fallback?: number[]): number[];
  float(name: string, fallback?: number): number;
  string(name: string, fallback?: string): string;
  tensorAttribute(name: string): Constant | undefined;
  fail(message: string): never;
}

type Run = (xs: Tensor[]) => Tensor | Tensor[];

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const ints = (c: Constant) => Array.from(c.values, Number);

function axis(c: NodeContext, a: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(a) || a < -rank || a >= rank) c.fail(`${what} ${a} is out of range for rank ${rank}`);
  return a < 0 ? a + rank : a;
}

/** Axes from input i (the form since opset 13 / 18) or the attribute `axes` (the form before). */
function axesOf(c: NodeContext, i: number, rank: number): number[] | undefined {
  const list = c.has(i) ? ints(c.constant(i)) : c.ints('axes', []);
  if (!c.has(i) && list.length === 0) return undefined;
  return list.map((a) => axis(c, a, rank, 'axes entry'));
}

// ---------------------------------------------------------------- shapes (shared by both tables)

function reshapeTarget(c: NodeContext, shape: readonly number[], target: number[]): number[] {
  const allowZero = c.int('allowzero', 0) === 1;
  const out = target.map((d, i) => (d === 0 && !allowZero ? (i < shape.length ? shape[i] : c.fail(`shape entry ${i} is 0 (copy) past input ${formatShape(shape)}'s rank`)) : d));
  const unknown = out.indexOf(-1);
  if (unknown >= 0) {
    const known = product(out.filter((_, i) => i !== unknown));
    out[unknown] = known === 0 ? 0 : product(shape) / known;
  }
  if (out.some((d) => !Number.isInteger(d) || d < 0) || product(out) !== product(shape)) c.fail(`cannot reshape ${formatShape(shape)} to ${JSON.stringify(target)}`);
  return out;
}

function flattened(c: NodeContext, shape: readonly number[]): number[] {
  const a = c.int('axis', 1);
  const at = a < 0 ? a + shape.length : a;
  if (at < 0 || at > shape.length) c.fail(`axis ${a} is out of range for rank ${shape.length}`);
  return [product(shape.slice(0, at)), product(shape.slice(at))];
}

function squeezed(c: NodeContext, shape: readonly number[]): number[] {
  const axes = axesOf(c, 1, shape.length);
  if (axes?.some((a) => shape[a] !== 1)) c.fail(`cannot squeeze axes ${JSON.stringify(axes)} of ${formatShape(shape)}: not all are 1`);
  return shape.filter((s, i) => (axes ? !axes.includes(i) : s !== 1));
}

function unsqueezed(c: NodeContext, shape: readonly number[]): number[] {
  const raw = c.has(1) ? ints(c.constant(1)) : c.ints('axes');
  const rank = shape.length + raw.length;
  const axes = raw.map((a) => axis(c, a, rank, 'axes entry'));
  const out: number[] = [];
  let from = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : shape[from++]);
  return out;
}

/** ONNX Slice's positions along each sliced axis (clamped as the spec says; negative steps allowed). */
function slicePlan(c: NodeContext, shape: readonly number[]): Array<{ axis: number; start: number; step: number; positions: number[] }> {
  const [starts, ends] = [ints(c.constant(1)), ints(c.constant(2))];
  const axes = c.has(3) ? ints(c.constant(3)).map((a) => axis(c, a, shape.length)) : starts.map((_, i) => i);
  const steps = c.has(4) ? ints(c.constant(4)) : starts.map(() => 1);
  return axes.map((a, k) => {
    const n = shape[a];
    const step = steps[k];
    if (!Number.isInteger(step) || step === 0) c.fail(`steps must be nonzero integers, got ${steps[k]}`);
    const clampTo = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    const start = step > 0 ? clampTo(starts[k], 0, n) : clampTo(starts[k], 0, n - 1);
    const end = step > 0 ? clampTo(ends[k], 0, n) : clampTo(ends[k], -1, n - 1);
    const positions: number[] = [];
    for (let p = start; step > 0 ? p < end : p > end; p += step) positions.push(p);
    return { axis: a, start, step, positions };
  });
}

/** Gather's positions (negative ones counted from the end), checked against the axis length. */
function gatherPositions(c: NodeContext, indices: Constant, n: number): number[] {
  return ints(indices).map((p) => (p >= -n && p < n ? (p < 0 ? p + n : p) : c.fail(`index ${p} is out of range for an axis of size ${n}`)));
}

// ---------------------------------------------------------------- constants (computed on the CPU)

/** c's entries at `positions` along axis a (Gather and Slice on constants). */
function takeAlong(c: Constant, a: number, positions: readonly number[]): Constant {
  const n = c.dims[a];
  const inner = product(c.dims.slice(a + 1));
  const outer = product(c.dims.slice(0, a));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) for (const p of positions) for (let i = 0; i < inner; i++) values.push(c.values[(o * n + p) * inner + i]);
  const dims = [...c.dims];
  dims[a] = positions.length;
  return { dims, values: c.float ? Float32Array.from(values) : values, float: c.float };
}

/** An elementwise function of constants, broadcast as numpy (and ONNX) broadcast. */
function broadcastConstants(cs: Constant[], f: (...v: number[]) => number, float: boolean): Constant {
  const dims = cs.reduce<number[]>((s, k) => broadcastShapes(s, k.dims, 'onnx.loadModel'), []);
  const size = product(dims);
  const values: number[] = new Array(size);
  const strides = cs.map((k) => {
    const offset = dims.length - k.dims.length;
    let stride = 1;
    const out = dims.map(() => 0);
    for (let d = k.dims.length - 1; d >= 0; d--) {
      out[d + offset] = k.dims[d] === 1 ? 0 : stride;
      stride *= k.dims[d];
    }
    return out;
  });
  for (let i = 0; i < size; i++) {
    let rest = i;
    const at = cs.map(() => 0);
    for (let d = dims.length - 1; d >= 0; d--) {
      const coordinate = rest % dims[d];
      rest = Math.floor(rest / dims[d]);
      for (let k = 0; k < cs.length; k++) at[k] += coordinate * strides[k][d];
    }
    values[i] = f(...cs.map((k, j) => k.values[at[j]]));
  }
  return { dims, values: float ? Float32Array.from(values) : values, float };
}

const withDims = (k: Constant, dims: number[]): Constant => ({ ...k, dims });
const intConstant = (values: number[], dims = [values.length]): Constant => ({ dims, values, float: false });

function arithmetic(f: (a: number, b: number) => number, truncate = false) {
  return (c: NodeContext): Constant => {
    const [a, b] = [c.constant(0), c.constant(1)];
    const float = a.float || b.float;
    return broadcastConstants([a, b], (x, y) => (float || !truncate ? f(x, y) : Math.trunc(f(x, y))), float);
  };
}

/** Cast to `to`: float types give float32, integer types truncate, bool is ≠ 0. */
function castConstant(k: Constant, to: number): Constant {
  if (to === DATA_TYPE.float || to === DATA_TYPE.double) return { dims: k.dims, values: Float32Array.from(k.values), float: true };
  return { dims: k.dims, values: Array.from(k.values, (v) => (to === DATA_TYPE.bool ? +(v !== 0) : Math.trunc(v))), float: false };
}

function constantNode(c: NodeContext): Constant {
  const t = c.tensorAttribute('value');
  if (t) return t;
  const a = c.node.attributes;
  if (a.has('value_float')) return { dims: [], values: Float32Array.of(c.float('value_float')), float: true };
  if (a.has('value_int')) return intConstant([c.int('value_int')], []);
  if (a.has('value_ints')) return intConstant(c.ints('value_ints'));
  return c.fail(`needs a value, value_float, value_int or value_ints attribute, got ${[...a.keys()].join(', ') || 'none'}`);
}

export const constantOps: Readonly<Record<string, (c: NodeContext) => Constant | Constant[]>> = {
  Constant: constantNode,
  Identity: (c) => c.constant(0),
  Shape: (c) => {
    const shape = c.shape(0);
    const bound = (v: number) => Math.min(Math.max(v < 0 ? v + shape.length : v, 0), shape.length);
    return intConstant(shape.slice(bound(c.int('start', 0)), bound(c.int('end', shape.length))));
  },
  Size: (c) => intConstant([product(c.shape(0))], []),
  Cast: (c) => castConstant(c.constant(0), c.int('to')),
  Reshape: (c) => withDims(c.constant(0), reshapeTarget(c, c.constant(0).dims, ints(c.constant(1)))),
  Flatten: (c) => withDims(c.constant(0), flattened(c, c.constant(0).dims)),
  Squeeze: (c) => withDims(c.constant(0), squeezed(c, c.constant(0).dims)),
  Unsqueeze: (c) => withDims(c.constant(0), unsqueezed(c, c.constant(0).dims)),
  Gather: (c) => {
    const [data, indices] = [c.constant(0), c.constant(1)];
    const a = axis(c, c.int('axis', 0), data.dims.length);
    const picked = takeAlong(data, a, gatherPositions(c, indices, data.dims[a]));
    return withDims(picked, [...data.dims.slice(0, a), ...indices.dims, ...data.dims.slice(a + 1)]);
  },
  Slice: (c) => slicePlan(c, c.constant(0).dims).reduce((k, s) => takeAlong(k, s.axis, s.positions), c.constant(0)),
  Transpose: (c) => {
    const k = c.constant(0);
    const rank = k.dims.length;
    const perm = c.ints('perm', k.dims.map((_, i) => rank - 1 - i));
    const dims = perm.map((p) => k.dims[p]);
    const strides = k.dims.map((_, i) => product(k.dims.slice(i + 1)));
    const values: number[] = [];
    for (let i = 0; i < product(dims); i++) {
      let [rest, from] = [i, 0];
      for (let d = rank - 1; d >= 0; d--) {
        from += (rest % dims[d]) * strides[perm[d]];
        rest = Math.floor(rest / dims[d]);
      }
      values.push(k.values[from]);
    }
    return { dims, values: k.float ? Float32Array.from(values) : values, float: k.float };
  },
  Concat: (c) => {
    const parts = c.node.inputs.map((_, i) => c.constant(i));
    const a = axis(c, c.int('axis'), parts[0].dims.length);
    const outer = product(parts[0].dims.slice(0, a));
    const values: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const p of parts) {
        const block = product(p.dims.slice(a));
        for (let i = 0; i < block; i++) values.push(p.values[o * block + i]);
      }
    }
    const float = parts.some((p) => p.float);
    const dims = [...parts[0].dims];
    dims[a] = parts.reduce((s, p) => s + p.dims[a], 0);
    return { dims, values: float ? Float32Array.from(values) : values, float };
  },
  ConstantOfShape: (c) => {
    const dims = ints(c.constant(0));
    const fill = c.tensorAttribute('value') ?? { dims: [1], values: Float32Array.of(0), float: true };
    const values = new Array(product(dims)).fill(fill.values[0]);
    return { dims, values: fill.float ? Float32Array.from(values) : values, float: fill.float };
  },
  Add: arithmetic((a, b) => a + b),
  Sub: arithmetic((a, b) => a - b),
  Mul: arithmetic((a, b) => a * b),
  Div: arithmetic((a, b) => a / b, true),
  Equal: (c) => broadcastConstants([c.constant(0), c.constant(1)], (x, y) => +(x === y), false),
  Where: (c) => {
    const [cond, x, y] = [c.constant(0), c.constant(1), c.constant(2)];
    return broadcastConstants([cond, x, y], (k, a, b) => (k ? a : b), x.float || y.float);
  },
};

// ---------------------------------------------------------------- tensors (built at load, run by forward)

const unary = (f: (x: Tensor) => Tensor) => (): Run => (xs) => f(xs[0]);
const binary = (f: (a: Tensor, b: Tensor) => Tensor) => (): Run => (xs) => f(xs[0], xs[1]);
const variadic = (f: (a: Tensor, b: Tensor) => Tensor) => (): Run => (xs) => xs.reduce(f);
/** x and float attributes [name, default]. */
const withFloats = (names: Array<[string, number]>, f: (x: Tensor, ...a: number[]) => Tensor) => (c: NodeContext): Run => {
  const a = names.map(([name, fallback]) => c.float(name, fallback));
  return ([x]) => f(x, ...a);
};
/** An op along the attribute `axis`. */
const alongAxis = (fallback: number | undefined, f: (xs: Tensor[], a: number) => Tensor) => (c: NodeContext): Run => {
  const a = axis(c, c.int('axis', fallback), c.shape(0).length);
  return (xs) => f(xs, a);
};
const reshaped = (target: (c: NodeContext, shape: readonly number[]) => number[]) => (c: NodeContext): Run => {
  const shape = target(c, c.shape(0));
  return (xs) => reshape(xs[0], shape);
};

/** x padded along dim d alone, for ops that take torch's list of pads from the last dim. */
function padDim(x: Tensor, d: number, before: number, after: number, mode: PadMode = 'constant', value = 0): Tensor {
  const padding = new Array(2 * (x.ndim - d)).fill(0);
  [padding[padding.length - 2], padding[padding.length - 1]] = [before, after];
  return pad(x, padding, { mode, value });
}

/** Conv's and the pools' window: kernel, strides, dilations, pads at the begin and end of each axis. */
function window(c: NodeContext, kernel: number[]) {
  const autoPad = c.string('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET') c.fail(`auto_pad '${autoPad}' is not supported (only NOTSET, with explicit pads)`);
  const rank = kernel.length;
  if (rank !== 1 && rank !== 2) c.fail(`only 1-D and 2-D windows are supported, got kernel_shape ${kernel}`);
  const ones = kernel.map(() => 1);
  const pads = c.ints('pads', [...kernel, ...kernel].map(() => 0));
  const strides = c.ints('strides', ones);
  const dilations = c.ints('dilations', ones);
  const begin = pads.slice(0, rank);
  const end = pads.slice(rank);
  return { rank, kernel, strides, dilations, begin, end, symmetric: begin.every((p, i) => p === end[i]) };
}

const pair = (v: number[]): [number, number] => [v[0], v[1]];

function conv(c: NodeContext): Run {
  const w = window(c, c.ints('kernel_shape', c.shape(1).slice(2)));
  const groups = c.int('group', 1);
  return (xs) => {
    let [x, weight, bias] = xs;
    if (!w.symmetric) x = w.begin.reduce((t, b, i) => padDim(t, 2 + i, b, w.end[i]), x); // ONNX allows pads begin ≠ end
    const padding = w.symmetric ? w.begin : w.begin.map(() => 0);
    if (w.rank === 1) return conv1d(x, weight, { bias, stride: w.strides[0], padding: padding[0], dilation: w.dilations[0], groups });
    return conv2d(x, weight, bias, { stride: pair(w.strides), padding: pair(padding), dilation: pair(w.dilations), groups });
  };
}

function convTranspose(c: NodeContext): Run {
  const w = window(c, c.ints('kernel_shape', c.shape(1).slice(2)));
  if (w.rank !== 2) c.fail(`only 2-D transposed convolutions are supported, got input ${formatShape(c.shape(0))}`);
  if (c.node.attributes.has('output_shape')) c.fail('output_shape is not supported (pads and output_padding are)');
  if (!w.symmetric) c.fail(`pads must be equal at the beginning and end of each axis, got ${JSON.stringify([...w.begin, ...w.end])}`);
  const outputPadding = c.ints('output_padding', [0, 0]);
  const groups = c.int('group', 1);
  return ([x, weight, bias]) => convTranspose2d(x, weight, { bias, stride: pair(w.strides), padding: pair(w.begin), outputPadding: pair(outputPadding), groups, dilation: pair(w.dilations) });
}

function pool(kind: 'max' | 'average') {
  return (c: NodeContext): Run => {
    const w = window(c, c.ints('kernel_shape'));
    if (c.node.outputs.length > 1 && c.node.outputs[1] !== '') c.fail('the Indices output is not supported');
    if (!w.symmetric) c.fail(`pads must be equal at the beginning and end of each axis, got ${JSON.stringify([...w.begin, ...w.end])}`);
    const ceilMode = c.int('ceil_mode', 0) === 1;
    const countIncludePad = c.int('count_include_pad', 0) === 1;
    if (kind === 'average' && w.dilations.some((d) => d !== 1)) c.fail(`dilations are not supported for AveragePool, got ${JSON.stringify(w.dilations)}`);
    return ([x]) => {
      if (w.rank === 1) {
        const o = { kernelSize: w.kernel[0], stride: w.strides[0], padding: w.begin[0], ceilMode };
        return kind === 'max' ? maxPool1d(x, { ...o, dilation: w.dilations[0] }) : avgPool1d(x, { ...o, countIncludePad });
      }
      const o = { kernelSize: pair(w.kernel), stride: pair(w.strides), padding: pair(w.begin), ceilMode };
      return kind === 'max' ? maxPool2d(x, { ...o, dilation: pair(w.dilations) }) : avgPool2d(x, { ...o, countIncludePad });
    };
  };
}

/** ReduceSum / Mean / Max / Min: axes (input or attribute), keepdims, and noop_with_empty_axes. */
function reduce(f: (x: Tensor, dims: number[], keepdim: boolean) => Tensor) {
  return (c: NodeContext): Run => {
    const rank = c.shape(0).length;
    const axes = axesOf(c, 1, rank);
    const keepdim = c.int('keepdims', 1) === 1;
    if (axes === undefined && c.int('noop_with_empty_axes', 0) === 1) return ([x]) => x;
    const dims = axes ?? c.shape(0).map((_, i) => i);
    return ([x]) => (dims.length === 0 ? x : f(x, dims, keepdim));
  };
}

function argExtreme(f: typeof argmax) {
  return (c: NodeContext): Run => {
    if (c.int('select_last_index', 0) !== 0) c.fail('select_last_index 1 is not supported (typegrad picks the first extreme)');
    const a = axis(c, c.int('axis', 0), c.shape(0).length);
    const keepdim = c.int('keepdims', 1) === 1;
    return ([x]) => f(x, a, keepdim);
  };
}

/** A bound or fill value given as an optional scalar input. */
function scalarInput(c: NodeContext, i: number, fallback: number): number {
  if (!c.has(i)) return fallback;
  const k = c.constant(i);
  if (k.values.length !== 1) c.fail(`input ${i} must hold one value, got ${formatShape(k.dims)}`);
  return k.values[0];
}

function padNode(c: NodeContext): Run {
  const rank = c.shape(0).length;
  const pads = ints(c.constant(1));
  const axes = c.has(3) ? ints(c.constant(3)).map((a) => axis(c, a, rank)) : c.shape(0).map((_, i) => i);
  if (pads.length !== 2 * axes.length) c.fail(`pads must hold 2 entries per padded axis (${2 * axes.length}), got ${pads.length}`);
  const modes: Record<string, PadMode> = { constant: 'constant', reflect: 'reflect', edge: 'replicate', wrap: 'circular' };
  const name = c.string('mode', 'constant');
  const mode = modes[name] ?? c.fail(`mode '${name}' is not supported (constant, reflect, edge, wrap are)`);
  const value = scalarInput(c, 2, 0);
  return ([x]) => axes.reduce((t, a, k) => (pads[k] === 0 && pads[k + axes.length] === 0 ? t : padDim(t, a, pads[k], pads[k + axes.length], mode, value)), x);
}

function gemm(c: NodeContext): Run {
  const [alpha, beta] = [c.float('alpha', 1), c.float('beta', 1)];
  const [transA, transB] = [c.int('transA', 0) === 1, c.int('transB', 0) === 1];
  const fused = transB && !transA && alpha === 1 && beta === 1 && (!c.has(2) || c.shape(2).length === 1);
  return ([a, b, bias]) => {
    if (fused) return linear(a, b, bias ?? null); // torch's nn.Linear: one kernel
    let y = matmul(transA ? permute(a, [1, 0]) : a, transB ? permute(b, [1, 0]) : b);
    if (alpha !== 1) y = mul(y, alpha);
    return bias ? add(y, beta === 1 ? bias : mul(bias, beta)) : y;
  };
}

function gatherNode(c: NodeContext): Run {
  const shape = c.shape(0);
  const a = axis(c, c.int('axis', 0), shape.length);
  const indexDims = c.shape(1);
  const out = [...shape.slice(0, a), ...indexDims, ...shape.slice(a + 1)];
  const positions = c.isConstant(1) ? new Tensor(Float32Array.from(gatherPositions(c, c.constant(1), shape[a])), [product(indexDims)]) : null;
  // constant indices are checked (negative ones count from the end); live ones are typegrad's float32 positions
  return ([x, indices]) => reshape(indexSelect(x, a, positions ?? reshape(indices, [indices.size])), out);
}

function resize(c: NodeContext): Run {
  const shape = c.shape(0);
  const mode = c.string('mode', 'nearest');
  const transform = c.string('coordinate_transformation_mode', 'half_pixel');
  const nearestMode = c.string('nearest_mode', 'round_prefer_floor');
  if (c.node.attributes.has('axes') || c.int('antialias', 0) !== 0) c.fail('axes and antialias are not supported');
  let torchMode: InterpolateMode;
  let alignCorners: boolean | undefined;
  const spatial = shape.length - 2;
  if (mode === 'nearest' && transform === 'asymmetric' && nearestMode === 'floor') torchMode = 'nearest';
  else if (mode === 'nearest' && transform === 'half_pixel' && nearestMode === 'round_prefer_ceil') torchMode = 'nearest-exact';
  else if (mode === 'linear' && ['align_corners', 'half_pixel', 'pytorch_half_pixel'].includes(transform) && spatial >= 1 && spatial <= 3) {
    torchMode = (['linear', 'bilinear', 'trilinear'] as const)[spatial - 1];
    alignCorners = transform === 'align_corners';
  } else {
    return c.fail(`mode '${mode}', coordinate_transformation_mode '${transform}', nearest_mode '${nearestMode}' have no F.interpolate equivalent`);
  }
  const byScale = c.has(2) && c.constant(2).values.length > 0;
  const given = byScale ? Array.from(c.constant(2).values) : ints(c.constant(3));
  const lead = byScale ? [1, 1] : shape.slice(0, 2);
  if (given.length !== shape.length || given[0] !== lead[0] || given[1] !== lead[1]) c.fail(`expected ${byScale ? 'scales [1, 1, ...]' : 'sizes [N, C, ...]'} for input ${formatShape(shape)}, got ${given}`);
  const options = byScale ? { scaleFactor: given.slice(2), mode: torchMode } : { size: given.slice(2), mode: torchMode };
  return ([x]) => interpolate(x, alignCorners === undefined ? options : { ...options, alignCorners });
}

function splitNode(c: NodeContext): Run {
  const shape = c.shape(0);
  const a = axis(c, c.int('axis', 0), shape.length);
  const count = c.node.outputs.length;
  const sizes = c.has(1) ? ints(c.constant(1)) : c.node.attributes.has('split') ? c.ints('split') : null;
  const each = Math.ceil(shape[a] / (sizes ? 1 : c.int('num_outputs', count)));
  return ([x]) => split(x, sizes ?? each, a);
}

function cumsumNode(c: NodeContext): Run {
  const a = axis(c, scalarInput(c, 1, 0), c.shape(0).length);
  const [exclusive, reverse] = [c.int('exclusive', 0) === 1, c.int('reverse', 0) === 1];
  return ([x]) => {
    let y = cumsum(reverse ? flip(x, a) : x, a);
    if (exclusive) y = padDim(slice(y, a, 0, x.shape[a] - 1), a, 1, 0); // each sum without its own element
    return reverse ? flip(y, a) : y;
  };
}

export const tensorOps: Readonly<Record<string, (c: NodeContext) => Run>> = {
  Add: binary(add),
  Sub: binary(sub),
  Mul: binary(mul),
  Div: binary(div),
  Pow: binary(pow),
  Max: variadic(maximum),
  Min: variadic(minimum),
  Neg: unary(neg),
  Exp: unary(exp),
  Log: unary(log),
  Sqrt: unary(sqrt),
  Abs: unary(abs),
  Relu: unary(relu),
  Tanh: unary(tanh),
  Sigmoid: unary(sigmoid),
  Softplus: unary(softplus),
  Softsign: unary(softsign),
  Erf: unary(erf),
  HardSwish: unary(hardswish),
  Mish: unary(mish),
  Identity: unary((x) => x),
  Equal: binary(eq),
  Greater: binary(gt),
  GreaterOrEqual: binary(ge),
  Less: binary(lt),
  LessOrEqual: binary(le),
  Not: unary((x) => eq(x, 0)),
  Where: () => ([condition, x, y]) => where(condition, x, y),
  LeakyRelu: withFloats([['alpha', 0.01]], leakyRelu),
  Elu: withFloats([['alpha', 1]], (x, alpha) => elu(x, alpha)),
  Celu: withFloats([['alpha', 1]], (x, alpha) => celu(x, alpha)),
  Selu: withFloats([['alpha', 1.67326319217681884765625], ['gamma', 1.05070102214813232421875]], (x, alpha, gamma) => mul(elu(x, alpha), gamma)),
  HardSigmoid: withFloats([['alpha', 0.2], ['beta', 0.5]], (x, alpha, beta) => clamp(add(mul(x, alpha), beta), 0, 1)),
  Gelu: (c) => {
    const approximate = c.string('approximate', 'none') as 'none' | 'tanh';
    return ([x]) => gelu(x, approximate);
  },
  PRelu: () => ([x, slope]) => add(relu(x), mul(slope, minimum(x, 0))), // slope broadcasts, whatever its shape
  Clip: (c) => {
    const [lo, hi] = [scalarInput(c, 1, -Infinity), scalarInput(c, 2, Infinity)];
    return ([x]) => (lo === -Infinity && hi === Infinity ? x : clamp(x, lo, hi));
  },
  Cast: (c) => {
    const to = c.int('to');
    // typegrad computes in float32: integer casts keep the (integral) values, as indices and ids are
    if (![DATA_TYPE.float, DATA_TYPE.double, DATA_TYPE.int64, DATA_TYPE.int32, DATA_TYPE.bool].includes(to as 1)) c.fail(`casting to data type ${to} is not supported`);
    return ([x]) => (to === DATA_TYPE.bool ? ne(x, 0) : x);
  },
  Dropout: (c) => {
    if (c.has(2) && c.constant(2).values[0] !== 0) c.fail('training_mode true is not supported');
    if (c.node.outputs.length > 1 && c.node.outputs[1] !== '') c.fail('the mask output is not supported');
    return ([x]) => x;
  },
  Reshape: (c) => reshaped((k, s) => reshapeTarget(k, s, ints(k.constant(1))))(c),
  Flatten: reshaped(flattened),
  Squeeze: reshaped(squeezed),
  Unsqueeze: reshaped(unsqueezed),
  Transpose: (c) => {
    const rank = c.shape(0).length;
    const perm = c.ints('perm', c.shape(0).map((_, i) => rank - 1 - i));
    return ([x]) => permute(x, perm);
  },
  Expand: (c) => {
    const shape = broadcastShapes(c.shape(0), ints(c.constant(1)), 'Expand');
    return ([x]) => expand(x, shape);
  },
  Tile: (c) => {
    const repeats = ints(c.constant(1));
    return ([x]) => tile(x, repeats);
  },
  Concat: alongAxis(undefined, (xs, a) => cat(xs, a)),
  Split: splitNode,
  Slice: (c) => {
    const plan = slicePlan(c, c.shape(0));
    return ([x]) => plan.reduce((t, s) => (s.step > 0 ? slice(t, s.axis, s.start, s.start + s.positions.length * s.step, s.step) : indexSelect(t, s.axis, new Tensor(Float32Array.from(s.positions), [s.positions.length]))), x);
  },
  Gather: gatherNode,
  GatherElements: alongAxis(0, ([x, index], a) => gather(x, a, index)),
  ScatterElements: (c) => {
    const a = axis(c, c.int('axis', 0), c.shape(0).length);
    const reduction = c.string('reduction', 'none');
    if (reduction !== 'none' && reduction !== 'add') c.fail(`reduction '${reduction}' is not supported (none and add are)`);
    return ([x, index, updates]) => (reduction === 'add' ? scatterAdd(x, a, index, updates) : scatter(x, a, index, updates));
  },
  Pad: padNode,
  MatMul: binary(matmul),
  Gemm: gemm,
  Einsum: (c) => {
    const equation = c.string('equation').replace(/\s/g, '');
    return (xs) => einsum(equation, ...xs);
  },
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool('max'),
  AveragePool: pool('average'),
  GlobalAveragePool: (c) => {
    const dims = c.shape(0).slice(2).map((_, i) => i + 2);
    return ([x]) => mean(x, dims, true);
  },
  BatchNormalization: (c) => {
    if (c.int('training_mode', 0) !== 0) c.fail('training_mode 1 is not supported');
    if (c.node.outputs.filter((o) => o !== '').length > 1) c.fail('the running-statistics outputs are not supported');
    const eps = c.float('epsilon', 1e-5);
    c.untrained(3);
    c.untrained(4);
    return ([x, scale, bias, runningMean, runningVar]) => batchNorm(x, runningMean, runningVar, scale, bias, { training: false, eps });
  },
  InstanceNormalization: (c) => {
    const eps = c.float('epsilon', 1e-5);
    return ([x, weight, bias]) => instanceNorm(x, { weight, bias, eps });
  },
  LayerNormalization: (c) => {
    const shape = c.shape(0);
    const a = axis(c, c.int('axis', -1), shape.length);
    const eps = c.float('epsilon', 1e-5);
    if (c.node.outputs.filter((o) => o !== '').length > 1) c.fail('the Mean and InvStdDev outputs are not supported');
    const normalized = shape.slice(a);
    const fits = (i: number) => !c.has(i) || c.shape(i).join() === normalized.join();
    if (fits(1) && fits(2)) return ([x, weight, bias]) => layerNorm(x, normalized, { weight: weight ?? null, bias: bias ?? null, eps });
    return ([x, weight, bias]) => {
      const y = mul(layerNorm(x, normalized, { eps }), weight);
      return bias ? add(y, bias) : y;
    };
  },
  Softmax: alongAxis(-1, ([x], a) => softmax(x, a)),
  LogSoftmax: alongAxis(-1, ([x], a) => logSoftmax(x, a)),
  ReduceSum: reduce(sum),
  ReduceMean: reduce(mean),
  ReduceMax: reduce(max),
  ReduceMin: reduce(min),
  ArgMax: argExtreme(argmax),
  ArgMin: argExtreme(argmin),
  Resize: resize,
  CumSum: cumsumNode,
  TopK: (c) => {
    const a = axis(c, c.int('axis', -1), c.shape(0).length);
    const k = scalarInput(c, 1, 0);
    const largest = c.int('largest', 1) === 1;
    return ([x]) => {
      const { values, indices } = topk(x, k, { dim: a, largest });
      return [values, indices];
    };
  },
};
