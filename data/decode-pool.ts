// Decoding image files on worker threads (Node), so a training loop does not wait on JPEG decoding:
// jpeg-js takes ~14 ms for a 500x375 photo on one core. Workers only read and decode; transforms stay on
// the main thread and run in sample order, so random augmentation is still replayable for a seed.

import type { RawImage } from './functional/convert.js';
import { checkMaxPixels, convertMode, decodeError, type ImageMode } from './codecs.js';
import { CORE_SOURCE } from './decode-core.js';
import { nodeBuiltin } from './node-modules.js';

// The worker's whole program: read a file, decode it with decodeCore (its source text, so the worker runs
// exactly the checks decodeImage runs) and the same packages, send the pixels back (transferring the
// buffer, not copying it) or the error message. `__name` is a no-op for bundlers that keep function names.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const __name = (f) => f;
const deps = { zlib: require('node:zlib'), jpeg: require(workerData.jpegPath), pngjs: require(workerData.pngPath) };
${CORE_SOURCE}
parentPort.on('message', ({ id, file, maxPixels }) => {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e), read: true });
    return;
  }
  try {
    const png = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
    const jpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
    if (!png && !jpeg) {
      parentPort.postMessage({ id, error: 'not a PNG or JPEG file' });
      return;
    }
    const out = decodeCore(bytes, maxPixels, deps, png ? 'png' : 'jpeg');
    parentPort.postMessage({ id, ...out }, [out.data.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : 'decoder threw ' + String(e), format: bytes[0] === 0x89 ? 'png' : 'jpeg', limit: !!(e && e.limit) });
  }
});
`;

interface WorkerLike {
  postMessage(msg: unknown): void;
  on(event: 'message', fn: (msg: Reply) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  ref(): void;
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
  format?: string;
  limit?: boolean;
}

export class DecodePool {
  readonly size: number;
  #workers: WorkerLike[] = [];
  #pending = new Map<number, { resolve: (r: RawImage) => void; reject: (e: Error) => void; file: string; mode: ImageMode }>();
  readonly maxPixels: number;
  #nextId = 0;
  #next = 0;

  /** `maxPixels`: the limit decodeImage's option of that name sets (default DEFAULT_MAX_PIXELS), per file unless decodeFile says otherwise */
  constructor(size: number, options: { maxPixels?: number } = {}) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`DecodePool: size must be a positive integer, got ${size}`);
    this.size = size;
    this.maxPixels = checkMaxPixels(options.maxPixels, 'DecodePool');
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
        this.#keepAlive(false);
      });
      w.unref(); // idle workers never keep the process alive; busy ones do (#keepAlive)
      this.#workers.push(w);
    }
  }

  /**
   * While files are being decoded the workers keep Node alive: a loop awaiting them has nothing else
   * that would (Node would exit with code 13, "unsettled top-level await"); idle, they let it exit.
   */
  #keepAlive(busy: boolean): void {
    for (const w of this.#workers) busy ? w.ref() : w.unref();
  }

  #settle(msg: Reply): void {
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if (this.#pending.size === 0) this.#keepAlive(false);
    if (msg.error !== undefined) {
      p.reject(msg.read ? new Error(`cannot read ${p.file}: ${msg.error}`) : msg.format ? decodeError(p.file, msg.format, msg.error, msg.limit === true) : new Error(`decodeImage: cannot decode ${p.file}: ${msg.error}`));
      return;
    }
    p.resolve(convertMode({ data: msg.data!, width: msg.width!, height: msg.height!, channels: msg.channels }, p.mode));
  }

  /** Reads and decodes a PNG or JPEG file on the next worker (errors as decodeImage's, naming the file). */
  decodeFile(file: string, mode: ImageMode = 'RGB', maxPixels: number = this.maxPixels): Promise<RawImage> {
    const limit = checkMaxPixels(maxPixels, 'DecodePool.decodeFile');
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      if (this.#pending.size === 0) this.#keepAlive(true);
      this.#pending.set(id, { resolve, reject, file, mode });
      this.#workers[this.#next++ % this.size].postMessage({ id, file, maxPixels: limit });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers = [];
  }
}
