// The 'webgpu' backend: the Kernels interface in WGSL (kernels.ts and the files it assembles) on a
// WebGPU device (device.ts). In a browser it runs on navigator.gpu; in Node on the optional npm package
// 'webgpu' (Dawn's bindings), imported only when setBackend('webgpu') first asks for the kernels, so
// that `npm i typegrad` stays free of it. Never the default: a user asks for it.
//
// Results stay in GPU buffers until read: `.data` on a webgpu tensor throws, naming
// `await tensor.dataAsync()`, the read that waits for the device.

import { registerBackend } from '../engine/index.js';
import { requestWebGpu, type WebGpuInfo } from './device.js';
import { createWebGpuKernels, type WebGpuKernels } from './kernels.js';

export type { WebGpuInfo };

/** The kernels behind the registered 'webgpu' backend, once it has loaded. */
let current: Partial<WebGpuKernels> | null = null;

/** Opens a WebGPU device and makes a standalone set of kernels on it (tests compare them with 'js'). */
export async function createWebGpuBackendKernels(): Promise<Partial<WebGpuKernels>> {
  return createWebGpuKernels(await requestWebGpu());
}

/**
 * What the registered 'webgpu' backend runs on (the adapter's name) and what it has done: readbacks,
 * submits, dispatches, bytes in use and pooled; null before setBackend('webgpu').
 */
export function webgpuBackendInfo(): WebGpuInfo | null {
  return current?.info?.() ?? null;
}

declare module '../engine/backend.js' {
  interface BackendNames {
    webgpu: true;
  }
}

registerBackend('webgpu', { load: async () => (current = await createWebGpuBackendKernels()) as WebGpuKernels });
