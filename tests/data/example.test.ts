// The dog-breed lab's data pipeline as a user writes it (the snippet in the data/ report): labels.csv +
// a folder of JPEGs, an 80/20 split, the lab's augmentations, ImageNet normalisation, batched loading.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Generator, manualSeed } from '../../engine/index.js';
import * as data from '../../data/index.js';

const root = mkdtempSync(join(tmpdir(), 'typegrad-dogs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('runs the dog-breed pipeline in about 20 lines', async () => {
  // a tiny dog-breed folder: 10 JPEGs of different sizes, 3 breeds
  const { default: jpeg } = await import('jpeg-js');
  mkdirSync(join(root, 'train'));
  const breeds = ['beagle', 'pug', 'akita', 'pug', 'beagle', 'akita', 'pug', 'pug', 'beagle', 'akita'];
  writeFileSync(join(root, 'labels.csv'), 'id,breed\n' + breeds.map((b, i) => `d${i},${b}`).join('\n'));
  const g = new Generator(1);
  breeds.forEach((_, i) => {
    const [w, h] = [30 + 3 * i, 40 - i];
    const rgba = Uint8Array.from({ length: w * h * 4 }, () => g.int(0, 256));
    writeFileSync(join(root, 'train', `d${i}.jpg`), jpeg.encode({ data: rgba, width: w, height: h }, 90).data);
  });

  // --- the user's code ---
  const { CsvImageDataset, randomSplit, DataLoader, transforms: T } = data;
  const imagenet = new T.Normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  const trainTf = new T.Compose([
    new T.RandomHorizontalFlip(),
    new T.RandomRotation({ degrees: 30 }),
    new T.ColorJitter({ brightness: 0.5, saturation: 0.5, contrast: 0.5, hue: 0.2 }),
    new T.RandomPerspective(),
    new T.ResizeToSquare({ size: 224 }),
    imagenet,
  ]);
  const valTf = new T.Compose([new T.ResizeToSquare({ size: 224 }), imagenet]);

  manualSeed(0); // the augmentations draw from the default generator: this replays them
  const all = new CsvImageDataset(root); // root/labels.csv + root/train/<id>.jpg
  const [train, val] = randomSplit(all, [0.8, 0.2], { seed: 42 });
  const trainLoader = new DataLoader(train.map(trainTf), { batchSize: 4, shuffle: true, seed: 1, workers: 2, skipErrors: true });
  const valLoader = new DataLoader(val.map(valTf), { batchSize: 8 });
  const shapes: number[][] = [];
  for await (const [x, y] of trainLoader) shapes.push([...x.shape, ...y.shape]);
  await trainLoader.close();
  // --- end ---

  expect(all.classes).toEqual(['akita', 'beagle', 'pug']);
  expect(shapes).toEqual([[4, 3, 224, 224, 4], [4, 3, 224, 224, 4]]);
  const [[vx, vy]] = [...valLoader];
  expect(vx.shape).toEqual([2, 3, 224, 224]);
  expect(Array.from(vy.data).every((c) => c >= 0 && c < 3)).toBe(true);
});
