// Backend equivalence properties: every kernel of a backend under test against the JS reference on
// random shapes, strides, paddings, dilations and groups, and a CNN training step on both. Plain
// JavaScript with its dependencies passed in, so the same file runs in Node (gpu.js 'cpu' mode,
// tests/gl/) and in Chromium (WebGL2: gl-page.js unbundled, consumer/main.js bundled and minified).

/** Values in [-1, 1] on a 1/64 grid from a seed: ties happen, so "first maximum wins" is exercised. */
export function values(size, seed) {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) % 129) / 64 - 1;
  }
  return out;
}

/**
 * Where got and want differ by more than 1e-4 relative (to |want|, at least 1); infinities must match
 * exactly. Returns a description of the first difference, or null.
 */
export function difference(what, got, want) {
  if (got.shape.join() !== want.shape.join()) return `${what}: shape [${got.shape}] instead of [${want.shape}]`;
  const g = got.data;
  const w = want.data;
  for (let i = 0; i < w.length; i++) {
    const ok = Number.isFinite(w[i]) ? Math.abs(g[i] - w[i]) <= 1e-4 * Math.max(1, Math.abs(w[i])) : g[i] === w[i];
    if (!ok) return `${what}: element ${i} is ${g[i]}, the js backend gives ${w[i]}`;
  }
  return null;
}

const out = (size, k, stride, padBefore, padAfter, dilation) => Math.floor((size + padBefore + padAfter - dilation * (k - 1) - 1) / stride) + 1;

/** fast-check arbitraries of fully resolved kernel parameters (as engine/ops computes them). */
export function arbitraries(fc) {
  const gemm = fc
    .record({ batch: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 9 }), n: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 1, max: 40 }), transA: fc.boolean(), transB: fc.boolean(), shareA: fc.boolean(), shareB: fc.boolean(), seed: fc.nat() })
    .map(({ shareA, shareB, ...p }) => ({ ...p, batchA: shareA ? 1 : p.batch, batchB: shareB ? 1 : p.batch }));
  const conv = fc
    .record({
      batch: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 3 }),
      inPerGroup: fc.integer({ min: 1, max: 3 }),
      outPerGroup: fc.integer({ min: 1, max: 3 }),
      inHeight: fc.integer({ min: 1, max: 9 }),
      inWidth: fc.integer({ min: 1, max: 9 }),
      kernelHeight: fc.integer({ min: 1, max: 4 }),
      kernelWidth: fc.integer({ min: 1, max: 4 }),
      strideHeight: fc.integer({ min: 1, max: 3 }),
      strideWidth: fc.integer({ min: 1, max: 3 }),
      padTop: fc.integer({ min: 0, max: 2 }),
      padLeft: fc.integer({ min: 0, max: 2 }),
      padBottom: fc.integer({ min: 0, max: 2 }),
      padRight: fc.integer({ min: 0, max: 2 }),
      dilationHeight: fc.integer({ min: 1, max: 3 }),
      dilationWidth: fc.integer({ min: 1, max: 3 }),
      bias: fc.boolean(),
      seed: fc.nat(),
    })
    .map(({ inPerGroup, outPerGroup, ...p }) => ({
      ...p,
      inChannels: inPerGroup * p.groups,
      outChannels: outPerGroup * p.groups,
      outHeight: out(p.inHeight, p.kernelHeight, p.strideHeight, p.padTop, p.padBottom, p.dilationHeight),
      outWidth: out(p.inWidth, p.kernelWidth, p.strideWidth, p.padLeft, p.padRight, p.dilationWidth),
    }))
    .filter((p) => p.outHeight >= 1 && p.outWidth >= 1);
  const pool = fc
    .record({
      max: fc.boolean(),
      batch: fc.integer({ min: 1, max: 2 }),
      channels: fc.integer({ min: 1, max: 3 }),
      inHeight: fc.integer({ min: 1, max: 9 }),
      inWidth: fc.integer({ min: 1, max: 9 }),
      kernelHeight: fc.integer({ min: 1, max: 4 }),
      kernelWidth: fc.integer({ min: 1, max: 4 }),
      strideHeight: fc.integer({ min: 1, max: 3 }),
      strideWidth: fc.integer({ min: 1, max: 3 }),
      padFraction: fc.integer({ min: 0, max: 2 }),
      dilationHeight: fc.integer({ min: 1, max: 3 }),
      dilationWidth: fc.integer({ min: 1, max: 3 }),
      countIncludePad: fc.boolean(),
      seed: fc.nat(),
    })
    .map(({ padFraction, ...p }) => {
      // PyTorch allows padding up to half the kernel; dilation is max pooling's only
      const padHeight = Math.min(padFraction, Math.floor(p.kernelHeight / 2));
      const padWidth = Math.min(padFraction, Math.floor(p.kernelWidth / 2));
      const dilationHeight = p.max ? p.dilationHeight : 1;
      const dilationWidth = p.max ? p.dilationWidth : 1;
      return {
        ...p,
        padHeight,
        padWidth,
        dilationHeight,
        dilationWidth,
        countIncludePad: p.max ? true : p.countIncludePad,
        outHeight: out(p.inHeight, p.kernelHeight, p.strideHeight, padHeight, padHeight, dilationHeight),
        outWidth: out(p.inWidth, p.kernelWidth, p.strideWidth, padWidth, padWidth, dilationWidth),
      };
    })
    .filter((p) => p.outHeight >= 1 && p.outWidth >= 1);
  const channels = fc.record({ outer: fc.integer({ min: 1, max: 4 }), channels: fc.integer({ min: 1, max: 6 }), inner: fc.integer({ min: 1, max: 17 }), seed: fc.nat() });
  return { gemm, conv, pool, channels };
}

/**
 * Runs the properties of every kernel of `kernels` (the backend under test) against `reference` (js).
 * Resolves to a list of failures (empty when all pass); `log` gets one line per property.
 */
export async function checkEquivalence({ fc, Tensor, kernels, reference, numRuns = 40, seed = 7, log = () => {} }) {
  const { gemm, conv, pool, channels } = arbitraries(fc);
  const failures = [];
  const tensor = (shape, s) => new Tensor(values(shape.reduce((a, b) => a * b, 1), s), shape);
  const check = (name, arbitrary, body) => {
    const result = fc.check(
      fc.property(arbitrary, (p) => {
        const problem = body(p);
        if (problem) throw new Error(problem);
      }),
      { numRuns, seed },
    );
    log(`${name}: ${result.failed ? 'FAILED' : 'ok'} (${result.numRuns} runs)`);
    if (result.failed) failures.push(`${name}: ${result.errorInstance?.message ?? result.error}\n${fc.defaultReportMessage(result)}`);
  };

  check('gemm', gemm, (p) => {
    const a = tensor([p.batchA, p.transA ? p.k : p.m, p.transA ? p.m : p.k], p.seed);
    const b = tensor([p.batchB, p.transB ? p.n : p.k, p.transB ? p.k : p.n], p.seed + 1);
    return difference('gemm', kernels.gemm(a, b, p), reference.gemm(a, b, p));
  });

  check('conv2d forward and both gradients', conv, (p) => {
    const x = tensor([p.batch, p.inChannels, p.inHeight, p.inWidth], p.seed);
    const w = tensor([p.outChannels, p.inChannels / p.groups, p.kernelHeight, p.kernelWidth], p.seed + 1);
    const bias = p.bias ? tensor([p.outChannels], p.seed + 2) : null;
    const gy = tensor([p.batch, p.outChannels, p.outHeight, p.outWidth], p.seed + 3);
    return (
      difference('conv2d', kernels.conv2d(x, w, bias, p), reference.conv2d(x, w, bias, p)) ??
      difference('conv2dBackwardInput', kernels.conv2dBackwardInput(gy, w, p), reference.conv2dBackwardInput(gy, w, p)) ??
      difference('conv2dBackwardWeight', kernels.conv2dBackwardWeight(gy, x, p), reference.conv2dBackwardWeight(gy, x, p))
    );
  });

  check('max/avg pool forward and backward', pool, (p) => {
    const x = tensor([p.batch, p.channels, p.inHeight, p.inWidth], p.seed);
    const gy = tensor([p.batch, p.channels, p.outHeight, p.outWidth], p.seed + 1);
    if (!p.max) {
      return difference('avgPool2d', kernels.avgPool2d(x, p), reference.avgPool2d(x, p)) ?? difference('avgPool2dBackward', kernels.avgPool2dBackward(gy, p), reference.avgPool2dBackward(gy, p));
    }
    const got = kernels.maxPool2d(x, p);
    const want = reference.maxPool2d(x, p);
    return (
      difference('maxPool2d output', got.output, want.output) ??
      difference('maxPool2d indices', got.indices, want.indices) ??
      // the backward pass gets the backend's own indices, as the engine passes them
      difference('maxPool2dBackward', kernels.maxPool2dBackward(gy, got.indices, p), reference.maxPool2dBackward(gy, want.indices, p))
    );
  });

  check('relu, its gradient, bias add and bias gradient', channels, (p) => {
    const shape = [p.outer, p.channels, p.inner];
    const x = tensor(shape, p.seed);
    const g = tensor(shape, p.seed + 1);
    const bias = tensor([p.channels], p.seed + 2);
    const y = reference.relu(x);
    return (
      difference('relu', kernels.relu(x), y) ??
      difference('reluBackward', kernels.reluBackward(g, y), reference.reluBackward(g, y)) ??
      difference('biasAdd', kernels.biasAdd(x, bias, p), reference.biasAdd(x, bias, p)) ??
      difference('reduce (channel sum)', kernels.reduce(g, { op: 'sum', dims: [0, 2] }), reference.reduce(g, { op: 'sum', dims: [0, 2] }))
    );
  });

  check('batch normalization: statistics, forward, gradient sums, backward', channels, (p) => {
    const shape = [p.outer, p.channels, p.inner];
    const x = tensor(shape, p.seed);
    const g = tensor(shape, p.seed + 1);
    const perChannel = (s) => tensor([p.channels], s);
    const forward = { mean: perChannel(p.seed + 2), scale: perChannel(p.seed + 3), shift: perChannel(p.seed + 4) };
    const mean = perChannel(p.seed + 5);
    const backward = { mean: perChannel(p.seed + 6), gradScale: perChannel(p.seed + 7), inputScale: perChannel(p.seed + 8), shift: perChannel(p.seed + 9) };
    const [stats, statsJs] = [kernels.batchNormStats(x, p), reference.batchNormStats(x, p)];
    const [sums, sumsJs] = [kernels.batchNormGradSums(g, x, mean, p), reference.batchNormGradSums(g, x, mean, p)];
    return (
      difference('batchNormStats mean', stats.mean, statsJs.mean) ??
      difference('batchNormStats variance', stats.variance, statsJs.variance) ??
      difference('batchNormForward', kernels.batchNormForward(x, forward, p), reference.batchNormForward(x, forward, p)) ??
      difference('batchNormGradSums sumGrad', sums.sumGrad, sumsJs.sumGrad) ??
      difference('batchNormGradSums sumGradCentered', sums.sumGradCentered, sumsJs.sumGradCentered) ??
      difference('batchNormBackward', kernels.batchNormBackward(g, x, backward, p), reference.batchNormBackward(g, x, backward, p))
    );
  });

  // a window of padding only (dilation 2 over a 1-pixel image): output -inf, index -1, no gradient
  const edge = { batch: 1, channels: 1, inHeight: 1, inWidth: 1, outHeight: 1, outWidth: 1, kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, padHeight: 1, padWidth: 1, dilationHeight: 2, dilationWidth: 2, countIncludePad: true };
  const x1 = new Tensor(Float32Array.of(0.5), [1, 1, 1, 1]);
  const r = kernels.maxPool2d(x1, edge);
  const edgeProblem =
    difference('all-padding maxPool2d output', r.output, reference.maxPool2d(x1, edge).output) ??
    difference('all-padding maxPool2d indices', r.indices, reference.maxPool2d(x1, edge).indices) ??
    difference('all-padding maxPool2dBackward', kernels.maxPool2dBackward(new Tensor(Float32Array.of(3), [1, 1, 1, 1]), r.indices, edge), new Tensor(Float32Array.of(0), [1, 1, 1, 1]));
  log(`all-padding max pool window: ${edgeProblem ? 'FAILED' : 'ok'}`);
  if (edgeProblem) failures.push(edgeProblem);
  return failures;
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
    const loss = tg.crossEntropy(model.forward(new tg.Tensor(values(4 * 144, 5), [4, 1, 12, 12])), [1, 7, 3, 0]);
    loss.backward();
    return { loss: loss.item(), grads: [...model.namedParameters()].map(([name, param]) => [name, param.grad]) };
  };
  const want = await step('js');
  const got = await step(backend);
  const failures = [];
  if (!(Math.abs(got.loss - want.loss) <= 1e-4 * Math.max(1, Math.abs(want.loss)))) failures.push(`CNN loss on ${backend} is ${got.loss}, on js ${want.loss}`);
  for (const [i, [name, grad]] of want.grads.entries()) {
    const problem = difference(`CNN gradient of ${name}`, got.grads[i][1], grad);
    if (problem) failures.push(problem);
  }
  return failures;
}
