// A user's own Dataset subclass, as the dog-breed lab's DogBreedDataset (keys, labels, image folder,
// transform), for tests/data/workers.test.ts. DataLoader workers rebuild it by importing this module
// and calling createDataset(data); it imports the built package, as a user's module imports typegrad.

import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import * as tg from '../../dist/index.js';

const { Dataset, readImage, transforms: T } = tg.data;

/** The lab's training augmentation (or, for validation, only the resize), at `size`. */
export function dogTransforms(train, size = 32) {
  return new T.Compose([
    ...(train ? [new T.RandomHorizontalFlip(), new T.RandomRotation({ degrees: 30 }), new T.ColorJitter({ brightness: 0.5, saturation: 0.5, contrast: 0.5, hue: 0.2 }), new T.RandomPerspective()] : []),
    new T.ResizeToSquare({ size }),
  ]);
}

export class DogBreedDataset extends Dataset {
  /** `spec`: { keys, labels, imgRoot, train, size }, all plain data, so toWorker() can hand it on */
  constructor(spec) {
    super();
    this.spec = spec;
    this.keys = spec.keys;
    this.labels = spec.labels;
    this.imgRoot = spec.imgRoot;
    this.transform = dogTransforms(spec.train, spec.size);
  }

  get length() {
    return this.keys.length;
  }

  get(idx) {
    const img = readImage(join(this.imgRoot, this.keys[idx] + '.jpg'));
    return [this.transform.apply(img), this.labels[idx]];
  }

  /** How DataLoader workers rebuild it: this module's createDataset(spec). */
  toWorker() {
    return { module: import.meta.url, data: this.spec };
  }
}

/** Sample i: a [1] tensor holding i, labelled with the id of the thread that made it. */
class ThreadIds extends Dataset {
  constructor(n) {
    super();
    this.n = n;
  }
  get length() {
    return this.n;
  }
  get(i) {
    const until = Date.now() + 2;
    while (Date.now() < until); // a little work, so both workers get some
    return [tg.tensor([i]), threadId];
  }
}

export function createDataset(data) {
  if (data.kind === 'threads') return new ThreadIds(data.n);
  if (data.kind === 'broken') throw new Error(`no dogs at ${data.imgRoot}`);
  return new DogBreedDataset(data);
}
