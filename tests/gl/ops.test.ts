// The tensor ops of issue 16 through the gl shaders (gpu.js's 'cpu' mode runs the same kernel functions
// as JavaScript, as in tests/backends/equivalence.test.ts; real WebGL2 runs the kernels' equivalence
// cases in tests/browser/gl.spec.ts): forward and input gradients equal js's, op by op.

import { afterAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { registerGlShadersOnCpu } from '../helpers/gpujs.js';
import { difference } from '../helpers/values.js';
import { runOp, tensorOps } from '../helpers/tensor-ops.js';

const glShadersRun = registerGlShadersOnCpu('tests/gl/ops.test.ts');
afterAll(() => tg.setBackend('js'));

describe.skipIf(!glShadersRun)('the tensor ops through the gl shaders equal js', () => {
  test.each(tensorOps)('%s', async (name, inputs, f) => {
    const want = await runOp('js', inputs, f);
    const got = await runOp('glShadersOnCpu', inputs, f);
    got.forEach((t, k) => expect(difference(`${name} ${k === 0 ? 'output' : `gradient of input ${k - 1}`}`, t, want[k])).toBeNull());
  });
});
