// Images by URL, for the browser (or anywhere fetch works): each sample is fetched and decoded
// asynchronously (createImageBitmap in browsers, off the main thread), ahead of time by the DataLoader's
// async iterator through prepare(); get() then only transforms, in sample order, so augmentation replays.

import type { Tensor } from '../engine/index.js';
import { decodeImageAsync, type ImageMode } from './codecs.js';
import { asFunction, checkIndex, Dataset } from './dataset.js';
import { toTensor, type RawImage } from './functional/convert.js';

export interface UrlImageOptions {
  transform?: ((img: Tensor) => Tensor) | { apply(img: Tensor): Tensor };
  mode?: ImageMode;
  /** refuse images whose header declares more pixels (default 2^28, as decodeImage) */
  maxPixels?: number;
  /** class names, in label order (default: the string labels given, sorted) */
  classes?: readonly string[];
  /** how to get a URL's bytes (default: fetch) */
  fetchBytes?: (url: string) => Promise<Uint8Array | Blob>;
}

async function fetchBytes(url: string): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  return res.blob();
}

/** [url, label] pairs (labels as class names or indices) → [image, class index]. */
export class UrlImageDataset extends Dataset<Tensor, number> {
  readonly samples: [string, number][];
  readonly classes: string[];
  #ready = new Map<number, { image?: RawImage; error?: Error }>();
  #transform: ((img: Tensor) => Tensor) | null;

  constructor(items: readonly (readonly [string, string | number])[], readonly options: UrlImageOptions = {}) {
    super();
    const names = items.filter(([, l]) => typeof l === 'string').map(([, l]) => l as string);
    this.classes = options.classes ? [...options.classes] : [...new Set(names)].sort();
    const index = new Map(this.classes.map((c, i) => [c, i]));
    this.samples = items.map(([url, label], k) => {
      const y = typeof label === 'number' ? label : index.get(label);
      if (y === undefined || !Number.isInteger(y) || y < 0) throw new RangeError(`UrlImageDataset: item ${k} (${url}) has label ${JSON.stringify(label)}, not one of the classes ${JSON.stringify(this.classes)}`);
      return [url, y];
    });
    this.#transform = options.transform ? asFunction<Tensor, Tensor>(options.transform) : null;
  }

  get length(): number {
    return this.samples.length;
  }

  /** Fetches and decodes sample `index` (the DataLoader calls this ahead); errors are kept for get(). */
  async prepare(index: number): Promise<void> {
    const [url] = this.samples[checkIndex(index, this.samples.length, 'UrlImageDataset.prepare')];
    try {
      const bytes = await (this.options.fetchBytes ?? fetchBytes)(url);
      this.#ready.set(index, { image: await decodeImageAsync(bytes, { name: url, mode: this.options.mode, maxPixels: this.options.maxPixels }) });
    } catch (e) {
      const msg = (e as Error).message;
      this.#ready.set(index, { error: new Error(msg.startsWith('decodeImage') ? msg : `UrlImageDataset: cannot load ${url}: ${msg}`) });
    }
  }

  get(index: number): [Tensor, number] {
    const [url, label] = this.samples[checkIndex(index, this.samples.length, 'UrlImageDataset.get')];
    const ready = this.#ready.get(index);
    if (!ready) throw new Error(`UrlImageDataset: ${url} is not loaded yet; iterate with \`for await (const batch of loader)\` or use await dataset.load(${index})`);
    this.#ready.delete(index);
    if (ready.error) throw ready.error;
    const img = toTensor(ready.image!);
    return [this.#transform ? this.#transform(img) : img, label];
  }

  /** prepare + get, for one sample. */
  async load(index: number): Promise<[Tensor, number]> {
    await this.prepare(index);
    return this.get(index);
  }
}
