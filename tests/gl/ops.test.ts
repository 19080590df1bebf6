// The tensor ops of issue 16 through the gl shaders (gpu.js's 'cpu' mode runs the same kernel functions
// as JavaScript, as in tests/backends/equivalence.test.ts; real WebGL2 runs the kernels' equivalence
// cases in tests/browser/gl.spec.ts): forward and input gradients equal js's, op by op.

import { createRequire } from 'node:module';
import { afterAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { createGlKernels, type GpuInstance } from '../../kernels-gl/index.js';
import { difference } from '../helpers/values.js';
import { runOp, tensorOps } from '../helpers/tensor-ops.js';

// the test backend's name, declared as a user registering a backend would
declare module '../../engine/backend.js' {
  interface BackendNames {
    glShadersOnCpu: true;
  }
}

// gpu.js is an optional peer dependency: a checkout installed with --omit=dev has none
const GPU = (() => {
  try {
    return (createRequire(import.meta.url)('gpu.js') as { GPU: new (s: { mode: string }) => GpuInstance }).GPU;
  } catch {
    return null;
  }
})();
if (!GPU) console.warn('tests/gl/ops: skipping: gpu.js is not installed');
else tg.registerBackend('glShadersOnCpu', createGlKernels(new GPU({ mode: 'cpu' })));

afterAll(() => tg.setBackend('js'));

describe.skipIf(!GPU)('the tensor ops through the gl shaders equal js', () => {
  test.each(tensorOps)('%s', async (name, inputs, f) => {
    const want = await runOp('js', inputs, f);
    const got = await runOp('glShadersOnCpu', inputs, f);
    got.forEach((t, k) => expect(difference(`${name} ${k === 0 ? 'output' : `gradient of input ${k - 1}`}`, t, want[k])).toBeNull());
  });
});
