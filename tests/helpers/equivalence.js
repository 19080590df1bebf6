// The backend equivalence suite: every kernel of the Kernels interface (engine/kernels.ts) on a backend
// under test against the js backend's plain loops, on random shapes, strides, asymmetric paddings,
// dilations, groups and values (ties, NaN, ±infinity, −0). It is one table, `cases`, keyed by kernel
// name, and one runner, `checkKernel`, that compares any Kernels table with the reference: every result
// within 1e-4 of the reference output's magnitude (values.js's difference). Plain JavaScript with its
// dependencies passed in (fast-check, the Tensor class), so that the same file runs in Node
// (tests/backends/equivalence.test.ts: the WASM builds, GL in gpu.js's cpu mode) and in Chromium
// (tests/browser/gl-page.js: WASM and WebGL2 unbundled; consumer/main.js: WebGL2 in minified bundles).
//
// A case is { params, examples?, args, inPlace? }. params(fc, { large, nan }) is a fast-check arbitrary of what the
// case varies: the kernel's resolved parameters `p` (as engine/ops computes them) and a `seed` for its
// tensors; `large` adds the sizes past the WASM kernels' thresholds (GEMM cache blocks, the Winograd and
// 2×2-pooling paths); `nan: false` leaves NaN out of the inputs (for the GL shaders, which do not carry
// it: GLSL leaves comparisons with NaN undefined). examples are values of params that always run.
// args(value, make) makes the kernel's arguments; `make` has the tensor makers and the reference (for
// arguments that are another kernel's result, such as max pooling's indices) and the Tensor class. The
// primitives (unary … rmspropStep) draw everything from one seed through CaseRandom; an `inPlace` case
// (the optimizer updates) is compared on the tensors among its arguments after the call.
// A kernel added to the Kernels interface needs one entry here: the runner fails for a kernel without one.

import { difference, randomValues, tiedValues } from './values.js';

/** PyTorch's output size of a window sliding over n (ceil mode: the last window must start inside the input or its left padding). */
function outputSize(n, kernel, stride, padBefore, padAfter, dilation, ceilMode = false) {
  const span = n + padBefore + padAfter - dilation * (kernel - 1) - 1;
  const out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  return ceilMode && (out - 1) * stride >= n + padBefore ? out - 1 : out;
}

const hasOutput = ({ p }) => p.outHeight >= 1 && p.outWidth >= 1;
/** [height, width], each in min..max */
const pairOf = (fc, min, max) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }));
/** what every sliding window draws: the input plane (up to `maxPlane`), the window and its stride */
const windowOf = (fc, maxPlane) => ({ plane: pairOf(fc, 1, maxPlane), kernel: pairOf(fc, 1, 4), stride: pairOf(fc, 1, 3) });

// ---- parameters shared by several kernels ----

function gemmParams(fc, { large }) {
  const dim = (small, big) => (large ? fc.oneof(fc.integer({ min: 1, max: small }), fc.integer(big)) : fc.integer({ min: 1, max: small }));
  return fc
    .record({ batch: fc.integer({ min: 1, max: 3 }), m: dim(20, { min: 100, max: 260 }), n: dim(20, { min: 30, max: 70 }), k: dim(20, { min: 240, max: 530 }), transA: fc.boolean(), transB: fc.boolean(), sharedA: fc.boolean(), sharedB: fc.boolean(), seed: fc.nat() })
    .map(({ sharedA, sharedB, seed, ...p }) => ({ p: { ...p, batchA: sharedA ? 1 : p.batch, batchB: sharedB ? 1 : p.batch }, seed }));
}

/** 1×N, N×1 and k = 1, each way transposed. */
const gemmExamples = [[1, 37, 5], [37, 1, 5], [1, 1, 1], [9, 11, 1], [1, 300, 300]].flatMap(([m, n, k]) =>
  [[false, false], [true, false], [false, true], [true, true]].map(([transA, transB]) => ({ p: { batch: 1, m, n, k, transA, transB, batchA: 1, batchB: 1 }, seed: m + k })),
);

function convParams(fc, { large }) {
  // what every convolution case draws: padding 0..3 on each side (top, bottom, left, right)
  const common = { batch: fc.integer({ min: 1, max: 3 }), pads: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)), bias: fc.boolean(), seed: fc.nat() };
  const any = fc
    .record({
      ...common,
      groups: fc.integer({ min: 1, max: 3 }),
      inPerGroup: fc.integer({ min: 1, max: 4 }),
      outPerGroup: fc.integer({ min: 1, max: 5 }),
      ...windowOf(fc, 13),
      dilation: pairOf(fc, 1, 3),
      pointwise: fc.boolean(), // 1×1, stride 1, no padding: the kernels' GEMM-only path
    })
    .map((c) => {
      const [kernelHeight, kernelWidth] = c.pointwise ? [1, 1] : c.kernel;
      const [strideHeight, strideWidth] = c.pointwise ? [1, 1] : c.stride;
      const [padTop, padBottom, padLeft, padRight] = c.pointwise ? [0, 0, 0, 0] : c.pads;
      const [dilationHeight, dilationWidth] = c.dilation;
      const [inHeight, inWidth] = c.plane;
      const p = {
        batch: c.batch, groups: c.groups, inChannels: c.inPerGroup * c.groups, outChannels: c.outPerGroup * c.groups, inHeight, inWidth,
        kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft, padBottom, padRight, dilationHeight, dilationWidth,
        outHeight: outputSize(inHeight, kernelHeight, strideHeight, padTop, padBottom, dilationHeight),
        outWidth: outputSize(inWidth, kernelWidth, strideWidth, padLeft, padRight, dilationWidth),
      };
      return { p, bias: c.bias, seed: c.seed };
    });
  if (!large) return any.filter(hasOutput);
  // 3×3, stride 1, dilation 1, one group, 16+ channels both sides, planes of 8+: the WASM kernels'
  // Winograd F(4×4, 3×3) path (smaller planes, which some paddings make, take im2col); odd planes (tiles
  // past the edge), paddings past 2 (the input gradient crops), batches of several chunks of tiles.
  const winograd = fc
    .record({
      ...common,
      inChannels: fc.integer({ min: 16, max: 25 }),
      outChannels: fc.integer({ min: 16, max: 25 }),
      inHeight: fc.oneof(fc.integer({ min: 8, max: 13 }), fc.integer({ min: 20, max: 29 })),
      inWidth: fc.oneof(fc.integer({ min: 8, max: 13 }), fc.integer({ min: 20, max: 29 })),
    })
    .map(({ pads: [padTop, padBottom, padLeft, padRight], bias, seed, ...c }) => {
      const p = {
        ...c, groups: 1, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop, padLeft, padBottom, padRight,
        outHeight: c.inHeight + padTop + padBottom - 2, outWidth: c.inWidth + padLeft + padRight - 2,
      };
      return { p, bias, seed };
    });
  // CNN-sized layers: an odd batch, grouped and strided; many GEMM blocks
  const layers = fc.constantFrom(
    { batch: 5, inChannels: 12, inHeight: 19, inWidth: 17, outChannels: 18, outHeight: 10, outWidth: 9, strideHeight: 2, strideWidth: 2, groups: 3 },
    { batch: 2, inChannels: 32, inHeight: 16, inWidth: 16, outChannels: 64, outHeight: 16, outWidth: 16, strideHeight: 1, strideWidth: 1, groups: 1 },
  ).map((c) => ({ p: { ...c, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationHeight: 1, dilationWidth: 1 }, bias: true, seed: c.inChannels }));
  return fc.oneof({ arbitrary: any, weight: 6 }, { arbitrary: winograd, weight: 2 }, { arbitrary: layers, weight: 1 }).filter(hasOutput);
}

/** Pooling parameters; `dilated` for max pooling (average pooling has no dilation). Inputs with ties (`ties`) and a NaN (`nan`). */
function poolParams(fc, { large, nan: withNaN }, dilated) {
  // what every pooling case draws
  const common = { ceilMode: fc.boolean(), countIncludePad: fc.boolean(), ties: fc.boolean(), nan: withNaN ? fc.boolean() : fc.constant(false), seed: fc.nat() };
  const any = fc.record({
    ...common,
    batch: fc.integer({ min: 1, max: 3 }),
    channels: fc.integer({ min: 1, max: 4 }),
    ...windowOf(fc, 15),
    pad: pairOf(fc, 0, 2),
    dilation: dilated ? pairOf(fc, 1, 2) : fc.constant([1, 1]),
  });
  // the CNNs' 2×2 / stride 2 pooling, which has its own SIMD path in WASM, on planes wide enough for it
  const halving = fc.record({
    ...common,
    batch: fc.integer({ min: 1, max: 5 }),
    channels: fc.integer({ min: 1, max: 16 }),
    plane: pairOf(fc, 1, 66),
    kernel: fc.constant([2, 2]),
    stride: fc.constant([2, 2]),
    pad: pairOf(fc, 0, 1),
    dilation: fc.constant([1, 1]),
  });
  return (large ? fc.oneof(any, halving) : any)
    .map(({ plane: [inHeight, inWidth], kernel: [kernelHeight, kernelWidth], stride: [strideHeight, strideWidth], dilation: [dilationHeight, dilationWidth], pad, ceilMode, ties, nan, seed, ...c }) => {
      // PyTorch allows padding up to half the kernel
      const padHeight = Math.min(pad[0], Math.floor(kernelHeight / 2));
      const padWidth = Math.min(pad[1], Math.floor(kernelWidth / 2));
      const p = {
        ...c, inHeight, inWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth, dilationHeight, dilationWidth,
        outHeight: outputSize(inHeight, kernelHeight, strideHeight, padHeight, padHeight, dilationHeight, ceilMode),
        outWidth: outputSize(inWidth, kernelWidth, strideWidth, padWidth, padWidth, dilationWidth, ceilMode),
      };
      return { p, ties, nan, seed };
    })
    .filter(hasOutput);
}

/** A window of padding only (dilation 2 over a 1-pixel image): max pooling's output −inf and index −1, no gradient. */
const allPadding = { p: { batch: 1, channels: 1, inHeight: 1, inWidth: 1, outHeight: 1, outWidth: 1, kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, padHeight: 1, padWidth: 1, dilationHeight: 2, dilationWidth: 2, countIncludePad: true }, ties: false, nan: false, seed: 1 };

/** [outer, channels, inner]; `offset` moves batch norm's inputs far from 0, where a variance must still come out right. */
function channelParams(fc, { nan }) {
  return fc
    .record({ outer: fc.integer({ min: 1, max: 5 }), channels: fc.integer({ min: 1, max: 9 }), inner: fc.integer({ min: 1, max: 40 }), offset: fc.constantFrom(0, 0, 100), seed: fc.nat() })
    .map(({ offset, seed, ...p }) => ({ p, offset, nan, seed }));
}

// ---- the arguments ----

const convInput = ({ p, seed }, make) => make.random([p.batch, p.inChannels, p.inHeight, p.inWidth], seed);
const convWeight = ({ p, seed }, make) => make.random([p.outChannels, p.inChannels / p.groups, p.kernelHeight, p.kernelWidth], seed + 1);
const convGradOutput = ({ p, seed }, make) => make.random([p.batch, p.outChannels, p.outHeight, p.outWidth], seed + 2);

function poolInput({ p, ties, nan, seed }, make) {
  const x = (ties ? make.tied : make.random)([p.batch, p.channels, p.inHeight, p.inWidth], seed);
  if (nan) x.data[seed % x.size] = NaN;
  return x;
}
const poolGradOutput = ({ p, seed }, make) => make.random([p.batch, p.channels, p.outHeight, p.outWidth], seed + 1);

/** Random values with the IEEE specials a ReLU and a bias add must pass on as PyTorch does. */
function channelInput({ p, nan, seed }, make) {
  const x = make.random([p.outer, p.channels, p.inner], seed);
  [nan ? NaN : 2, Infinity, -Infinity, -0, 0, 1e-30, -1e-30].forEach((v, i) => (x.data[(seed + 3 * i) % x.size] = v));
  return x;
}
/** Batch norm's input: finite, and `offset` away from 0. */
function batchNormInput({ p, offset, seed }, make) {
  const x = make.random([p.outer, p.channels, p.inner], seed);
  x.data.forEach((v, i) => (x.data[i] = v + offset));
  return x;
}
const channelGradOutput = ({ p, seed }, make) => make.random([p.outer, p.channels, p.inner], seed + 1);
/** batch norm's per-channel coefficients, [channels] each, named as the kernel takes them */
const coefficients = (names, { p, seed }, make) => Object.fromEntries(names.map((name, i) => [name, make.random([p.channels], seed + 3 + i)]));

// ---- the primitives: drawn from one seed by CaseRandom ----

/** A small seeded generator (xorshift32) for the primitives' cases: the same seed gives the same case everywhere. */
class CaseRandom {
  #s;
  constructor(seed, Tensor) {
    this.#s = seed >>> 0 || 1;
    this.Tensor = Tensor;
  }
  /** uniform in [0, 1) */
  next() {
    let s = this.#s;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    this.#s = s >>> 0;
    return this.#s / 2 ** 32;
  }
  int(low, high) {
    return low + Math.floor(this.next() * (high - low + 1));
  }
  pick(items) {
    return items[Math.floor(this.next() * items.length)];
  }
  shape(maxDims = 4, maxSize = 5) {
    return Array.from({ length: this.int(1, maxDims) }, () => this.int(1, maxSize));
  }
  /** values in [low, high) */
  tensor(shape, low = -2, high = 2) {
    const n = shape.reduce((a, b) => a * b, 1);
    return new this.Tensor(Float32Array.from({ length: n }, () => low + (high - low) * this.next()), shape);
  }
}

const stridesOf = (shape) => {
  const out = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1] * shape[i + 1];
  return out;
};

/** a shape that broadcasts with `shape` (some dims 1, maybe fewer leading dims), and the strides that read it */
function broadcastOperand(r, shape) {
  const drop = r.int(0, shape.length - 1);
  const own = shape.slice(drop).map((d) => (r.next() < 0.3 ? 1 : d));
  const ownStrides = stridesOf(own);
  const strides = shape.map((d, i) => (i < drop || own[i - drop] !== d ? 0 : ownStrides[i - drop]));
  return { own, strides };
}

/** A case whose arguments `draw(r)` makes from a CaseRandom; `inPlace` for the kernels that update their arguments (the optimizers). */
const seeded = (draw, inPlace = false) => ({ params: (fc) => fc.record({ seed: fc.nat() }), args: ({ seed }, make) => draw(new CaseRandom(seed * 7919 + 1, make.Tensor)), inPlace });

const unaryOps = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'tanh', 'sigmoid', 'softplus', 'gelu', 'geluTanh', 'leakyRelu', 'clamp', 'geluGrad', 'geluTanhGrad', 'leakyReluGrad', 'clampGrad',
  'silu', 'elu', 'mish', 'hardswish', 'hardsigmoid', 'siluGrad', 'eluGrad', 'mishGrad', 'hardswishGrad', 'hardsigmoidGrad', 'erf'];
const binaryOps = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'powGradBase', 'powGradExponent', 'maximumShare', 'minimumShare'];

const primitives = {
  unary: seeded((r) => {
    const op = r.pick(unaryOps);
    const positive = op === 'log' || op === 'sqrt' || op === 'rsqrt';
    const wide = op.startsWith('hard'); // past their kinks at ±3
    return [r.tensor(r.shape(), positive ? 0.1 : wide ? -5 : -3, wide ? 5 : 3), { op, negativeSlope: 0.1, min: -0.5, max: 0.7, alpha: 0.7 }];
  }),
  binary: seeded((r) => {
    const op = r.pick(binaryOps);
    const shape = r.shape();
    // besides broadcasts, operands of the full shape and single values: the fast paths backends have for them
    const operand = () => r.pick([() => broadcastOperand(r, shape), () => ({ own: shape, strides: stridesOf(shape) }), () => ({ own: [], strides: shape.map(() => 0) })])();
    const a = operand();
    const b = operand();
    const positive = op.startsWith('pow');
    // integer-valued operands make ties for the comparisons and maximum/minimum
    const values = (own) => (op === 'eq' || op.endsWith('Share') ? new r.Tensor(r.tensor(own, 0, 3).data.map(Math.floor), own) : r.tensor(own, positive ? 0.1 : -2, 2));
    return [values(a.own), values(b.own), { op, shape, aStrides: a.strides, bStrides: b.strides }];
  }),
  reduce: seeded((r) => {
    const shape = r.shape();
    const op = r.pick(['sum', 'mean', 'max', 'min', 'argmax', 'argmin']);
    const dims = op.startsWith('arg') ? [r.int(0, shape.length - 1)] : shape.map((_, i) => i).filter(() => r.next() < 0.5);
    return [r.tensor(shape), { op, dims }];
  }),
  stridedCopy: seeded((r) => {
    // a permuted and expanded view of a contiguous tensor
    const shape = r.shape();
    const own = stridesOf(shape);
    const order = shape.map((_, i) => i).sort(() => r.next() - 0.5);
    return [r.tensor(shape), { shape: order.map((d) => shape[d]).concat([r.int(1, 3)]), strides: order.map((d) => own[d]).concat([0]), offset: 0 }];
  }),
  indexSelect: seeded((r) => {
    const shape = r.shape();
    const dim = r.int(0, shape.length - 1);
    const index = Float32Array.from({ length: r.int(1, 6) }, () => r.int(-1, shape[dim] - 1));
    return [r.tensor(shape), new r.Tensor(index, [index.length]), { dim, fill: r.pick([0, 1.5]) }];
  }),
  indexAdd: seeded((r) => {
    const shape = r.shape();
    const dim = r.int(0, shape.length - 1);
    const size = r.int(1, 5);
    const index = Float32Array.from({ length: shape[dim] }, () => r.int(-1, size - 1)); // repeats add up
    return [r.tensor(shape), new r.Tensor(index, [index.length]), { dim, size }];
  }),
  gather: seeded((r) => {
    // an index of x's shape but along dim, of positions along it (repeats, and every one of them)
    const shape = r.shape();
    const dim = r.int(0, shape.length - 1);
    const indexShape = shape.map((d, i) => (i === dim ? r.int(1, 6) : d));
    const index = r.tensor(indexShape, 0, shape[dim]);
    return [r.tensor(shape), new r.Tensor(index.data.map(Math.floor), indexShape), { dim }];
  }),
  scatterAdd: seeded((r) => {
    const shape = r.shape();
    const dim = r.int(0, shape.length - 1);
    const size = r.int(1, 5);
    const index = r.tensor(shape, -1, size + 1); // −1 and size are no positions: skipped; repeats add up
    return [r.tensor(shape), new r.Tensor(index.data.map(Math.floor), shape), { dim, size }];
  }),
  softmax: seeded((r) => {
    const shape = r.shape();
    return [r.tensor(shape, -5, 5), { dim: r.int(0, shape.length - 1), log: r.next() < 0.5 }];
  }),
  softmaxBackward: seeded((r) => {
    const shape = r.shape();
    return [r.tensor(shape), r.tensor(shape, -3, 0), { dim: r.int(0, shape.length - 1), log: r.next() < 0.5 }];
  }),
  randomFill: seeded((r) => [
    { shape: r.shape(), key: [r.int(0, 2 ** 32 - 1), r.int(0, 2 ** 32 - 1)], counter: r.pick([r.int(0, 1000), r.int(2 ** 32 - 8, 2 ** 32 + 8) * 4 + r.int(0, 3)]), distribution: r.pick(['uniform', 'bernoulli']), p: 0.7, value: 1 / 0.7 },
  ]),
  sgdStep: seeded((r) => {
    const shape = r.shape(2, 40);
    const momentum = r.pick([0, 0.9]);
    return [r.tensor(shape), r.tensor(shape), momentum ? r.tensor(shape) : null, { lr: 0.1, momentum, dampening: 0.1, weightDecay: r.pick([0, 0.01]), nesterov: false, maximize: r.next() < 0.5, firstStep: r.next() < 0.5 }];
  }, true),
  adamStep: seeded((r) => {
    const shape = r.shape(2, 40);
    const amsgrad = r.next() < 0.5;
    const state = { expAvg: r.tensor(shape), expAvgSq: r.tensor(shape, 0, 1), maxExpAvgSq: amsgrad ? r.tensor(shape, 0, 1) : null };
    return [r.tensor(shape), r.tensor(shape), state, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: r.next() < 0.5, amsgrad, maximize: r.next() < 0.5, step: r.int(1, 5) }];
  }, true),
  rmspropStep: seeded((r) => {
    const shape = r.shape(2, 40);
    const centered = r.next() < 0.5;
    const momentum = r.pick([0, 0.9]);
    const state = { squareAvg: r.tensor(shape, 1, 2), gradAvg: centered ? r.tensor(shape, -0.1, 0.1) : null, momentumBuffer: momentum ? r.tensor(shape) : null };
    return [r.tensor(shape), r.tensor(shape), state, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum, centered, maximize: false }];
  }, true),
};

/** The equivalence case of every kernel, by name. */
export const cases = {
  gemm: {
    params: gemmParams,
    examples: gemmExamples,
    args: ({ p, seed }, make) => [
      make.random([p.batchA, ...(p.transA ? [p.k, p.m] : [p.m, p.k])], seed),
      make.random([p.batchB, ...(p.transB ? [p.n, p.k] : [p.k, p.n])], seed + 1),
      p,
    ],
  },
  conv2d: { params: convParams, args: (c, make) => [convInput(c, make), convWeight(c, make), c.bias ? make.random([c.p.outChannels], c.seed + 3) : null, c.p] },
  conv2dBackwardInput: { params: convParams, args: (c, make) => [convGradOutput(c, make), convWeight(c, make), c.p] },
  conv2dBackwardWeight: { params: convParams, args: (c, make) => [convGradOutput(c, make), convInput(c, make), c.p] },
  maxPool2d: { params: (fc, options) => poolParams(fc, options, true), examples: [allPadding], args: (c, make) => [poolInput(c, make), c.p] },
  // the indices are the reference's (the maxPool2d case shows a backend's own are the same)
  maxPool2dBackward: {
    params: (fc, options) => poolParams(fc, options, true),
    examples: [allPadding],
    args: (c, make) => [poolGradOutput(c, make), make.reference.maxPool2d(poolInput(c, make), c.p).indices, c.p],
  },
  avgPool2d: { params: (fc, options) => poolParams(fc, options, false), args: (c, make) => [poolInput(c, make), c.p] },
  avgPool2dBackward: { params: (fc, options) => poolParams(fc, options, false), args: (c, make) => [poolGradOutput(c, make), c.p] },
  relu: { params: channelParams, args: (c, make) => [channelInput(c, make)] },
  reluBackward: { params: channelParams, args: (c, make) => [channelGradOutput(c, make), make.reference.relu(channelInput(c, make))] },
  biasAdd: { params: channelParams, args: (c, make) => [channelInput(c, make), make.random([c.p.channels], c.seed + 2), c.p] },
  batchNormStats: { params: channelParams, args: (c, make) => [batchNormInput(c, make), c.p] },
  batchNormForward: { params: channelParams, args: (c, make) => [batchNormInput(c, make), coefficients(['mean', 'scale', 'shift'], c, make), c.p] },
  batchNormGradSums: { params: channelParams, args: (c, make) => [channelGradOutput(c, make), batchNormInput(c, make), coefficients(['mean'], c, make).mean, c.p] },
  batchNormBackward: { params: channelParams, args: (c, make) => [channelGradOutput(c, make), batchNormInput(c, make), coefficients(['mean', 'gradScale', 'inputScale', 'shift'], c, make), c.p] },
  ...primitives,
};

/** Every tensor in a value (a kernel's result, or the arguments an in-place kernel updated), in order. */
function tensorsIn(v, Tensor) {
  if (v instanceof Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap((x) => tensorsIn(x, Tensor));
  if (v && typeof v === 'object') return Object.values(v).flatMap((x) => tensorsIn(x, Tensor));
  return [];
}

/** How a kernel's result differs from the reference's: a Tensor, or an object of Tensors ({ output, indices }). */
function resultDifference(name, got, want) {
  if ('shape' in want) return difference(name, got, want);
  for (const key of Object.keys(want)) {
    const problem = difference(`${name} ${key}`, got[key], want[key]);
    if (problem) return problem;
  }
  return null;
}

/** How the tensors an in-place kernel updated differ from the reference's, argument by argument. */
function updatedDifference(name, got, want, Tensor) {
  const [mine, theirs] = [tensorsIn(got, Tensor), tensorsIn(want, Tensor)];
  if (mine.length !== theirs.length) return `${name}: ${mine.length} tensors among the arguments, the js backend has ${theirs.length}`;
  for (const [i, t] of mine.entries()) {
    const problem = difference(`${name} (tensor ${i} of its arguments, after the update)`, t, theirs[i]);
    if (problem) return problem;
  }
  return null;
}

/**
 * Runs the case of kernel `name` on `kernels` (the backend under test) and `reference` (js) with the
 * same arguments, `numRuns` random ones plus the case's examples, from fast-check's global seed. Returns
 * (a promise of) null when every result agrees, else what differed, with fast-check's report (its seed and the shrunk case).
 */
export async function checkKernel(name, { fc, Tensor, kernels, reference, numRuns = 30, large = false, nan = true }) {
  const c = cases[name];
  if (!c) return `${name}: no equivalence case (add one to tests/helpers/equivalence.js)`;
  if (typeof kernels[name] !== 'function') return `${name}: the backend under test has no such kernel`;
  const tensor = (values) => (shape, seed) => new Tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape);
  const make = { random: tensor(randomValues), tied: tensor(tiedValues), reference, Tensor };
  const property = fc.asyncProperty(c.params(fc, { large, nan }), async (value) => {
    // each side gets its own arguments, made again from the same value (an in-place kernel updates them)
    const [mine, theirs] = [c.args(value, make), c.args(value, make)];
    const [got, want] = [kernels[name](...mine), reference[name](...theirs)];
    // a device backend's results come back to the CPU here, so that the comparison can read them
    await Promise.all(tensorsIn(c.inPlace ? mine : got, Tensor).map((t) => t.dataAsync()));
    const problem = c.inPlace ? updatedDifference(name, mine, theirs, Tensor) : resultDifference(name, got, want);
    if (problem) throw new Error(problem);
  });
  const result = await fc.check(property, { numRuns, examples: (c.examples ?? []).map((e) => [e]) });
  return result.failed ? `${name}: ${result.errorInstance?.message ?? result.error}\n${fc.defaultReportMessage(result)}` : null;
}

/**
 * checkKernel for every name of `kernelNames` (the Kernels interface's, tg.kernelNames) and every case:
 * the list of failures, empty when all agree; `log` gets one line per kernel.
 */
export async function checkKernels({ kernelNames, log = () => {}, ...options }) {
  const failures = [];
  for (const name of new Set([...kernelNames, ...Object.keys(cases)])) {
    const problem = kernelNames.includes(name) ? await checkKernel(name, options) : `${name}: an equivalence case of no kernel in kernelNames`;
    log(`${name}: ${problem ? 'FAILED' : 'ok'}`);
    if (problem) failures.push(problem);
  }
  return failures;
}

/** The fast-check seed a test page was opened with (`?seed=<n>`; the spec passes its own, tests/helpers/fast-check-seed.ts's), set as fast-check's global seed. */
export function useSeedOfPage(fc, search) {
  const seed = Number(new URLSearchParams(search).get('seed'));
  if (!Number.isSafeInteger(seed)) throw new Error(`open the page with ?seed=<fast-check seed> (got "${search}")`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
  return seed;
}

/**
 * The course's CNN, one training step (forward, cross-entropy, backward) on `backend` and on 'js' from
 * the same seed: a list of failures where the loss or a parameter's gradient differs (empty when equal).
 */
export async function checkCnnStep({ tg, backend }) {
  const step = async (name) => {
    await tg.setBackend(name);
    tg.manualSeed(3);
    const model = new tg.nn.CNN({ inSize: [1, 12, 12], outClasses: 10, channels: [4, 8], poolEvery: 1, hiddenDims: [16] });
    const loss = tg.crossEntropy(model.forward(new tg.Tensor(randomValues(4 * 144, 5), [4, 1, 12, 12])), [1, 7, 3, 0]);
    loss.backward();
    const grads = [...model.namedParameters()].map(([name, param]) => [name, param.grad]);
    await Promise.all(grads.map(([, grad]) => grad.dataAsync()));
    return { loss: new tg.Tensor(Float32Array.of(await loss.itemAsync()), [1]), grads };
  };
  const want = await step('js');
  const got = await step(backend);
  const failures = [];
  const lossProblem = difference(`CNN loss on ${backend}`, got.loss, want.loss);
  if (lossProblem) failures.push(lossProblem);
  for (const [i, [name, grad]] of want.grads.entries()) {
    const problem = difference(`CNN gradient of ${name} on ${backend}`, got.grads[i][1], grad);
    if (problem) failures.push(problem);
  }
  return failures;
}
