// The backend equivalence suite (tests/helpers/equivalence.js) in Node: every kernel of every WASM build
// (plain SIMD and relaxed SIMD, on one thread and on two: worker threads over shared memory) and of the
// GL shaders (gpu.js's 'cpu' mode runs the same kernel functions as JavaScript; also in tiny tiles)
// against the js backend, one test per kernel; a CNN training step on the registered 'wasm' backend; and
// the suite's own checks: it covers every kernel, and it fails for a wrong one. Chromium runs the same
// suite on WebGL2 and WASM (tests/browser/gl.spec.ts).

import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as tg from '../../index.js';
import { Tensor, kernelNames, type Kernels } from '../../engine/index.js';
import { jsKernels } from '../../engine/backends/js/index.js';
import { createWasmKernels, relaxedSimdSupported, type WasmKernels } from '../../kernels-wasm/index.js';
import { createGlKernels, type GpuInstance } from '../../kernels-gl/index.js';
import { cases, checkCnnStep, checkKernel, checkKernels } from '../helpers/equivalence.js';

const check = (name: string, kernels: Kernels, options: { numRuns: number; large: boolean; nan?: boolean }) => checkKernel(name, { fc, Tensor, kernels, reference: jsKernels, ...options });

test('every kernel of the Kernels interface has an equivalence case, and every case a kernel', async () => {
  expect(Object.keys(cases).sort()).toEqual([...kernelNames].sort());
  // and the runner reports a kernel that has none
  const failures = await checkKernels({ fc, Tensor, kernels: jsKernels, reference: jsKernels, kernelNames: [...kernelNames, 'fused'], numRuns: 1 });
  expect(failures).toEqual(['fused: no equivalence case (add one to tests/helpers/equivalence.js)']);
});

test('the suite fails for a kernel that is wrong in one element, naming it, the element and the seed', async () => {
  const broken: Kernels = {
    ...jsKernels,
    avgPool2dBackward: (g, p) => {
      const right = jsKernels.avgPool2dBackward(g, p);
      return new Tensor(right.data.map((v, i) => (i === right.size - 1 ? v + 0.01 : v)), right.shape);
    },
  };
  expect(await check('avgPool2d', broken, { numRuns: 20, large: false })).toBeNull();
  expect(await check('avgPool2dBackward', broken, { numRuns: 20, large: false })).toMatch(/^avgPool2dBackward: .*element \d+ is .*the js backend gives .*seed: -?\d+/s);
});

const builds: Array<{ name: 'simd' | 'relaxed'; threads: number; kernels?: WasmKernels }> = [
  { name: 'simd', threads: 1 },
  { name: 'relaxed', threads: 1 },
  { name: 'simd', threads: 2 },
  { name: 'relaxed', threads: 2 },
];

describe.each(builds)('the wasm $name build on $threads thread(s) equals js', (build) => {
  beforeAll(async () => {
    // on two threads every kernel is split, however small, so that the cases exercise the splitting
    if (build.name === 'simd' || (await relaxedSimdSupported())) build.kernels = await createWasmKernels(build.name, build.threads, { parallelMinWork: 0 });
  });
  afterAll(() => build.kernels?.dispose());

  test.each(kernelNames)('%s', async (name) => {
    if (!build.kernels) throw new Error(`the ${build.name} build does not run on this engine`);
    expect(await check(name, build.kernels, { numRuns: 30, large: true })).toBeNull();
  }, 300_000); // the js reference of the large convolutions takes seconds on a loaded machine
});

test("a CNN training step on the registered 'wasm' backend has js's loss and gradients", async () => {
  try {
    expect(await checkCnnStep({ tg, backend: 'wasm' })).toEqual([]);
    expect(tg.wasmBackendInfo()?.build).toMatch(/simd|relaxed/);
  } finally {
    await tg.setBackend('js');
  }
});

// gpu.js is an optional peer dependency: a checkout installed with --omit=dev has none
const GPU = (() => {
  try {
    return (createRequire(import.meta.url)('gpu.js') as { GPU: new (s: { mode: string }) => GpuInstance }).GPU;
  } catch {
    return null;
  }
})();
if (!GPU) console.warn('tests/backends: skipping the GL shaders: gpu.js is not installed');

// The shaders do not carry NaN (GLSL leaves comparisons with NaN undefined): gl's relu(NaN) is 0 and its
// max pooling passes over a NaN, where js (and PyTorch) give NaN. The cases leave NaN out for gl.
describe.skipIf(!GPU).each([
  { tiles: 'whole outputs', maxTileElements: undefined },
  { tiles: 'tiles of 7 elements', maxTileElements: 7 },
])('the GL shaders in gpu.js cpu mode, $tiles, equal js', ({ maxTileElements }) => {
  const kernels = GPU ? createGlKernels(new GPU({ mode: 'cpu' }), { maxTileElements }) : null;
  test.each(kernelNames)('%s', async (name) => {
    expect(await check(name, kernels!, { numRuns: 20, large: false, nan: false })).toBeNull();
  }, 300_000);
});
