// Batches from a dataset, as torch.utils.data.DataLoader: a fresh order every epoch when shuffling,
// the same orders for the same seed, an optional short last batch. Iterate it with `for … of` (sync
// datasets) or `for await … of`, which loads batches ahead: async get()s run concurrently, and image
// datasets decode on Node worker threads (`workers`) while get() still runs in sample order.

import { defaultGenerator, Tensor } from '../engine/index.js';
import { defaultCollate, type Collate } from './collate.js';
import { DecodePool } from './decode-pool.js';
import { epochGenerator, permutation } from './sampling.js';

/** What a loader needs from a dataset; `get` may be async (e.g. decoding images in a browser). */
export interface SampleSource<S> {
  readonly length: number;
  get(index: number): S | Promise<S>;
  /**
   * Optional, for async iteration: do the slow part of get(index) ahead (decode an image, on the worker
   * pool when the loader has `workers`, else as the dataset can); get(index) is then called in sample
   * order, so random transforms inside it replay for a seed.
   */
  prepare?(index: number, pool: DecodePool | null): Promise<void>;
}

export interface DataLoaderOptions<S, B> {
  batchSize?: number;
  /** a new random order every epoch (default false) */
  shuffle?: boolean;
  /** seeds the shuffling: epoch e of seed s is always the same order. Default: drawn from the default generator when the loader is made (so tg.manualSeed first makes it repeatable) */
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
   * Node worker threads that decode image files ahead (async iteration of ImageFolder /
   * CsvImageDataset, or any dataset with prepare()). Default 0: decode on the main thread.
   */
  workers?: number;
}

export class DataLoader<S = [Tensor, number], B = [Tensor, Tensor]> implements Iterable<B>, AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly workers: number;
  #pool: DecodePool | null = null;
  /** the epoch the next iteration will produce; set it to replay an epoch */
  epoch = 0;
  #collate: Collate<S, B>;
  #skipErrors: boolean;
  #onSkip: (index: number, error: Error) => void;

  constructor(readonly dataset: SampleSource<S>, options: DataLoaderOptions<S, B> = {}) {
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
    if (!this.#skipErrors) throw error;
    this.#onSkip(index, error);
  }

  #collateOrNull(samples: S[]): B | null {
    return samples.length === 0 ? null : this.#collate(samples);
  }

  *[Symbol.iterator](): Iterator<B> {
    const batches = this.batchIndices(this.epoch++);
    for (const indices of batches) {
      const samples: S[] = [];
      for (const i of indices) {
        try {
          const s = this.dataset.get(i);
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

  /** Starts loading a batch: prepare() when the dataset has it (on the workers if any), else get() (which may be async). */
  #start(indices: number[]): Promise<PromiseSettledResult<S | undefined>[]> {
    const ds = this.dataset;
    if (typeof ds.prepare === 'function') {
      if (this.workers > 0) this.#pool ??= new DecodePool(this.workers);
      const pool = this.#pool;
      return Promise.allSettled(indices.map(async (i) => (await ds.prepare!(i, pool), undefined)));
    }
    return Promise.allSettled(indices.map(async (i) => ds.get(i)));
  }

  /** Finishes a batch in sample order; prepared samples are got (transformed) here, so augmentation replays. */
  async #finish(indices: number[], started: PromiseSettledResult<S | undefined>[]): Promise<B | null> {
    const prepared = typeof this.dataset.prepare === 'function';
    const samples: S[] = [];
    for (const [k, r] of started.entries()) {
      try {
        if (r.status === 'rejected') throw r.reason;
        samples.push(prepared ? await this.dataset.get(indices[k]) : (r.value as S));
      } catch (e) {
        this.#fail(indices[k], e);
      }
    }
    return this.#collateOrNull(samples);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const batches = this.batchIndices(this.epoch++);
    const inFlight: Promise<PromiseSettledResult<S | undefined>[]>[] = [];
    let next = 0;
    let done = 0;
    const fill = () => {
      while (next < batches.length && inFlight.length <= this.prefetch) inFlight.push(this.#start(batches[next++]));
    };
    fill();
    while (inFlight.length > 0) {
      const started = await inFlight.shift()!;
      fill();
      const batch = await this.#finish(batches[done++], started);
      if (batch !== null) yield batch;
    }
  }

  /** Stops the worker threads (they are unref'd, so a script that forgets this still exits). */
  async close(): Promise<void> {
    await this.#pool?.close();
    this.#pool = null;
  }
}
