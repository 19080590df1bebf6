// The second round of issue 16's layers on the GL backend's shaders, run by gpu.js in its 'cpu' mode (the
// same kernel functions as JavaScript; real WebGL runs only in Chromium): output and the gradients of
// every input equal the 'js' backend's (tests/helpers/layers2-cases.ts). The ops are composed of existing
// kernels and ops, so this checks what they hand the GL shaders: interpolation matrices, a height of 1,
// depth slices folded into the batch, the renormalised table written back with copy_.

import { afterAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { registerGlShadersOnCpu } from '../helpers/gpujs.js';
import { layers2Cases } from '../helpers/layers2-cases.js';
import { runSpatialCase } from '../helpers/spatial-cases.js';
import { difference } from '../helpers/values.js';

const glShadersRun = registerGlShadersOnCpu('tests/gl/layers2.test.ts', { maxTileElements: 7 });
afterAll(() => tg.setBackend('js'));

describe.skipIf(!glShadersRun)("the second round of layers on the GL shaders (gpu.js cpu mode, tiles of 7 elements) has js's outputs and gradients", () => {
  test.each(layers2Cases)('%s', async (name, op, shapes) => {
    const want = await runSpatialCase('js', op, shapes);
    const got = await runSpatialCase('glShadersOnCpu', op, shapes);
    got.forEach((t, i) => expect(difference(`${name}: ${i === 0 ? 'output' : `gradient of input ${i - 1}`}`, t, want[i])).toBeNull());
  }, 120_000);
});
