// The Kernels interface in WGSL: each file of this folder gives the kernels of one family, as a part
// of the table, and createWebGpuKernels puts the parts together on one device (device.ts).

import type { WebGpu } from './device.js';
import type { WebGpuKernels } from './index.js';
import { channelKernels } from './channel.js';
import { gemmKernels } from './gemm.js';
import { convKernels } from './conv.js';
import { poolKernels } from './pool.js';

/** The kernels with their device, for code inside typegrad (tests make kernel variants on the same device). */
export type WebGpuDeviceKernels = WebGpuKernels & { readonly gpu: WebGpu };

/**
 * The kernels on `gpu`. While the WGSL port is under way some families are missing: registerBackend
 * then refuses the table, listing them.
 */
export function createWebGpuKernels(gpu: WebGpu): Partial<WebGpuDeviceKernels> {
  return {
    ...channelKernels(gpu),
    ...gemmKernels(gpu),
    ...convKernels(gpu),
    ...poolKernels(gpu),
    gpu,
    info: () => gpu.info(),
    sync: () => gpu.sync(),
    dispose: () => gpu.destroy(),
  };
}
