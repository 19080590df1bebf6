// The program of a DataLoader worker thread (Node): rebuild the dataset from the recipe in workerData,
// then answer { id, index, epoch } with sample `index`, made under sampleSeed(seed, epoch, index) exactly
// as the main thread makes it with workers: 0, or with the error its get() threw.

import { parentPort, workerData } from 'node:worker_threads';
import { getBackend, setBackend, type BackendName } from '../engine/index.js';
import { withSeed } from '../engine/random.js';
import { configureWasmBackend } from '../kernels-wasm/index.js';
import { sampleSeed } from './dataloader.js';
import type { Dataset } from './dataset.js';
import { packError, packSample, rebuildDataset, type DatasetRecipe } from './workers.js';

const port = parentPort!;
const { recipe, seed, backend } = workerData as { recipe: DatasetRecipe; seed: number; backend: BackendName };

/**
 * The main thread's backend, so that tensor ops inside get() compute as they would there; the WASM one
 * on one thread (the workers are the parallelism). A backend a worker cannot have ('gl') leaves 'js'.
 */
async function sameBackend(): Promise<void> {
  if (backend === getBackend()) return;
  try {
    if (backend === 'wasm') await configureWasmBackend({ threads: 1 });
    await setBackend(backend);
  } catch {
    // keep the default backend
  }
}

const ready: Promise<Dataset<unknown, unknown> | null> = sameBackend().then(() => rebuildDataset(recipe)).then(
  (ds) => {
    port.postMessage({ ready: ds.length });
    return ds;
  },
  (e) => {
    port.postMessage({ initError: packError(e) });
    return null;
  },
);

port.on('message', async ({ id, index, epoch }: { id: number; index: number; epoch: number }) => {
  const ds = await ready;
  if (!ds) return; // the main thread already has the initError
  try {
    const sample = await withSeed(sampleSeed(seed, epoch, index), () => ds.get(index));
    const [packed, transfer] = packSample(sample);
    port.postMessage({ id, sample: packed }, transfer);
  } catch (e) {
    port.postMessage({ id, error: packError(e) });
  }
});
