// DataLoader `workers > 0` in headless Chromium (chromium.ts): Web Workers that rebuild the dataset make
// the same batches as workers: 0 for a seed (workers-page.js runs both; this file compares), for built-in
// datasets with random transforms and for a page's own Dataset class reached through workerModule; and
// the errors where workers cannot work. The workers run dist/data/worker-main.js, unbundled; then the
// same in a page built by Vite (tests/browser/bundle), whose worker entry Vite has to find and bundle.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pageHtml, pageResults, root, skipReason, startBrowser, type Browser } from './chromium.js';

const reason = skipReason('tests/browser/workers.spec.ts');
const bundleReason = reason ?? (existsSync(join(root, 'tests/browser/bundle/dist/index.html')) ? null : 'tests/browser/bundle is not built (npm run test:browser builds it)');
if (bundleReason && !reason) console.warn(`tests/browser: skipping the bundled workers page: ${bundleReason}`);

type Batch = [number[], number[], number[]];
interface Run {
  batches: Batch[][];
  ms: number;
}
interface Results {
  threw?: string;
  runs: Record<'tensorDataset' | 'mnist' | 'workerModule', Record<0 | 2, Run>>;
  errors: Record<'ownClass' | 'closure' | 'noWorker' | 'missingModule', string | null>;
}

let browser: Browser | null = null;
let results: Results;

beforeAll(async () => {
  if (reason) return;
  browser = await startBrowser(root, { '/workers': () => pageHtml('typegrad DataLoader workers', '<script type="module" src="/tests/browser/workers-page.js"></script>') });
  results = await browser.withPage('/workers', (tab) => pageResults<Results>(tab, 120_000, 'the workers page', '__workers'));
  if (results.threw) throw new Error(`the workers page threw: ${results.threw}`);
  const ms = Object.entries(results.runs).map(([name, r]) => `${name} ${r[0].ms} / ${r[2].ms} ms`);
  console.log(`tests/browser: two epochs at workers 0 / 2: ${ms.join(', ')}`);
}, 180_000);

afterAll(() => browser?.close(), 30_000);

describe.skipIf(reason !== null)('DataLoader workers in headless Chromium (Web Workers)', () => {
  test('a TensorDataset with RandomRotation, ColorJitter and RandomPerspective: the same batches at workers 2 as at 0, two shuffled epochs', () => {
    const { 0: main, 2: workers } = results.runs.tensorDataset;
    expect(main.batches.map((e) => e.length)).toEqual([4, 4]); // 18 samples in batches of 5
    expect(main.batches[0][0][0]).toEqual([5, 3, 24, 32]);
    expect(main.batches[0]).not.toEqual(main.batches[1]); // a new order and new augmentations each epoch
    expect(workers.batches).toEqual(main.batches);
  });

  test('MNIST with RandomRotation and ColorJitter: the same batches at workers 2 as at 0', () => {
    const { 0: main, 2: workers } = results.runs.mnist;
    expect(main.batches[0][0][0]).toEqual([5, 1, 28, 28]);
    expect(workers.batches).toEqual(main.batches);
  });

  test("a page's own Dataset class through workerModule: made in the workers, with the images of workers: 0", () => {
    const { 0: main, 2: workers } = results.runs.workerModule;
    const images = (r: Run) => r.batches.map((e) => e.map(([shape, values]) => [shape, values]));
    const labels = (r: Run) => r.batches.flatMap((e) => e.flatMap(([, , y]) => y));
    expect(images(workers)).toEqual(images(main));
    expect(labels(main)).toEqual(Array(28).fill(0));
    expect(labels(workers)).toEqual(Array(28).fill(1));
  });

  test('clear errors where workers cannot work, naming DataLoader and what to do', () => {
    const { ownClass, closure, noWorker, missingModule } = results.errors;
    expect(ownClass).toBe('DataLoader: workers need to rebuild this dataset in a worker: the dataset is a NoiseDataset, a class of your own (give it toWorker(), or the loader workerModule, naming a module whose createDataset() builds it); pass workerModule, or use workers: 0');
    expect(closure).toMatch(/^DataLoader: workers need to rebuild this dataset in a worker: the dataset is a plain object \(its get is a closure\).*use workers: 0$/);
    expect(noWorker).toBe('DataLoader: workers > 0 runs get() on Web Workers, and this environment has no Worker; use workers: 0 (for await still loads batches ahead)');
    expect(missingModule).toMatch(/^WorkerPoolError: DataLoader: a worker could not rebuild the dataset: .*no-such-dataset\.js/);
  });
});

describe.skipIf(bundleReason !== null)('DataLoader workers in a page bundled by Vite', () => {
  test("Vite bundles the worker entry, and the bundled page's workers make the batches of workers: 0", async () => {
    await browser!.withPage('/tests/browser/bundle/dist/index.html', async (tab) => {
      const out = await pageResults(tab, 60_000, 'the bundled page', '__bundle');
      expect(out).toEqual({ same: true, batches: 3 });
      expect(tab.errors).toEqual([]);
    });
  });
});
