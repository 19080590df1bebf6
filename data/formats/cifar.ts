// CIFAR-10's binary batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin): records of one label
// byte then 3072 pixel bytes, already channel-major (1024 red, 1024 green, 1024 blue, rows of 32).

import { Tensor } from '../../engine/index.js';
import { checkIndex, Dataset } from '../dataset.js';
import { plainBytes } from './idx.js';

const RECORD = 1 + 3 * 32 * 32;

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Parses one binary batch file's bytes; `name` appears in errors. */
export function parseCifar10(bytes: Uint8Array, name = 'CIFAR-10 batch'): { images: Uint8Array; labels: Uint8Array } {
  bytes = plainBytes(bytes);
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new Error(`parseCifar10: ${name} has ${bytes.length} bytes, not a whole number of ${RECORD}-byte records (1 label byte + 3072 pixel bytes); the file is truncated or not a CIFAR-10 binary batch`);
  }
  const n = bytes.length / RECORD;
  const images = new Uint8Array(n * 3072);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = bytes[i * RECORD];
    if (label > 9) throw new Error(`parseCifar10: ${name}: record ${i} has label ${label}, expected 0 … 9 (not a CIFAR-10 batch, or damaged)`);
    labels[i] = label;
    images.set(bytes.subarray(i * RECORD + 1, (i + 1) * RECORD), i * 3072);
  }
  return { images, labels };
}

/** Writes records in the binary batch format (for tests and exports). */
export function encodeCifar10(images: Uint8Array, labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length * RECORD);
  labels.forEach((l, i) => {
    out[i * RECORD] = l;
    out.set(images.subarray(i * 3072, (i + 1) * 3072), i * RECORD + 1);
  });
  return out;
}

/** CIFAR-10 images [3, 32, 32] in [0, 1] with their class index; build from batch bytes or CIFAR10.fromFolder (Node). */
export class CIFAR10 extends Dataset<Tensor, number> {
  readonly classes = CIFAR10_CLASSES;

  constructor(readonly images: Uint8Array, readonly labels: Uint8Array) {
    super();
    if (images.length !== labels.length * 3072) throw new RangeError(`CIFAR10: ${images.length} pixel bytes do not make ${labels.length} 3x32x32 images`);
  }

  static fromBatches(batches: readonly { bytes: Uint8Array; name?: string }[]): CIFAR10 {
    const parsed = batches.map((b) => parseCifar10(b.bytes, b.name));
    const images = new Uint8Array(parsed.reduce((s, p) => s + p.images.length, 0));
    const labels = new Uint8Array(parsed.reduce((s, p) => s + p.labels.length, 0));
    let [io, lo] = [0, 0];
    for (const p of parsed) {
      images.set(p.images, io);
      labels.set(p.labels, lo);
      io += p.images.length;
      lo += p.labels.length;
    }
    return new CIFAR10(images, labels);
  }

  get length(): number {
    return this.labels.length;
  }

  get(index: number): [Tensor, number] {
    const i = checkIndex(index, this.labels.length, 'CIFAR10.get');
    const out = new Float32Array(3072);
    for (let k = 0; k < 3072; k++) out[k] = this.images[i * 3072 + k] / 255;
    return [new Tensor(out, [3, 32, 32]), this.labels[i]];
  }
}
