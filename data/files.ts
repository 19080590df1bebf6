// Reading and writing dataset files from disk (Node): single images, MNIST IDX files, CIFAR-10 binary
// batches, and an optional downloader that fails clearly where there is no network.

import type { Tensor } from '../engine/index.js';
import { decodeImage, encodePng, type ImageMode } from './codecs.js';
import { CIFAR10 } from './formats/cifar.js';
import { parseIdx, type IdxArray, type IdxOptions } from './formats/idx.js';
import { readTar } from './formats/tar.js';
import { toPixels, toTensor, type RawImage } from './functional/convert.js';
import { mnistFromIdx, type MNIST } from './mnist.js';
import { fs, path } from './node-modules.js';

function readBytes(file: string, op: string): Uint8Array {
  try {
    return fs(op).readFileSync(file);
  } catch (e) {
    throw new Error(`${op}: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** A PNG or JPEG file as a CHW float tensor in [0, 1]; `maxPixels` as decodeImage's (default 2^28). */
export function readImage(file: string, options: { mode?: ImageMode; maxPixels?: number } = {}): Tensor {
  return toTensor(decodeImage(readBytes(file, 'readImage'), { name: file, mode: options.mode, maxPixels: options.maxPixels }));
}

/** Writes a CHW image tensor in [0, 1] (or pixels) as a PNG file. */
export function writePng(file: string, img: Tensor | RawImage): void {
  const pixels = 'width' in img ? img : toPixels(img);
  fs('writePng').writeFileSync(file, encodePng(pixels));
}

/** An IDX file (gzipped or not); `options` bound what it may declare (see IdxOptions). */
export function readIdxFile(file: string, options: IdxOptions = {}): IdxArray {
  return parseIdx(readBytes(file, 'readIdxFile'), file, options);
}

function firstExisting(candidates: string[], what: string): string {
  const f = fs(what);
  const hit = candidates.find((c) => f.existsSync(c));
  if (!hit) throw new Error(`${what}: none of ${candidates.join(', ')} exists`);
  return hit;
}

/** MNIST from the original files in `root` (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-…). */
export function readMNIST(root: string, options: { train?: boolean } = {}): MNIST {
  const p = path('readMNIST');
  const prefix = options.train === false ? 't10k' : 'train';
  const find = (kind: string) => firstExisting([`${prefix}-${kind}`, `${prefix}-${kind}.gz`].map((n) => p.join(root, n)), 'readMNIST');
  const images = find('images-idx3-ubyte');
  const labels = find('labels-idx1-ubyte');
  return mnistFromIdx({ bytes: readBytes(images, 'readMNIST'), name: images }, { bytes: readBytes(labels, 'readMNIST'), name: labels });
}

/** CIFAR-10 from the binary batches in `root` (or root/cifar-10-batches-bin): data_batch_1..5.bin, or test_batch.bin. */
export function readCIFAR10(root: string, options: { train?: boolean } = {}): CIFAR10 {
  const p = path('readCIFAR10');
  const dir = fs('readCIFAR10').existsSync(p.join(root, 'cifar-10-batches-bin')) ? p.join(root, 'cifar-10-batches-bin') : root;
  const names = options.train === false ? ['test_batch.bin'] : [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
  const present = names.map((n) => p.join(dir, n)).filter((f) => fs('readCIFAR10').existsSync(f));
  if (present.length === 0) throw new Error(`readCIFAR10: no ${names.join(', ')} in ${dir}`);
  return CIFAR10.fromBatches(present.map((f) => ({ bytes: readBytes(f, 'readCIFAR10'), name: f })));
}

export const MNIST_URLS = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map(
  (f) => `https://ossci-datasets.s3.amazonaws.com/mnist/${f}`,
);

/** Downloads `url` to `file` (skipped if it exists). Fails with the URL and the reason when there is no network. */
export async function download(url: string, file: string): Promise<string> {
  const f = fs('download');
  if (f.existsSync(file)) return file;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`download: cannot fetch ${url} (no network here? ${(e as Error).message}); download it by hand to ${file}`);
  }
  if (!res.ok) throw new Error(`download: ${url} answered HTTP ${res.status} ${res.statusText}`);
  f.writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
  return file;
}

/** Downloads the four MNIST files into `root` (then use readMNIST(root)). */
export async function downloadMNIST(root: string): Promise<void> {
  const p = path('downloadMNIST');
  fs('downloadMNIST').mkdirSync(root, { recursive: true });
  for (const url of MNIST_URLS) await download(url, p.join(root, url.slice(url.lastIndexOf('/') + 1)));
}

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

/** Downloads CIFAR-10's binary version and unpacks its batches into root/cifar-10-batches-bin (then use readCIFAR10(root)). */
export async function downloadCIFAR10(root: string, url = CIFAR10_URL): Promise<void> {
  const f = fs('downloadCIFAR10');
  const p = path('downloadCIFAR10');
  f.mkdirSync(root, { recursive: true });
  const archive = await download(url, p.join(root, 'cifar-10-binary.tar.gz'));
  const entries = readTar(readBytes(archive, 'downloadCIFAR10'), archive).filter((e) => e.name.endsWith('.bin') || e.name.endsWith('.txt'));
  if (!entries.some((e) => e.name.endsWith('data_batch_1.bin'))) throw new Error(`downloadCIFAR10: ${archive} holds no data_batch_1.bin; is it the binary version?`);
  f.mkdirSync(p.join(root, 'cifar-10-batches-bin'), { recursive: true });
  for (const e of entries) f.writeFileSync(p.join(root, 'cifar-10-batches-bin', e.name.slice(e.name.lastIndexOf('/') + 1)), e.data);
}
