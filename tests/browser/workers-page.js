// Runs in headless Chromium (loaded by workers.spec.ts, the package entry unbundled): DataLoaders with
// workers: 2 (Web Workers) and workers: 0 over the same datasets with random transforms, and the errors
// where workers cannot work. Publishes { runs, errors } as window.__workers; the spec compares.

import * as tg from 'typegrad';

const { DataLoader, MNIST, TensorDataset, transforms: T } = tg.data;

/** Every batch of two epochs as plain arrays (shape, values, labels), and how long the epochs took. */
async function epochs(loader) {
  const t0 = performance.now();
  const out = [];
  try {
    for (let e = 0; e < 2; e++) {
      const batches = [];
      for await (const [x, y] of loader) batches.push([x.shape, Array.from(x.data), Array.from(y.data)]);
      out.push(batches);
    }
  } finally {
    await loader.close();
  }
  return { batches: out, ms: Math.round(performance.now() - t0) };
}

/** The same loader at workers 0 and 2 (with `workerOptions`), over datasets `make()` builds afresh for each. */
async function both(make, workerOptions = {}) {
  const runs = {};
  for (const workers of [0, 2]) runs[workers] = await epochs(new DataLoader(make(), { batchSize: 5, shuffle: true, seed: 7, workers, ...(workers > 0 ? workerOptions : {}) }));
  return runs;
}

const generator = () => new tg.Generator(3);
// a small CIFAR-like set: 3x24x32 images in [0, 1], labels 0 … 9
const images = () => new TensorDataset(tg.rand([18, 3, 24, 32], { generator: generator() }), tg.tensor(Array.from({ length: 18 }, (_, i) => i % 10)));
// and an MNIST of 12 random "digits"
const digits = () => new MNIST(tg.rand([12 * 784], { generator: generator() }).data, Int32Array.from({ length: 12 }, (_, i) => i % 10));

async function run() {
  const runs = {};
  runs.tensorDataset = await both(() => images().map(new T.Compose([new T.RandomRotation(30), new T.ColorJitter(0.5, 0.5, 0.5, 0.2), new T.RandomPerspective()])));
  runs.mnist = await both(() => digits().map(new T.Compose([new T.RandomRotation({ degrees: 20 }), new T.ColorJitter({ brightness: 0.4, contrast: 0.4 })])));
  // a Dataset class of the page's own, rebuilt in each worker by workerModule's createDataset(workerData)
  const { createDataset } = await import('./noise-dataset.js');
  runs.workerModule = await both(() => createDataset({ n: 14 }), { workerModule: './tests/browser/noise-dataset.js', workerData: { n: 14 } });

  const errors = {};
  const message = (f) => {
    try {
      f();
      return null;
    } catch (e) {
      return e.message;
    }
  };
  errors.ownClass = message(() => new DataLoader(createDataset({ n: 4 }), { workers: 2 }));
  errors.closure = message(() => new DataLoader({ length: 3, get: (i) => [tg.tensor([i]), i] }, { workers: 2 }));
  const saved = globalThis.Worker;
  globalThis.Worker = undefined;
  try {
    errors.noWorker = message(() => new DataLoader(images(), { workers: 2 }));
  } finally {
    globalThis.Worker = saved;
  }
  // a worker module that is not there fails the epoch, naming what happened
  errors.missingModule = await epochs(new DataLoader(images(), { workers: 2, workerModule: '/tests/browser/no-such-dataset.js' })).then(() => null, (e) => `${e.name}: ${e.message}`);
  return { runs, errors };
}

window.__workers = run().catch((e) => ({ threw: String(e?.stack ?? e) }));
