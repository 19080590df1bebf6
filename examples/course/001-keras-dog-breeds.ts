// Lab 8 in R/Keras (seed 001): the dog-breed classifier with Keras's tools, in typegrad's words:
// image_data_generator -> a Compose of transforms, flow_images_from_directory -> ImageFolder + DataLoader,
// summary(model) -> tg.nn.summary, compile + fit_generator -> tg.nn.fit, freeze_weights -> requiresGrad(false).
//
//   node dist/examples/course/001-keras-dog-breeds.js --data data --epochs 100
//   node dist/examples/course/001-keras-dog-breeds.js --tiny --out /tmp/001     (synthetic photos, seconds)
//
// --data DIR   the unzipped dog-breed-identification folder (labels.csv, train/<id>.jpg); the program sorts it
//              into DIR/train_sorted/<breed>/ and DIR/val_sorted/<breed>/ once, as the notebook does. Without
//              it, synthetic photos of four shape "breeds" are written to a temp folder first (photos.ts)
// --tiny       few photos, 32x32 images, short trainings: what the tests run
// --size N     the side the photos are resized to (default: the notebook's 224; 32 with --tiny)
// --epochs N   epochs of the first training (default: the notebook's 100)
// --out DIR    where the pictures and results.json go (default runs/course/001-keras-dog-breeds)
// --backend NAME  js, wasm, gl or webgpu (default: the package's, wasm); tg.nn.fit reads the device's
//              results asynchronously, as webgpu requires

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    tiny: { type: 'boolean', default: false },
    epochs: { type: 'string' },
    size: { type: 'string' },
    out: { type: 'string', default: 'runs/course/001-keras-dog-breeds' },
    backend: { type: 'string' },
  },
});
const tiny = args.tiny;
if (args.backend) {
  if (!tg.hasBackend(args.backend)) throw new Error(`001-keras-dog-breeds: --backend must be one of ${tg.listBackends().join(', ')}, got '${args.backend}'`);
  await tg.setBackend(args.backend);
}
/** A flag's number, or the default when the flag is absent; anything but a positive integer stops the program. */
function count(flag: 'epochs' | 'size', fallback: number): number {
  const value = args[flag] === undefined ? fallback : Number(args[flag]);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`001-keras-dog-breeds: --${flag} must be a positive integer, got '${args[flag]}'`);
  return value;
}
// the notebook's target_size 224x224 and 100 epochs
const targetSize = count('size', tiny ? 32 : 224);
const epochs = count('epochs', tiny ? 2 : 100);
const outDir = args.out;
mkdirSync(outDir, { recursive: true });
const started = performance.now();
tg.manualSeed(0);

/** The notebook's checks: each is printed, and the program stops (exit code 1) at the first that fails. */
const checks: Array<{ name: string; passed: boolean }> = [];
function check(name: string, passed: boolean): void {
  checks.push({ name, passed });
  console.log(`check: ${name}: ${passed ? 'ok' : 'FAILED'}`);
  if (!passed) throw new Error(`check failed: ${name}`);
}

function savePicture(name: string, figure: { png(): Uint8Array; svg(): string }): void {
  writeFileSync(join(outDir, `${name}.png`), figure.png());
  writeFileSync(join(outDir, `${name}.svg`), figure.svg());
}

// cell: 'download.file(url, dst); unzip(dst, exdir="data")': the user's folder, or synthetic photos
const dataDir = args.data ?? writeDogBreedFolder(mkdtempSync(join(tmpdir(), 'dogbreed-')), { perBreed: tiny ? 6 : 150 });
console.log(`data: ${dataDir}${args.data ? '' : ' (synthetic photos)'}`);

// cell: 'data = read.csv("data/labels.csv")' and the first 9 photos with their breed
const labels = data.parseLabelsCsv(readFileSync(join(dataDir, 'labels.csv'), 'utf8')).map(([id, breed]) => ({ id, breed }));
const firstNine = labels.slice(0, 9);
savePicture('samples', tg.vis.montage(firstNine.map(({ id }) => data.readImage(join(dataDir, 'train', `${id}.jpg`))), { titles: firstNine.map(({ breed }) => breed), ncols: 3 }));

// cell: 'if(!dir.exists("data/train_sorted"))': one folder per breed, the first fifth of each breed's photos for validation
const trainSorted = join(dataDir, 'train_sorted');
const valSorted = join(dataDir, 'val_sorted');
const breeds = [...new Set(labels.map(({ breed }) => breed))];
if (!existsSync(trainSorted)) {
  for (const dog of breeds) {
    mkdirSync(join(trainSorted, dog), { recursive: true });
    mkdirSync(join(valSorted, dog), { recursive: true });
    const ids = labels.filter(({ breed }) => breed === dog).map(({ id }) => id);
    const sp = Math.ceil(ids.length / 5);
    ids.forEach((id, i) => copyFileSync(join(dataDir, 'train', `${id}.jpg`), join(i < sp ? valSorted : trainSorted, dog, `${id}.jpg`)));
  }
}

// cell: 'train_data_generator = image_data_generator(...)'. Keras's options as transforms:
//   target_size = c(224, 224)        Resize to 224x224 (flow_images_from_directory does it on loading)
//   rescale = 1/255                  ImageFolder's images are already floats in [0, 1]
//   rotation_range = 30, width_shift_range = 0.2, height_shift_range = 0.2, zoom_range = 0.2,
//   fill_mode = "reflect"            one RandomAffine, the blanks filled by mirroring the image (Keras
//                                    draws the x and y zoom apart; RandomAffine's scale is one factor for both)
//   horizontal_flip = TRUE           RandomHorizontalFlip
//   brightness_range = c(0.5, 1.5)   ColorJitter's brightness factor drawn from [0.5, 1.5]
const trainDataGenerator = new T.Compose([
  new T.Resize([targetSize, targetSize]),
  new T.RandomAffine({ degrees: 30, translate: [0.2, 0.2], scale: [0.8, 1.2], fillMode: 'reflect' }),
  new T.RandomHorizontalFlip(),
  new T.ColorJitter({ brightness: [0.5, 1.5] }),
]);
// validation: no augmentation, only the resize (and the rescale)
const validationDataGenerator = new T.Compose([new T.Resize([targetSize, targetSize])]);

// cell: 'flow_images_from_directory(...)': class_mode "categorical" gives one-hot labels for Keras's
// categorical_crossentropy; typegrad's cross-entropy takes the class index, which is the same loss
const batchSize = tiny ? 8 : 32;
const trainImages = new data.ImageFolder(trainSorted, { transform: trainDataGenerator });
const valImages = new data.ImageFolder(valSorted, { transform: validationDataGenerator });
const dataSourceTrain = new data.DataLoader(trainImages, { batchSize, shuffle: true, seed: 0 });
const dataSourceValidation = new data.DataLoader(valImages, { batchSize, shuffle: true, seed: 1 });
const numClasses = trainImages.classes.length;
console.log(`Found ${trainImages.length} images belonging to ${numClasses} classes (train), ${valImages.length} (validation)`);

// cell: 'x = data_source_train[["next"]]() [[1]]': four augmented images of the first batch
const [x] = dataSourceTrain[Symbol.iterator]().next().value!;
const firstFour = [0, 1, 2, 3].map((i) => x.index(i));
await Promise.all(firstFour.map((image) => image.dataAsync())); // montage reads .data: on a device backend, read them first
savePicture('augmented', tg.vis.montage(firstFour, { ncols: 4 }));

// cell: 'model = keras_model_sequential() %>% ...': Keras's padding="same" is padding 1 for a 3x3 kernel;
// activation="relu" is a ReLU after the layer; the softmax of the last layer is inside the cross-entropy
function smallVgg(classes: number): tg.nn.Sequential {
  return new nn.Sequential(
    // Block 1
    new nn.Conv2d(3, 64, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(64, 64, 3, { padding: 1 }), new nn.ReLU(),
    new nn.MaxPool2d(2, 2),
    // Block 2
    new nn.Conv2d(64, 128, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(128, 128, 3, { padding: 1 }), new nn.ReLU(),
    new nn.MaxPool2d(2, 2),
    // Block 3
    new nn.Conv2d(128, 256, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(256, 256, 3, { padding: 1 }), new nn.ReLU(),
    new nn.MaxPool2d(2, 2),
    // Block 4
    new nn.Conv2d(256, 512, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(512, 512, 3, { padding: 1 }), new nn.ReLU(),
    new nn.MaxPool2d(2, 2),
    // Flatten by global averaging
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(),
    new nn.Linear(512, 512), new nn.ReLU(),
    new nn.Linear(512, 512), new nn.ReLU(),
    // Output for 120 classes (here: as many as the data has)
    new nn.Linear(512, classes),
  );
}
const model = smallVgg(numClasses);

// cell: 'summary(model)': the notebook's table is for 120 breeds at 224x224
console.log(nn.summary(model, [3, targetSize, targetSize]).toString());
const smallVggSummary = nn.summary(smallVgg(120), [3, targetSize, targetSize]);
check(`the small VGG has 5,272,248 parameters at 120 classes, all trainable (got ${smallVggSummary.totalParams.toLocaleString('en-US')})`, smallVggSummary.totalParams === 5_272_248 && smallVggSummary.trainableParams === 5_272_248);

// cell: 'compile(model, optimizer_adam(), "categorical_crossentropy", "accuracy")' and 'fit_generator(...)':
// steps_per_epoch = floor(8127 / 32) is one pass over the training photos, as here
const { history } = await nn.fit(model, dataSourceTrain, {
  epochs,
  optimizer: new tg.optim.Adam(model.parameters()),
  stepsPerEpoch: Math.floor(trainImages.length / batchSize),
  valLoader: dataSourceValidation,
  metrics: ['accuracy'],
});
savePicture('history', tg.vis.curves(history));

// cell: 'vgg_headless = application_vgg16(include_top = FALSE, weights = "imagenet")': VGG16's body.
// Nothing is downloaded here, so its weights are random; 000-dog-breeds.ts --weights loads torchvision's file.
const vggHeadless = nn.vggFeatures(nn.VGG16_CONFIG);
/** The new head: global average pooling, two dense layers of 512 with ReLU, and the output layer. */
const newHead = (classes: number) => new nn.Sequential(new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, classes));
const vggPretrained = new nn.Sequential(vggHeadless, newHead(numClasses));

// cell: 'freeze_weights(vgg_pretrained, from = 1, to = 19)': Keras's first 19 layers are the input and VGG16's
// 13 convs and 5 pools, the whole body
vggHeadless.requiresGrad(false);
console.log(nn.summary(vggPretrained, [3, targetSize, targetSize]).toString());
const pretrainedSummary = nn.summary(new nn.Sequential(vggHeadless, newHead(120)), [3, targetSize, targetSize]);
check(`VGG16 + head has 15,301,560 parameters at 120 classes (got ${pretrainedSummary.totalParams.toLocaleString('en-US')})`, pretrainedSummary.totalParams === 15_301_560);
check(`of which 586,872 trainable (got ${pretrainedSummary.trainableParams.toLocaleString('en-US')})`, pretrainedSummary.trainableParams === 586_872);
check(`and 14,714,688 frozen (got ${pretrainedSummary.nonTrainableParams.toLocaleString('en-US')})`, pretrainedSummary.nonTrainableParams === 14_714_688);

// cell: 'compile(vgg_pretrained, ...)' and 'fit_generator(vgg_pretrained, ..., epochs = 10)': Keras's optimizer
// updates the trainable weights only; the frozen body makes no graph, so backward stops at the head
const frozenEpochs = tiny ? 2 : 10;
const trainable = (m: tg.nn.Module) => m.parameters().filter((p) => p.requiresGrad);
const { history: frozenHistory } = await nn.fit(vggPretrained, dataSourceTrain, {
  epochs: frozenEpochs,
  optimizer: new tg.optim.Adam(trainable(vggPretrained)),
  stepsPerEpoch: Math.floor(trainImages.length / batchSize),
  valLoader: dataSourceValidation,
});
savePicture('history-frozen', tg.vis.curves(frozenHistory));
check('the frozen body got no gradient', vggHeadless.parameters().every((p) => p.grad === null));

// The text's steps 5 and 6: unfreeze the weights and fine-tune the whole network, with a small learning
// rate so that the pretrained features are only adjusted
vggHeadless.requiresGrad(true);
const unfrozen = nn.summary(vggPretrained, [3, targetSize, targetSize]);
check('after unfreezing, every parameter is trainable', unfrozen.trainableParams === unfrozen.totalParams);
const { history: fineTuneHistory } = await nn.fit(vggPretrained, dataSourceTrain, {
  epochs: tiny ? 1 : 5,
  optimizer: new tg.optim.Adam(vggPretrained.parameters(), { lr: 1e-5 }),
  stepsPerEpoch: tiny ? 1 : Math.floor(trainImages.length / batchSize),
  valLoader: dataSourceValidation,
});
check('fine-tuning reached the body', vggHeadless.parameters().every((p) => p.grad !== null));

// cell: 'Exercise 2': the receptive field of VGG16 before the global average pooling, by
// Reduce(function(r, l) strides[l] * r + kernels[l] - strides[l], length(strides):1, init = 1)
const strides = [1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2];
const kernels = [3, 3, 2, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3, 2];
const receptiveField = strides.map((_, l) => l).reverse().reduce((r, l) => strides[l] * r + kernels[l] - strides[l], 1);
console.log(`[1] ${receptiveField}`);
check(`VGG16's receptive field is 212, as tg.nn.receptiveField says (got ${receptiveField})`, receptiveField === 212 && nn.receptiveField(vggHeadless) === 212);

const results = {
  backend: tg.getBackend(),
  data: args.data ?? 'synthetic',
  classes: trainImages.classes,
  targetSize,
  trainImages: trainImages.length,
  valImages: valImages.length,
  summaries: {
    smallVgg: { totalParams: smallVggSummary.totalParams, trainableParams: smallVggSummary.trainableParams },
    vggPretrained: { totalParams: pretrainedSummary.totalParams, trainableParams: pretrainedSummary.trainableParams, nonTrainableParams: pretrainedSummary.nonTrainableParams },
  },
  history,
  frozenHistory,
  fineTuneHistory,
  receptiveField,
  checks,
  seconds: (performance.now() - started) / 1000,
};
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
if (!args.data) rmSync(dataDir, { recursive: true }); // the synthetic photos were only for this run
console.log(`wrote ${outDir}/results.json and the pictures (${results.seconds.toFixed(1)} s)`);
