// The GL backend in Node, beyond equivalence with js (the shaders in gpu.js's 'cpu' mode against js are
// in tests/backends/equivalence.test.ts; real WebGL runs only in Chromium, tests/browser/):
//  - a kernel that gpu.js moved to its CPU fallback is an error, never a quiet result;
//  - setBackend('gl') without headless-gl fails with a message saying what to install;
//  - opt-in, on real headless-gl: every kernel equals js.

import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Tensor, getBackend, kernelNames, setBackend } from '../../engine/index.js';
import { jsKernels } from '../../engine/backends/js/index.js';
import { configureGlBackend, createGlBackendKernels, createGlKernels, glBackendInfo, type GpuConstructor, type GpuInstance } from '../../kernels-gl/index.js';
import { checkKernels } from '../helpers/equivalence.js';

// gpu.js is an optional peer dependency: a checkout installed with --omit=dev has none
const hasGpuJs = (() => {
  try {
    createRequire(import.meta.url).resolve('gpu.js');
    return true;
  } catch {
    return false;
  }
})();

test("a kernel that gpu.js quietly moved to its CPU fallback throws, naming the kernel and gpu.js's reason", () => {
  // gpu.js on a GPU hands back textures; its CPU fallback hands back arrays (and records why)
  const fellBack = Object.assign(() => Float32Array.of(0.5), {
    setOutput: () => fellBack,
    fallbackReason: 'argument "X" of type Float32Array is not supported by WebGL2Kernel',
  });
  const gpu: GpuInstance = { mode: 'webgl2', createKernel: () => fellBack, destroy() {} };
  const kernels = createGlKernels(gpu);
  expect(() => kernels.relu(new Tensor(Float32Array.of(0.5), [1]))).toThrow(
    'gl backend: gpu.js ran the relu kernel on its CPU fallback instead of webgl2: argument "X" of type Float32Array is not supported by WebGL2Kernel',
  );
});

test("setBackend('gl') in Node without headless-gl fails, saying what to install, and keeps the backend", async () => {
  const before = getBackend();
  await expect(setBackend('gl')).rejects.toThrow(hasGpuJs ? /headless-gl is not available.*npm install gpu\.js gl.*xvfb-run/s : /gpu\.js is not installed/);
  expect(getBackend()).toBe(before);
  expect(glBackendInfo()).toBeNull();
});

// Opt-in: real headless-gl in Node. typegrad's own install stubs out the native `gl` package, so point
// TYPEGRAD_GPUJS at a gpu.js installed with real gl (`npm i gpu.js` in a scratch folder after the apt
// packages of kernels-gl/README.md) and run under xvfb-run:
//   TYPEGRAD_GPUJS=/tmp/nodegl/node_modules/gpu.js xvfb-run -a npx vitest run tests/gl
const nodeGpuPath = process.env.TYPEGRAD_GPUJS;
if (!nodeGpuPath) console.warn('tests/gl: skipping the headless-gl tests: set TYPEGRAD_GPUJS to a gpu.js installed with the native gl package');

describe.skipIf(!nodeGpuPath)('gl backend on headless-gl in Node', () => {
  test('every kernel equals js, and setBackend(gl) runs on headlessgl', async () => {
    const { GPU: RealGPU } = createRequire(import.meta.url)(nodeGpuPath!) as { GPU: GpuConstructor };
    const kernels = await createGlBackendKernels({ GPU: RealGPU });
    expect(kernels.mode).toBe('headlessgl');
    // NaN stays out of the inputs, as for gpu.js's cpu mode (tests/backends/equivalence.test.ts says why)
    expect(await checkKernels({ fc, Tensor, kernels, reference: jsKernels, kernelNames, numRuns: 25, nan: false })).toEqual([]);
    await configureGlBackend({ GPU: RealGPU });
    await setBackend('gl');
    expect(glBackendInfo()?.mode).toBe('headlessgl');
    await setBackend('js');
  }, 120_000);
});
