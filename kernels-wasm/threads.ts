// Worker threads for the WASM kernels: each worker instantiates the same module on the same shared
// memory, gets its own packing scratch, and runs one export call per task. A task is handed over
// through a small shared control block and Atomics (no message per call):
//   ctl[0] sequence number of the latest task (the worker waits on it)
//   ctl[1] sequence number of the latest finished task (the main thread waits on it), −seq on a trap
//   ctl[2] 1 once the worker has instantiated the module and takes tasks
//   ctl[3] export index, ctl[4] argument count, ctl[5 …] the arguments (all i32)
// A pool is usable the moment it is made: until a worker has started, the main thread runs that
// worker's share itself. So Node can start the kernels synchronously at import (no waiting for a
// worker's first message, which needs the event loop), and a worker that never starts costs speed, not a hang.
// Both sides spin a little before they sleep: waking a thread blocked in Atomics.wait takes 0.1–0.4 ms
// on the benchmark machine, as long as a small kernel, and kernels often come back to back. Only a
// little: on a machine whose other core is busy, a spinning thread takes time from the one working.
// Node: worker_threads with an eval'd script (unref'd, so idle workers never keep a process alive).
// Browsers: a module-free Web Worker from a Blob URL; only where the page is cross-origin isolated.

import { nodeBuiltin } from '../engine/node.js';

/** The exports a task may call, by index (must match the worker script's table). */
export const taskExports = [
  'gemm', 'gemmBatched', 'conv2dForward', 'conv2dBackwardInput', 'conv2dBackwardWeight',
  'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward',
] as const;
export type TaskExport = (typeof taskExports)[number];

const CONTROL_INTS = 32;

/** How long a worker spins for its next task after finishing one, before it sleeps. */
const WORKER_SPIN_MS = 0.3;
/** How long the main thread spins for a worker to finish before it sleeps. */
const MAIN_SPIN_MS = 2;

// The worker's whole program. Plain JS (no imports) so it runs as an eval'd Node script or a Blob worker.
const workerSource = `
const exportNames = ${JSON.stringify(taskExports)};
function start(data, reply) {
  const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
  const e = instance.exports;
  e.setScratch(data.scratch);
  const fns = exportNames.map((n) => e[n]);
  const ctl = new Int32Array(data.control);
  Atomics.store(ctl, 2, 1);
  reply('ready');
  let seen = 0;
  for (;;) {
    const until = performance.now() + ${WORKER_SPIN_MS};
    while (Atomics.load(ctl, 0) === seen && performance.now() < until);
    Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    let status = seen;
    try {
      const args = [];
      for (let i = 0; i < ctl[4]; i++) args.push(ctl[5 + i]);
      fns[ctl[3]](...args);
    } catch (err) {
      status = -seen;
    }
    Atomics.store(ctl, 1, status);
    Atomics.notify(ctl, 1);
  }
}
if (typeof self === 'undefined') {
  // getBuiltinModule, not require: an eval'd worker runs as ESM when the process was started with --input-type=module
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  start(workerData, (m) => parentPort.postMessage(m));
} else {
  self.onmessage = (ev) => start(ev.data, (m) => self.postMessage(m));
}
`;

interface NodeWorker {
  on(event: 'message' | 'error' | 'exit', fn: (v: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
type NodeWorkerCtor = new (code: string, opts: { eval: true; workerData: unknown }) => NodeWorker;

const inNode = () => nodeBuiltin('node:os') !== undefined;

/** How many threads the kernels may use here: the cores (at most `cap`), or 1 without shared memory. */
export function availableThreads(cap = 2): number {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 1;
  const os = nodeBuiltin<{ availableParallelism(): number }>('node:os');
  if (os) return Math.max(1, Math.min(cap, os.availableParallelism()));
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number }; Worker?: unknown };
  if (!g.crossOriginIsolated || typeof g.Worker !== 'function') return 1;
  return Math.max(1, Math.min(cap, g.navigator?.hardwareConcurrency ?? 1));
}

/** Why a browser page runs the kernels on one thread although the machine has more cores, or null. */
export function singleThreadReason(): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (inNode() || (g.navigator?.hardwareConcurrency ?? 1) < 2) return null;
  return g.crossOriginIsolated
    ? null
    : 'this page is not cross-origin isolated (serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp for two threads)';
}

interface Helper {
  ctl: Int32Array;
  seq: number;
  /** set when the worker died (it will never answer) */
  dead: boolean;
  /** resolves when the worker takes tasks, rejects if it cannot start */
  ready: Promise<void>;
  dispose(): void;
}

const started = (h: Helper) => !h.dead && Atomics.load(h.ctl, 2) === 1;

/** Runs export calls on the main thread and on `threads − 1` workers sharing the module's memory. */
export class ThreadPool {
  readonly size: number;
  /** resolves when every worker takes tasks; rejects if one cannot start (its share then runs on the main thread) */
  readonly ready: Promise<void>;
  readonly #helpers: Helper[];
  readonly #exports: Record<string, (...a: number[]) => void>;
  readonly #canBlock: boolean;

  /** A pool of 1 + scratch.length threads; worker i gets the scratch block at scratch[i]. Workers start in the background. */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    exports: Record<string, (...a: number[]) => void>,
    scratch: number[],
  ) {
    this.#exports = exports;
    this.#helpers = scratch.map((ptr) => startWorker(module, memory, ptr));
    this.size = this.#helpers.length + 1;
    this.ready = Promise.all(this.#helpers.map((h) => h.ready)).then(() => {});
    this.#canBlock = inNode(); // a browser's main thread may not Atomics.wait: it spins
  }

  /** Runs task 0 here and task i on worker i − 1 (here too while that worker has not started), and returns when all are done. */
  run(what: string, tasks: Array<[TaskExport, number[]]>): void {
    if (tasks.length > this.size) throw new RangeError(`${what}: ${tasks.length} tasks for ${this.size} threads`);
    const posted: Helper[] = [];
    // the shares of workers not started yet (null, not an array, on the usual path: this runs per kernel call)
    let unstarted: Array<[TaskExport, number[]]> | null = null;
    for (let i = 1; i < tasks.length; i++) {
      const h = this.#helpers[i - 1];
      const [name, args] = tasks[i];
      if (!started(h)) {
        (unstarted ??= []).push(tasks[i]);
        continue;
      }
      h.ctl[3] = taskExports.indexOf(name);
      h.ctl[4] = args.length;
      h.ctl.set(args, 5);
      h.seq++;
      Atomics.store(h.ctl, 0, h.seq);
      Atomics.notify(h.ctl, 0);
      posted.push(h);
    }
    let failure: unknown = null;
    try {
      if (tasks.length > 0) this.#exports[tasks[0][0]](...tasks[0][1]);
      if (unstarted) for (const [name, args] of unstarted) this.#exports[name](...args);
    } catch (e) {
      failure = e; // still wait for the workers: they write into memory the next call reuses
    }
    const spinUntil = performance.now() + MAIN_SPIN_MS;
    for (const h of posted) {
      for (;;) {
        const done = Atomics.load(h.ctl, 1);
        if (done === h.seq) break;
        if (done === -h.seq) {
          failure ??= new Error(`${what}: the WASM kernel trapped on a worker thread`);
          break;
        }
        if (h.dead) {
          failure ??= new Error(`${what}: a kernel worker thread died`);
          break;
        }
        if (this.#canBlock && performance.now() > spinUntil) Atomics.wait(h.ctl, 1, done, 100);
      }
    }
    if (failure) throw failure;
  }

  dispose(): void {
    for (const h of this.#helpers) h.dispose();
  }
}

function startWorker(module: WebAssembly.Module, memory: WebAssembly.Memory, scratch: number): Helper {
  const control = new SharedArrayBuffer(CONTROL_INTS * 4);
  const data = { module, memory, control, scratch };
  const helper: Helper = { ctl: new Int32Array(control), seq: 0, dead: false, ready: Promise.resolve(), dispose: () => {} };
  const threads = nodeBuiltin<{ Worker: NodeWorkerCtor }>('node:worker_threads');
  helper.ready = new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      helper.dead = true;
      reject(e);
    };
    if (threads) {
      const w = new threads.Worker(workerSource, { eval: true, workerData: data });
      w.on('message', () => {
        w.unref(); // from now on an idle kernel thread must not keep the process alive
        resolve();
      });
      w.on('error', (e) => fail(e as Error));
      // a worker stopped by dispose (configureWasmBackend replacing the kernels right after import) did not fail
      let disposed = false;
      w.on('exit', () => disposed || fail(new Error('kernels-wasm: worker exited before it was ready')));
      helper.dispose = () => {
        disposed = true;
        void w.terminate();
      };
    } else {
      const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
      const w = new Worker(url);
      w.onmessage = () => {
        URL.revokeObjectURL(url);
        resolve();
      };
      w.onerror = (e) => fail(new Error(`kernels-wasm: worker failed: ${e.message}`));
      w.postMessage(data);
      helper.dispose = () => w.terminate();
    }
  });
  return helper;
}
