// A Dataset class of a page's own, for workers-page.js: DataLoader Web Workers rebuild it by importing
// this module and calling createDataset(data). It imports the package by its path (a worker does not see
// the page's import map). Each label says where the sample was made: 1 in a worker, 0 on the page.

import * as tg from '/dist/index.js';

const { Dataset, transforms: T } = tg.data;

class NoiseDataset extends Dataset {
  constructor(n) {
    super();
    this.n = n;
    this.augment = new T.Compose([new T.RandomRotation(45), new T.ColorJitter({ hue: 0.3, saturation: 0.5 })]);
  }
  get length() {
    return this.n;
  }
  get(i) {
    // drawn from the default generator, which the loader seeds for each sample
    const img = tg.rand([3, 12, 16]).add(i / this.n).mul(0.5);
    return [this.augment.apply(img), typeof WorkerGlobalScope === 'function' ? 1 : 0];
  }
}

export function createDataset({ n }) {
  return new NoiseDataset(n);
}
