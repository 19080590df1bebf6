// The WebGPU device of the Node tests: Dawn's bindings (npm 'webgpu', a dev dependency) on SwiftShader's
// Vulkan driver, which Debian's chromium package installs (.ci/run installs chromium and libvulkan1).
// Without an adapter the webgpu tests skip, printing why; under CI=true they fail instead.

import { existsSync } from 'node:fs';
import { createWebGpuBackendKernels } from '../../kernels-webgpu/index.js';
import type { WebGpuDeviceKernels } from '../../kernels-webgpu/kernels.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// Vulkan's loader reads this when Dawn creates its instance, so setting it here, before, is enough
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

/** Kernels on a fresh device, or the reason there is none (thrown under CI=true, where skipping would hide it). */
export async function webgpuKernelsForTests(file: string): Promise<{ kernels: WebGpuDeviceKernels | null; reason: string | null }> {
  try {
    return { kernels: (await createWebGpuBackendKernels()) as WebGpuDeviceKernels, reason: null };
  } catch (e) {
    const reason = `${file}: no WebGPU adapter (${(e as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true the webgpu tests must run`);
    console.warn(`skipping the webgpu tests: ${reason}`);
    return { kernels: null, reason };
  }
}
