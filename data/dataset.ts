// Datasets as torch.utils.data has them: anything with a length and get(i) -> [x, y], plus the
// wrappers that select, join and split them. Samples are produced on demand, so a dataset of image
// files decodes an image only when a loader asks for it.

import { Generator, Tensor } from '../engine/index.js';
import type { DecodePool } from './decode-pool.js';
import { permutation } from './sampling.js';

/**
 * A map-style dataset: `length` samples, `get(i)` returns the i-th as [input, target].
 *
 * A DataLoader with `workers` rebuilds its dataset in each worker. The built-in datasets describe
 * themselves; a dataset class of your own does it with `toWorker()`, naming a module whose
 * `createDataset(data)` export builds the same dataset there (or pass the loader `workerModule`).
 */
export abstract class Dataset<X = Tensor, Y = number> {
  abstract get length(): number;
  abstract get(index: number): [X, Y];
  /** Optional: `{ module, data }` such that `(await import(module)).createDataset(data)` builds this dataset in a worker (`data` is structured-cloned). */
  toWorker?(): WorkerModuleSpec;

  /** A view of this dataset whose inputs go through `transform` (and targets through `targetTransform`). */
  map<X2, Y2 = Y>(transform: ((x: X) => X2) | { apply(x: X): X2 }, targetTransform?: ((y: Y) => Y2) | { apply(y: Y): Y2 }): Dataset<X2, Y2> {
    return new MappedDataset<X, Y, X2, Y2>(this, asFunction<X, X2>(transform), targetTransform && asFunction<Y, Y2>(targetTransform), { transform, targetTransform });
  }

  *[Symbol.iterator](): Iterator<[X, Y]> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }
}

/** Where a DataLoader worker finds a dataset of your own: a module URL (or absolute path) whose `createDataset(data)` export (sync or async) builds it. */
export interface WorkerModuleSpec {
  module: string | URL;
  data?: unknown;
}

/** Passes a DataLoader's prepare() (decoding ahead on workers) through a wrapper to the dataset it wraps. */
function prepareInner(dataset: unknown, index: number, pool: DecodePool | null): Promise<void> {
  const d = dataset as { prepare?: (i: number, p: DecodePool | null) => Promise<void> };
  return typeof d.prepare === 'function' ? d.prepare(index, pool) : Promise.resolve();
}

/** A transform object (with apply) or a plain function, as a function. */
export function asFunction<A, B>(t: ((a: A) => B) | { apply(a: A): B }): (a: A) => B {
  if (typeof t === 'function') return t;
  if (t && typeof t.apply === 'function') return (a) => t.apply(a);
  throw new TypeError(`expected a transform (a function or an object with apply), got ${t === null ? 'null' : typeof t}`);
}

/** Throws unless `index` is an integer in [-length, length); returns it made non-negative (Python style). */
export function checkIndex(index: number, length: number, what: string): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new RangeError(`${what}: index ${index} is out of range for ${length} samples`);
  }
  return index < 0 ? index + length : index;
}

/** Samples are the rows (first dim) of the given tensors: `new TensorDataset(images, labels)`. */
export class TensorDataset extends Dataset<Tensor, Tensor> {
  readonly tensors: Tensor[];
  #rows: number;

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new TypeError('TensorDataset: expected at least one tensor');
    this.#rows = tensors[0].shape[0] ?? -1;
    for (const [k, t] of tensors.entries()) {
      if (!(t instanceof Tensor) || t.ndim === 0 || t.shape[0] !== this.#rows) {
        throw new RangeError(`TensorDataset: every tensor needs the same first dim; tensor 0 has shape [${tensors[0].shape}], tensor ${k} has ${t instanceof Tensor ? `[${t.shape}]` : typeof t}`);
      }
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.#rows;
  }

  /** [tensors[0][i], tensors[1][i]]; a third or later tensor is reachable through `row(k, i)`. */
  get(index: number): [Tensor, Tensor] {
    const i = checkIndex(index, this.#rows, 'TensorDataset.get');
    return [this.row(0, i), this.row(Math.min(1, this.tensors.length - 1), i)];
  }

  row(k: number, i: number): Tensor {
    const t = this.tensors[k];
    const inner = t.shape.slice(1);
    const n = inner.reduce((a, b) => a * b, 1);
    return new Tensor(t.data.slice(i * n, (i + 1) * n), inner);
  }
}

/** The samples of `dataset` at `indices`, in that order. */
export class Subset<X, Y> extends Dataset<X, Y> {
  constructor(readonly dataset: Dataset<X, Y>, readonly indices: readonly number[]) {
    super();
    for (const i of indices) checkIndex(i, dataset.length, 'Subset');
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): [X, Y] {
    return this.dataset.get(this.indices[checkIndex(index, this.indices.length, 'Subset.get')]);
  }

  prepare(index: number, pool: DecodePool | null): Promise<void> {
    return prepareInner(this.dataset, this.indices[checkIndex(index, this.indices.length, 'Subset.prepare')], pool);
  }
}

/** Several datasets one after the other. */
export class ConcatDataset<X, Y> extends Dataset<X, Y> {
  readonly cumulativeSizes: number[] = [];

  constructor(readonly datasets: readonly Dataset<X, Y>[]) {
    super();
    if (datasets.length === 0) throw new TypeError('ConcatDataset: expected at least one dataset');
    let total = 0;
    for (const d of datasets) this.cumulativeSizes.push((total += d.length));
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  get(index: number): [X, Y] {
    let i = checkIndex(index, this.length, 'ConcatDataset.get');
    let d = 0;
    while (i >= this.cumulativeSizes[d]) d++;
    if (d > 0) i -= this.cumulativeSizes[d - 1];
    return this.datasets[d].get(i);
  }

  prepare(index: number, pool: DecodePool | null): Promise<void> {
    let i = checkIndex(index, this.length, 'ConcatDataset.prepare');
    let d = 0;
    while (i >= this.cumulativeSizes[d]) d++;
    if (d > 0) i -= this.cumulativeSizes[d - 1];
    return prepareInner(this.datasets[d], i, pool);
  }
}

export class MappedDataset<X, Y, X2, Y2> extends Dataset<X2, Y2> {
  /**
   * `sources`: the transforms as given to map() (objects with apply, or functions), kept so that a
   * DataLoader worker can rebuild them from their class names and options.
   */
  constructor(
    readonly dataset: Dataset<X, Y>,
    readonly transform: (x: X) => X2,
    readonly targetTransform?: (y: Y) => Y2,
    readonly sources: { transform?: unknown; targetTransform?: unknown } = { transform, targetTransform },
  ) {
    super();
  }

  get length(): number {
    return this.dataset.length;
  }

  get(index: number): [X2, Y2] {
    const [x, y] = this.dataset.get(index);
    return [this.transform(x), this.targetTransform ? this.targetTransform(y) : (y as unknown as Y2)];
  }

  prepare(index: number, pool: DecodePool | null): Promise<void> {
    return prepareInner(this.dataset, index, pool);
  }
}

export interface RandomSplitOptions {
  /** seeds a fresh Generator; without it (and without `generator`) the default generator is used */
  seed?: number;
  generator?: Generator;
}

/**
 * Splits into non-overlapping random subsets, as torch.utils.data.random_split: `lengths` are counts
 * summing to the length, or fractions summing to 1 (the remainder of flooring goes round-robin to the
 * first splits, as PyTorch does).
 */
export function randomSplit<X, Y>(dataset: Dataset<X, Y>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<X, Y>[] {
  const n = dataset.length;
  let counts = [...lengths];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.some((l) => !(l >= 0))) throw new RangeError(`randomSplit: lengths must be non-negative, got ${JSON.stringify(lengths)}`);
  if (lengths.every(Number.isInteger) && total === n) {
    // counts, as given
  } else if (Math.abs(total - 1) < 1e-6) {
    counts = lengths.map((f) => Math.floor(n * f));
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let k = 0; k < remainder; k++) counts[k % counts.length]++;
  } else {
    throw new RangeError(`randomSplit: lengths must be counts summing to the dataset's ${n} samples or fractions summing to 1, got ${JSON.stringify(lengths)}`);
  }
  const g = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : undefined);
  const order = permutation(n, g);
  const out: Subset<X, Y>[] = [];
  let start = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, order.slice(start, start + c)));
    start += c;
  }
  return out;
}
