// Runs in headless Chromium (loaded by gl.spec.ts through an import map, unbundled, as /?seed=<the
// fast-check seed of the run>): the package entry, then the equivalence suite on the 'wasm' backend and
// on the 'gl' backend on WebGL2 against 'js'. Publishes { log, failures, facts } as window.__results.

import * as tg from 'typegrad';
import fc from 'fast-check';
import { pageReport } from './page-report.js';
import { checkCnnStep, checkKernels, useSeedOfPage } from '../helpers/equivalence.js';
import { difference, randomValues } from '../helpers/values.js';

const { failures, facts, say, expect, publish } = pageReport();

async function run() {
  facts.seed = useSeedOfPage(fc, location.search);
  // 1. the entry loaded unbundled; the WASM kernels load in the browser too (the default backend)
  facts.backends = tg.listBackends();
  // a page may not compile a large WASM module synchronously: it starts on js, and tg.ready() switches it
  facts.backendBeforeReady = tg.getBackend();
  await tg.ready();
  facts.defaultBackend = tg.getBackend();
  expect('package entry imported through the import map', typeof tg.tensor === 'function' && facts.backends.includes('gl'), `backends ${facts.backends}`);
  expect("before tg.ready() a page runs on 'js'", facts.backendBeforeReady === 'js', facts.backendBeforeReady);
  expect("after tg.ready() the default backend in Chromium is 'wasm'", facts.defaultBackend === 'wasm', facts.defaultBackend);

  await tg.setBackend('js');
  const reference = tg.kernels();
  const suite = { fc, Tensor: tg.Tensor, reference, kernelNames: tg.kernelNames };

  // 2. every WASM kernel against js on random shapes, past the kernels' size thresholds too
  await tg.setBackend('wasm');
  failures.push(...(await checkKernels({ ...suite, kernels: tg.kernels(), numRuns: 20, large: true, log: (line) => say(`wasm ${line}`) })));

  await tg.setBackend('gl');
  const gl = tg.kernels();
  facts.glInfo = tg.glBackendInfo();
  expect("setBackend('gl') runs on WebGL2", facts.glInfo?.mode === 'webgl2', JSON.stringify(facts.glInfo));

  // 3. every GL kernel against js, then with tiny tiles; NaN stays out of the inputs, as the shaders do
  // not carry it (tests/backends/equivalence.test.ts)
  failures.push(...(await checkKernels({ ...suite, kernels: gl, numRuns: 30, nan: false, log: (line) => say(`gl ${line}`) })));
  const tiled = await tg.createGlBackendKernels({ maxTileElements: 7 });
  failures.push(...(await checkKernels({ ...suite, kernels: tiled, numRuns: 10, nan: false, log: (line) => say(`gl in tiles of 7 ${line}`) })));
  tiled.dispose();

  // 4. lazy readback: a conv output stays a texture while the next GL kernel consumes it
  const p = { batch: 2, inChannels: 3, inHeight: 8, inWidth: 8, outChannels: 4, outHeight: 8, outWidth: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationHeight: 1, dilationWidth: 1, groups: 1 };
  const pool = { batch: 2, channels: 4, inHeight: 8, inWidth: 8, outHeight: 4, outWidth: 4, kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padHeight: 0, padWidth: 0, dilationHeight: 1, dilationWidth: 1, countIncludePad: true };
  const x = new tg.Tensor(randomValues(2 * 3 * 64, 1), [2, 3, 8, 8]);
  const w = new tg.Tensor(randomValues(4 * 3 * 9, 2), [4, 3, 3, 3]);
  const y = gl.conv2d(x, w, null, p);
  expect('a GL result lives on the GPU until read', y.deviceStorage('gl') !== null);
  const pooled = gl.maxPool2d(y, pool);
  expect('feeding it to the next GL kernel does not read it back', y.deviceStorage('gl') !== null && pooled.output.deviceStorage('gl') !== null);
  const chained = difference('conv2d → maxPool2d on the GPU', pooled.output, reference.maxPool2d(reference.conv2d(x, w, null, p), pool).output);
  expect('conv2d → maxPool2d chained on textures equals js', chained === null, chained ?? '');
  void y.data;
  expect('reading .data moves it to the CPU once', y.deviceStorage('gl') === null);

  // 5. the course's CNN: one training step on gl has js's loss and gradients
  const cnnFailures = await checkCnnStep({ tg, backend: 'gl' });
  expect("a CNN training step on gl has js's loss and gradients", cnnFailures.length === 0, cnnFailures.join('; '));

  // 5b. the pass stays on the GPU: every kernel is gl's own, so forward, loss and backward read nothing
  // back (the loss is computed on the GPU too); reading the loss is the one readback, and an SGD step
  // updates the parameters on the GPU, where they stay
  await tg.setBackend('gl');
  const readbacks = () => tg.glBackendInfo().readbacks;
  tg.manualSeed(3);
  const cnn = new tg.nn.CNN({ inSize: [1, 12, 12], outClasses: 10, channels: [4, 8], poolEvery: 1, hiddenDims: [16] });
  const sgd = new tg.optim.SGD(cnn.parameters(), 0.1, 0.9);
  const digitsIn = new tg.Tensor(randomValues(4 * 144, 5), [4, 1, 12, 12]);
  const start = readbacks();
  const logits = cnn.forward(digitsIn);
  facts.forwardReadbacks = readbacks() - start;
  const loss = tg.crossEntropy(logits, [1, 7, 3, 0]);
  loss.backward();
  facts.passReadbacks = readbacks() - start;
  facts.parameters = cnn.parameters().length;
  expect('a CNN forward pass on gl reads nothing back', facts.forwardReadbacks === 0, `${facts.forwardReadbacks} readbacks`);
  expect('forward + loss + backward on gl read nothing back', facts.passReadbacks === 0, `${facts.passReadbacks} readbacks`);
  const lossValue = await loss.itemAsync();
  facts.lossReadbacks = readbacks() - start - facts.passReadbacks;
  expect('reading the loss is one readback', facts.lossReadbacks === 1 && Number.isFinite(lossValue), `${facts.lossReadbacks} readbacks, loss ${lossValue}`);
  const beforeStep = readbacks();
  sgd.step();
  sgd.zeroGrad();
  facts.stepReadbacks = readbacks() - beforeStep;
  facts.parametersOnGpu = cnn.parameters().filter((param) => param.deviceStorage('gl') !== null).length;
  expect('an SGD step (momentum) on gl reads nothing back', facts.stepReadbacks === 0, `${facts.stepReadbacks} readbacks`);
  expect('after the step every parameter lives on the GPU', facts.parametersOnGpu === facts.parameters, `${facts.parametersOnGpu} of ${facts.parameters}`);
  // a second pass and step, from the parameters on the GPU
  const beforeSecond = readbacks();
  tg.crossEntropy(cnn.forward(digitsIn), [1, 7, 3, 0]).backward();
  sgd.step();
  facts.secondStepReadbacks = readbacks() - beforeSecond;
  expect('a second pass and step read nothing back', facts.secondStepReadbacks === 0, `${facts.secondStepReadbacks} readbacks`);

  // 5b'. a BatchNorm2d layer in training: statistics, running-statistics update, the per-channel
  // coefficients and the gradient all stay on the GPU
  const bn = new tg.nn.BatchNorm2d({ numFeatures: 4 });
  const beforeBatchNorm = readbacks();
  bn.forward(new tg.Tensor(randomValues(2 * 4 * 36, 6), [2, 4, 6, 6], true)).sum().backward();
  facts.batchNormReadbacks = readbacks() - beforeBatchNorm;
  expect('a BatchNorm2d forward and backward on gl read nothing back', facts.batchNormReadbacks === 0, `${facts.batchNormReadbacks} readbacks`);

  // 5c. dropout's mask: randomFill on the GPU is Philox4x32-10 bit for bit (the equivalence case allows
  // 1e-4, which would hide wrong low bits); keys with the top bit set, and counters past 2^32 blocks
  const fills = [
    { shape: [1000], key: [0xffffffff, 0x80000001], counter: 3, distribution: 'uniform' },
    { shape: [7, 13], key: [12345, 0xdeadbeef], counter: 4 * 2 ** 32 + 2, distribution: 'uniform' },
    { shape: [513], key: [0x9e3779b9, 1], counter: 0, distribution: 'bernoulli', p: 0.7, value: 1 / 0.7 },
  ];
  for (const fill of fills) {
    const [got, want] = [await gl.randomFill(fill).dataAsync(), reference.randomFill(fill).data];
    const first = want.findIndex((v, i) => !Object.is(v, got[i]));
    expect(`randomFill ${fill.distribution}, counter ${fill.counter}, on gl is js's bit for bit`, first < 0, first < 0 ? '' : `element ${first}: ${got[first]} instead of ${want[first]}`);
  }

  // 5d. long float32 sums: 2^20 terms of about 0.1, where one running float32 sum drifts by about 1%
  // (far past the 1e-4 tolerance); the shaders' compensated sums must stay within it
  const tenths = (shape, seed) => new tg.Tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed, 0.01).map((v) => v + 0.1), shape);
  const sums = [
    ['reduce sum of 2^20', (k) => k.reduce(tenths([2 ** 20], 1), { op: 'sum', dims: [0] })],
    ['reduce mean over 2^18, 4 rows', (k) => k.reduce(tenths([4, 2 ** 18], 2), { op: 'mean', dims: [1] })],
    ['bias gradient over [1024, 2, 512]', (k) => k.reduce(tenths([1024, 2, 512], 3), { op: 'sum', dims: [0, 2] })],
    ['batchNormStats over [256, 2, 2048]', (k) => k.batchNormStats(tenths([256, 2, 2048], 4), { outer: 256, channels: 2, inner: 2048 }).mean],
  ];
  for (const [what, sum] of sums) {
    const [got, want] = [sum(gl), sum(reference)];
    await got.dataAsync();
    const problem = difference(`${what} on gl`, got, want);
    expect(`${what} on gl is within the tolerance of js's float64 sum`, problem === null, problem ?? '');
  }

  // 5e. IEEE specials the equivalence cases (finite values, for gl) never reach, where the ops pass them:
  // pad's −∞ fill, clamp's open side, whole powers of negative bases, 0 to a negative power
  const specials = [
    ['indexSelect with fill −∞', (k) => k.indexSelect(new tg.Tensor(Float32Array.of(1, 2, 3), [3]), new tg.Tensor(Float32Array.of(-1, 2, 0, -1), [4]), { dim: 0, fill: -Infinity })],
    ['clamp with min −∞', (k) => k.unary(new tg.Tensor(Float32Array.of(-Infinity, -5, 0.5, 3, Infinity), [5]), { op: 'clamp', min: -Infinity, max: 1 })],
    ['pow of negative bases, 0^−1', (k) => k.binary(new tg.Tensor(Float32Array.of(-2, -3, 0, 0, 2), [5]), new tg.Tensor(Float32Array.of(2, 3, -1, 0, -2), [5]), { op: 'pow', shape: [5], aStrides: [1], bStrides: [1] })],
    ['max of −∞', (k) => k.reduce(new tg.Tensor(Float32Array.of(-Infinity, -Infinity, -Infinity, 1), [2, 2]), { op: 'max', dims: [1] })],
  ];
  for (const [what, compute] of specials) {
    const [got, want] = [compute(gl), compute(reference)];
    await got.dataAsync();
    const problem = difference(`${what} on gl`, got, want);
    expect(`${what} on gl equals js`, problem === null, problem ?? '');
  }

  // tanh to float32's relative precision near 0 (where 1 − e^(−2|x|) cancels) and no overflow far out
  const tanhInputs = Float32Array.of(1e-5, -3e-3, 0.2, -0.26, 3, 20, -50, 100);
  const tanhs = await gl.unary(new tg.Tensor(tanhInputs, [tanhInputs.length]), { op: 'tanh' }).dataAsync();
  const worstTanh = Math.max(...Array.from(tanhInputs, (v, i) => Math.abs(tanhs[i] - Math.tanh(v)) / Math.abs(Math.tanh(v))));
  expect('tanh on gl is within 1e-6 relative of Math.tanh, tiny and huge inputs included', worstTanh <= 1e-6, `worst relative error ${worstTanh}`);

  // 6. speed (reported, never asserted): SwiftShader is a CPU rasterizer, so this proves correctness only
  const big = { ...p, batch: 16, inChannels: 8, outChannels: 16, inHeight: 28, inWidth: 28, outHeight: 28, outWidth: 28 };
  const bx = new tg.Tensor(randomValues(16 * 8 * 784, 3), [16, 8, 28, 28]);
  const bw = new tg.Tensor(randomValues(16 * 8 * 9, 4), [16, 8, 3, 3]);
  facts.conv2dMs = {};
  for (const backend of ['js', 'wasm', 'gl']) {
    await tg.setBackend(backend);
    const k = tg.kernels();
    void k.conv2d(bx, bw, null, big).data; // warm-up (gl compiles its shader here)
    const t0 = performance.now();
    for (let r = 0; r < 3; r++) void k.conv2d(bx, bw, null, big).data;
    facts.conv2dMs[backend] = +((performance.now() - t0) / 3).toFixed(1);
  }
  say(`conv2d 16×8×28×28 → 16 channels, 3×3, ms per call incl. readback: ${JSON.stringify(facts.conv2dMs)}`);

  // one training step (forward, loss, backward, reading the loss) of an MNIST-sized CNN, batch 16
  facts.cnnStepMs = {};
  const digits = new tg.Tensor(randomValues(16 * 784, 9), [16, 1, 28, 28]);
  const labels = Array.from({ length: 16 }, (_, i) => i % 10);
  for (const backend of ['js', 'wasm', 'gl']) {
    await tg.setBackend(backend);
    tg.manualSeed(1);
    const model = new tg.nn.CNN({ inSize: [1, 28, 28], outClasses: 10, channels: [8, 16], poolEvery: 1, hiddenDims: [64] });
    // the step reads its loss after backward, as training does (on gl this readback flushes the queued GPU work)
    const once = () => {
      const loss = tg.crossEntropy(model.forward(digits), labels);
      loss.backward();
      return loss.item();
    };
    once(); // warm-up
    const t0 = performance.now();
    for (let r = 0; r < 2; r++) once();
    facts.cnnStepMs[backend] = +((performance.now() - t0) / 2).toFixed(1);
  }
  say(`CNN training step (8→16 channels, 28×28, batch 16), ms: ${JSON.stringify(facts.cnnStepMs)}`);
}

publish(run);
