// Loads one of the two builds of the AssemblyScript kernels and manages its memory.
//
// Which build: the relaxed-SIMD one (fused multiply-add) where the engine accepts it, else plain SIMD.
// Node 20 (V8 11.3) knows relaxed SIMD only behind --experimental-wasm-relaxed-simd; we set that flag
// before compiling, in Node only (no `node:` import is reachable in a browser).
//
// Threads: with threads > 1 the module is the "-threads" build of the same code on an imported shared
// memory, and a ThreadPool (threads.ts) runs parts of each kernel on worker threads.
//
// Two ways to load: instantiateKernelsSync compiles with `new WebAssembly.Module`, allowed in Node (the
// package entry uses it at import); instantiateKernels compiles asynchronously, as a browser's main
// thread requires for modules over 4 KB.
//
// Memory: the module's memory holds, below dynamicBase(), the GEMM packing buffers; above it, each
// kernel call lays out its operands, result and im2col scratch from the same start (Arena.reset), so a
// training run's memory grows to the largest call and then stays flat.

import { SizeLimitError } from '../engine/index.js';
import { relaxedThreadsWasmBase64, relaxedWasmBase64, simdThreadsWasmBase64, simdWasmBase64 } from './generated/binaries.js';
import { nodeBuiltin } from '../engine/node.js';
import { ThreadPool, availableThreads, singleThreadReason } from './threads.js';

export type WasmBuild = 'simd' | 'relaxed';

/** The exports of kernels-wasm/assembly/index.ts (pointers are byte offsets, sizes in floats). */
export interface WasmExports {
  memory: WebAssembly.Memory;
  dynamicBase(): number;
  scratchBytes(): number;
  setScratch(ptr: number): void;
  hasRelaxedSimd(): number;
  gemm(m: number, n: number, k: number, a: number, lda: number, transA: number, b: number, ldb: number, transB: number, c: number, ldc: number, accumulate: number): void;
  gemmBatched(batch: number, m: number, n: number, k: number, a: number, strideA: number, transA: number, b: number, strideB: number, transB: number, c: number): void;
  conv2dForward(params: number, x: number, w: number, bias: number, y: number, col: number): void;
  conv2dBackwardInput(params: number, gy: number, w: number, gx: number, gcol: number): void;
  conv2dBackwardWeight(params: number, gy: number, x: number, gw: number, col: number): void;
  /** floats of im2col scratch the conv kernels need for the params at `params` */
  colFloats(params: number): number;
  maxPool2d(params: number, x: number, out: number, indices: number): void;
  maxPool2dBackward(params: number, gy: number, indices: number, gx: number): void;
  avgPool2d(params: number, x: number, out: number): void;
  avgPool2dBackward(params: number, gy: number, gx: number): void;
  relu(x: number, out: number, n: number): void;
  reluBackward(g: number, y: number, out: number, n: number): void;
  biasAdd(x: number, bias: number, out: number, outer: number, channels: number, inner: number): void;
  biasGrad(g: number, out: number, outer: number, channels: number, inner: number): void;
  batchNormStats(x: number, out: number, outer: number, channels: number, inner: number): void;
  batchNormForward(x: number, coef: number, out: number, outer: number, channels: number, inner: number): void;
  batchNormGradSums(g: number, x: number, coef: number, out: number, outer: number, channels: number, inner: number): void;
  batchNormBackward(g: number, x: number, coef: number, out: number, outer: number, channels: number, inner: number): void;
  binaryArith(op: number, a: number, aScalar: boolean, b: number, bScalar: boolean, out: number, n: number): void;
  randomFill(out: number, n: number, k0: number, k1: number, counter: number, bernoulli: boolean, p: number, value: number): void;
  adamStep(p: number, g: number, m: number, v: number, vMax: number, n: number, stepSize: number, bc2Sqrt: number, beta1: number, beta2: number, eps: number, decay: number, l2: number, maximize: boolean): void;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text); // a global in browsers and in Node >= 16
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

const sources: Record<string, string> = {
  simd: simdWasmBase64,
  relaxed: relaxedWasmBase64,
  'simd-threads': simdThreadsWasmBase64,
  'relaxed-threads': relaxedThreadsWasmBase64,
};
const decoded = new Map<string, Uint8Array<ArrayBuffer>>();
const bytesOf = (build: WasmBuild, threads = false) => {
  const name = threads ? `${build}-threads` : build;
  let bytes = decoded.get(name);
  if (!bytes) decoded.set(name, (bytes = decodeBase64(sources[name])));
  return bytes;
};

/** Whether this JS engine runs WebAssembly with 128-bit SIMD (the plain build validates). */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytesOf('simd'));
  } catch {
    return false;
  }
}

/** In Node only: turn on V8's relaxed-SIMD flag (needed by Node 20; harmless where it is already on). */
function enableRelaxedSimdInNode(): void {
  nodeBuiltin<{ setFlagsFromString(flags: string): void }>('node:v8')?.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/** Whether the relaxed build can run here (in Node 20 after setting the flag). */
export function relaxedSimdSupported(): boolean {
  if (!wasmSimdSupported()) return false;
  if (WebAssembly.validate(bytesOf('relaxed'))) return true;
  enableRelaxedSimdInNode();
  return WebAssembly.validate(bytesOf('relaxed'));
}

/** Messages already printed by noticeOnce. */
const noticed = new Set<string>();

/** A console notice printed once per process or page: for fallbacks that cost speed, not results. */
export function noticeOnce(message: string): void {
  if (noticed.has(message)) return;
  noticed.add(message);
  console.warn(`typegrad: ${message}`);
}

/**
 * The most bytes a module's own memory may grow to: 2 GiB, not wasm32's 4 GiB, because the host code
 * (kernels.ts) turns byte pointers into array offsets with `ptr >> 2`, a signed 32-bit shift.
 */
export const OWN_MEMORY_LIMIT = 2 ** 31;

/** Pages of the shared memory of the -threads builds (asconfig.json declares the same maximum): 1 GiB. */
const SHARED_MEMORY_PAGES = { initial: 80, maximum: 16384 };

const formatMiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Bump allocation above dynamicBase(); every kernel call starts again from the bottom. */
export class Arena {
  readonly #exports: WasmExports;
  readonly #base: number;
  readonly #limit: number;
  #top: number;
  #f32: Float32Array;

  /** `limit`: the bytes the memory can grow to (commit refuses more before trying to grow). */
  constructor(exports: WasmExports, base = exports.dynamicBase(), limit = OWN_MEMORY_LIMIT) {
    this.#exports = exports;
    this.#base = base;
    this.#limit = limit;
    this.#top = this.#base;
    this.#f32 = new Float32Array(exports.memory.buffer);
  }

  /** Forgets every earlier allocation (the previous kernel's buffers are dead once its result is copied out). */
  reset(): void {
    this.#top = this.#base;
  }

  /** Reserves `floats` floats, 64-byte aligned; returns the byte pointer. Call `commit` before touching them. */
  alloc(floats: number): number {
    const ptr = this.#top;
    this.#top += Math.ceil((floats * 4) / 64) * 64;
    return ptr;
  }

  /** Grows the memory to hold every allocation so far; `what` names the kernel and sizes for the error. Returns a fresh view. */
  commit(what: string): Float32Array {
    const memory = this.#exports.memory;
    if (this.#top > this.#limit) {
      throw new SizeLimitError(
        `${what}: needs ${formatMiB(this.#top)} of WASM memory, over the ${formatMiB(this.#limit)} its heap can hold (use a smaller batch, or the 'js' backend)`,
      );
    }
    const need = this.#top - memory.buffer.byteLength;
    if (need > 0) {
      const pages = Math.ceil(need / 65536);
      try {
        memory.grow(pages);
      } catch (e) {
        throw new SizeLimitError(`${what}: needs ${formatMiB(this.#top)} of WASM memory, more than can be allocated (${(e as Error).message})`);
      }
    }
    if (this.#f32.buffer !== memory.buffer) this.#f32 = new Float32Array(memory.buffer);
    return this.#f32;
  }

  /** Bytes of WASM memory in use (grows only). */
  get memoryBytes(): number {
    return this.#exports.memory.buffer.byteLength;
  }
}

export interface WasmInstance {
  build: WasmBuild;
  exports: WasmExports;
  arena: Arena;
  /** worker threads sharing the memory (size 1: none) */
  pool: ThreadPool | null;
}

/** 64-byte aligned */
const align = (n: number) => Math.ceil(n / 64) * 64;

/** The build and thread count to load, checked ('auto' build: relaxed where supported; 'auto' threads: the cores, at most 2). */
function plan(build: WasmBuild | 'auto', threads: number | 'auto'): { chosen: WasmBuild; n: number } {
  if (!wasmSimdSupported()) throw new Error('kernels-wasm: this JS engine does not support WebAssembly SIMD');
  const relaxed = relaxedSimdSupported();
  if (build === 'relaxed' && !relaxed) throw new Error('kernels-wasm: the relaxed-SIMD build does not validate on this JS engine');
  const chosen: WasmBuild = build === 'auto' ? (relaxed ? 'relaxed' : 'simd') : build;
  const possible = availableThreads(Number.MAX_SAFE_INTEGER);
  if (threads === 'auto') {
    const reason = possible === 1 && singleThreadReason();
    if (reason) noticeOnce(`the WASM kernels run on one thread: ${reason}`);
    return { chosen, n: Math.min(2, possible) };
  }
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`kernels-wasm: threads must be a positive integer or 'auto', got ${threads}`);
  if (threads > 1 && possible === 1) throw new Error('kernels-wasm: threads need SharedArrayBuffer and workers (in a browser: a cross-origin isolated page)');
  return { chosen, n: threads };
}

/**
 * Compiles and instantiates one build on `threads` threads, asynchronously (see plan for 'auto'). With
 * 'auto' threads, where workers cannot start (a strict CSP, say), it runs on this thread.
 */
export async function instantiateKernels(build: WasmBuild | 'auto' = 'auto', threads: number | 'auto' = 1): Promise<WasmInstance> {
  const { chosen, n } = plan(build, threads);
  if (n === 1) return ownMemory(chosen, (await WebAssembly.instantiate(bytesOf(chosen), {})).instance);
  const module = await WebAssembly.compile(bytesOf(chosen, true));
  const memory = new WebAssembly.Memory({ ...SHARED_MEMORY_PAGES, shared: true });
  const loaded = sharedMemory(chosen, module, await WebAssembly.instantiate(module, { env: { memory } }), memory, n);
  try {
    await loaded.pool!.ready;
    return loaded;
  } catch (e) {
    loaded.pool!.dispose();
    if (threads !== 'auto') throw e;
    noticeOnce(`the WASM kernels run on one thread: worker threads did not start (${(e as Error).message})`);
    return ownMemory(chosen, (await WebAssembly.instantiate(bytesOf(chosen), {})).instance);
  }
}

/**
 * The same, compiled synchronously: only where `new WebAssembly.Module` of a large module is allowed
 * (Node, workers; not a browser's main thread). Worker threads start in the background.
 */
export function instantiateKernelsSync(build: WasmBuild | 'auto' = 'auto', threads: number | 'auto' = 1): WasmInstance {
  const { chosen, n } = plan(build, threads);
  if (n === 1) return ownMemory(chosen, new WebAssembly.Instance(new WebAssembly.Module(bytesOf(chosen)), {}));
  const module = new WebAssembly.Module(bytesOf(chosen, true));
  const memory = new WebAssembly.Memory({ ...SHARED_MEMORY_PAGES, shared: true });
  const loaded = sharedMemory(chosen, module, new WebAssembly.Instance(module, { env: { memory } }), memory, n);
  loaded.pool!.ready.catch((e: Error) => {
    loaded.pool!.dispose();
    noticeOnce(`the WASM kernels run on one thread: worker threads did not start (${e.message})`);
  });
  return loaded;
}

function ownMemory(chosen: WasmBuild, instance: WebAssembly.Instance): WasmInstance {
  const exports = instance.exports as unknown as WasmExports;
  const arena = new Arena(exports);
  arena.commit('kernels-wasm: scratch'); // the packing buffers below dynamicBase()
  return { build: chosen, exports, arena, pool: null };
}

/** An instance of a -threads build on its shared memory, with a pool of n threads. */
function sharedMemory(chosen: WasmBuild, module: WebAssembly.Module, instance: WebAssembly.Instance, memory: WebAssembly.Memory, n: number): WasmInstance {
  const exports = { ...(instance.exports as unknown as WasmExports), memory };
  // each worker's packing scratch sits between dynamicBase() and the arena
  const base = align(exports.dynamicBase());
  const scratch = Array.from({ length: n - 1 }, (_, i) => base + i * align(exports.scratchBytes()));
  const arena = new Arena(exports, base + (n - 1) * align(exports.scratchBytes()), SHARED_MEMORY_PAGES.maximum * 65536);
  arena.commit('kernels-wasm: scratch');
  const pool = new ThreadPool(module, memory, exports as unknown as Record<string, (...a: number[]) => void>, scratch);
  return { build: chosen, exports, arena, pool };
}
