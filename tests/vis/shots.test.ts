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
});
