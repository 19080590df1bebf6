// Small CIFAR-10-format binary batches for when the real ones are not downloaded: the course programs
// 002–004 (and their tests) read these exactly as they read the real data_batch_*.bin / test_batch.bin.
//
// Each 32x32 image shows one coloured object on a noisy grey background. The class decides the
// object's colour (ten hues) and its shape (a disc for even classes, a square for odd ones); position,
// size and brightness vary, so a network has something to learn but learns it in a few epochs.
//
// As a program: `node dist/examples/course/cifar-files.js DIR [--train N] [--test N]` writes DIR/data_batch_1.bin
// and DIR/test_batch.bin.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tg from '../../index.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;

/** The colour of class c: hue c/10 of the colour wheel at full saturation, as RGB in [0, 1]. */
function classColour(c: number): [number, number, number] {
  const h = (c / 10) * 6;
  const x = 1 - Math.abs((h % 2) - 1);
  const sector = Math.floor(h);
  const rgb: [number, number, number][] = [[1, x, 0], [x, 1, 0], [0, 1, x], [0, x, 1], [x, 0, 1], [1, 0, x]];
  return rgb[sector];
}

/** One image, channel-major bytes (1024 red, 1024 green, 1024 blue) as in the real files. */
function drawImage(label: number, g: tg.Generator): Uint8Array {
  const pixels = new Uint8Array(3 * PLANE);
  const colour = classColour(label);
  const radius = g.int(6, 11);
  const [cx, cy] = [g.int(radius, SIDE - radius), g.int(radius, SIDE - radius)];
  const brightness = 0.7 + 0.3 * g.uniform();
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const inside = label % 2 === 0 ? (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2 : Math.abs(x - cx) < radius && Math.abs(y - cy) < radius;
      const grey = 0.35 + 0.15 * g.uniform();
      for (let k = 0; k < 3; k++) {
        const v = inside ? brightness * colour[k] + 0.1 * g.uniform() : grey;
        pixels[k * PLANE + y * SIDE + x] = Math.round(255 * Math.min(1, v));
      }
    }
  }
  return pixels;
}

/** `count` records (labels cycling through the ten classes, in a seeded random order) as batch-file bytes. */
function makeCifarBatch(count: number, seed: number): Uint8Array {
  const g = new tg.Generator(seed);
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = g.int(0, 10);
    images.set(drawImage(labels[i], g), i * 3 * PLANE);
  }
  return tg.data.encodeCifar10(images, labels);
}

/** Writes dir/data_batch_1.bin (train images) and dir/test_batch.bin (test images); returns dir. */
export function writeCifarFiles(dir: string, options: { train?: number; test?: number } = {}): string {
  const { train = 2000, test = 500 } = options;
  for (const [name, n] of Object.entries({ train, test })) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`writeCifarFiles: ${name} must be a positive whole number of images, got ${n}`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'data_batch_1.bin'), makeCifarBatch(train, 1));
  writeFileSync(join(dir, 'test_batch.bin'), makeCifarBatch(test, 2));
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, ...rest] = process.argv.slice(2);
  if (!dir || dir.startsWith('--')) {
    console.error('usage: node dist/examples/course/cifar-files.js DIR [--train N] [--test N]');
    process.exit(2);
  }
  const count = (flag: string) => {
    const i = rest.indexOf(flag);
    return i < 0 ? undefined : Number(rest[i + 1]);
  };
  writeCifarFiles(dir, { train: count('--train'), test: count('--test') });
  console.log(`wrote ${join(dir, 'data_batch_1.bin')} and ${join(dir, 'test_batch.bin')}`);
}
