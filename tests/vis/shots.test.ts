// Example pictures for looking at: VIS_SHOTS=/tmp/vis-shots npx vitest run tests/vis/shots.test.ts
// (skipped without VIS_SHOTS).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import * as tg from '../../index.js';

const dir = process.env.VIS_SHOTS;
const history = (n: number) => Array.from({ length: n }, (_, i) => ({ epoch: i + 1, trainLoss: 2.3 / Math.sqrt(i + 1), valLoss: 2.4 / Math.sqrt(i + 1) + 0.05 * i / n, trainAccuracy: Math.min(0.99, 0.3 + 0.06 * i), valAccuracy: Math.min(0.95, 0.28 + 0.055 * i) }));

it.skipIf(!dir)('writes example pictures', async () => {
  mkdirSync(dir!, { recursive: true });
  const put = (name: string, bytes: Uint8Array | string) => writeFileSync(join(dir!, name), bytes);
  put('curves.png', tg.vis.curvesPng(history(10)));
  put('curves.svg', tg.vis.curvesSvg(history(10)));
  put('curves-1-epoch.png', tg.vis.curvesPng(history(1)));
  put('curves-60-epochs.png', tg.vis.curvesPng(history(60)));
  const diverged = [1, 2, 3, 4].map((epoch) => ({ epoch, trainLoss: [2.3, 40, 1e20, NaN][epoch - 1], valLoss: [2.2, 1e19, NaN, NaN][epoch - 1], trainAccuracy: 0.1, valAccuracy: 0.1 }));
  put('curves-diverged.png', tg.vis.curvesPng(diverged));
  const zigzag = Array.from({ length: 9 }, (_, i) => ({ epoch: i + 1, trainLoss: i % 2 ? 0 : 3, valLoss: i % 2 ? 3 : 0, trainAccuracy: i % 2 ? 0 : 1, valAccuracy: i % 2 ? 1 : 0 }));
  put('curves-legend-outside.png', tg.vis.curvesPng(zigzag));
});

it.skipIf(!dir)('writes example pictures: confusion, montage, make_grid, feature maps', async () => {
  const put = (name: string, bytes: Uint8Array | string) => writeFileSync(join(dir!, name), bytes);
  const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  tg.manualSeed(1);
  const m = classes.map((_, i) => classes.map((_, j) => (i === j ? 700 + 20 * i : Math.floor(Math.random() * 60))));
  put('confusion.png', tg.vis.confusionPng(m, classes));
  put('confusion.svg', tg.vis.confusionSvg(m, classes));
  const hundred = Array.from({ length: 100 }, (_, i) => `class_${i}`);
  put('confusion-100.png', tg.vis.confusionPng(hundred.map((_, i) => hundred.map((_, j) => (i === j ? 50 : j === (i + 1) % 100 ? 10 : 0))), hundred));
  // synthetic "photos": colour gradients with a disc, so orientation and colour are visible
  const img = (k: number) => {
    const [h, w] = [32, 32];
    const d = new Float32Array(3 * h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const disc = (x - 8 - k * 2) ** 2 + (y - 16) ** 2 < 40 ? 1 : 0;
      d[y * w + x] = (x / w) * (k % 3 === 0 ? 1 : 0.3) + disc * 0.5;
      d[h * w + y * w + x] = (y / h) * 0.8;
      d[2 * h * w + y * w + x] = ((k * 37) % 10) / 10 - disc * 0.4;
    }
    return tg.tensor(d, [3, h, w]);
  };
  const imgs = Array.from({ length: 10 }, (_, k) => img(k));
  put('montage.png', tg.vis.montage(imgs, { titles: imgs.map((_, k) => `Class ${k}: ${classes[k]}`), ncols: 5, title: 'CIFAR-10 samples' }).png());
  tg.vis.saveImage(imgs, join(dir!, 'make_grid.png'), { nrow: 5, padding: 2, normalize: true });
  const model = new tg.nn.Sequential(new tg.nn.Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 }), new tg.nn.ReLU(), new tg.nn.MaxPool2d({ kernelSize: 2 }), new tg.nn.Conv2d({ inChannels: 8, outChannels: 16, kernelSize: 3, padding: 1 }), new tg.nn.ReLU(), new tg.nn.Conv2d({ inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1 }));
  put('activations.png', tg.vis.featureMaps(model, imgs[3], { title: 'First 4 feature maps of each conv layer (val image 0, class cat)' }).png());
});
