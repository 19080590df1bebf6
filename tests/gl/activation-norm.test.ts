// Issue 16's activations and normalizations through the GL shaders (gpu.js's 'cpu' mode runs the same
// kernel functions as JavaScript; real WebGL runs only in Chromium): each op's forward and gradients equal
// js's. The ops are composites of kernels, so this checks that they call nothing gl lacks.

import { afterAll, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { registerGlShadersOnCpu } from '../helpers/gpujs.js';
import { difference, randomValues } from '../helpers/values.js';

const glShadersRun = registerGlShadersOnCpu('tests/gl/activation-norm.test.ts');
afterAll(() => tg.setBackend('js'));

const values = (shape: number[], seed: number, scale = 1) => new tg.Tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed).map((v) => v * scale), shape);
const x4 = (scale = 3) => values([2, 4, 3, 3], 1, scale);

const cases: Array<[string, () => Tensor[], (...xs: Tensor[]) => Tensor]> = [
  ['prelu', () => [x4(), values([4], 2)], tg.prelu],
  ['elu, selu, celu', () => [x4()], (x) => tg.elu(x, 0.7).add(tg.selu(x)).add(tg.celu(x, 1.5))],
  ['silu, mish, softsign', () => [x4()], (x) => tg.silu(x).add(tg.mish(x)).add(tg.softsign(x))],
  ['hardswish, hardsigmoid', () => [x4(10)], (x) => tg.hardswish(x).add(tg.hardsigmoid(x))],
  ['softmin', () => [x4()], (x) => tg.softmin(x, 1)],
  ['layerNorm', () => [x4(), values([3, 3], 3), values([3, 3], 4)], (x, w, b) => tg.layerNorm(x, [3, 3], w, b)],
  ['groupNorm', () => [x4(), values([4], 5), values([4], 6)], (x, w, b) => tg.groupNorm(x, 2, w, b)],
  ['instanceNorm', () => [x4(), values([4], 7), values([4], 8)], (x, w, b) => tg.instanceNorm(x, null, null, w, b)],
  ['localResponseNorm', () => [x4()], (x) => tg.localResponseNorm(x, 3, 0.5, 0.75, 2)],
];

async function run(backend: tg.BackendName, inputs: () => Tensor[], f: (...xs: Tensor[]) => Tensor): Promise<Tensor[]> {
  await tg.setBackend(backend);
  const leaves = inputs().map((t) => t.setRequiresGrad());
  const out = f(...leaves);
  out.backward(values([...out.shape], 99));
  return Promise.all([out, ...leaves.map((t) => t.grad!)].map(async (t) => new tg.Tensor(Float32Array.from(await t.dataAsync()), t.shape)));
}

test.skipIf(!glShadersRun).each(cases)('%s: forward and gradients on the GL shaders as js', async (name, inputs, f) => {
  const want = await run('js', inputs, f);
  const got = await run('glShadersOnCpu', inputs, f);
  got.forEach((t, i) => expect(difference(`${name} ${i === 0 ? 'output' : `gradient ${i - 1}`}`, t, want[i])).toBeNull());
});
