// `--dataset` forms: mnist (the bundled digits, no download), idx:DIR (MNIST's original files),
// cifar10:DIR (the binary batches), folder:DIR (one sub-folder per class), csv:FILE,DIR (id,label rows
// + a folder of <id>.jpg/.png). Each becomes train and validation sets of [CHW image, label] samples.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import * as tg from '../index.js';
import { UsageError, firstLine } from './errors.js';

/** A dataset of [CHW image, label] samples. */
export type Sample = tg.data.Dataset<tg.Tensor, number>;

export interface LoadedData {
  /** the --dataset string, as given */
  spec: string;
  train: Sample;
  val: Sample;
  classes: string[];
  /** [C, H, W] of every image */
  inSize: number[];
  /** how the validation set was made */
  valFrom: string;
  /** default --augment for this kind of image */
  defaultAugment: string;
}

export interface DataOptions {
  /** fraction of the training data held out; undefined = the dataset's own test split where it has one */
  valSplit?: number;
  seed: number;
  /** side of the square images made from folder/csv files */
  imageSize: number;
}

function mustBeDir(option: string, dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`--dataset ${option}: folder '${dir}' does not exist`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`--dataset ${option}: '${dir}' is not a folder`);
}

/** Splits off a validation part with a seeded shuffle (the same split for the same seed). */
function split(train: tg.data.Dataset<tg.Tensor, number>, fraction: number, seed: number): [Sample, Sample] {
  const nVal = Math.round(train.length * fraction);
  if (nVal < 1 || nVal >= train.length) throw new UsageError(`--val-split ${fraction} leaves ${train.length - nVal} training and ${nVal} validation samples of ${train.length}; pick a fraction that keeps both non-empty`);
  const [t, v] = tg.data.randomSplit(train, [train.length - nVal, nVal], { generator: new tg.Generator(seed) });
  return [t, v];
}

function withSplit(spec: string, train: tg.data.Dataset<tg.Tensor, number>, test: Sample | null, o: DataOptions): { train: Sample; val: Sample; valFrom: string } {
  if (o.valSplit === undefined && test) return { train, val: test, valFrom: 'the dataset\'s test split' };
  const f = o.valSplit ?? 0.2;
  const [t, v] = split(train, f, o.seed);
  return { train: t, val: v, valFrom: `${Math.round(f * 100)}% of the training data (seed ${o.seed})` };
}

/** Folder/CSV images: decoded on demand, resized to a square so they batch. */
function imageTransform(size: number): (img: tg.Tensor) => tg.Tensor {
  const resize = new tg.data.transforms.Resize({ size: [size, size] });
  return (img) => (img.shape[1] === size && img.shape[2] === size ? img : resize.apply(img));
}

/** An image that will not decode becomes a one-line usage error naming the file. */
function checked<D extends tg.data.ImageFileDataset>(ds: D, option: string): D {
  const get = ds.get.bind(ds);
  ds.get = (i: number) => {
    try {
      return get(i) as [tg.Tensor, number];
    } catch (e) {
      throw new UsageError(`--dataset ${option}: ${firstLine((e as Error).message)}`);
    }
  };
  return ds;
}

export async function loadDataset(spec: string, o: DataOptions): Promise<LoadedData> {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1);
  if (kind === 'mnist' && !arg) {
    const { train, test } = await tg.data.loadMNIST();
    return { spec, ...withSplit(spec, train, test, o), classes: [...train.classes], inSize: [1, 28, 28], defaultAugment: 'shift' };
  }
  if (!arg && ['idx', 'cifar10', 'folder', 'csv'].includes(kind)) throw new UsageError(`--dataset ${kind}: needs a path, e.g. --dataset ${kind === 'csv' ? 'csv:labels.csv,images/' : `${kind}:DIR`}`);
  try {
    switch (kind) {
      case 'idx': {
        mustBeDir(spec, arg);
        const train = tg.data.readMNIST(arg, { train: true });
        const hasTest = readdirSync(arg).some((f) => f.startsWith('t10k-images'));
        const test = hasTest ? tg.data.readMNIST(arg, { train: false }) : null;
        return { spec, ...withSplit(spec, train, test, o), classes: [...train.classes], inSize: [1, 28, 28], defaultAugment: 'shift' };
      }
      case 'cifar10': {
        mustBeDir(spec, arg);
        const train = tg.data.readCIFAR10(arg, { train: true });
        let test: Sample | null = null;
        try {
          test = tg.data.readCIFAR10(arg, { train: false });
        } catch {
          test = null; // no test_batch.bin: split the training batches instead
        }
        return { spec, ...withSplit(spec, train, test, o), classes: [...tg.data.CIFAR10_CLASSES], inSize: [3, 32, 32], defaultAugment: 'shift,flip' };
      }
      case 'folder': {
        mustBeDir(spec, arg);
        const ds = checked(new tg.data.ImageFolder(arg, { transform: imageTransform(o.imageSize) }), spec);
        return { spec, ...withSplit(spec, ds, null, o), classes: [...ds.classes], inSize: [3, o.imageSize, o.imageSize], defaultAugment: 'shift,flip' };
      }
      case 'csv': {
        const [file, dir] = arg.split(',');
        if (!file || !dir) throw new UsageError(`--dataset csv: expects csv:LABELS.csv,IMAGE_DIR, got '${spec}'`);
        if (!existsSync(file)) throw new UsageError(`--dataset ${spec}: labels file '${file}' does not exist`);
        mustBeDir(spec, dir);
        // ids may name files with their extension or without (then .jpg or .png, whichever exists)
        const ids = tg.data.parseLabelsCsv(readCsv(file), { name: file });
        const ext = ids.length && extname(ids[0][0]) ? '' : existsSync(join(dir, `${ids[0]?.[0]}.png`)) ? '.png' : '.jpg';
        const ds = checked(new tg.data.CsvImageDataset(dir, { csv: file, imageDir: dir, extension: ext, transform: imageTransform(o.imageSize) }), spec);
        ds.samples.forEach(([path], k) => {
          if (!existsSync(path)) throw new UsageError(`--dataset ${spec}: ${file} line ${k + 2} labels '${ds.ids[k]}' but there is no image ${path}`);
        });
        return { spec, ...withSplit(spec, ds, null, o), classes: [...ds.classes], inSize: [3, o.imageSize, o.imageSize], defaultAugment: 'shift,flip' };
      }
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--dataset ${spec}: ${firstLine((e as Error).message)}`);
  }
  throw new UsageError(`--dataset must be mnist, idx:DIR, cifar10:DIR, folder:DIR or csv:FILE,DIR; got '${spec}'`);
}

function readCsv(file: string): string {
  return readFileSync(file, 'utf8');
}
