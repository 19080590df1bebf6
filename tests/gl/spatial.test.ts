// The spatial ops on the GL backend's shaders, run by gpu.js in its 'cpu' mode (the same kernel functions
// as JavaScript; real WebGL runs only in Chromium): output and the gradients of every input equal the
// 'js' backend's (tests/helpers/spatial-cases.ts). The ops run on existing kernels, so this checks the
// parameters they hand the GL shaders: a transposed conv's output padding, a height of 1, float32 ids.

import { afterAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { registerGlShadersOnCpu } from '../helpers/gpujs.js';
import { runSpatialCase, spatialCases } from '../helpers/spatial-cases.js';
import { difference } from '../helpers/values.js';

const glShadersRun = registerGlShadersOnCpu('tests/gl/spatial.test.ts', { maxTileElements: 7 });
afterAll(() => tg.setBackend('js'));

describe.skipIf(!glShadersRun)("the spatial ops on the GL shaders (gpu.js cpu mode, tiles of 7 elements) have js's outputs and gradients", () => {
  test.each(spatialCases)('%s', async (name, op, shapes) => {
    const want = await runSpatialCase('js', op, shapes);
    const got = await runSpatialCase('glShadersOnCpu', op, shapes);
    got.forEach((t, i) => expect(difference(`${name}: ${i === 0 ? 'output' : `gradient of input ${i - 1}`}`, t, want[i])).toBeNull());
  }, 120_000);
});
