// The 'wasm' backend: AssemblyScript SIMD kernels (kernels-wasm/assembly/) behind the Kernels interface.
// Importing this module registers it; `await setBackend('wasm')` compiles and instantiates it, with
// worker threads where the platform has them (threads.ts). In Node the package entry loads it
// synchronously at import instead (loadWasmBackendSync).

import { registerBackend, type Kernels } from '../engine/index.js';
import { createKernels } from './kernels.js';
import { instantiateKernels, instantiateKernelsSync, noticeOnce, wasmSimdSupported, relaxedSimdSupported, type WasmBuild, type WasmInstance } from './loader.js';

export { noticeOnce, wasmSimdSupported, relaxedSimdSupported, type WasmBuild };

let loaded: { instance: WasmInstance; kernels: Kernels } | null = null;

/** Kernels of one WASM instance, with what it runs on. */
export type WasmKernels = Kernels & {
  readonly build: WasmBuild;
  readonly threads: number;
  /** bytes of WASM memory in use (it grows to the largest kernel call, then stays) */
  readonly memoryBytes: number;
  /** stops the worker threads */
  dispose(): void;
};

/**
 * A standalone set of WASM kernels with its own memory: `build` 'simd', 'relaxed' or 'auto' (relaxed where
 * supported), `threads` a count or 'auto' (the cores, at most 2, where workers and shared memory exist).
 * Tests and benchmarks compare builds and thread counts with it.
 */
export async function createWasmKernels(
  build: WasmBuild | 'auto' = 'auto',
  threads: number | 'auto' = 1,
  options: { /** split kernels with at least this much work across threads (tests set 0) */ parallelMinWork?: number } = {},
): Promise<WasmKernels> {
  const instance = await instantiateKernels(build, threads);
  return withInfo(createKernels(instance, options), instance);
}

function withInfo(kernels: Kernels, instance: WasmInstance): WasmKernels {
  return Object.defineProperties(kernels, {
    build: { value: instance.build, enumerable: true },
    threads: { value: instance.pool?.size ?? 1, enumerable: true },
    memoryBytes: { get: () => instance.arena.memoryBytes, enumerable: true },
    dispose: { value: () => instance.pool?.dispose() },
  }) as WasmKernels;
}

/** The instance behind the registered 'wasm' backend, once it has loaded. */
let current: WasmInstance | null = null;

/** Which build the registered 'wasm' backend runs, on how many threads, and its WASM memory size (null before it loads). */
export function wasmBackendInfo(): { build: WasmBuild; threads: number; memoryBytes: number } | null {
  return current && { build: current.build, threads: current.pool?.size ?? 1, memoryBytes: current.arena.memoryBytes };
}

/** Makes `instance` the registered backend's, stopping the threads of the one before. */
function use(instance: WasmInstance): Kernels {
  current?.pool?.dispose();
  current = instance;
  return createKernels(instance);
}

/**
 * (Re)loads the registered 'wasm' backend's kernels: `build` 'auto' (relaxed SIMD where supported) and
 * `threads` 'auto' (the cores, at most 2, where workers and shared memory exist) by default.
 * setBackend('wasm') loads it once with the defaults; call this to change the thread count.
 */
export async function configureWasmBackend(options: { build?: WasmBuild | 'auto'; threads?: number | 'auto' } = {}): Promise<void> {
  registerBackend('wasm', use(await instantiateKernels(options.build ?? 'auto', options.threads ?? 'auto')));
}

/** Loads the backend synchronously, for Node (see instantiateKernelsSync), where the package entry calls it at import. */
export function loadWasmBackendSync(): void {
  if (!current) registerBackend('wasm', use(instantiateKernelsSync('auto', 'auto')));
}

declare module '../engine/backend.js' {
  interface BackendNames {
    wasm: true;
  }
}

// compiled and instantiated when setBackend('wasm') (or, in browsers, tg.ready()) first asks for it
registerBackend('wasm', { load: async () => use(await instantiateKernels('auto', 'auto')) });
