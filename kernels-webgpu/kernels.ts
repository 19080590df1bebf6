// The Kernels interface in WGSL: each file of this folder gives the kernels of one family, as a part
// of the table, and createWebGpuKernels puts the parts together on one device (device.ts).

import type { Kernels } from '../engine/kernels.js';
import type { WebGpu } from './device.js';
import type { WebGpuKernels } from './index.js';
import { channelKernels } from './channel.js';
import { gemmKernels } from './gemm.js';
import { convKernels } from './conv.js';
import { poolKernels } from './pool.js';
import { elementwiseKernels } from './elementwise.js';
import { reduceKernels } from './reduce.js';
import { movementKernels } from './movement.js';
import { softmaxKernels } from './softmax.js';
import { batchNormKernels } from './batchnorm.js';
import { optimKernels } from './optim.js';
import { randomKernels } from './random.js';

/** The kernels with their device, for code inside typegrad (tests make kernel variants on the same device). */
export type WebGpuDeviceKernels = WebGpuKernels & { readonly gpu: WebGpu };

/** Every kernel of the interface on `gpu`, with the device's controls. */
export function createWebGpuKernels(gpu: WebGpu): WebGpuDeviceKernels {
  const kernels: Kernels = {
    ...channelKernels(gpu),
    ...gemmKernels(gpu),
    ...convKernels(gpu),
    ...poolKernels(gpu),
    ...elementwiseKernels(gpu),
    ...reduceKernels(gpu),
    ...softmaxKernels(gpu),
    ...movementKernels(gpu),
    ...batchNormKernels(gpu),
    ...optimKernels(gpu),
    ...randomKernels(gpu),
  };
  return { ...kernels, gpu, info: () => gpu.info(), sync: () => gpu.sync(), dispose: () => gpu.destroy() };
}
