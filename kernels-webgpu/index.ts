// The 'webgpu' backend: the Kernels interface in WGSL (kernels.ts and the files it assembles) on a
// WebGPU device (device.ts). In a browser it runs on navigator.gpu; in Node on the optional npm package
// 'webgpu' (Dawn's bindings), imported only when setBackend('webgpu') first asks for the kernels, so
// that `npm i typegrad` stays free of it. Never the default: a user asks for it.
//
// Results stay in GPU buffers until read: `.data` on a webgpu tensor throws, naming
// `await tensor.dataAsync()`, the read that waits for the device.

import { registerBackend, type Kernels } from '../engine/index.js';
import { requestWebGpu } from './device.js';
import { createWebGpuKernels } from './kernels.js';

// The types of this file name no WebGPU type (GPUBuffer …), so that typegrad's declarations type-check
// for users without @webgpu/types; device.ts and the kernels use them internally.

export interface WebGpuInfo {
  /** the adapter's vendor, architecture and description, as it names itself */
  adapter: string;
  /** results read back to the CPU so far (dataAsync) */
  readbacks: number;
  /** command buffers submitted so far */
  submits: number;
  /** kernels dispatched so far */
  dispatches: number;
  /** bytes in buffers held by live tensors or queued work */
  bytesInUse: number;
  /** bytes in buffers waiting in the pool for reuse */
  bytesPooled: number;
}

/** A set of webgpu kernels and the controls of their device. */
export type WebGpuKernels = Kernels & {
  /** what the kernels run on and how much they have read back, submitted and kept */
  info(): WebGpuInfo;
  /** resolves when every kernel queued so far has run */
  sync(): Promise<void>;
  /** frees the device; tensors these kernels made and nobody has read lose their values */
  dispose(): void;
};

/** The kernels behind the registered 'webgpu' backend, once it has loaded. */
let current: WebGpuKernels | null = null;

/** Opens a WebGPU device and makes a standalone set of kernels on it (tests compare them with 'js'). */
export async function createWebGpuBackendKernels(): Promise<WebGpuKernels> {
  return createWebGpuKernels(await requestWebGpu());
}

/**
 * What the registered 'webgpu' backend runs on (the adapter's name) and what it has done: readbacks,
 * submits, dispatches, bytes in use and pooled; null before setBackend('webgpu').
 */
export function webgpuBackendInfo(): WebGpuInfo | null {
  return current?.info() ?? null;
}

declare module '../engine/backend.js' {
  interface BackendNames {
    webgpu: true;
  }
}

registerBackend('webgpu', { load: async () => (current = await createWebGpuBackendKernels()) });
