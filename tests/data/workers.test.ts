// DataLoader workers (worker threads running get() and its transforms): the same batches as workers: 0
// for a seed, for the built-in datasets and for a user's own Dataset subclass (tests/data/dog-dataset.mjs),
// a clear error for a dataset a worker cannot rebuild, a worker's get() errors as workers: 0's (and
// skipErrors), order and prefetch, unknown options, and the speed of an epoch (measured, not asserted).
// The workers run dist/data/worker-main.js: `npm run build` first.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor, defaultGenerator, manualSeed } from '../../engine/index.js';
import { CIFAR10, ConcatDataset, CsvImageDataset, DataLoader, Dataset, ImageFolder, MNIST, TensorDataset, randomSplit, transforms as T } from '../../data/index.js';
import * as built from '../../dist/index.js';
import { createDataset, DogBreedDataset } from './dog-dataset.mjs';
import { requireBuild, tempDir } from '../cli/helpers.js';

const jpeg = createRequire(import.meta.url)('jpeg-js') as { encode(img: { data: Uint8Array; width: number; height: number }, quality: number): { data: Uint8Array } };

/** A w x h JPEG of smooth colour gradients that differ per (k): something for augmentations to move. */
function writeJpeg(file: string, w: number, h: number, k: number): void {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 4;
      data[p] = (x * 255) / w;
      data[p + 1] = (y * 255) / h;
      data[p + 2] = (k * 37 + ((x * y) % 97)) % 256;
      data[p + 3] = 255;
    }
  }
  writeFileSync(file, jpeg.encode({ data, width: w, height: h }, 85).data);
}

/** root/<class>/<k>.jpg: `perClass` images in each of `classes`. */
function imageFolder(dir: string, classes: string[], perClass: number, w: number, h: number): string {
  classes.forEach((c, ci) => {
    mkdirSync(join(dir, c), { recursive: true });
    for (let k = 0; k < perClass; k++) writeJpeg(join(dir, c, `${k}.jpg`), w + ci * 3, h + k, ci * perClass + k);
  });
  return dir;
}

const augment = () =>
  new T.Compose([
    new T.RandomResizedCrop(24, [0.5, 1]),
    new T.RandomHorizontalFlip(),
    new T.ColorJitter(0.4, 0.4, 0.4, 0.1),
    new T.RandomRotation(15),
    new T.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]),
  ]);

/** a batch of the source's or the built package's tensors */
type Batch = [{ readonly shape: readonly number[]; readonly data: Float32Array }, { readonly data: Float32Array }];
const plain = (batches: Batch[]) => batches.map(([x, y]) => [x.shape, Array.from(x.data), Array.from(y.data)]);

async function epochs(loader: { [Symbol.asyncIterator](): AsyncIterator<Batch>; close(): Promise<void> }, n = 2): Promise<Batch[][]> {
  const out: Batch[][] = [];
  try {
    for (let e = 0; e < n; e++) {
      const batches: Batch[] = [];
      for await (const b of loader) batches.push(b);
      out.push(batches);
    }
  } finally {
    await loader.close();
  }
  return out;
}

let root: string;
let folder: string;

beforeAll(() => {
  requireBuild();
  root = tempDir('typegrad-workers-');
  folder = imageFolder(join(root, 'images'), ['beagle', 'collie', 'pug'], 4, 40, 32);
});

describe('DataLoader workers: the same samples as workers: 0', () => {
  it('ImageFolder with random augmentation: the same batches for a seed, epoch by epoch, with workers 0 and 2 (and sync iteration)', async () => {
    const make = (workers: number) => new DataLoader(new ImageFolder(folder, { transform: augment() }), { batchSize: 5, shuffle: true, seed: 11, workers });
    const serial = await epochs(make(0));
    const parallel = await epochs(make(2));
    expect(parallel.map(plain)).toEqual(serial.map(plain));
    expect(plain(serial[1])).not.toEqual(plain(serial[0])); // a new order and new augmentations each epoch
    const sync = make(2);
    expect(plain([...sync] as Batch[])).toEqual(plain(serial[0]));
    expect(plain((await epochs(new DataLoader(new ImageFolder(folder, { transform: augment() }), { batchSize: 5, shuffle: true, seed: 12, workers: 2 }), 1))[0])).not.toEqual(plain(serial[0]));
  });

  it('a sample does not depend on the batch it is in: batchSize 1 and 4 give the same images', async () => {
    const images = async (batchSize: number, workers: number) => {
      const [batches] = await epochs(new DataLoader(new ImageFolder(folder, { transform: augment() }), { batchSize, seed: 3, workers }), 1);
      return batches.flatMap(([x]) => Array.from(x.data));
    };
    expect(await images(4, 2)).toEqual(await images(1, 0));
  });

  it('loading draws nothing from the default generator, and dataset.get(i) outside a loader still draws from it', async () => {
    manualSeed(5);
    const before = defaultGenerator.getState();
    await epochs(new DataLoader(new ImageFolder(folder, { transform: augment() }), { batchSize: 4, seed: 1 }), 1);
    expect(defaultGenerator.getState()).toEqual(before);
    const ds = new ImageFolder(folder, { transform: augment() });
    manualSeed(9);
    const a = Array.from(ds.get(0)[0].data);
    const b = Array.from(ds.get(0)[0].data);
    manualSeed(9);
    expect(Array.from(ds.get(0)[0].data)).toEqual(a);
    expect(b).not.toEqual(a);
  });

  it('every built-in dataset rebuilds in the workers: map(), randomSplit subsets, CsvImageDataset, ConcatDataset, MNIST, CIFAR10, TensorDataset', async () => {
    const mnist = new MNIST(Float32Array.from({ length: 6 * 784 }, (_, i) => (i % 251) / 251), Int32Array.from([0, 1, 2, 3, 4, 5]));
    const cifarPixels = Uint8Array.from({ length: 5 * 3072 }, (_, i) => (i * 7) % 256);
    const cifar = new CIFAR10(cifarPixels, Uint8Array.from([9, 8, 7, 6, 5]));
    const tensors = new TensorDataset(new Tensor(Float32Array.from({ length: 7 * 3 * 4 * 4 }, (_, i) => Math.sin(i)), [7, 3, 4, 4]), new Tensor(Float32Array.from([0, 1, 2, 3, 4, 5, 6]), [7]));
    const labels = join(root, 'labels.csv');
    writeFileSync(labels, 'id,breed\nbeagle/0,beagle\npug/2,pug\ncollie/1,collie\npug/3,pug\n');
    const [train] = randomSplit(new ImageFolder(folder, { transform: new T.CenterCrop(16) }), [0.75, 0.25], { seed: 2 });
    const cases: [string, () => Dataset<Tensor, number | Tensor>][] = [
      ['randomSplit(ImageFolder).map', () => randomSplit(new ImageFolder(folder), [0.75, 0.25], { seed: 2 })[0].map(augment())],
      ['Subset', () => train],
      ['CsvImageDataset', () => new CsvImageDataset(root, { csv: labels, imageDir: folder, transform: augment() })],
      ['MNIST.map', () => mnist.map(new T.Compose([new T.RandomCrop(24, 2), new T.RandomErasing({ p: 0.9, value: 'random' })]))],
      ['CIFAR10.map', () => cifar.map(new T.RandomAffine(20, [0.1, 0.1], [0.9, 1.1], 5))],
      ['ConcatDataset', () => new ConcatDataset([tensors.map(new T.RandomVerticalFlip(0.5)), tensors])],
    ];
    for (const [name, make] of cases) {
      const load = (workers: number) => epochs(new DataLoader(make() as Dataset<Tensor, number>, { batchSize: 3, shuffle: true, seed: 4, workers }), 1);
      expect(plain((await load(2))[0]), name).toEqual(plain((await load(0))[0]));
    }
  });
});

describe("DataLoader workers: a user's own Dataset subclass", () => {
  // The dataset, the loader and the worker module all use the built package here, as a user's script does.
  const spec = () => ({ keys: ['beagle/0', 'beagle/1', 'collie/2', 'pug/3', 'pug/1', 'collie/0'], labels: [0, 0, 1, 2, 2, 1], imgRoot: folder, train: true, size: 28 });

  it('reaches the workers through workerModule (a module URL whose createDataset builds it): the same batches as workers: 0', async () => {
    const dogs = new DogBreedDataset(spec());
    const serial = await epochs(new built.data.DataLoader(dogs, { batchSize: 4, shuffle: true, seed: 8 }));
    const parallel = await epochs(new built.data.DataLoader(dogs, { batchSize: 4, shuffle: true, seed: 8, workers: 2, workerModule: new URL('./dog-dataset.mjs', import.meta.url), workerData: spec() }));
    expect(parallel.map(plain)).toEqual(serial.map(plain));
    expect(parallel[0][0][0].shape).toEqual([4, 3, 28, 28]);
  });

  it('or through its own toWorker(), also when wrapped (randomSplit, map)', async () => {
    const make = () => built.data.randomSplit(new DogBreedDataset(spec()), [4, 2], { seed: 1 })[0].map(new built.data.transforms.RandomGrayscale(0.5));
    const serial = await epochs(new built.data.DataLoader(make(), { batchSize: 3, shuffle: true, seed: 2 }));
    const parallel = await epochs(new built.data.DataLoader(make(), { batchSize: 3, shuffle: true, seed: 2, workers: 2 }));
    expect(parallel.map(plain)).toEqual(serial.map(plain));
  });

  it('a module that cannot build the dataset, or builds one of another length, fails the epoch clearly (even with skipErrors)', async () => {
    const url = new URL('./dog-dataset.mjs', import.meta.url);
    const dogs = createDataset(spec());
    const broken = new built.data.DataLoader(dogs, { batchSize: 2, workers: 1, workerModule: url, workerData: { kind: 'broken', imgRoot: '/nowhere' }, skipErrors: true, onSkip: () => {} });
    await expect(epochs(broken, 1)).rejects.toThrow(/a worker could not rebuild the dataset: no dogs at \/nowhere/);
    const other = new built.data.DataLoader(dogs, { batchSize: 2, workers: 1, workerModule: url, workerData: { kind: 'threads', n: 3 } });
    await expect(epochs(other, 1)).rejects.toThrow(/a worker rebuilt has 3 samples, this one has 6/);
    const missing = new built.data.DataLoader(dogs, { batchSize: 2, workers: 1, workerModule: new URL('./no-such-module.mjs', import.meta.url) });
    await expect(epochs(missing, 1)).rejects.toThrow(/could not rebuild the dataset: .*no-such-module/);
  });
});

describe('DataLoader workers: errors', () => {
  it("says why it cannot rebuild a dataset made of closures, a function transform, or a class of the user's own without a module", () => {
    const closures = { length: 3, get: (i: number): [Tensor, number] => [new Tensor(Float32Array.of(i), [1]), i] };
    expect(() => new DataLoader(closures, { workers: 2 })).toThrow(
      "DataLoader: workers need to rebuild this dataset in a worker: the dataset is a plain object (its get is a closure), which cannot be sent to a worker; pass workerModule, or use workers: 0",
    );
    const numbers = new TensorDataset(new Tensor(Float32Array.of(1, 2), [2]));
    expect(() => new DataLoader(numbers.map((x) => x), { workers: 2 })).toThrow(/workers need to rebuild this dataset in a worker: the dataset.transform is a function .*; pass workerModule, or use workers: 0/);
    expect(() => new DataLoader(numbers.map(new T.Compose([new T.Lambda((x: Tensor) => x)])), { workers: 1 })).toThrow(/the dataset.transform.transforms\[0\] is a Lambda/);
    expect(() => new DataLoader(numbers.map(new T.RandomHorizontalFlip({ generator: defaultGenerator })), { workers: 1 })).toThrow(/has its own generator/);
    // image files whose transform a worker cannot rebuild: the workers only decode (get() on this thread)
    expect(new DataLoader(new ImageFolder(folder, { transform: (x) => x }), { workers: 2 }).workerMode).toBe('decode');
    expect(new DataLoader(new ImageFolder(folder).map(new T.RandomHorizontalFlip({ generator: defaultGenerator })), { workers: 2 }).workerMode).toBe('decode');
    expect(new DataLoader(new ImageFolder(folder), { workers: 2 }).workerMode).toBe('samples');
    class Mine extends Dataset<Tensor, number> {
      get length() { return 2; }
      get(i: number): [Tensor, number] { return [new Tensor(Float32Array.of(i), [1]), i]; }
    }
    expect(() => new DataLoader(new TensorDataset(new Tensor(Float32Array.of(1, 2), [2])), { workers: 1 })).not.toThrow();
    expect(() => new DataLoader(new Mine(), { workers: 1 })).toThrow(/the dataset is a Mine, a class of your own \(give it toWorker\(\), or the loader workerModule/);
    expect(() => new DataLoader(new Mine(), { workerModule: 'x.mjs' })).toThrow(/workerModule is for workers > 0/);
  });

  it("an error inside a worker's get() is the error of workers: 0, naming the file; skipErrors skips the same samples", async () => {
    const dir = imageFolder(join(root, 'damaged'), ['a', 'b'], 3, 20, 20);
    writeFileSync(join(dir, 'a', '1.jpg'), Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3));
    writeFileSync(join(dir, 'b', '2.jpg'), 'not an image');
    const make = (workers: number, skip?: [number, string][]) =>
      new DataLoader(new ImageFolder(dir, { transform: augment() }), { batchSize: 2, seed: 1, workers, skipErrors: !!skip, onSkip: (i, e) => skip?.push([i, e.message]) });
    const failure = async (workers: number) => epochs(make(workers), 1).then(() => null, (e: Error) => [e.constructor, e.message]);
    const serialError = await failure(0);
    expect(serialError?.[1]).toMatch(/cannot decode .*a\/1\.jpg/);
    expect(await failure(2)).toEqual(serialError);
    const skipped0: [number, string][] = [];
    const skipped2: [number, string][] = [];
    const [kept0] = await epochs(make(0, skipped0), 1);
    const [kept2] = await epochs(make(2, skipped2), 1);
    expect(skipped2).toEqual(skipped0);
    expect(skipped0.map(([i]) => i)).toEqual([1, 5]);
    expect(plain(kept2)).toEqual(plain(kept0));
  });

  it("rejects unknown options, naming the nearest known one", () => {
    const ds = new TensorDataset(new Tensor(Float32Array.of(1, 2), [2]));
    expect(() => new DataLoader(ds, { batch_size: 4 } as never)).toThrow("DataLoader: unknown option 'batch_size' (did you mean 'batchSize'?)");
    expect(() => new DataLoader(ds, { num_workers: 2 } as never)).toThrow(/unknown option 'num_workers' \(did you mean 'workers'\?\)|unknown option 'num_workers'/);
  });
});

describe('DataLoader workers: order and prefetch', () => {
  it('batches come in sampler order for any prefetch, made by both workers, with several samples in flight', async () => {
    const url = new URL('./dog-dataset.mjs', import.meta.url);
    for (const prefetch of [0, 3]) {
      const loader = new built.data.DataLoader(createDataset({ kind: 'threads', n: 40 }), { batchSize: 4, shuffle: true, seed: 6, prefetch, workers: 2, workerModule: url, workerData: { kind: 'threads', n: 40 } });
      const [batches] = await epochs(loader, 1);
      expect(batches.map(([x]) => Array.from(x.data)), `prefetch ${prefetch}`).toEqual(loader.batchIndices(0));
      const threads = new Set(batches.flatMap(([, y]) => Array.from(y.data)));
      expect(threads.size, `prefetch ${prefetch}`).toBe(2);
      expect(threads.has(0)).toBe(false); // never the main thread
    }
  });

  it("a dataset of image files the workers cannot rebuild still decodes on them, with the same batches", async () => {
    const make = (workers: number) => new DataLoader(new ImageFolder(folder, { transform: (x) => augment().apply(x) }), { batchSize: 4, shuffle: true, seed: 9, workers });
    const parallel = make(2);
    expect(parallel.workerMode).toBe('decode');
    expect((await epochs(parallel)).map(plain)).toEqual((await epochs(make(0))).map(plain));
  });

  it('the workers see the dataset as it is when an epoch starts (a transform appended since is applied there too)', async () => {
    const make = (workers: number) => {
      const ds = new ImageFolder(folder, { transform: new T.Compose([new T.RandomCrop(16)]) });
      return [ds, new DataLoader(ds, { batchSize: 6, seed: 2, workers })] as const;
    };
    const run = async (workers: number) => {
      const [ds, loader] = make(workers);
      const out: Batch[][] = [];
      try {
        for (let e = 0; e < 2; e++) {
          const batches: Batch[] = [];
          for await (const b of loader) batches.push(b);
          out.push(batches);
          (ds.options.transform as T.Compose).transforms.push(new T.Normalize([0.5, 0.5, 0.5], [0.1, 0.1, 0.1])); // as the dog-breed lab does
        }
      } finally {
        await loader.close();
      }
      return out.map(plain);
    };
    const serial = await run(0);
    expect(await run(2)).toEqual(serial);
    expect(Math.max(...(serial[1][0][1] as number[]))).toBeGreaterThan(1); // normalized in epoch 1
  });

  it('close() stops the workers; the next epoch starts new ones', async () => {
    const loader = new DataLoader(new ImageFolder(folder, { transform: new T.RandomCrop(20) }), { batchSize: 6, seed: 5, workers: 2 });
    const [first] = await epochs(loader, 1);
    const [again] = await epochs(loader, 1);
    expect(plain(again)).not.toEqual(plain(first)); // epoch 1's crops
    loader.epoch = 0;
    expect(plain((await epochs(loader, 1))[0])).toEqual(plain(first)); // replayed by new workers
  });
});

describe('DataLoader workers: speed (measured, not asserted)', () => {
  it('an epoch of 48 JPEGs with augmentation at workers 0 and 2', async () => {
    const dogs = imageFolder(join(root, 'dogs'), ['a', 'b', 'c', 'd'], 12, 320, 240);
    const transform = () =>
      new T.Compose([new T.RandomHorizontalFlip(), new T.RandomRotation(30), new T.ColorJitter(0.5, 0.5, 0.5, 0.2), new T.RandomPerspective(), new T.ResizeToSquare(224)]);
    const times: Record<number, number> = {};
    let reference: Batch[] | null = null;
    for (const workers of [0, 2]) {
      const loader = new DataLoader(new ImageFolder(dogs, { transform: transform() }), { batchSize: 8, shuffle: true, seed: 1, workers });
      if (workers > 0) await epochs(loader, 1); // start the workers (and warm them) outside the timing
      const t0 = performance.now();
      const batches: Batch[] = [];
      for await (const b of loader) batches.push(b);
      times[workers] = performance.now() - t0;
      await loader.close();
      if (reference) expect(batches.map(([x]) => x.shape)).toEqual(reference.map(([x]) => x.shape));
      reference = batches;
    }
    console.log(`DataLoader epoch, 48 JPEGs 320x240-ish, flip+rotate+jitter+perspective+resize 224: workers 0 ${times[0].toFixed(0)} ms, workers 2 ${times[2].toFixed(0)} ms (x${(times[0] / times[2]).toFixed(2)})`);
  }, 180_000);
});
