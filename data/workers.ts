// DataLoader workers (Node worker threads, or Web Workers in a browser), as PyTorch's num_workers: each worker rebuilds the loader's
// dataset from a recipe (a structured-cloneable description) and runs get(i), transforms included, under
// the sample's own seed (see sampleSeed in dataloader.ts), so the samples do not depend on which worker
// made them or in which order. Tensors come back with their buffers transferred, not copied.
//
// Recipes: the built-in datasets describe themselves (ImageFolder and CsvImageDataset by root and
// options, MNIST / CIFAR10 / TensorDataset by their arrays, map(), Subset, ConcatDataset and randomSplit
// by the datasets they wrap); transforms by class name and constructor options. A dataset of your own
// reaches the workers through a module: the loader's `workerModule`, or the dataset's `toWorker()`.

import { getBackend, Tensor, type BackendName } from '../engine/index.js';
import { ConcatDataset, Dataset, MappedDataset, Subset, TensorDataset, type WorkerModuleSpec } from './dataset.js';
import { CsvImageDataset, ImageFileDataset, ImageFolder, type CsvImageOptions, type ImageFolderOptions } from './folders.js';
import { CIFAR10 } from './formats/cifar.js';
import { MNIST } from './mnist.js';
import { nodeBuiltin } from './node-modules.js';
import { isNode, nodeWorker, webWorker, WorkerPool, WorkerPoolError, type SpawnWorker } from './worker-pool.js';
import * as T from './transforms/index.js';

/** A transform as a worker rebuilds it: `new transforms[name](options)` (Compose: its list). */
export type TransformRecipe = { transform: string; options?: Record<string, unknown>; transforms?: TransformRecipe[] };

/** A dataset as a worker rebuilds it; every field is structured-cloneable. */
export type DatasetRecipe =
  | { dataset: 'ImageFolder' | 'CsvImageDataset'; root: string; options: Record<string, unknown> }
  | { dataset: 'MNIST'; images: Float32Array; labels: Int32Array }
  | { dataset: 'CIFAR10'; images: Uint8Array; labels: Uint8Array }
  | { dataset: 'TensorDataset'; tensors: { data: Float32Array; shape: number[] }[] }
  | { dataset: 'Subset'; of: DatasetRecipe; indices: number[] }
  | { dataset: 'ConcatDataset'; of: DatasetRecipe[] }
  | { dataset: 'MappedDataset'; of: DatasetRecipe; transform: TransformRecipe | null; targetTransform: TransformRecipe | null }
  | { dataset: 'module'; module: string; data?: unknown };

/** What a worker is told first: the dataset to rebuild, the loader's seed, and the main thread's backend. */
export interface WorkerInit {
  recipe: DatasetRecipe;
  seed: number;
  backend: BackendName;
}

/** Thrown (inside recipeOf) where a dataset or transform cannot be described; the loader words the final error. */
class NotRebuildable extends Error {}

// Transforms rebuilt as `new C(t.options)` (every one keeps its constructor options as `options`).
const BY_OPTIONS = [
  'Resize', 'CenterCrop', 'Pad', 'ResizeToSquare', 'Grayscale', 'RandomCrop', 'RandomResizedCrop', 'RandomHorizontalFlip', 'RandomVerticalFlip',
  'RandomRotation', 'RandomAffine', 'RandomPerspective', 'ColorJitter', 'RandomGrayscale', 'RandomErasing',
] as const;

type Ctor = new (...args: never[]) => unknown;
const classes = T as unknown as Record<string, Ctor>;

function transformRecipe(t: unknown, where: string): TransformRecipe {
  if (typeof t === 'function') throw new NotRebuildable(`${where} is a function (${t.name || 'anonymous'}), which cannot be sent to a worker; use the transforms' classes, or a dataset module`);
  const proto = t && typeof t === 'object' ? Object.getPrototypeOf(t) : null;
  const name = Object.keys(classes).find((k) => typeof classes[k] === 'function' && classes[k].prototype === proto);
  if (name === 'Compose') return { transform: name, transforms: (t as T.Compose).transforms.map((u, k) => transformRecipe(u, `${where}.transforms[${k}]`)) };
  if (name === 'ToTensor') return { transform: name };
  if (name === 'Normalize') return { transform: name, options: { mean: (t as T.Normalize).mean, std: (t as T.Normalize).std } };
  if (name && (BY_OPTIONS as readonly string[]).includes(name)) {
    const options = { ...(t as { options: Record<string, unknown> }).options };
    if (options.generator !== undefined) {
      throw new NotRebuildable(`${where} (${name}) has its own generator, which workers cannot share; leave generator out (the loader seeds each sample) or use workers: 0`);
    }
    return { transform: name, options };
  }
  const what = name ?? (proto?.constructor?.name || typeof t);
  throw new NotRebuildable(`${where} is a ${what}, which a worker cannot rebuild from its class name and options${name === 'Lambda' ? ' (a Lambda holds a function)' : ''}`);
}

function moduleRecipe(spec: WorkerModuleSpec | string | URL, data?: unknown): DatasetRecipe {
  const s = typeof spec === 'string' || spec instanceof URL ? { module: spec, data } : spec;
  if (!s || !(typeof s.module === 'string' || s.module instanceof URL)) throw new TypeError(`DataLoader: a worker module must be a URL or a path, got ${JSON.stringify(s)}`);
  // a page's relative URL means relative to the page, not to the worker's script
  return { dataset: 'module', module: isNode ? String(s.module) : new URL(s.module, location.href).href, data: s.data };
}

/** The recipe a worker rebuilds `ds` from; throws NotRebuildable naming the part (`where`) it cannot describe. */
function recipeOf(ds: unknown, where: string): DatasetRecipe {
  const d = ds as Dataset<unknown, unknown> & { toWorker?: () => WorkerModuleSpec };
  if (typeof d?.toWorker === 'function') return moduleRecipe(d.toWorker());
  const proto = d && typeof d === 'object' ? Object.getPrototypeOf(d) : null;
  if (proto === ImageFolder.prototype || proto === CsvImageDataset.prototype) {
    if (!isNode) throw new NotRebuildable(`${where} is a ${proto.constructor.name}, which reads files from disk: a browser's workers cannot (make the samples from bytes or URLs with a dataset module)`);
    const f = d as unknown as ImageFolder;
    const { transform, ...options } = f.options as Record<string, unknown>;
    return { dataset: proto === ImageFolder.prototype ? 'ImageFolder' : 'CsvImageDataset', root: f.root, options: transform ? { ...options, transform: transformRecipe(transform, `${where}.transform`) } : options };
  }
  if (proto === MNIST.prototype) return { dataset: 'MNIST', images: (d as unknown as MNIST).images.data, labels: (d as unknown as MNIST).labels };
  if (proto === CIFAR10.prototype) return { dataset: 'CIFAR10', images: (d as unknown as CIFAR10).images, labels: (d as unknown as CIFAR10).labels };
  if (proto === TensorDataset.prototype) return { dataset: 'TensorDataset', tensors: (d as unknown as TensorDataset).tensors.map((t) => ({ data: t.data, shape: [...t.shape] })) };
  if (proto === Subset.prototype) {
    const s = d as unknown as Subset<unknown, unknown>;
    return { dataset: 'Subset', of: recipeOf(s.dataset, `${where}.dataset`), indices: [...s.indices] };
  }
  if (proto === ConcatDataset.prototype) {
    const c = d as unknown as ConcatDataset<unknown, unknown>;
    return { dataset: 'ConcatDataset', of: c.datasets.map((x, k) => recipeOf(x, `${where}.datasets[${k}]`)) };
  }
  if (proto === MappedDataset.prototype) {
    const m = d as unknown as MappedDataset<unknown, unknown, unknown, unknown>;
    const { transform, targetTransform } = m.sources;
    return {
      dataset: 'MappedDataset',
      of: recipeOf(m.dataset, `${where}.dataset`),
      transform: transform === undefined ? null : transformRecipe(transform, `${where}.transform`),
      targetTransform: targetTransform === undefined ? null : transformRecipe(targetTransform, `${where}.targetTransform`),
    };
  }
  const name = proto?.constructor?.name;
  throw new NotRebuildable(
    name && name !== 'Object'
      ? `${where} is a ${name}, a class of your own (give it toWorker(), or the loader workerModule, naming a module whose createDataset() builds it)`
      : `${where} is a plain object (its get is a closure), which cannot be sent to a worker`,
  );
}

/** Whether `ds` reads image files that a DecodePool can decode ahead (an ImageFolder or CsvImageDataset, maybe inside Subset, map() or ConcatDataset). */
export function decodesAhead(ds: unknown): boolean {
  if (ds instanceof ImageFileDataset) return true;
  if (ds instanceof Subset || ds instanceof MappedDataset) return decodesAhead(ds.dataset);
  if (ds instanceof ConcatDataset) return ds.datasets.some(decodesAhead);
  return false;
}

/**
 * The recipe for a DataLoader's dataset: `workerModule` when given, else the dataset's own description.
 * Throws `DataLoader: workers need to rebuild this dataset in a worker: <what and why>; pass workerModule, or use workers: 0`.
 */
export function workerRecipe(dataset: unknown, workerModule?: string | URL, workerData?: unknown): DatasetRecipe {
  if (workerModule !== undefined) return moduleRecipe(workerModule, workerData);
  try {
    return recipeOf(dataset, 'the dataset');
  } catch (e) {
    if (!(e instanceof NotRebuildable)) throw e;
    throw new TypeError(`DataLoader: workers need to rebuild this dataset in a worker: ${e.message}; pass workerModule, or use workers: 0`);
  }
}

function buildTransform(r: TransformRecipe): unknown {
  const C = classes[r.transform] as unknown as new (o?: unknown) => unknown;
  if (r.transform === 'Compose') return new T.Compose(r.transforms!.map(buildTransform) as T.Transform[]);
  if (r.transform === 'ToTensor') return new T.ToTensor();
  return new C(r.options);
}

/** Builds a dataset from its recipe (in a worker). */
export async function rebuildDataset(r: DatasetRecipe): Promise<Dataset<unknown, unknown>> {
  switch (r.dataset) {
    case 'ImageFolder':
    case 'CsvImageDataset': {
      const options = { ...r.options, ...(r.options.transform ? { transform: buildTransform(r.options.transform as TransformRecipe) } : {}) } as ImageFolderOptions & CsvImageOptions;
      return r.dataset === 'ImageFolder' ? new ImageFolder(r.root, options) : new CsvImageDataset(r.root, options);
    }
    case 'MNIST':
      return new MNIST(r.images, r.labels);
    case 'CIFAR10':
      return new CIFAR10(r.images, r.labels);
    case 'TensorDataset':
      return new TensorDataset(...r.tensors.map((t) => new Tensor(t.data, t.shape)));
    case 'Subset':
      return new Subset(await rebuildDataset(r.of), r.indices);
    case 'ConcatDataset':
      return new ConcatDataset(await Promise.all(r.of.map(rebuildDataset)));
    case 'MappedDataset': {
      const inner = await rebuildDataset(r.of);
      const t = r.transform ? (buildTransform(r.transform) as T.Transform<unknown, unknown>) : (x: unknown) => x;
      return r.targetTransform ? inner.map(t, buildTransform(r.targetTransform) as T.Transform<unknown, unknown>) : inner.map(t);
    }
    case 'module': {
      const url = /^[a-z][a-z0-9+.-]*:/i.test(r.module) ? r.module : nodeBuiltin<{ pathToFileURL(p: string): URL }>('node:url', 'DataLoader workers').pathToFileURL(r.module).href;
      const m = (await import(/* @vite-ignore */ /* webpackIgnore: true */ url)) as { createDataset?: (data: unknown) => unknown; default?: unknown };
      const create = m.createDataset ?? (typeof m.default === 'function' ? (m.default as (data: unknown) => unknown) : undefined);
      if (typeof create !== 'function') throw new TypeError(`DataLoader: the worker module ${r.module} exports no createDataset(data) function`);
      const ds = (await create(r.data)) as Dataset<unknown, unknown>;
      if (!ds || !Number.isInteger(ds.length) || typeof ds.get !== 'function') throw new TypeError(`DataLoader: createDataset() of ${r.module} did not return a dataset (an integer length and get(index))`);
      return ds;
    }
  }
}

// Samples cross the thread boundary as plain data: a Tensor becomes { $tensor: values, shape }.

interface PackedTensor {
  $tensor: Float32Array;
  shape: number[];
}

/** A sample as structured-cloneable data, and the buffers to transfer (each tensor's values, copied once here so nothing the dataset still holds is detached). */
export function packSample(s: unknown, transfer: ArrayBuffer[] = []): [unknown, ArrayBuffer[]] {
  const pack = (v: unknown): unknown => {
    if (v instanceof Tensor) {
      const data = v.data.slice();
      transfer.push(data.buffer as ArrayBuffer);
      return { $tensor: data, shape: [...v.shape] } satisfies PackedTensor;
    }
    if (Array.isArray(v)) return v.map(pack);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pack(x)]));
    return v;
  };
  return [pack(s), transfer];
}

export function unpackSample(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unpackSample);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const p = v as PackedTensor;
    if (p.$tensor instanceof Float32Array) return new Tensor(p.$tensor, p.shape);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unpackSample(x)]));
  }
  return v;
}

/** An error as it crosses back: the same class (for the built-in ones) and message as with workers: 0. */
export function packError(e: unknown): { name: string; message: string } {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}

const ERRORS: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError, ReferenceError };

function unpackError(e: { name: string; message: string }): Error {
  return new (ERRORS[e.name] ?? Error)(e.message);
}

type SampleReply = { id: number; sample?: unknown; error?: { name: string; message: string } };
/** What a worker says before any sample: the length of the dataset it rebuilt, or why it could not. */
type Notice = { ready: number } | { initError: { name: string; message: string } };

/** The worker program's file in Node: next to this one in dist/, or dist/data/ from the sources (vitest). */
function workerScript(): URL {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../dist/data/worker-main.js', here) : new URL('./worker-main.js', here);
  const fs = nodeBuiltin<{ existsSync(p: URL): boolean }>('node:fs', 'DataLoader workers');
  if (!fs.existsSync(url)) throw new Error(`DataLoader: the worker program ${url.pathname} is missing (run \`npm run build\`)`);
  return url;
}

/** Workers running worker-main: Node worker threads, or module Web Workers in a browser. */
function sampleWorkers(): SpawnWorker {
  if (isNode) {
    const script = workerScript();
    return (events) => nodeWorker(script, {}, events);
  }
  if (!import.meta.url) throw new Error('DataLoader: workers > 0 needs typegrad bundled as an ES module (this build has no import.meta.url to find its worker program, as in an iife bundle); use workers: 0');
  // written out in full, as Vite and webpack recognise it, so a page build bundles worker-main as a worker
  return (events) => webWorker(new Worker(new URL('./worker-main.js', import.meta.url), { type: 'module' }), events);
}

/**
 * Workers that each rebuild the dataset from `recipe` and run get(index) for a given epoch under
 * sampleSeed(seed, epoch, index).
 */
export class SamplePool {
  readonly #pool: WorkerPool<SampleReply>;

  constructor(size: number, recipe: DatasetRecipe, seed: number, length: number) {
    const pool = (this.#pool = new WorkerPool<SampleReply>(size, sampleWorkers(), (msg) => {
      const notice = msg as Notice;
      if ('initError' in notice) pool.fail(new WorkerPoolError(`DataLoader: a worker could not rebuild the dataset: ${notice.initError.message}`));
      else if (notice.ready !== length) pool.fail(new WorkerPoolError(`DataLoader: the dataset a worker rebuilt has ${notice.ready} samples, this one has ${length}; does the worker module build the same dataset?`));
    }));
    pool.broadcast({ init: { recipe, seed, backend: getBackend() } satisfies WorkerInit });
  }

  /** Sample `index` of `epoch`, from the least busy worker. */
  async get(index: number, epoch: number): Promise<unknown> {
    const reply = await this.#pool.request({ index, epoch });
    if (reply.error) throw unpackError(reply.error);
    return unpackSample(reply.sample);
  }

  /** Stops the workers; samples still pending reject. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}

/** Whether two recipes describe the same dataset: equal plain values, the same typed arrays (by identity: the data is not compared). */
export function sameRecipe(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b) || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameRecipe((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
