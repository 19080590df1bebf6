// Decoding image files on worker threads (Node; the pool: worker-pool.ts), so a training loop does not wait on JPEG decoding:
// jpeg-js takes ~14 ms for a 500x375 photo on one core. Workers only read and decode; transforms stay on
// the main thread and run in sample order, so random augmentation is still replayable for a seed.

import type { RawImage } from './functional/convert.js';
import { checkMaxPixels, convertMode, decodeError, type ImageMode } from './codecs.js';
import { CORE_SOURCE } from './decode-core.js';
import { nodeBuiltin } from './node-modules.js';
import { nodeWorker, WorkerPool } from './worker-pool.js';

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
  readonly maxPixels: number;
  readonly #pool: WorkerPool<Reply>;

  /** `maxPixels`: the limit decodeImage's option of that name sets (default DEFAULT_MAX_PIXELS), per file unless decodeFile says otherwise */
  constructor(size: number, options: { maxPixels?: number } = {}) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`DecodePool: size must be a positive integer, got ${size}`);
    this.size = size;
    this.maxPixels = checkMaxPixels(options.maxPixels, 'DecodePool');
    const { createRequire } = nodeBuiltin<{ createRequire(url: string): { resolve(id: string): string } }>('node:module', 'DataLoader workers');
    const resolve = createRequire(import.meta.url).resolve;
    const workerData = { jpegPath: resolve('jpeg-js'), pngPath: resolve('pngjs') };
    this.#pool = new WorkerPool(size, (events) => nodeWorker(WORKER_SOURCE, { eval: true, workerData }, events));
  }

  /** Reads and decodes a PNG or JPEG file on the least busy worker (errors as decodeImage's, naming the file). */
  async decodeFile(file: string, mode: ImageMode = 'RGB', maxPixels: number = this.maxPixels): Promise<RawImage> {
    const msg = await this.#pool.request({ file, maxPixels: checkMaxPixels(maxPixels, 'DecodePool.decodeFile') });
    if (msg.error !== undefined) {
      throw msg.read ? new Error(`cannot read ${file}: ${msg.error}`) : msg.format ? decodeError(file, msg.format, msg.error, msg.limit === true) : new Error(`decodeImage: cannot decode ${file}: ${msg.error}`);
    }
    return convertMode({ data: msg.data!, width: msg.width!, height: msg.height!, channels: msg.channels }, mode);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
