// The workers behind DataLoader's `workers` option (SamplePool in workers.ts, DecodePool in
// decode-pool.ts): requests numbered and sent to the least busy worker, their replies matched back, one
// failure failing them all. Workers are Node worker threads or, in a browser, Web Workers; a small shim
// (PoolWorker) hides the difference: how a worker is made, how it reports errors and exits, and Node's
// ref/unref, which browsers do not need (a page does not exit when its event loop is empty).

import { nodeBuiltin } from './node-modules.js';

/** A worker that could not start or died: fails the epoch even with skipErrors (it is not one sample's fault). */
export class WorkerPoolError extends Error {
  override name = 'WorkerPoolError';
}

/** What a pool hears from one worker. */
export interface WorkerEvents {
  message(msg: unknown): void;
  /** the worker failed or stopped: `why` is the message of a WorkerPoolError */
  failed(why: string): void;
}

/** One worker, whichever platform's. */
export interface PoolWorker {
  post(msg: unknown, transfer?: Transferable[]): void;
  /** Node: ref'd while requests are pending (a loop awaiting them has nothing else keeping Node alive), unref'd when idle */
  keepAlive(busy: boolean): void;
  terminate(): Promise<unknown>;
}

/** Makes a worker reporting to `events` (the pool's): nodeWorker or webWorker, with the program to run. */
export type SpawnWorker = (events: WorkerEvents) => PoolWorker;

export const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

interface NodeWorker {
  postMessage(msg: unknown, transfer?: readonly Transferable[]): void;
  on(event: 'message', fn: (msg: unknown) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  on(event: 'exit', fn: (code: number) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** A Node worker thread running `program` (a module file, or source text with `eval: true`). */
export function nodeWorker(program: URL | string, options: { eval?: boolean; workerData?: unknown }, events: WorkerEvents): PoolWorker {
  const { Worker } = nodeBuiltin<{ Worker: new (program: URL | string, options: object) => NodeWorker }>('node:worker_threads', 'DataLoader workers');
  const w = new Worker(program, options);
  let terminating = false;
  w.on('message', events.message);
  w.on('error', (e) => events.failed(`DataLoader: a worker failed: ${e.message}`));
  w.on('exit', (code) => terminating || events.failed(`DataLoader: a worker exited (code ${code})`));
  w.unref();
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer),
    keepAlive: (busy) => (busy ? w.ref() : w.unref()),
    terminate: () => ((terminating = true), w.terminate()),
  };
}

/** A browser's module Web Worker (made by the caller: bundlers find `new Worker(new URL(…), …)` only where it is written). */
export function webWorker(w: Worker, events: WorkerEvents): PoolWorker {
  w.addEventListener('message', (e) => events.message(e.data));
  // a script that fails to load or parse gives a bare Event; an uncaught exception an ErrorEvent
  w.addEventListener('error', (e) => events.failed(`DataLoader: a worker failed: ${(e as ErrorEvent).message || 'its script (typegrad/data/worker-main.js) did not load'}`));
  w.addEventListener('messageerror', () => events.failed('DataLoader: a worker sent a message that could not be read'));
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer ?? []),
    keepAlive: () => {},
    terminate: async () => w.terminate(),
  };
}

/** `size` workers answering `{ id, ...request }` with `{ id, ...reply }`; other messages go to `onNotice`. */
export class WorkerPool<Reply> {
  readonly size: number;
  #workers: PoolWorker[] = [];
  #load: number[] = [];
  #pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; worker: number }>();
  #nextId = 0;
  #failed: Error | null = null;

  constructor(size: number, spawn: SpawnWorker, onNotice: (msg: unknown) => void = () => {}) {
    this.size = size;
    const events: WorkerEvents = {
      message: (msg) => {
        const id = (msg as { id?: unknown }).id;
        if (typeof id === 'number') this.#settle(id, msg as Reply);
        else onNotice(msg);
      },
      failed: (why) => {
        if (this.#workers.length > 0) this.fail(new WorkerPoolError(why));
      },
    };
    for (let k = 0; k < size; k++) {
      this.#workers.push(spawn(events));
      this.#load.push(0);
    }
  }

  #keepAlive(busy: boolean): void {
    for (const w of this.#workers) w.keepAlive(busy);
  }

  /** Rejects every pending request with `e`, and every later one. */
  fail(e: Error): void {
    this.#failed ??= e;
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
    this.#load.fill(0);
    this.#keepAlive(false);
  }

  #settle(id: number, reply: Reply): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    this.#load[p.worker]--;
    if (this.#pending.size === 0) this.#keepAlive(false);
    p.resolve(reply);
  }

  /** Sends `request` to the least busy worker; resolves with its reply. */
  request(request: object, transfer?: Transferable[]): Promise<Reply> {
    if (this.#workers.length === 0) return Promise.reject(new WorkerPoolError('DataLoader: the workers were closed'));
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      const k = this.#load.indexOf(Math.min(...this.#load));
      if (this.#pending.size === 0) this.#keepAlive(true);
      this.#pending.set(id, { resolve, reject, worker: k });
      this.#load[k]++;
      this.#workers[k].post({ id, ...request }, transfer);
    });
  }

  /** Posts `msg` to every worker (e.g. what to build before the first request). */
  broadcast(msg: unknown): void {
    for (const w of this.#workers) w.post(msg);
  }

  /** Stops the workers; requests still pending reject. */
  async close(): Promise<void> {
    const ws = this.#workers;
    this.fail(new WorkerPoolError('DataLoader: the workers were closed while samples were pending'));
    this.#workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
