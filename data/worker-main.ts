// The program of a DataLoader worker (a Node worker thread, or a module Web Worker in a browser): told
// first { init } (workers.ts WorkerInit), it rebuilds the dataset from the recipe, then answers
// { id, index, epoch } with sample `index`, made under sampleSeed(seed, epoch, index) exactly as the main
// thread makes it with workers: 0, or with the error its get() threw.

import { getBackend, setBackend, type BackendName } from '../engine/index.js';
import { withSeed } from '../engine/random.js';
import { configureWasmBackend } from '../kernels-wasm/index.js';
import { sampleSeed } from './dataloader.js';
import type { Dataset } from './dataset.js';
import { nodeBuiltin } from './node-modules.js';
import { isNode } from './worker-pool.js';
import { packError, packSample, rebuildDataset, type WorkerInit } from './workers.js';

interface Port {
  post(msg: unknown, transfer?: Transferable[]): void;
  onMessage(fn: (msg: unknown) => void): void;
}

/** The channel to the main thread: Node's parentPort, or the Web Worker's global scope. */
const port: Port = isNode
  ? ((p) => ({ post: (msg, transfer) => p.postMessage(msg, transfer), onMessage: (fn) => p.on('message', fn) }))(
      nodeBuiltin<{ parentPort: { postMessage(m: unknown, t?: Transferable[]): void; on(e: 'message', fn: (m: unknown) => void): void } }>('node:worker_threads', 'DataLoader workers').parentPort,
    )
  : { post: (msg, transfer) => postMessage(msg, { transfer }), onMessage: (fn) => addEventListener('message', (e) => fn((e as MessageEvent).data)) };

/**
 * The main thread's backend, so that tensor ops inside get() compute as they would there; the WASM one
 * on one thread (the workers are the parallelism). A backend a worker cannot have ('gl') leaves 'js'.
 */
async function sameBackend(backend: BackendName): Promise<void> {
  if (backend === getBackend()) return;
  try {
    if (backend === 'wasm') await configureWasmBackend({ threads: 1 });
    await setBackend(backend);
  } catch {
    // keep the default backend
  }
}

async function rebuild({ recipe, backend }: WorkerInit): Promise<Dataset<unknown, unknown> | null> {
  try {
    await sameBackend(backend);
    const ds = await rebuildDataset(recipe);
    port.post({ ready: ds.length });
    return ds;
  } catch (e) {
    port.post({ initError: packError(e) });
    return null;
  }
}

let seed = 0;
let ready: Promise<Dataset<unknown, unknown> | null> | null = null;

port.onMessage(async (msg) => {
  if (!ready) {
    const { init } = msg as { init: WorkerInit };
    seed = init.seed;
    ready = rebuild(init);
    return;
  }
  const { id, index, epoch } = msg as { id: number; index: number; epoch: number };
  const ds = await ready;
  if (!ds) return; // the main thread already has the initError
  try {
    const sample = await withSeed(sampleSeed(seed, epoch, index), () => ds.get(index));
    const [packed, transfer] = packSample(sample);
    port.post({ id, sample: packed }, transfer);
  } catch (e) {
    port.post({ id, error: packError(e) });
  }
});
