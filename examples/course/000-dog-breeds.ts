// Lab 8 (seed 000): a dog-breed classifier. First a small VGG trained from scratch on augmented photos,
// then transfer learning (a frozen VGG16 body with a new head); Exercise 2 computes VGG16's receptive field.
//
//   node dist/examples/course/000-dog-breeds.js --data .data/DOGBREED --weights vgg16-397923af.pth
//   node dist/examples/course/000-dog-breeds.js --tiny --out /tmp/000      (synthetic photos, seconds)
//
// --data DIR      Kaggle's dog-breed-identification folder (labels.csv, train/<id>.jpg); without it the
//                 program first writes synthetic photos of four shape "breeds" to a temp folder (photos.ts)
// --weights FILE  torchvision's vgg16-397923af.pth, or any state dict of VGG16's layout, for the body;
//                 without it the body has random weights (nothing is downloaded)
// --tiny          few photos, 32x32 images, 2 epochs: what the tests run
// --size N       the side the photos are resized to (default: the notebook's 224; 32 with --tiny)
// --epochs N      epochs of each training (default: the notebook's 5 and 10)
// --out DIR       where the pictures and results.json go (default runs/course/000-dog-breeds)
// --backend NAME  js, wasm, gl or webgpu (default: the package's, wasm); results are read with
//                 `await t.itemAsync()` / `dataAsync()`, which every backend has and webgpu requires

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tg from '../../index.js';
import { writeDogBreedFolder } from './photos.js';

const { nn, data } = tg;
const T = tg.data.transforms;

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    weights: { type: 'string' },
    tiny: { type: 'boolean', default: false },
    epochs: { type: 'string' },
    size: { type: 'string' },
    out: { type: 'string', default: 'runs/course/000-dog-breeds' },
    backend: { type: 'string' },
  },
});
const tiny = args.tiny;
if (args.backend) {
  if (!tg.hasBackend(args.backend)) throw new Error(`000-dog-breeds: --backend must be one of ${tg.listBackends().join(', ')}, got '${args.backend}'`);
  await tg.setBackend(args.backend);
}
/** A flag's number, or the default when the flag is absent; anything but a positive integer stops the program. */
function count(flag: 'epochs' | 'size', fallback: number): number {
  const value = args[flag] === undefined ? fallback : Number(args[flag]);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`000-dog-breeds: --${flag} must be a positive integer, got '${args[flag]}'`);
  return value;
}
// The lab resizes to 224x224 and trains 5 epochs from scratch, then 10 with the pretrained body
const imageSize = count('size', tiny ? 32 : 224);
const epochs = count('epochs', tiny ? 2 : 5);
const transferEpochs = count('epochs', tiny ? 2 : 10);
const outDir = args.out;
mkdirSync(outDir, { recursive: true });
const started = performance.now();
tg.manualSeed(0);
const rng = new tg.Generator(0); // the notebook's `random` module

/** The notebook's checks: each is printed, and the program stops (exit code 1) at the first that fails. */
const checks: Array<{ name: string; passed: boolean }> = [];
function check(name: string, passed: boolean): void {
  checks.push({ name, passed });
  console.log(`check: ${name}: ${passed ? 'ok' : 'FAILED'}`);
  if (!passed) throw new Error(`check failed: ${name}`);
}

const parameterCount = (m: tg.nn.Module) => m.parameters().reduce((n, p) => n + p.size, 0);

function savePicture(name: string, figure: { png(): Uint8Array; svg(): string }): void {
  writeFileSync(join(outDir, `${name}.png`), figure.png());
  writeFileSync(join(outDir, `${name}.svg`), figure.svg());
}

// cell: 'Exercise 1' (the download): the user's folder, or synthetic photos made here
const datasetDir = args.data ?? writeDogBreedFolder(mkdtempSync(join(tmpdir(), 'dogbreed-')), { perBreed: tiny ? 10 : 150 });
console.log(`data: ${datasetDir}${args.data ? '' : ' (synthetic photos)'}`);

// cell: "with open(Path(dataset_dir, 'labels.csv')) as file": [id, breed] rows
let labelList = data.parseLabelsCsv(readFileSync(join(datasetDir, 'labels.csv'), 'utf8'));
console.log(labelList.slice(0, 3));

// cell: "_, axs = plt.subplots(5, 5)": 25 random photos with their labels
const shown = Array.from({ length: 25 }, () => labelList[rng.int(0, labelList.length)]);
savePicture('samples', tg.vis.montage(shown.map(([id]) => data.readImage(join(datasetDir, 'train', `${id}.jpg`))), { titles: shown.map(([, breed]) => breed) }));

// cell: "random.shuffle(label_list)": a fifth of the photos for validation
labelList = data.permutation(labelList.length, rng).map((i) => labelList[i]);
const valSize = Math.floor(labelList.length / 5);
const trainLabelList = labelList.slice(valSize);
const valLabelList = labelList.slice(0, valSize);
const trainKeys = trainLabelList.map(([key]) => key);
const valKeys = valLabelList.map(([key]) => key);

// Python's set has no order; sorted names give the same numbering on every run
const uniqueClasses = [...new Set(labelList.map(([, breed]) => breed))].sort();
console.log(`Number of classes: ${uniqueClasses.length}`);
const numToClassMapping = new Map(uniqueClasses.map((breed, i) => [i, breed]));
const classToNumMapping = new Map(uniqueClasses.map((breed, i) => [breed, i]));
const trainLabels = trainLabelList.map(([, breed]) => classToNumMapping.get(breed)!);
const valLabels = valLabelList.map(([, breed]) => classToNumMapping.get(breed)!);

// cell: 'class DogBreedDataset(Dataset)'
class DogBreedDataset extends data.Dataset<tg.Tensor, number> {
  constructor(
    readonly keys: string[],
    readonly labels: number[],
    readonly imgRoot = join('.data', 'DOGBREED', 'train'),
    readonly transform: tg.data.transforms.Compose | null = null,
  ) {
    super();
  }

  get length(): number {
    return this.keys.length;
  }

  get shape(): readonly number[] {
    return this.get(0)[0].shape;
  }

  get(idx: number): [tg.Tensor, number] {
    // decodeImage gives the file's pixels (height x width x RGB bytes), as PIL's Image.open
    const img = data.decodeImage(readFileSync(join(this.imgRoot, this.keys[idx] + '.jpg')));
    return [this.transform ? this.transform.apply(img) : data.toTensor(img), this.labels[idx]];
  }
}

// cell: 'train_transforms = transforms.Compose(...)'. The notebook's ResizeToSquare class (pad to a
// square, then resize) is tg.data.transforms.ResizeToSquare. typegrad's augmentations work on tensors,
// so ToTensor (bytes to floats in [0, 1]) comes first where torchvision's PIL pipeline has it last.
const trainTransforms = new T.Compose([
  new T.ToTensor(),
  new T.RandomHorizontalFlip(),
  new T.RandomRotation({ degrees: 30 }),
  new T.ColorJitter({ brightness: 0.5, saturation: 0.5, contrast: 0.5, hue: 0.2 }),
  new T.RandomPerspective(),
  new T.ResizeToSquare({ size: imageSize }),
]);
// no augmentation for validation: it should measure the photos as they are
const valTransforms = new T.Compose([new T.ToTensor(), new T.ResizeToSquare({ size: imageSize })]);

const imgRoot = join(datasetDir, 'train');
const trainDataset = new DogBreedDataset(trainKeys, trainLabels, imgRoot, trainTransforms);
const valDataset = new DogBreedDataset(valKeys, valLabels, imgRoot, valTransforms);
console.log(`train ${trainDataset.length} photos, validation ${valDataset.length}, each ${JSON.stringify(trainDataset.shape)}`);

// cell: 'Here are some examples of how the augmented images look'
const augmented = Array.from({ length: 25 }, () => trainDataset.get(rng.int(0, trainDataset.length)));
savePicture('augmented', tg.vis.montage(augmented.map(([img]) => img), { titles: augmented.map(([, label]) => numToClassMapping.get(label)!) }));

// cell: 'model = nn.Sequential(...)': 4 blocks of two 3x3 convs and a max pool, global average pooling, 512-512-classes
function smallVgg(numClasses: number): tg.nn.Sequential {
  return new nn.Sequential(
    // Block 1
    new nn.Conv2d(3, 64, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(64, 64, 3, { padding: 1 }), new nn.ReLU(),
    new nn.MaxPool2d(2),
    // Block 2
    new nn.Conv2d(64, 128, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(128, 128, 3, { padding: 1 }), new nn.ReLU(),
    new nn.MaxPool2d(2),
    // Block 3
    new nn.Conv2d(128, 256, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(256, 256, 3, { padding: 1 }), new nn.ReLU(),
    new nn.MaxPool2d(2),
    // Block 4
    new nn.Conv2d(256, 512, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(512, 512, 3, { padding: 1 }), new nn.ReLU(),
    new nn.MaxPool2d(2),
    // Flatten by global averaging.
    new nn.AdaptiveAvgPool2d([1, 1]),
    new nn.Flatten(),
    new nn.Linear(512, 512), new nn.ReLU(),
    new nn.Linear(512, 512), new nn.ReLU(),
    // Output: one per class (the notebook's 120 breeds)
    new nn.Linear(512, numClasses),
  );
}
const numClasses = uniqueClasses.length;
const model = smallVgg(numClasses);

// cell: 'summary(model, input_size=(3, 224, 224))'
console.log(nn.summary(model, [3, imageSize, imageSize]).toString());
const smallVggParameters = nn.summary(smallVgg(120), [3, imageSize, imageSize]).totalParams;
check(`the small VGG has 5,272,248 parameters for 120 classes (got ${smallVggParameters.toLocaleString('en-US')})`, smallVggParameters === 5_272_248);

// cell: 'epochs = 5 ...': the settings (num_workers: this Dataset decodes on the main thread)
const batchSize = tiny ? 8 : 16;
const loss = new nn.CrossEntropyLoss();
const optimizer = new tg.optim.Adam(model.parameters());
const trainLoader = new data.DataLoader(trainDataset, { batchSize, shuffle: true, seed: 0 });
const valLoader = new data.DataLoader(valDataset, { batchSize });

interface Metrics {
  trainLoss: number[];
  trainAcc: number[];
  valLoss: number[];
  valAcc: number[];
}

const correct = (yHat: tg.Tensor, y: tg.Tensor) => yHat.argmax(1).eq(y).sum().itemAsync();

/**
 * cell: 'def train(model, loss, optimizer, train_loader, val_loader, epochs)'. `forward` is the network's
 * pass (the second training, below, gives one that runs its frozen body without a graph).
 */
async function train(forward: (x: tg.Tensor) => tg.Tensor, loss: tg.nn.CrossEntropyLoss, optimizer: tg.optim.Optimizer, trainLoader: tg.data.DataLoader, valLoader: tg.data.DataLoader, epochs: number): Promise<Metrics> {
  // Intermediate results during training will be saved here, to plot the training progress afterwards.
  const metrics: Metrics = { trainLoss: [], trainAcc: [], valLoss: [], valAcc: [] };
  const numTrainBatches = Math.ceil(trainLoader.dataset.length / batchSize);
  const numValBatches = Math.ceil(valLoader.dataset.length / batchSize);

  for (let ep = 1; ep <= epochs; ep++) {
    let totalLoss = 0;
    let numCorrect = 0;
    let batchIdx = 0;
    for (const [x, y] of trainLoader) {
      const yHat = forward(x);
      const batchLoss = loss.forward(yHat, y);
      optimizer.zeroGrad();
      batchLoss.backward();
      optimizer.step();
      const lossValue = await batchLoss.itemAsync();
      if (batchIdx % 10 === 0) console.log(`TRAINING BATCH:\t(${batchIdx} / ${numTrainBatches})\tLOSS:\t${lossValue.toFixed(3)}`);
      totalLoss += lossValue;
      numCorrect += await correct(yHat, y);
      batchIdx++;
    }
    const epTrainLoss = totalLoss / numTrainBatches;
    const epTrainAcc = numCorrect / trainLoader.dataset.length;

    // Reset counters
    totalLoss = 0;
    numCorrect = 0;
    for (const [x, y] of valLoader) {
      const [yHat, batchLoss] = tg.noGrad(() => {
        const yHat = forward(x);
        return [yHat, loss.forward(yHat, y)];
      });
      totalLoss += await batchLoss.itemAsync();
      numCorrect += await correct(yHat, y);
    }
    metrics.trainLoss.push(epTrainLoss);
    metrics.trainAcc.push(epTrainAcc);
    metrics.valLoss.push(totalLoss / numValBatches);
    metrics.valAcc.push(numCorrect / valLoader.dataset.length);
    console.log(`EPOCH:\t${ep}\tTRAIN LOSS:\t${epTrainLoss.toFixed(3)}\tTRAIN ACCURACY:\t${epTrainAcc.toFixed(3)}\tVAL LOSS:\t${metrics.valLoss.at(-1)!.toFixed(3)}\tVAL ACCURACY:\t${metrics.valAcc.at(-1)!.toFixed(3)}`);
  }
  return metrics;
}

const metrics = await train((x) => model.forward(x), loss, optimizer, trainLoader, valLoader, epochs);

// cell: 'def get_training_progress_plot(...)': Loss and Accuracy side by side
const progress = (m: Metrics) => m.trainLoss.map((_, i) => ({ epoch: i + 1, trainLoss: m.trainLoss[i], trainAccuracy: m.trainAcc[i], valLoss: m.valLoss[i], valAccuracy: m.valAcc[i] }));
savePicture('training-progress', tg.vis.curves(progress(metrics)));

// cell: 'Using a pretrained network': VGG16's body (vgg16().features). torchvision's weights file, when
// given, fixes the channel widths: VGG16's 64 ... 512, or those of a width-reduced copy with the same layers.
let vggBody: tg.nn.Sequential;
let weights: { file: string; tensorsLoaded: number } | null = null;
if (args.weights) {
  const stateDict = tg.load(args.weights);
  const bodyState = Object.fromEntries(Object.entries(stateDict).filter(([k]) => k.startsWith('features.')).map(([k, t]) => [k.slice('features.'.length), t]));
  const widths = Object.entries(bodyState).filter(([k]) => k.endsWith('.weight')).map(([, t]) => t.shape[0]);
  const convCount = nn.VGG16_CONFIG.filter((v) => v !== 'M').length;
  if (widths.length !== convCount) throw new Error(`--weights ${args.weights}: expected VGG16's ${convCount} conv layers (features.N.weight), found ${widths.length}`);
  vggBody = nn.vggFeatures(nn.VGG16_CONFIG.map((v) => (v === 'M' ? v : widths.shift()!)));
  vggBody.loadStateDict(bodyState, { strict: true });
  weights = { file: args.weights, tensorsLoaded: Object.keys(bodyState).length };
  console.log(`loaded VGG16's body from ${args.weights}: ${weights.tensorsLoaded} tensors`);
} else {
  vggBody = nn.vggFeatures(nn.VGG16_CONFIG);
  console.log('VGG16 body with random weights (pass --weights vgg16-397923af.pth for the pretrained ones)');
}
const bodyChannels = (vggBody.at(-3) as tg.nn.Conv2d).outChannels; // the last conv, before its ReLU and pool
const vggHead = new nn.Sequential(
  new nn.AdaptiveAvgPool2d([1, 1]),
  new nn.Flatten(),
  new nn.Linear(bodyChannels, 512), new nn.ReLU(),
  new nn.Linear(512, 512), new nn.ReLU(),
  new nn.Linear(512, numClasses),
);
const headOptimizer = new tg.optim.Adam(vggHead.parameters());

// cell: 'normalize_transform': VGG16 was trained on images normalised with ImageNet's mean and std.
// (As the notebook says, the clean way would be new datasets instead of modifying the transforms.)
const normalizeTransform = new T.Normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
trainDataset.transform!.transforms.push(normalizeTransform);
valDataset.transform!.transforms.push(normalizeTransform);

// cell: 'def train(head, body, ...)': only the head learns; the body runs without a graph (no_grad),
// which saves the memory and time of a backward pass through it
const transferMetrics = await train((x) => vggHead.forward(tg.noGrad(() => vggBody.forward(x))), loss, headOptimizer, trainLoader, valLoader, transferEpochs);
savePicture('transfer-progress', tg.vis.curves(progress(transferMetrics)));
check('the body got no gradient (it ran under noGrad)', vggBody.parameters().every((p) => p.grad === null));

// cell: 'Exercise 2' (b): VGG16's receptive field before the global average pooling, by the recurrence
// r(l-1) = s(l)·r(l) + k(l) - s(l) from r(L) = 1 at the top down to the input
const strides = [1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2];
const kernels = [3, 3, 2, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3, 2];
function calcReceptiveField(kernels: number[], strides: number[]): number {
  let r = 1;
  for (let l = kernels.length - 1; l >= 0; l--) r = strides[l] * r + kernels[l] - strides[l];
  return r;
}
// (a)'s closed form: r0 = sum over l of (k(l) - 1) · (the product of the strides below l), plus 1
function closedFormReceptiveField(kernels: number[], strides: number[]): number {
  let r = 1;
  let stridesBelow = 1;
  for (let l = 0; l < kernels.length; l++) {
    r += (kernels[l] - 1) * stridesBelow;
    stridesBelow *= strides[l];
  }
  return r;
}
const vgg16Field = calcReceptiveField(kernels, strides);
console.log(`VGG16's receptive field: ${vgg16Field}`);
check(`VGG16's receptive field is 212 (got ${vgg16Field})`, vgg16Field === 212);
check('the closed form agrees with the recurrence', closedFormReceptiveField(kernels, strides) === vgg16Field);
check('tg.nn.receptiveField of the VGG16 body agrees', nn.receptiveField(vggBody) === vgg16Field);

// (c): a dilation d makes a kernel of size k cover d·(k - 1) + 1 inputs. Here: dilation 2 on every conv.
const dilations = kernels.map((k) => (k === 3 ? 2 : 1));
const dilatedKernels = kernels.map((k, l) => dilations[l] * (k - 1) + 1);
const dilatedField = calcReceptiveField(dilatedKernels, strides);
console.log(`with dilation 2 in every conv: ${dilatedField}`);
/** VGG16's stack with one channel per layer: a conv (padding keeps the size) where the kernel is 3, a pool where it is 2. */
const stackOf = (dilation: (l: number) => number, Pool: typeof nn.MaxPool2d | typeof nn.AvgPool2d) =>
  new nn.Sequential(kernels.map((k, l) => (k === 3 ? new nn.Conv2d(1, 1, 3, { padding: dilation(l), dilation: dilation(l) }) : new Pool(2))));
check('tg.nn.receptiveField of the dilated stack agrees', nn.receptiveField(stackOf((l) => dilations[l], nn.MaxPool2d)) === dilatedField);

// (a) by experiment: with positive weights and average pools (the same windows as the max pools, but every
// input of a window gets a share of the gradient), the input pixels that a central output pixel's gradient
// reaches are exactly its receptive field
async function measuredReceptiveField(dilation: (l: number) => number, size: number): Promise<number> {
  const stack = stackOf(dilation, nn.AvgPool2d);
  for (const p of stack.parameters()) nn.init.constant(p, 0.1);
  const x = tg.ones([1, 1, size, size], { requiresGrad: true });
  const out = stack.forward(x);
  const centre = Math.floor(out.shape[2] / 2);
  out.slice(2, centre, centre + 1).slice(3, centre, centre + 1).sum().backward();
  // the columns of the input that got some gradient
  const grad = await x.grad!.dataAsync();
  const reached = new Set<number>();
  grad.forEach((v, i) => v !== 0 && reached.add(i % size));
  return Math.max(...reached) - Math.min(...reached) + 1;
}
const measured = await measuredReceptiveField(() => 1, 320);
const measuredDilated = await measuredReceptiveField((l) => dilations[l], 512);
check(`the gradient of a central output reaches ${measured} input columns`, measured === vgg16Field);
check(`with dilation: ${measuredDilated} columns`, measuredDilated === dilatedField);

const results = {
  backend: tg.getBackend(),
  data: args.data ?? 'synthetic',
  classes: uniqueClasses,
  imageSize,
  trainImages: trainDataset.length,
  valImages: valDataset.length,
  smallVgg: { parameters: parameterCount(model), parametersAt120Classes: smallVggParameters, ...metrics },
  transfer: { weights, bodyParameters: parameterCount(vggBody), headParameters: parameterCount(vggHead), ...transferMetrics },
  receptiveField: { vgg16: vgg16Field, vgg16Dilated: dilatedField, measured, measuredDilated },
  checks,
  seconds: (performance.now() - started) / 1000,
};
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
if (!args.data) rmSync(datasetDir, { recursive: true }); // the synthetic photos were only for this run
console.log(`wrote ${outDir}/results.json and the pictures (${results.seconds.toFixed(1)} s)`);
