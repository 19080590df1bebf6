// Every --dataset form besides the bundled digits, every --augment name and every --model, each for one
// tiny training batch: files in MNIST's IDX format and CIFAR-10's binary format are written here.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, run, tempDir } from './helpers.js';

/** An IDX file: zero, zero, type 0x08 (ubyte), rank, big-endian dims, then the bytes. */
function idx(dims: number[], bytes: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, bytes]);
}

/** n images whose pixels depend on their label, so that the files are not all noise. */
function pixels(n: number, size: number, labels: number[]): Uint8Array {
  const out = new Uint8Array(n * size);
  for (let i = 0; i < out.length; i++) out[i] = (labels[Math.floor(i / size)] * 25 + (i % 7) * 3) & 255;
  return out;
}

const labelsOf = (n: number) => Array.from({ length: n }, (_, i) => i % 10);

const TRAIN = ['train', '--epochs', '1', '--max-batches', '1', '--batch-size', '4', '--max-val', '8'];

describe('typegrad train on each dataset form, augmentation and model', () => {
  let dir: string;
  beforeAll(() => {
    requireBuild();
    dir = tempDir();
    const mnistDir = join(dir, 'idx');
    const cifarDir = join(dir, 'cifar');
    mkdirSync(mnistDir);
    mkdirSync(cifarDir);
    for (const [prefix, n] of [['train', 20], ['t10k', 10]] as const) {
      const labels = labelsOf(n);
      writeFileSync(join(mnistDir, `${prefix}-images-idx3-ubyte`), idx([n, 28, 28], pixels(n, 784, labels)));
      writeFileSync(join(mnistDir, `${prefix}-labels-idx1-ubyte`), idx([n], Uint8Array.from(labels)));
    }
    // CIFAR-10: records of a label byte then 3x32x32 bytes; only data_batch_1.bin, so no test split
    const labels = labelsOf(20);
    const images = pixels(20, 3072, labels);
    const records = Buffer.concat(labels.map((l, i) => Buffer.concat([Buffer.of(l), images.subarray(i * 3072, (i + 1) * 3072)])));
    writeFileSync(join(cifarDir, 'data_batch_1.bin'), records);
  }, 60_000);

  const trains = (args: string[], header: RegExp) => {
    const r = run([...TRAIN, '--out', join(dir, `run-${args.join('-').replace(/[^\w-]/g, '_')}`), ...args]);
    expect(r.stderr).not.toMatch(/Error|error:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(header);
    expect(r.stdout).toMatch(/^epoch 1\/1 {2}train loss \d+\.\d{4} acc/m);
  };

  it('idx:DIR uses its t10k files for validation; rotate and affine augmentations; the mlp', () => {
    trains(['--dataset', `idx:${join(dir, 'idx')}`, '--model', 'mlp', '--augment', 'rotate,affine'], /training mlp \(.*\) on idx:.* \(20 train \/ 10 val, the dataset's test split\).* augment rotate,affine/);
  });

  it('cifar10:DIR without a test batch holds out 20%; shift, flip, color and erase; vgg-small on 3 channels', () => {
    trains(['--dataset', `cifar10:${join(dir, 'cifar')}`, '--model', 'vgg-small', '--augment', 'shift,flip,color,erase'], /training vgg-small \(.*\) on cifar10:.* \(16 train \/ 4 val, 20% of the training data \(seed \d+\)\).* augment shift,flip,color,erase/);
  });

  // vgg-small: the lab's 5,272,248 parameters, less 110 classes x 513 and 2 input channels x 9 x 64
  it('vgg-small and resnet on the 1-channel bundled digits', () => {
    trains(['--model', 'vgg-small'], /training vgg-small \(5,214,666 parameters\) on mnist/);
    trains(['--model', 'resnet'], /training resnet \(.*\) on mnist/);
  });
});
