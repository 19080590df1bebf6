// How each traced typegrad op becomes ONNX nodes: a translator gets the op's report (inputs, output, the
// attributes it passed to `record`; layouts in engine/kernels.ts), adds nodes and names the op's output.

import { formatShape, poolOutputSize, type Conv2dParams, type Pool2dParams, type SoftmaxParams, type Tensor } from '../engine/index.js';
import { float, int, ints, string, type Graph } from './graph.js';
import { DATA_TYPE } from './proto.js';

/** One op of the forward pass as the tracer heard it. */
export interface OpReport {
  op: string;
  out: Tensor;
  inputs: ReadonlyArray<Tensor | null | undefined>;
  attributes: object;
}

export interface Translation {
  graph: Graph;
  /** the value name of a tensor the op read (an input, an initializer or an earlier op's output) */
  valueOf(t: Tensor): string;
}

type Translator = (t: Translation, r: OpReport) => string;

const inputsOf = (t: Translation, r: OpReport): string[] => r.inputs.map((x) => (x ? t.valueOf(x) : ''));
const unary = (opType: string): Translator => (t, r) => t.graph.node(opType, inputsOf(t, r));

/** Ops that are one ONNX node of the same inputs. */
const sameInputs: Record<string, string> = {
  ...{ add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', maximum: 'Max', minimum: 'Min', matmul: 'MatMul', 'linear bias': 'Add' },
  ...{ neg: 'Neg', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', abs: 'Abs', relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', softplus: 'Softplus', erf: 'Erf', clone: 'Identity' },
};
/** The reshape family and ops that pick positions along a dim (einsum's own reshapes: its products are matmuls). */
const reshapesOrGathers = ['reshape', 'flatten', 'squeeze', 'unsqueeze', 'index', 'view', 'einsum', 'repeat', 'roll', 'slice', 'indexSelect'];

/** Each typegrad op's ONNX form (opsets 13 to 21). */
export const translators: Readonly<Record<string, Translator>> = {
  ...Object.fromEntries(Object.entries(sameInputs).map(([op, opType]) => [op, unary(opType)])),
  ...Object.fromEntries(reshapesOrGathers.map((op) => [op, reshapeOrGather])),
  leakyRelu: (t, r) => t.graph.node('LeakyRelu', inputsOf(t, r), { alpha: float(attrs<{ negativeSlope: number }>(r).negativeSlope) }),
  gelu,
  clamp,
  elu,
  selu: elu, // the elu inside selu's scaling
  celu: elu, // the elu inside celu's scalings
  silu: (t, r) => timesItself(t, r, (x) => t.graph.node('Sigmoid', [x])),
  mish: (t, r) => timesItself(t, r, (x) => t.graph.node('Tanh', [t.graph.node('Softplus', [x])])),
  hardsigmoid: (t, r) => hardSigmoid(t.graph, t.valueOf(r.inputs[0]!)),
  hardswish: (t, r) => (t.graph.opset >= 14 ? t.graph.node('HardSwish', inputsOf(t, r)) : timesItself(t, r, (x) => hardSigmoid(t.graph, x))),
  eq: comparison('Equal'),
  ne: (t, r) => t.graph.node('Cast', [t.graph.node('Not', [t.graph.node('Equal', inputsOf(t, r))])], { to: int(DATA_TYPE.float) }),
  gt: comparison('Greater'),
  ge: comparison('GreaterOrEqual'),
  lt: comparison('Less'),
  le: comparison('LessOrEqual'),

  permute: (t, r) => t.graph.node('Transpose', inputsOf(t, r), { perm: ints(attrs<{ dims: number[] }>(r).dims) }),
  expand: (t, r) => t.graph.node('Expand', [t.valueOf(r.inputs[0]!), t.graph.int64Initializer('shape', r.out.shape)]),
  cat: (t, r) => ('index' in r.attributes ? reshapeOrGather(t, r) : t.graph.node('Concat', inputsOf(t, r), { axis: int(attrs<{ dim: number }>(r).dim) })),
  pad,
  gather,
  embedding,
  where,

  linear,
  conv2d,
  convTranspose2d,
  'convTranspose2d bias': (t, r) => addPerChannel(t, r),
  layerNorm: standardizeRows,
  groupNorm: standardizeRows,
  instanceNorm: standardizeRows,
  maxPool2d: (t, r) => pool('MaxPool', t, r),
  avgPool2d: (t, r) => pool('AveragePool', t, r),
  batchNorm,
  softmax: (t, r) => t.graph.node(attrs<SoftmaxParams>(r).log ? 'LogSoftmax' : 'Softmax', inputsOf(t, r), { axis: int(attrs<SoftmaxParams>(r).dim) }),
  logSoftmax: (t, r) => t.graph.node('LogSoftmax', inputsOf(t, r), { axis: int(attrs<SoftmaxParams>(r).dim) }),
  sum: (t, r) => reduce('ReduceSum', 13, t, r),
  mean: (t, r) => reduce('ReduceMean', 18, t, r),
  max: (t, r) => reduce('ReduceMax', 18, t, r),
  min: (t, r) => reduce('ReduceMin', 18, t, r),
  maxWithIndices: (t, r) => reduce('ReduceMax', 18, t, r),
  minWithIndices: (t, r) => reduce('ReduceMin', 18, t, r),
  argmax: (t, r) => argExtreme('ArgMax', t, r),
  argmin: (t, r) => argExtreme('ArgMin', t, r),
  'embedding (maxNorm)': embeddingRenormed,
  scatter: (t, r) => scatterElements('none', t, r),
  scatterAdd: (t, r) => scatterElements('add', t, r),
  cumsum: (t, r) => t.graph.node('CumSum', [t.valueOf(r.inputs[0]!), t.graph.int64Initializer('axis', [attrs<{ dim: number }>(r).dim], [])]),
  sort,
};

function elu(t: Translation, r: OpReport): string {
  return t.graph.node('Elu', inputsOf(t, r), { alpha: float(attrs<{ alpha: number }>(r).alpha) });
}

function attrs<T>(r: OpReport): T {
  return r.attributes as T;
}

/**
 * GELU: ONNX has it from opset 20; before, the formula itself.
 *   exact:  x·(1 + erf(x/√2))/2            tanh: x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2
 */
function gelu(t: Translation, r: OpReport): string {
  const { approximate } = attrs<{ approximate: 'none' | 'tanh' }>(r);
  const g = t.graph;
  const x = t.valueOf(r.inputs[0]!);
  if (g.opset >= 20) return g.node('Gelu', [x], { approximate: string(approximate) });
  let inner: string;
  if (approximate === 'none') {
    inner = g.node('Erf', [g.node('Div', [x, g.scalar('sqrt2', Math.SQRT2)])]);
  } else {
    const cube = g.node('Mul', [x, g.node('Mul', [x, x])]);
    const poly = g.node('Add', [x, g.node('Mul', [cube, g.scalar('gelu_c', 0.044715)])]);
    inner = g.node('Tanh', [g.node('Mul', [poly, g.scalar('sqrt_2_over_pi', Math.sqrt(2 / Math.PI))])]);
  }
  const onePlus = g.node('Add', [inner, g.scalar('one', 1)]);
  return g.node('Mul', [g.node('Mul', [x, onePlus]), g.scalar('half', 0.5)]);
}

/** Clip's bounds are optional inputs (opset 11+); an infinite bound is left out. */
function clamp(t: Translation, r: OpReport): string {
  const { min, max } = attrs<{ min: number; max: number }>(r);
  const bound = (v: number, stem: string) => (Number.isFinite(v) ? t.graph.scalar(stem, v) : '');
  return t.graph.node('Clip', [t.valueOf(r.inputs[0]!), bound(min, 'clip_min'), bound(max, 'clip_max')]);
}

/** The reshape family gives the output shape; slice, index, indexSelect say the positions they picked, picked again by Gather. */
function reshapeOrGather(t: Translation, r: OpReport): string {
  const x = t.valueOf(r.inputs[0]!);
  if (!('index' in r.attributes)) return t.graph.node('Reshape', [x, t.graph.int64Initializer('shape', r.out.shape)]);
  const { dim, index } = attrs<{ dim: number; index: Tensor }>(r);
  const positions = Array.from(index.data);
  if (positions.some((p) => p < 0)) throw new Error(`onnx.exportModel: ${r.op} picks fill positions along dim ${dim} (output ${formatShape(r.out.shape)}), which ONNX's Gather cannot`);
  return t.graph.node('Gather', [x, t.graph.int64Initializer('indices', positions)], { axis: int(dim) });
}

/** One padded dim: constant is Pad (negative amounts crop); reflect, replicate, circular a Gather of input positions (Pad's 'wrap' is opset 19+). */
function pad(t: Translation, r: OpReport): string {
  const { dim, fill, mode, before, after } = attrs<{ dim: number; fill: number; mode: string; before: number; after: number }>(r);
  if (mode !== 'constant') return reshapeOrGather(t, r);
  const x = r.inputs[0]!;
  const pads = new Array(2 * x.ndim).fill(0);
  [pads[dim], pads[x.ndim + dim]] = [before, after];
  return t.graph.node('Pad', [t.valueOf(x), t.graph.int64Initializer('pads', pads), t.graph.scalar('pad_value', fill)], { mode: string('constant') });
}

/** F.linear's product x·Wᵀ on x viewed as [1, rows, in]: Gemm takes matrices, so rows × in in and out. */
function linear(t: Translation, r: OpReport): string {
  const [x, weight] = r.inputs as Tensor[];
  const g = t.graph;
  const [, rows, inFeatures] = x.shape;
  const matrix = g.node('Reshape', [t.valueOf(x), g.int64Initializer('shape', [rows, inFeatures])]);
  const product = g.node('Gemm', [matrix, t.valueOf(weight)], { transB: int(1) });
  return g.node('Reshape', [product, g.int64Initializer('shape', r.out.shape)]);
}

function conv2d(t: Translation, r: OpReport): string {
  const p = attrs<Conv2dParams>(r);
  const [x, weight, bias] = r.inputs;
  const inputs = [t.valueOf(x!), t.valueOf(weight!), ...(bias ? [t.valueOf(bias)] : [])];
  return t.graph.node('Conv', inputs, {
    kernel_shape: ints([p.kernelHeight, p.kernelWidth]),
    strides: ints([p.strideHeight, p.strideWidth]),
    pads: ints([p.padTop, p.padLeft, p.padBottom, p.padRight]),
    dilations: ints([p.dilationHeight, p.dilationWidth]),
    group: int(p.groups),
  });
}

/**
 * MaxPool / AveragePool: ceil mode is an output larger than rounding down gives (Pool2dParams holds the
 * size). A window over the whole input is GlobalAveragePool, as torch.onnx exports AdaptiveAvgPool2d(1).
 */
function pool(opType: 'MaxPool' | 'AveragePool', t: Translation, r: OpReport): string {
  const p = attrs<Pool2dParams>(r);
  const x = t.valueOf(r.inputs[0]!);
  const wholeInput = p.kernelHeight === p.inHeight && p.kernelWidth === p.inWidth && p.padHeight === 0 && p.padWidth === 0 && p.outHeight === 1 && p.outWidth === 1;
  if (opType === 'AveragePool' && wholeInput) return t.graph.node('GlobalAveragePool', [x]);
  const floorHeight = poolOutputSize(p.inHeight, p.kernelHeight, p.strideHeight, p.padHeight, p.dilationHeight, false);
  const floorWidth = poolOutputSize(p.inWidth, p.kernelWidth, p.strideWidth, p.padWidth, p.dilationWidth, false);
  const ceilMode = p.outHeight > floorHeight || p.outWidth > floorWidth;
  const attributes = {
    kernel_shape: ints([p.kernelHeight, p.kernelWidth]),
    strides: ints([p.strideHeight, p.strideWidth]),
    pads: ints([p.padHeight, p.padWidth, p.padHeight, p.padWidth]),
    ceil_mode: int(ceilMode ? 1 : 0),
  };
  if (opType === 'MaxPool') return t.graph.node(opType, [x], { ...attributes, dilations: ints([p.dilationHeight, p.dilationWidth]) });
  return t.graph.node(opType, [x], { ...attributes, count_include_pad: int(p.countIncludePad ? 1 : 0) });
}

/** Batch norm in evaluation (running statistics); a missing weight or bias is ones or zeros. */
function batchNorm(t: Translation, r: OpReport): string {
  const { runningMean, runningVar, eps, training } = attrs<{ runningMean: Tensor | null; runningVar: Tensor | null; eps: number; training: boolean }>(r);
  const [x, weight, bias] = r.inputs;
  if (training || !runningMean || !runningVar) {
    throw new Error(`onnx.exportModel: batchNorm on ${formatShape(x!.shape)} uses batch statistics (training); export exports evaluation, with running statistics: call model.eval() or use BatchNorm's trackRunningStats`);
  }
  const channels = x!.shape[1];
  const g = t.graph;
  const scale = weight ? t.valueOf(weight) : g.floatInitializer('bn_ones', new Float32Array(channels).fill(1), [channels]);
  const shift = bias ? t.valueOf(bias) : g.floatInitializer('bn_zeros', new Float32Array(channels), [channels]);
  return g.node('BatchNormalization', [t.valueOf(x!), scale, shift, t.valueOf(runningMean), t.valueOf(runningVar)], { epsilon: float(eps) });
}

/** ReduceSum takes its axes as an input from opset 13, the others from opset 18 (an attribute before). */
function reduce(opType: string, axesInputSince: number, t: Translation, r: OpReport): string {
  const { dims, keepdim } = attrs<{ dims: number[]; keepdim: boolean }>(r);
  const x = t.valueOf(r.inputs[0]!);
  const keepdims = { keepdims: int(keepdim ? 1 : 0) };
  if (dims.length === 0) return t.graph.node('Identity', [x]); // a 0-d input: nothing to reduce
  if (t.graph.opset >= axesInputSince) return t.graph.node(opType, [x, t.graph.int64Initializer('axes', dims)], keepdims);
  return t.graph.node(opType, [x], { axes: ints(dims), ...keepdims });
}

/** x·f(x) (SiLU, Mish, HardSwish before opset 14). */
function timesItself(t: Translation, r: OpReport, f: (x: string) => string): string {
  const x = t.valueOf(r.inputs[0]!);
  return t.graph.node('Mul', [x, f(x)]);
}

/** relu6(x + 3)/6, ONNX's HardSigmoid with PyTorch's slope and offset. */
function hardSigmoid(g: Graph, x: string): string {
  return g.node('HardSigmoid', [x], { alpha: float(1 / 6), beta: float(0.5) });
}

/** Comparisons give 0/1 as float32 in typegrad, booleans in ONNX. */
function comparison(opType: string): Translator {
  return (t, r) => t.graph.node('Cast', [t.graph.node(opType, inputsOf(t, r))], { to: int(DATA_TYPE.float) });
}

/** The params of the conv it is the adjoint of (conv-transpose.ts): padding padTop / padLeft, output padding what padBottom / padRight lack. */
function convTranspose2d(t: Translation, r: OpReport): string {
  const p = attrs<Conv2dParams>(r);
  const [x, weight] = r.inputs as Tensor[];
  return t.graph.node('ConvTranspose', [t.valueOf(x), t.valueOf(weight)], {
    kernel_shape: ints([p.kernelHeight, p.kernelWidth]),
    strides: ints([p.strideHeight, p.strideWidth]),
    pads: ints([p.padTop, p.padLeft, p.padTop, p.padLeft]),
    output_padding: ints([p.padTop - p.padBottom, p.padLeft - p.padRight]),
    dilations: ints([p.dilationHeight, p.dilationWidth]),
    group: int(p.groups),
  });
}

/** out [N, C, ...] + bias [C] along dim 1 (the biasAdd kernel), as a broadcasting Add of bias [C, 1, …]. */
function addPerChannel(t: Translation, r: OpReport): string {
  const [out, bias] = r.inputs as Tensor[];
  const shape = [bias.shape[0], ...new Array(out.ndim - 2).fill(1)];
  return t.graph.node('Add', [t.valueOf(out), t.graph.node('Reshape', [t.valueOf(bias), t.graph.int64Initializer('shape', shape)])]);
}

/** Layer, group and instance norm standardize rows of x as [rows, count]: (x − mean)/√(var + eps), biased variance; weight and bias follow. */
function standardizeRows(t: Translation, r: OpReport): string {
  const { rows, count, eps } = attrs<{ rows: number; count: number; eps: number }>(r);
  const g = t.graph;
  const x = g.node('Reshape', [t.valueOf(r.inputs[0]!), g.int64Initializer('shape', [rows, count])]);
  const rowMean = (v: string) => (g.opset >= 18 ? g.node('ReduceMean', [v, g.int64Initializer('axes', [1])], { keepdims: int(1) }) : g.node('ReduceMean', [v], { axes: ints([1]), keepdims: int(1) }));
  const centered = g.node('Sub', [x, rowMean(x)]);
  const variance = rowMean(g.node('Mul', [centered, centered]));
  const standardized = g.node('Div', [centered, g.node('Sqrt', [g.node('Add', [variance, g.scalar('eps', eps)])])]);
  return g.node('Reshape', [standardized, g.int64Initializer('shape', r.out.shape)]);
}

/** torch.gather is GatherElements; typegrad's float32 positions become int64. */
function gather(t: Translation, r: OpReport): string {
  const { dim, index } = attrs<{ dim: number; index: Tensor }>(r);
  const positions = t.graph.node('Cast', [t.valueOf(index)], { to: int(DATA_TYPE.int64) });
  return t.graph.node('GatherElements', [t.valueOf(r.inputs[0]!), positions], { axis: int(dim) });
}

/** torch.where(condition, x, y), reported once with its operands; ONNX's condition is a boolean. */
function where(t: Translation, r: OpReport): string {
  if (r.inputs.length !== 3) throw new Error(`onnx.exportModel: expected where's report with [condition, input, other], got ${r.inputs.length} inputs`);
  const [condition, x, y] = inputsOf(t, r);
  const isTrue = t.graph.node('Not', [t.graph.node('Equal', [condition, t.graph.scalar('zero', 0)])]);
  return t.graph.node('Where', [isTrue, x, y]);
}

/** ArgMax / ArgMin (the first extreme wins, as in typegrad), over the flattened input without dim; indices to float32. */
function argExtreme(opType: 'ArgMax' | 'ArgMin', t: Translation, r: OpReport): string {
  const { dim, keepdim } = attrs<{ dim: number | null; keepdim: boolean }>(r);
  const g = t.graph;
  const x = r.inputs[0]!;
  const along = dim === null ? g.node('Reshape', [t.valueOf(x), g.int64Initializer('shape', [x.size])]) : t.valueOf(x);
  const indices = g.node(opType, [along], { axis: int(dim ?? 0), keepdims: int(keepdim ? 1 : 0), select_last_index: int(0) });
  const shaped = dim === null ? g.node('Reshape', [indices, g.int64Initializer('shape', r.out.shape)]) : indices;
  return g.node('Cast', [shaped], { to: int(DATA_TYPE.float) });
}

/** F.embedding: weight's rows at the flattened ids (float32 in typegrad, int64 for Gather). */
function embedding(t: Translation, r: OpReport): string {
  const { ids } = attrs<{ ids: Tensor }>(r);
  const g = t.graph;
  const flat = g.node('Reshape', [t.valueOf(ids), g.int64Initializer('shape', [ids.size])]);
  return g.node('Gather', [t.valueOf(r.inputs[0]!), g.node('Cast', [flat], { to: int(DATA_TYPE.int64) })], { axis: int(0) });
}

/**
 * F.embedding with maxNorm: the rows the lookup picks, each scaled by maxNorm/(‖row‖ₚ + 1e−7) where its
 * p-norm exceeds maxNorm, as typegrad renormalises them in the table before the lookup (the graph cannot
 * write its initializer back, but its output is the lookup of the renormalised table).
 */
function embeddingRenormed(t: Translation, r: OpReport): string {
  const { maxNorm, normType: p } = attrs<{ maxNorm: number; normType: number }>(r);
  const g = t.graph;
  const rows = embedding(t, r);
  const rowReduce = (opType: string, x: string) =>
    g.opset >= (opType === 'ReduceSum' ? 13 : 18) ? g.node(opType, [x, g.int64Initializer('axes', [1])], { keepdims: int(1) }) : g.node(opType, [x], { axes: ints([1]), keepdims: int(1) });
  const magnitude = () => g.node('Abs', [rows]);
  let norm: string;
  if (p === 2) norm = rowReduce('ReduceL2', rows);
  else if (p === 1) norm = rowReduce('ReduceL1', rows);
  else if (p === Infinity) norm = rowReduce('ReduceMax', magnitude());
  else if (p === -Infinity) norm = rowReduce('ReduceMin', magnitude());
  else if (p === 0) norm = rowReduce('ReduceSum', g.node('Cast', [g.node('Not', [g.node('Equal', [rows, g.scalar('zero', 0)])])], { to: int(DATA_TYPE.float) }));
  else norm = g.node('Pow', [rowReduce('ReduceSum', g.node('Pow', [magnitude(), g.scalar('norm_type', p)])), g.scalar('inverse_norm_type', 1 / p)]);
  const bound = g.scalar('max_norm', maxNorm);
  const scale = g.node('Div', [bound, g.node('Add', [norm, g.scalar('renorm_eps', 1e-7)])]);
  const factor = g.node('Where', [g.node('Greater', [norm, bound]), scale, g.scalar('one', 1)]);
  return g.node('Mul', [rows, factor]);
}

/** torch.scatter / scatter_add (src cut to index's shape by the op): ScatterElements, reduction 'add' from opset 16. */
function scatterElements(reduction: 'none' | 'add', t: Translation, r: OpReport): string {
  const { dim, index } = attrs<{ dim: number; index: Tensor }>(r);
  const [x, src] = r.inputs as Tensor[];
  const g = t.graph;
  if (reduction === 'add' && g.opset < 16) throw new Error(`onnx.exportModel: scatterAdd on ${formatShape(x.shape)} needs ScatterElements' reduction 'add', opset 16 or newer; got opset ${g.opset}`);
  const positions = g.node('Cast', [t.valueOf(index)], { to: int(DATA_TYPE.int64) });
  return g.node('ScatterElements', [t.valueOf(x), positions, t.valueOf(src)], { axis: int(dim), ...(reduction === 'add' ? { reduction: string('add') } : {}) });
}

/** sort, argsort, topk: TopK (k = n for sort), equal values in order; ONNX leaves NaN's place unspecified (typegrad: last). */
function sort(t: Translation, r: OpReport): string {
  const { dim, descending, k, output } = attrs<{ dim: number; descending: boolean; k: number; output: 0 | 1 }>(r);
  const g = t.graph;
  g.node('TopK', [t.valueOf(r.inputs[0]!), g.int64Initializer('k', [k])], { axis: int(dim), largest: int(descending ? 1 : 0) }, 2);
  const picked = g.nodes[g.nodes.length - 1].outputs[output];
  return output === 0 ? picked : g.node('Cast', [picked], { to: int(DATA_TYPE.float) });
}
