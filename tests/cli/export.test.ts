// `typegrad export`: a saved run's model written as ONNX, which onnxruntime runs to typegrad's outputs.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as tg from '../../index.js';
import { buildModel, modelSpec } from '../../cli/models.js';
import { randomValues } from '../helpers/values.js';
import { requireBuild, run, tempDir } from './helpers.js';

describe('typegrad export', () => {
  let dir: string;
  let model: tg.nn.Module;
  beforeAll(() => {
    requireBuild();
    dir = join(tempDir(), 'run');
    mkdirSync(dir, { recursive: true });
    const spec = modelSpec('recipe', [1, 28, 28], 10);
    model = buildModel(spec);
    // running statistics other than 0 and 1, so that batch norm in evaluation matters
    for (const [key, b] of model.namedBuffers()) if (key.endsWith('running_var') || key.endsWith('running_mean')) b.copy_(tg.rand(b.shape).add(0.5));
    tg.save(model.stateDict(), join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ model: spec }));
  });

  it('writes an .onnx file that onnxruntime runs to the model\'s outputs', async () => {
    const out = join(dir, 'model.onnx');
    const r = run(['export', '--model-file', join(dir, 'model.safetensors'), '--onnx', out, '--batch', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^typegrad: wrote .*model\.onnx \([\d,]+ bytes, opset 17\): recipe with input \[2, 1, 28, 28\]\n$/);
    const x = new tg.Tensor(randomValues(2 * 28 * 28, 5), [2, 1, 28, 28]);
    const session = await ort.InferenceSession.create(readFileSync(out));
    const got = (await session.run({ input: new ort.Tensor('float32', x.data, [2, 1, 28, 28]) })).output;
    model.eval();
    const want = tg.noGrad(() => model.forward(x) as tg.Tensor);
    expect([...got.dims]).toEqual([2, 10]);
    const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = want.data.reduce((m, v, i) => Math.max(m, Math.abs(v - (got.data as Float32Array)[i])), 0);
    expect(worst).toBeLessThanOrEqual(1e-4 * scale);
  });

  it('says what is missing', () => {
    const r = run(['export', '--model-file', join(dir, 'model.safetensors')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('typegrad: typegrad export: --onnx OUT.onnx is required (the file to write)\n');
    const bad = run(['export', '--model-file', join(dir, 'model.safetensors'), '--onnx', join(dir, 'x.onnx'), '--opset', '12']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/opset/);
  });
});
