// The Kernels interface in WGSL: each file of this folder gives the kernels of one family, as a part
// of the table, and createWebGpuKernels puts the parts together on one device (device.ts).

import type { Kernels } from '../engine/kernels.js';
import { type WebGpu, type WebGpuInfo } from './device.js';
import { channelKernels } from './channel.js';
import { elementwiseKernels } from './elementwise.js';
import { reduceKernels } from './reduce.js';
import { movementKernels } from './movement.js';
import { softmaxKernels } from './softmax.js';
import { batchNormKernels } from './batchnorm.js';
import { optimKernels } from './optim.js';
import { randomKernels } from './random.js';

export type WebGpuKernels = Kernels & {
  readonly gpu: WebGpu;
  /** what the kernels run on and how much they have read back, submitted and kept */
  info(): WebGpuInfo;
  sync(): Promise<void>;
  /** frees the device; tensors these kernels made and nobody has read lose their values */
  dispose(): void;
};

/**
 * The kernels on `gpu`. While the WGSL port is under way some families are missing: registerBackend
 * then refuses the table, listing them.
 */
export function createWebGpuKernels(gpu: WebGpu): Partial<WebGpuKernels> {
  return {
    ...channelKernels(gpu),
    ...elementwiseKernels(gpu),
    ...reduceKernels(gpu),
    ...softmaxKernels(gpu),
    ...movementKernels(gpu),
    ...batchNormKernels(gpu),
    ...optimKernels(gpu),
    ...randomKernels(gpu),
    gpu,
    info: () => gpu.info(),
    sync: () => gpu.sync(),
    dispose: () => gpu.destroy(),
  };
}
