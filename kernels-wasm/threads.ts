// Worker threads for the WASM kernels: each worker instantiates the same module on the same shared
// memory, gets its own packing scratch, and runs one export call per task. A task is handed over
// through a small shared control block and Atomics (no message per call):
//   ctl[0] sequence number of the latest task (the worker waits on it)
//   ctl[1] sequence number of the latest finished task (the main thread waits on it), −seq on a trap
//   ctl[2] export index, ctl[3] argument count, ctl[4 …] the arguments (all i32)
// Both sides spin a little before they sleep: waking a thread blocked in Atomics.wait takes 0.1–0.4 ms
// on the benchmark machine, as long as a small kernel, and kernels often come back to back. Only a
// little: on a machine whose other core is busy, a spinning thread takes time from the one working.
// Node: worker_threads with an eval'd script (unref'd, so idle workers never keep a process alive).
// Browsers: a module-free Web Worker from a Blob URL; only where the page is cross-origin isolated.

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
      for (let i = 0; i < ctl[3]; i++) args.push(ctl[4 + i]);
      fns[ctl[2]](...args);
    } catch (err) {
      status = -seen;
    }
    Atomics.store(ctl, 1, status);
    Atomics.notify(ctl, 1);
  }
}
if (typeof require === 'function' && typeof self === 'undefined') {
  const { parentPort, workerData } = require('node:worker_threads');
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

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?(id: string): unknown;
}

function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return proc?.versions?.node ? proc : undefined;
}

/** How many threads the kernels may use here: the cores (at most `cap`), or 1 without shared memory. */
export async function availableThreads(cap = 2): Promise<number> {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 1;
  const proc = nodeProcess();
  if (proc) {
    try {
      const specifier = 'node:os';
      const os = (proc.getBuiltinModule?.(specifier) ?? (await import(specifier))) as { availableParallelism?(): number; cpus(): unknown[] };
      return Math.max(1, Math.min(cap, os.availableParallelism?.() ?? os.cpus().length));
    } catch {
      return 1;
    }
  }
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number }; Worker?: unknown };
  if (!g.crossOriginIsolated || typeof g.Worker !== 'function') return 1;
  return Math.max(1, Math.min(cap, g.navigator?.hardwareConcurrency ?? 1));
}

interface Helper {
  ctl: Int32Array;
  seq: number;
  /** set when the worker died (it will never answer) */
  dead: boolean;
  dispose(): void;
}

/** Runs export calls on the main thread and on `threads − 1` workers sharing the module's memory. */
export class ThreadPool {
  readonly size: number;
  readonly #helpers: Helper[];
  readonly #exports: Record<string, (...a: number[]) => void>;
  readonly #canBlock: boolean;

  private constructor(exports: Record<string, (...a: number[]) => void>, helpers: Helper[]) {
    this.#exports = exports;
    this.#helpers = helpers;
    this.size = helpers.length + 1;
    this.#canBlock = nodeProcess() !== undefined; // a browser's main thread may not Atomics.wait: it spins
  }

  /** A pool of `threads` (>= 1); workers get scratch blocks at the given pointers (one per worker). */
  static async create(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    exports: Record<string, (...a: number[]) => void>,
    scratch: number[],
  ): Promise<ThreadPool> {
    const helpers: Helper[] = [];
    try {
      for (const ptr of scratch) helpers.push(await startWorker(module, memory, ptr));
    } catch (e) {
      for (const h of helpers) h.dispose();
      throw e;
    }
    return new ThreadPool(exports, helpers);
  }

  /** Runs task 0 here and task i on worker i − 1, and returns when all are done. */
  run(what: string, tasks: Array<[TaskExport, number[]]>): void {
    if (tasks.length > this.size) throw new RangeError(`${what}: ${tasks.length} tasks for ${this.size} threads`);
    const started: Helper[] = [];
    for (let i = 1; i < tasks.length; i++) {
      const h = this.#helpers[i - 1];
      const [name, args] = tasks[i];
      h.ctl[2] = taskExports.indexOf(name);
      h.ctl[3] = args.length;
      h.ctl.set(args, 4);
      h.seq++;
      Atomics.store(h.ctl, 0, h.seq);
      Atomics.notify(h.ctl, 0);
      started.push(h);
    }
    let failure: unknown = null;
    try {
      if (tasks.length > 0) this.#exports[tasks[0][0]](...tasks[0][1]);
    } catch (e) {
      failure = e; // still wait for the workers: they write into memory the next call reuses
    }
    const spinUntil = performance.now() + MAIN_SPIN_MS;
    for (const h of started) {
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

async function startWorker(module: WebAssembly.Module, memory: WebAssembly.Memory, scratch: number): Promise<Helper> {
  const control = new SharedArrayBuffer(CONTROL_INTS * 4);
  const data = { module, memory, control, scratch };
  const proc = nodeProcess();
  const helper: Helper = { ctl: new Int32Array(control), seq: 0, dead: false, dispose: () => {} };
  const ready = new Promise<void>((resolve, reject) => {
    if (proc) {
      const specifier = 'node:worker_threads';
      const load = proc.getBuiltinModule ? Promise.resolve(proc.getBuiltinModule(specifier)) : import(specifier);
      load.then((mod) => {
        const { Worker } = mod as { Worker: NodeWorkerCtor };
        const w = new Worker(workerSource, { eval: true, workerData: data });
        w.on('message', () => {
          w.unref(); // from now on an idle kernel thread must not keep the process alive
          resolve();
        });
        w.on('error', (e) => {
          helper.dead = true;
          reject(e);
        });
        w.on('exit', () => {
          helper.dead = true;
          reject(new Error('kernels-wasm: worker exited before it was ready'));
        });
        helper.dispose = () => void w.terminate();
      }, reject);
    } else {
      const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
      const w = new Worker(url);
      w.onmessage = () => {
        URL.revokeObjectURL(url);
        resolve();
      };
      w.onerror = (e) => {
        helper.dead = true;
        reject(new Error(`kernels-wasm: worker failed: ${e.message}`));
      };
      w.postMessage(data);
      helper.dispose = () => w.terminate();
    }
  });
  await ready;
  return helper;
}
