// typegrad: the package entry. `import * as tg from 'typegrad'`.

export * from './engine/index.js';

// The WASM SIMD backend (kernels-wasm/): registered on import, and the default wherever WebAssembly SIMD runs.
export { configureWasmBackend, createWasmKernels, wasmBackendInfo, wasmSimdSupported, relaxedSimdSupported, type WasmBuild, type WasmKernels } from './kernels-wasm/index.js';
import { wasmSimdSupported as canRunWasmKernels } from './kernels-wasm/index.js';
import { setBackend as selectBackend } from './engine/index.js';
try {
  if (!canRunWasmKernels()) throw new Error('WebAssembly SIMD is not available here');
  await selectBackend('wasm');
} catch (e) {
  console.warn(`typegrad: using the 'js' backend (${(e as Error).message})`);
}

// The GPU backend (kernels-gl/): registered on import as 'gl'; gpu.js, an optional peer dependency, is
// loaded only by `await setBackend('gl')` (or configureGlBackend), never by importing typegrad.
export { configureGlBackend, createGlBackendKernels, glBackendInfo, type GlBackendOptions, type GlKernels, type GlMode } from './kernels-gl/index.js';

// nn toolkit (nn/), optimizers (nn/optim/), file formats (io/); save/load reach node:fs only when called.
export * as nn from './nn/index.js';
export * as optim from './nn/optim/index.js';
export * as io from './io/index.js';
export { save, load } from './io/node.js';
export * as data from './data/index.js';
export * as vis from './vis/index.js';
