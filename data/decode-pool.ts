// Decoding image files on worker threads (Node), so a training loop does not wait on JPEG decoding:
// jpeg-js takes ~14 ms for a 500x375 photo on one core. Workers only read and decode; transforms stay on
// the main thread and run in sample order, so random augmentation is still replayable for a seed.

import type { RawImage } from './functional/convert.js';
import { convertMode, type ImageMode } from './codecs.js';
import { nodeBuiltin } from './node-modules.js';

// The worker's whole program: read a file, decode it with the same packages as decodeImage, send the
// pixels back (transferring the buffer, not copying it) or the error message.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const jpeg = require(workerData.jpegPath);
const { PNG } = require(workerData.pngPath);
parentPort.on('message', ({ id, file }) => {
  try {
    const bytes = fs.readFileSync(file);
    let out;
    if (bytes.length < 3 || !((bytes[0] === 0x89 && bytes[1] === 0x50) || (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff))) throw new Error('not a PNG or JPEG file');
    if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      const d = PNG.sync.read(bytes);
      out = { data: new Uint8Array(d.data), width: d.width, height: d.height, channels: 4 };
    } else {
      const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxMemoryUsageInMB: 1024 });
      out = { data: d.data, width: d.width, height: d.height, channels: 3 };
    }
    parentPort.postMessage({ id, ...out }, [out.data.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e), read: e && e.code !== undefined });
  }
});
`;

interface WorkerLike {
  postMessage(msg: unknown): void;
  on(event: 'message', fn: (msg: Reply) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

interface Reply {
  id: number;
  data?: Uint8Array;
  width?: number;
  height?: number;
  channels?: number;
  error?: string;
  read?: boolean;
}

export class DecodePool {
  readonly size: number;
  #workers: WorkerLike[] = [];
  #pending = new Map<number, { resolve: (r: RawImage) => void; reject: (e: Error) => void; file: string; mode: ImageMode }>();
  #nextId = 0;
  #next = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`DecodePool: size must be a positive integer, got ${size}`);
    this.size = size;
    const { Worker } = nodeBuiltin<{ Worker: new (src: string, opts: { eval: true; workerData: unknown }) => WorkerLike }>('node:worker_threads', 'DataLoader workers');
    const { createRequire } = nodeBuiltin<{ createRequire(url: string): { resolve(id: string): string } }>('node:module', 'DataLoader workers');
    const resolve = createRequire(import.meta.url).resolve;
    const workerData = { jpegPath: resolve('jpeg-js'), pngPath: resolve('pngjs') };
    for (let k = 0; k < size; k++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData });
      w.on('message', (msg) => this.#settle(msg));
      w.on('error', (e) => {
        for (const p of this.#pending.values()) p.reject(new Error(`DataLoader worker failed: ${e.message}`));
        this.#pending.clear();
      });
      w.unref(); // idle workers never keep the process alive
      this.#workers.push(w);
    }
  }

  #settle(msg: Reply): void {
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if (msg.error !== undefined) {
      p.reject(new Error(msg.read ? `cannot read ${p.file}: ${msg.error}` : `decodeImage: cannot decode ${p.file}: ${msg.error}`));
      return;
    }
    p.resolve(convertMode({ data: msg.data!, width: msg.width!, height: msg.height!, channels: msg.channels }, p.mode));
  }

  /** Reads and decodes a PNG or JPEG file on the next worker. */
  decodeFile(file: string, mode: ImageMode = 'RGB'): Promise<RawImage> {
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject, file, mode });
      this.#workers[this.#next++ % this.size].postMessage({ id, file });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers = [];
  }
}
