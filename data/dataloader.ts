// Batches from a dataset, as torch.utils.data.DataLoader: a fresh order every epoch when shuffling,
// the same orders for the same seed, an optional short last batch. Iterate it with `for … of` (sync
// datasets) or `for await … of`, which loads batches ahead: async get()s run concurrently, and with
// `workers` the samples are made on Node worker threads or a browser's Web Workers, each of which
// rebuilds the dataset (workers.ts).
//
// Every sample is made under its own seed, sampleSeed(loader seed, epoch, index): get(i) runs with the
// default generator seeded so (engine/random.ts withSeed), so random transforms draw the same numbers
// whichever thread makes the sample and in whatever order: workers: 0 and workers: 2 give the same
// batches, and loading draws nothing from the default generator's own stream.

import { checkOptions, defaultGenerator, Tensor } from '../engine/index.js';
import { withSeed } from '../engine/random.js';
import { defaultCollate, type Collate } from './collate.js';
import { DecodePool } from './decode-pool.js';
import { epochGenerator, permutation } from './sampling.js';
import { isNode, WorkerPoolError } from './worker-pool.js';
import { decodesAhead, SamplePool, sameRecipe, workerRecipe, type DatasetRecipe } from './workers.js';

/** What a loader needs from a dataset; `get` may be async (e.g. decoding images in a browser). */
export interface SampleSource<S> {
  readonly length: number;
  get(index: number): S | Promise<S>;
  /**
   * Optional, for async iteration: do the slow part of get(index) ahead (decode an image: on the decode
   * pool in workerMode 'decode', else as the dataset can); get(index) is then called in sample order.
   */
  prepare?(index: number, pool: DecodePool | null): Promise<void>;
}

export interface DataLoaderOptions<S, B> {
  batchSize?: number;
  /** a new random order every epoch (default false) */
  shuffle?: boolean;
  /**
   * seeds the shuffling and each sample's random transforms: epoch e of seed s is always the same
   * batches. Default: drawn from the default generator when the loader is made if it shuffles (so
   * tg.manualSeed first makes it repeatable), else 0
   */
  seed?: number;
  /** drop the last batch when it is smaller than batchSize (default false) */
  dropLast?: boolean;
  collate?: Collate<S, B>;
  /** skip samples whose get() throws (a corrupt image), reporting each through onSkip, instead of failing the epoch */
  skipErrors?: boolean;
  onSkip?: (index: number, error: Error) => void;
  /** batches loaded ahead by the async iterator (default 2) */
  prefetch?: number;
  /**
   * Workers (Node worker threads; Web Workers in a browser) that make the samples (get() and its
   * transforms) for `for await`, as PyTorch's num_workers. Default 0: on the main thread. The samples are the same either way. Each worker
   * rebuilds the dataset: built-in datasets and transforms describe themselves; a dataset class of your
   * own needs `workerModule` (or its own toWorker()). Sync iteration always runs on the main thread.
   */
  workers?: number;
  /** a module (URL, or an absolute path in Node) whose `createDataset(workerData)` export builds this loader's dataset in each worker (in a browser, a URL relative to the page is fine) */
  workerModule?: string | URL;
  /** passed (structured-cloned) to the worker module's createDataset */
  workerData?: unknown;
}

const OPTIONS = ['batchSize', 'shuffle', 'seed', 'dropLast', 'collate', 'skipErrors', 'onSkip', 'prefetch', 'workers', 'workerModule', 'workerData'];

/**
 * The seed sample `index` of `epoch` is made under, for a loader seeded with `seed`: distinct for every
 * index of an epoch, and independent of the shuffling's draws.
 */
export function sampleSeed(seed: number, epoch: number, index: number): number {
  let h = mix32((seed >>> 0) + 0x9e3779b9);
  h = mix32(h ^ (Math.floor(seed / 2 ** 32) >>> 0));
  h = mix32(h ^ Math.imul((epoch >>> 0) + 1, 0x632be5ab));
  const hi = mix32(h ^ 0x1b873593) >>> 11;
  return ((h ^ index) >>> 0) + hi * 2 ** 32;
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export class DataLoader<S = [Tensor, number], B = [Tensor, Tensor]> implements Iterable<B>, AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly workers: number;
  /**
   * What the workers do: 'samples' (each rebuilds the dataset and makes whole samples), 'decode' (a
   * dataset of image files the workers cannot rebuild, e.g. with a function transform or a transform
   * with its own generator: they only decode the files, and get() runs on the main thread, in sample
   * order), or null (workers: 0).
   */
  readonly workerMode: 'samples' | 'decode' | null = null;
  #recipe: DatasetRecipe | null = null;
  #workerModule: [string | URL | undefined, unknown];
  #pool: SamplePool | null = null;
  #decodePool: DecodePool | null = null;
  /** the epoch the next iteration will produce; set it to replay an epoch */
  epoch = 0;
  #collate: Collate<S, B>;
  #skipErrors: boolean;
  #onSkip: (index: number, error: Error) => void;

  constructor(readonly dataset: SampleSource<S>, options: DataLoaderOptions<S, B> = {}) {
    checkOptions('DataLoader', options, OPTIONS);
    this.#workerModule = [options.workerModule, options.workerData];
    const { batchSize = 1, shuffle = false, dropLast = false, prefetch = 2, workers = 0 } = options;
    if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`DataLoader: workers must be a non-negative integer, got ${workers}`);
    this.workers = workers;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new RangeError(`DataLoader: prefetch must be a non-negative integer, got ${prefetch}`);
    if (!dataset || !Number.isInteger(dataset.length) || typeof dataset.get !== 'function') {
      throw new TypeError('DataLoader: expected a dataset with an integer length and a get(index) method');
    }
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) throw new TypeError(`DataLoader: seed must be a safe integer, got ${options.seed}`);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.prefetch = prefetch;
    // only a shuffling loader consumes a number from the default generator (as PyTorch draws only to shuffle)
    this.seed = options.seed ?? (shuffle ? defaultGenerator.nextUint32() : 0);
    this.#collate = options.collate ?? (defaultCollate as Collate<S, B>);
    this.#skipErrors = options.skipErrors ?? false;
    this.#onSkip = options.onSkip ?? ((i, e) => console.warn(`DataLoader: skipping sample ${i}: ${e.message}`));
    if (workers > 0) {
      if (!isNode && typeof Worker !== 'function') throw new Error('DataLoader: workers > 0 runs get() on Web Workers, and this environment has no Worker; use workers: 0 (for await still loads batches ahead)');
      try {
        this.#recipe = workerRecipe(dataset, options.workerModule, options.workerData);
        this.workerMode = 'samples';
      } catch (e) {
        if (options.workerModule !== undefined || !isNode || !decodesAhead(dataset)) throw e;
        this.workerMode = 'decode';
      }
    } else if (options.workerModule !== undefined) {
      throw new TypeError('DataLoader: workerModule is for workers > 0; set workers too');
    }
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of each batch of `epoch` (default: the next one), without loading anything. */
  batchIndices(epoch = this.epoch): number[][] {
    const n = this.dataset.length;
    const order = this.shuffle ? permutation(n, epochGenerator(this.seed, epoch)) : Array.from({ length: n }, (_, i) => i);
    const out: number[][] = [];
    for (let start = 0; start + (this.dropLast ? this.batchSize : 1) <= n; start += this.batchSize) out.push(order.slice(start, start + this.batchSize));
    return out;
  }

  #fail(index: number, e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e));
    if (!this.#skipErrors || error instanceof WorkerPoolError) throw error;
    this.#onSkip(index, error);
  }

  #collateOrNull(samples: S[]): B | null {
    return samples.length === 0 ? null : this.#collate(samples);
  }

  /** dataset.get(index) under the sample's own seed. */
  #get(index: number, epoch: number): S | Promise<S> {
    return withSeed(sampleSeed(this.seed, epoch, index), () => this.dataset.get(index));
  }

  *[Symbol.iterator](): Iterator<B> {
    const epoch = this.epoch++;
    const batches = this.batchIndices(epoch);
    for (const indices of batches) {
      const samples: S[] = [];
      for (const i of indices) {
        try {
          const s = this.#get(i, epoch);
          if (s instanceof Promise) throw new TypeError('DataLoader: this dataset is async (get returns a Promise); iterate with `for await (const batch of loader)`');
          samples.push(s);
        } catch (e) {
          if (e instanceof TypeError && e.message.startsWith('DataLoader:')) throw e;
          this.#fail(i, e);
        }
      }
      const batch = this.#collateOrNull(samples);
      if (batch !== null) yield batch;
    }
  }

  /** Starts loading a batch: on the workers if any, else prepare() when the dataset has it, else get() (which may be async). */
  #start(indices: number[], epoch: number): Promise<PromiseSettledResult<S | undefined>[]> {
    const ds = this.dataset;
    if (this.#recipe) {
      const pool = (this.#pool ??= new SamplePool(this.workers, this.#recipe, this.seed, ds.length));
      return Promise.allSettled(indices.map((i) => pool.get(i, epoch) as Promise<S>));
    }
    if (typeof ds.prepare === 'function') {
      const pool = this.workerMode === 'decode' ? (this.#decodePool ??= new DecodePool(this.workers)) : null;
      return Promise.allSettled(indices.map(async (i) => (await ds.prepare!(i, pool), undefined)));
    }
    return Promise.allSettled(indices.map(async (i) => this.#get(i, epoch)));
  }

  /** Finishes a batch in sample order; prepared samples are got (transformed) here. */
  async #finish(indices: number[], started: PromiseSettledResult<S | undefined>[], epoch: number): Promise<B | null> {
    const prepared = !this.#recipe && typeof this.dataset.prepare === 'function';
    const samples: S[] = [];
    for (const [k, r] of started.entries()) {
      try {
        if (r.status === 'rejected') throw r.reason;
        samples.push(prepared ? await this.#get(indices[k], epoch) : (r.value as S));
      } catch (e) {
        this.#fail(indices[k], e);
      }
    }
    return this.#collateOrNull(samples);
  }

  /**
   * The workers see the dataset as it is when an epoch starts (as PyTorch's, which get it anew each
   * epoch): a transform appended to a Compose since the last epoch restarts them with the new recipe.
   */
  async #refreshWorkers(): Promise<void> {
    if (this.workerMode !== 'samples') return;
    const recipe = workerRecipe(this.dataset, ...this.#workerModule);
    if (sameRecipe(recipe, this.#recipe)) return;
    await this.#pool?.close();
    this.#pool = null;
    this.#recipe = recipe;
  }

  [Symbol.asyncIterator](): AsyncIterator<B> {
    return this.iterate(this.epoch)[Symbol.asyncIterator]();
  }

  /**
   * Epoch `epoch`'s batches from batch `from` on, loaded ahead as `for await` does; the batches before
   * `from` are not loaded at all (a resumed training run continues mid-epoch with the same batches).
   * The next `for await` gives epoch + 1.
   */
  async *iterate(epoch: number, from = 0): AsyncGenerator<B> {
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`DataLoader.iterate: epoch must be a non-negative integer, got ${epoch}`);
    if (!Number.isSafeInteger(from) || from < 0 || from > this.length) throw new RangeError(`DataLoader.iterate: from must be a batch index in [0, ${this.length}], got ${from}`);
    this.epoch = epoch + 1;
    await this.#refreshWorkers();
    const batches = this.batchIndices(epoch).slice(from);
    const inFlight: Promise<PromiseSettledResult<S | undefined>[]>[] = [];
    let next = 0;
    let done = 0;
    const fill = () => {
      while (next < batches.length && inFlight.length <= this.prefetch) inFlight.push(this.#start(batches[next++], epoch));
    };
    fill();
    while (inFlight.length > 0) {
      const started = await inFlight.shift()!;
      fill();
      const batch = await this.#finish(batches[done++], started, epoch);
      if (batch !== null) yield batch;
    }
  }

  /** Stops the worker threads (idle ones are unref'd, so a script that forgets this still exits); a later epoch starts new ones. */
  async close(): Promise<void> {
    await Promise.all([this.#pool?.close(), this.#decodePool?.close()]);
    this.#pool = null;
    this.#decodePool = null;
  }
}
