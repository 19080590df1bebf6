// The 'wasm' backend: AssemblyScript SIMD kernels (kernels-wasm/assembly/) behind the Kernels interface.
// Importing this module registers it; `await setBackend('wasm')` compiles and instantiates it, with
// worker threads where the platform has them (threads.ts). In Node the package entry loads it
// synchronously at import instead (loadWasmBackendSync).

import { registerBackend, kernelNames, type Kernels } from '../engine/index.js';
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

/** Which build the registered 'wasm' backend runs, on how many threads, and its WASM memory size (null before setBackend('wasm')). */
export function wasmBackendInfo(): { build: WasmBuild; threads: number; memoryBytes: number } | null {
  return loaded && { build: loaded.instance.build, threads: loaded.instance.pool?.size ?? 1, memoryBytes: loaded.instance.arena.memoryBytes };
}

function notReady(): never {
  throw new Error("wasm backend: not loaded yet; call `await setBackend('wasm')` first");
}

// Every kernel forwards to the loaded instance; setBackend('wasm') runs setup once before any is used.
const wasmKernels = Object.fromEntries(
  kernelNames.map((name) => [name, (...args: unknown[]) => ((loaded?.kernels ?? notReady())[name] as (...a: unknown[]) => unknown)(...args)]),
) as unknown as Kernels;

/**
 * (Re)loads the registered 'wasm' backend's kernels: `build` 'auto' (relaxed SIMD where supported) and
 * `threads` 'auto' (the cores, at most 2, where workers and shared memory exist) by default.
 * setBackend('wasm') calls it once; call it again to change the thread count.
 */
export async function configureWasmBackend(options: { build?: WasmBuild | 'auto'; threads?: number | 'auto' } = {}): Promise<void> {
  use(await instantiateKernels(options.build ?? 'auto', options.threads ?? 'auto'));
}

let loading: Promise<void> | null = null;

/** Loads the registered backend's kernels once, with the defaults: what setBackend('wasm') and, in browsers, tg.ready() wait for. */
export function loadWasmBackend(): Promise<void> {
  if (loaded) return Promise.resolve();
  return (loading ??= configureWasmBackend().finally(() => (loading = null)));
}

/** loadWasmBackend, synchronously: for Node (see instantiateKernelsSync), where the package entry calls it at import. */
export function loadWasmBackendSync(): void {
  if (!loaded) use(instantiateKernelsSync('auto', 'auto'));
}

function use(instance: WasmInstance): void {
  loaded?.instance.pool?.dispose();
  loaded = { instance, kernels: createKernels(instance) };
}

declare module '../engine/backend.js' {
  interface BackendNames {
    wasm: true;
  }
}

registerBackend('wasm', wasmKernels, { setup: loadWasmBackend });
