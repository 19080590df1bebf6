// typegrad: the package entry. `import * as tg from 'typegrad'`.

export * from './engine/index.js';

// The WASM SIMD backend (kernels-wasm/): registered on import, and the default wherever WebAssembly SIMD runs.
export { configureWasmBackend, createWasmKernels, wasmBackendInfo, wasmSimdSupported, relaxedSimdSupported, type WasmBuild, type WasmKernels } from './kernels-wasm/index.js';
import { loadWasmBackendSync, noticeOnce, wasmSimdSupported } from './kernels-wasm/index.js';
import { loadBackend, useDefaultBackend } from './engine/index.js';

// Importing typegrad is synchronous (no top-level await), so `require('typegrad')`, Vite's default
// targets and esbuild's iife format all work. Node compiles the WASM kernels synchronously right here:
// ops run on 'wasm' from the first line. A browser's main thread refuses to compile modules over 4 KB
// synchronously, so there the engine starts on 'js' and `await tg.ready()` compiles the kernels and
// switches to 'wasm'. Ops before it run on 'js' rather than throwing: the same results, slower, and the
// switch happens where the user's code awaits it, not whenever a compile happens to finish.
const inNode = Boolean((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node);

const fallBackToJs = (e: unknown) => noticeOnce(`using the 'js' backend: the WASM kernels cannot run here (${(e as Error).message})`);

function startDefaultBackend(): Promise<void> {
  try {
    if (!wasmSimdSupported()) throw new Error('WebAssembly SIMD is not available');
    if (!inNode) return loadBackend('wasm').then(() => useDefaultBackend('wasm'), fallBackToJs);
    loadWasmBackendSync();
    useDefaultBackend('wasm');
  } catch (e) {
    fallBackToJs(e);
  }
  return Promise.resolve();
}

let defaultBackend = inNode ? startDefaultBackend() : undefined;

/**
 * Resolves when the default backend is in place: 'wasm' where WebAssembly SIMD runs (else 'js', with a
 * console notice). In Node that happens at import; in a browser, await this once before the first
 * heavy op. It never overrides a backend picked with setBackend.
 */
export function ready(): Promise<void> {
  return (defaultBackend ??= startDefaultBackend());
}

// The GPU backend (kernels-gl/): registered on import as 'gl'; gpu.js, an optional peer dependency, is
// loaded only by `await setBackend('gl')` (or configureGlBackend), never by importing typegrad.
export { configureGlBackend, createGlBackendKernels, glBackendInfo, type GlBackendOptions, type GlKernels, type GlMode } from './kernels-gl/index.js';

// The WebGPU backend (kernels-webgpu/): registered on import as 'webgpu'; it opens a device (navigator.gpu,
// or in Node the optional npm package 'webgpu') only when `await setBackend('webgpu')` first asks for it.
export { createWebGpuBackendKernels, webgpuBackendInfo, type WebGpuInfo, type WebGpuKernels } from './kernels-webgpu/index.js';

// nn toolkit (nn/), optimizers (nn/optim/), file formats (io/); save/load reach node:fs only when called.
export * as nn from './nn/index.js';
export { nllLoss, mseLoss } from './nn/functional.js'; // beside crossEntropy, as torch.nn.functional names them
export * as optim from './nn/optim/index.js';
export * as io from './io/index.js';
export { save, load } from './io/node.js';
export * as data from './data/index.js';
export * as vis from './vis/index.js';
export * as onnx from './onnx/index.js';
