// Course notebook 004, "Part 2: Convolutional Neural Networks", in TypeScript.
//
// The notebook builds, from hw2/cnn.py, a configurable CNN
//     [(CONV -> ACT)*P -> POOL]*(N/P) -> (FC -> ACT)*M -> FC
// a ResidualBlock, a ResidualBottleneckBlock and a ResNet, and checks each against stored outputs
// (norm of the difference < 1e-3); wraps a CNN in an ArgMaxClassifier; and writes a ClassifierTrainer
// that must overfit 25 batches of 2 CIFAR-10 images to >= 90% accuracy. tg.nn has these classes with the
// notebook's arguments in camelCase; the trainer is the student's own code, so it is written out here.
//
//   node dist/examples/course/004-cnn-architectures.js [--data DIR] [--tiny] [--out DIR] [--references DIR] [--backend NAME]
//
// --data DIR: CIFAR-10 binary batches (data_batch_1.bin …, test_batch.bin, or their cifar-10-batches-bin
// folder); without it the program writes small CIFAR-format files of its own (cifar-files.ts).
// --references DIR: the expected_*.pt files (default: the repository's tests/fixtures/course, made by
// tests/fixtures/course/make_004_references.py with PyTorch). --out DIR (default runs/course/004) receives the pictures and results.json.
// --tiny: few images, and the overfitting stops at the first epoch that reaches 90% (the tests).
// --backend NAME: js, wasm, gl or webgpu (default: the package's, wasm). Results are read with
// `await t.itemAsync()` / `dataAsync()`, which every backend has and webgpu requires.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tg from '../../index.js';
import { writeCifarFiles } from './cifar-files.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    tiny: { type: 'boolean', default: false },
    out: { type: 'string', default: 'runs/course/004' },
    references: { type: 'string', default: fileURLToPath(new URL('../../../tests/fixtures/course/', import.meta.url)) },
    backend: { type: 'string' },
  },
});
mkdirSync(args.out, { recursive: true });
// a failed check or bad input ends the program with one line and exit code 1, not a stack trace
process.on('uncaughtException', (e) => {
  console.error(`004-cnn-architectures: ${e.message}`);
  process.exit(1);
});
if (args.backend) {
  if (!tg.hasBackend(args.backend)) throw new Error(`--backend must be one of ${tg.listBackends().join(', ')}, got '${args.backend}'`);
  await tg.setBackend(args.backend);
}

// What the program measured and checked, written to results.json at the end.
const results = { backend: tg.getBackend(), checks: [] as { name: string; value: number | string; passed: boolean }[], parameterCounts: {} as Record<string, number>, overfit: [] as { epoch: number; loss: number; accuracy: number }[] };

/** The notebook's `test.assert…`: prints the check, records it, and stops the program when it fails. */
function check(name: string, passed: boolean, value: number | string): void {
  results.checks.push({ name, value, passed });
  console.log(`${passed ? 'ok  ' : 'FAIL'} ${name}: ${value}`);
  if (!passed) throw new Error(`check failed: ${name} (got ${value})`);
}

// cell: `seed = 42`
const seed = 42;

/** The notebook's reference check: load the stored weights strictly, run the stored input, compare. */
async function checkAgainstReference(name: string, net: tg.nn.Module, file: string): Promise<tg.Tensor> {
  const reference = tg.load<{ state_dict: Record<string, tg.Tensor>; input: tg.Tensor; expected: tg.Tensor }>(join(args.references, file));
  net.loadStateDict(reference.state_dict, { strict: true });
  // eval mode: dropout draws random numbers, which PyTorch and typegrad draw differently
  net.eval();
  const testOut = tg.noGrad(() => net.forward(reference.input));
  check(`${name}: output shape`, testOut.shape.join(',') === reference.expected.shape.join(','), `[${testOut.shape}]`);
  const diff = await testOut.sub(reference.expected).pow(2).sum().sqrt().itemAsync();
  check(`${name}: norm of the difference to ${file} < 1e-3`, diff < 1e-3, diff);
  results.parameterCounts[name] = net.parameters().reduce((n, p) => n + p.size, 0);
  return reference.input;
}

// cell: 'Building convolutional networks with PyTorch' — the CNN's test_params. The inputs are 32x32
// (not 100x100) so that the reference files stay small: only the first Linear layer's size changes.
const testParams: tg.nn.CNNOptions[] = [
  {
    inSize: [3, 32, 32], outClasses: 10, channels: [32, 32, 32, 32], poolEvery: 2, hiddenDims: [100, 100],
    convParams: { kernelSize: 3, stride: 1, padding: 1 }, activationType: 'relu', activationParams: {},
    poolingType: 'max', poolingParams: { kernelSize: 2 },
  },
  {
    inSize: [3, 32, 32], outClasses: 10, channels: [32, 32, 32, 32], poolEvery: 2, hiddenDims: [100, 100],
    convParams: { kernelSize: 5, stride: 2, padding: 3 }, activationType: 'lrelu', activationParams: { negativeSlope: 0.05 },
    poolingType: 'avg', poolingParams: { kernelSize: 3 },
  },
  {
    inSize: [3, 32, 32], outClasses: 3, channels: [16, 16, 16, 16, 16], poolEvery: 3, hiddenDims: [100],
    convParams: { kernelSize: 2, stride: 2, padding: 2 }, activationType: 'lrelu', activationParams: { negativeSlope: 0.1 },
    poolingType: 'max', poolingParams: { kernelSize: 2 },
  },
];

for (const [i, params] of testParams.entries()) {
  tg.manualSeed(seed);
  const net = new tg.nn.CNN(params);
  console.log(`\n=== test i=${i} ===`);
  console.log(net.featureExtractor.toString());
  await checkAgainstReference(`CNN test ${i}`, net, `expected_conv_out_${String(i).padStart(2, '0')}.pt`);
}

// cell: ArgMaxClassifier — scores to probabilities (softmax) and to the highest-scoring class
{
  const model = new tg.nn.ArgMaxClassifier(new tg.nn.CNN(testParams[0]));
  const testImage = tg.randint(0, 256, [1, 3, 32, 32]);
  const classes = model.classify(testImage);
  check('ArgMaxClassifier.classify shape is [1]', classes.shape.join(',') === '1', `[${classes.shape}]`);
  const proba = model.predictProba(testImage);
  check('ArgMaxClassifier.predictProba shape is [1, 10]', proba.shape.join(',') === '1,10', `[${proba.shape}]`);
  const total = await proba.sum().itemAsync();
  check('ArgMaxClassifier.predictProba sums to 1 (delta 1e-3)', Math.abs(total - 1) <= 1e-3, total);
}

// cell: 'Let's now load CIFAR-10 to use as our dataset.'
const dataDir = args.data ?? writeCifarFiles(mkdtempSync(join(tmpdir(), 'cifar-004-')), args.tiny ? { train: 60, test: 20 } : {});
const dsTrain = tg.data.readCIFAR10(dataDir, { train: true });
const dsTest = tg.data.readCIFAR10(dataDir, { train: false });
console.log(`\nCIFAR-10 from ${dataDir}${args.data ? '' : ' (made by cifar-files.ts)'}`);
console.log(`Train: ${dsTrain.length} samples`);
console.log(`Test: ${dsTest.length} samples`);
const [x0] = dsTrain.get(0);
const inSize = [...x0.shape];
const numClasses = 10;
console.log(`input image size = [${inSize}]`);

// cell: hw2/training.py — the Trainer the student writes: one pass over (at most maxBatches of) the
// loader, a training step per batch, the batch losses and the epoch's accuracy in percent.
interface BatchResult {
  loss: number;
  numCorrect: number;
}
interface EpochResult {
  losses: number[];
  accuracy: number;
}

class ClassifierTrainer {
  constructor(
    readonly model: tg.nn.ArgMaxClassifier,
    readonly lossFn: tg.nn.CrossEntropyLoss,
    readonly optimizer: tg.optim.Optimizer,
  ) {}

  async trainEpoch(dlTrain: tg.data.DataLoader, options: { maxBatches?: number; verbose?: boolean } = {}): Promise<EpochResult> {
    this.model.train();
    const numBatches = Math.min(options.maxBatches ?? Infinity, dlTrain.length);
    const bar = options.verbose ? new tg.nn.ProgressBar('train_batch', numBatches) : null;
    const started = performance.now();
    const losses: number[] = [];
    let numCorrect = 0;
    let numSamples = 0;
    for (const [X, y] of dlTrain) {
      if (losses.length === numBatches) break;
      const batch = await this.trainBatch(X, y);
      losses.push(batch.loss);
      numCorrect += batch.numCorrect;
      numSamples += y.size;
      const seconds = (performance.now() - started) / 1000;
      bar?.update(losses.length, { loss: batch.loss, accuracy: numCorrect / numSamples, imagesPerSecond: numSamples / seconds });
    }
    bar?.finish();
    const accuracy = (100 * numCorrect) / numSamples;
    if (options.verbose) console.log(`train_batch (Avg. Loss ${(losses.reduce((a, b) => a + b, 0) / losses.length).toFixed(3)}, Accuracy ${accuracy.toFixed(1)})`);
    return { losses, accuracy };
  }

  async trainBatch(X: tg.Tensor, y: tg.Tensor): Promise<BatchResult> {
    this.optimizer.zeroGrad();
    const scores = this.model.forward(X);
    const loss = this.lossFn.forward(scores, y);
    loss.backward();
    this.optimizer.step();
    const numCorrect = await scores.argmax(1).eq(y).sum().itemAsync();
    return { loss: await loss.itemAsync(), numCorrect };
  }
}

// cell: hw2/answers.py part2_optim_hp — the student's choice of SGD hyperparameters and loss
function part2OptimHp() {
  return { lr: 0.005, momentum: 0.9, weightDecay: 0, lossFn: new tg.nn.CrossEntropyLoss() };
}

// cell: overfit a tiny part of CIFAR-10 (25 batches of 2 images) as a sanity test
tg.manualSeed(seed);
const batchSize = 2;
const maxBatches = 25;
const dlTrain = new tg.data.DataLoader(dsTrain, { batchSize, shuffle: false });
const model = new tg.nn.ArgMaxClassifier(
  new tg.nn.CNN({ inSize, outClasses: numClasses, channels: [32], poolEvery: 1, hiddenDims: [100], convParams: { kernelSize: 3, stride: 1, padding: 1 }, poolingParams: { kernelSize: 2 } }),
);
results.parameterCounts['overfit CNN'] = model.parameters().reduce((n, p) => n + p.size, 0);
const { lossFn, ...hpOptim } = part2OptimHp();
const optimizer = new tg.optim.SGD(model.parameters(), hpOptim);
const trainer = new ClassifierTrainer(model, lossFn, optimizer);
let bestAcc = 0;
for (let i = 0; i < 25; i++) {
  const res = await trainer.trainEpoch(dlTrain, { maxBatches, verbose: i % 5 === 0 });
  bestAcc = Math.max(bestAcc, res.accuracy);
  results.overfit.push({ epoch: i + 1, loss: res.losses.reduce((a, b) => a + b, 0) / res.losses.length, accuracy: res.accuracy });
  if (args.tiny && bestAcc >= 90) break; // --tiny: the check below is passed, the remaining epochs would only cost time
}
check('overfitting 25 batches of 2 images: best accuracy >= 90', bestAcc >= 90, bestAcc);

// The overfitting run as a picture: loss and accuracy per epoch (plt.plot of each).
{
  const epochs = results.overfit.map((r) => r.epoch);
  const panels: tg.vis.AxesSpec[] = [
    { title: 'Overfitting 25 batches: loss', xlabel: 'Epoch', ylabel: 'Loss', x: epochs, series: [{ label: 'train', color: tg.vis.TAB10[0], values: results.overfit.map((r) => r.loss) }] },
    { title: 'Overfitting 25 batches: accuracy', xlabel: 'Epoch', ylabel: 'Accuracy (%)', x: epochs, yLimits: [0, 100], series: [{ label: 'train', color: tg.vis.TAB10[1], values: results.overfit.map((r) => r.accuracy) }] },
  ];
  const fig = new tg.vis.Figure(960, 400);
  panels.forEach((spec, k) => tg.vis.drawAxes(fig, spec, tg.vis.axesLayout(spec, { x: 480 * k, y: 0, w: 480, h: 400 })));
  writeFileSync(join(args.out, 'overfit.png'), fig.png());
  writeFileSync(join(args.out, 'overfit.svg'), fig.svg());
}

// The 50 images it learned, titled with the true and the predicted class.
{
  const images = Array.from({ length: batchSize * maxBatches }, (_, i) => dsTrain.get(i));
  const predicted = await model.classify(tg.stack(images.map(([x]) => x))).dataAsync();
  const names = tg.data.CIFAR10_CLASSES;
  const titles = images.map(([, y], i) => `${names[y]} / ${names[predicted[i]]}`);
  const fig = tg.vis.montage(images.map(([x]) => x), { titles, ncols: 10, cell: 96, title: 'Overfitted images: true / predicted' });
  writeFileSync(join(args.out, 'overfit-images.png'), fig.png());
}

// cell: ResidualBlock
{
  tg.manualSeed(seed);
  const resblock = new tg.nn.ResidualBlock({ inChannels: 3, channels: [6, 4, 6, 4], kernelSizes: [3, 5, 3, 5], batchnorm: true, dropout: 0.2 });
  console.log(`\n${resblock}`);
  await checkAgainstReference('ResidualBlock', resblock, 'expected_resblock_out.pt');
}

// cell: ResidualBottleneckBlock (the reference input is 8x8 instead of 32x32, for the file's size)
{
  tg.manualSeed(seed);
  const resblockBn = new tg.nn.ResidualBottleneckBlock({ inOutChannels: 256, innerChannels: [64, 32, 64], innerKernelSizes: [3, 5, 3], batchnorm: false, dropout: 0.1, activationType: 'lrelu' });
  console.log(`\n${resblockBn}`);
  const testIn = await checkAgainstReference('ResidualBottleneckBlock', resblockBn, 'expected_resblock_bn_out.pt');
  const testOut = tg.noGrad(() => resblockBn.forward(testIn));
  check('ResidualBottleneckBlock: output shape == input shape', testOut.shape.join(',') === testIn.shape.join(','), `[${testOut.shape}]`);
}

// cell: ResNet — its test_params (inputs 8x8 and 32x32 instead of 100x100, for the files' size)
const resnetParams: tg.nn.ResNetOptions[] = [
  {
    inSize: [3, 8, 8], outClasses: 10, channels: [32, 64, 32, 64, 32, 64], poolEvery: 4, hiddenDims: [100, 100],
    activationType: 'lrelu', activationParams: { negativeSlope: 0.01 }, poolingType: 'avg', poolingParams: { kernelSize: 2 },
    batchnorm: true, dropout: 0.1, bottleneck: false,
  },
  {
    // 64 -> 16 -> 64 bottlenecks
    inSize: [3, 32, 32], outClasses: 5, channels: [64, 16, 64, 64, 16, 64, 64, 16, 64, 64, 16, 64], poolEvery: 3, hiddenDims: [64],
    activationType: 'tanh', poolingType: 'max', poolingParams: { kernelSize: 2 },
    batchnorm: true, dropout: 0.1, bottleneck: true,
  },
];
for (const [i, params] of resnetParams.entries()) {
  tg.manualSeed(seed);
  const net = new tg.nn.ResNet(params);
  console.log(`\n=== test i=${i} ===`);
  console.log(net.featureExtractor.toString());
  await checkAgainstReference(`ResNet test ${i}`, net, `expected_resnet_out_${String(i).padStart(2, '0')}.pt`);
}

writeFileSync(join(args.out, 'results.json'), JSON.stringify(results, null, 2));
console.log(`\nall ${results.checks.length} checks passed; pictures and results.json in ${args.out}`);
