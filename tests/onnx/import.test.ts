// tg.onnx.loadModel: every model, layer and op forward that export.test.ts exports is read back and must
// give the original model's outputs (1e-4 of the output's largest magnitude) on js and wasm, and one
// training step on the import must give the original's parameter gradients; models torch.onnx.export
// wrote (tests/fixtures/onnx/make_onnx_fixtures.py) must give PyTorch's outputs; hostile files and bad
// forward calls get clear errors.

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { exportModel, loadModel, supportedOpTypes } from '../../onnx/index.js';
import { FIELD, ProtoWriter } from '../../onnx/proto.js';
import { build, loadCases, loadDet, type ModuleCase } from '../nn/helpers.js';
import { image, layerCases, opCases, randomInput, Wrap, x } from './cases.js';

const BACKENDS: tg.BackendName[] = ['js'];
{
  const wasm = await import('../../kernels-wasm/index.js');
  if (wasm.wasmSimdSupported()) BACKENDS.push('wasm');
  else console.warn('tests/onnx: WebAssembly SIMD is not available, the wasm backend is skipped');
}
afterAll(() => tg.useDefaultBackend('js'));

/** null, or where `got` is further than 1e-4 of `want`'s largest magnitude from it. */
function mismatch(what: string, got: tg.Tensor, want: tg.Tensor): string | null {
  if (got.shape.join() !== want.shape.join()) return `${what}: shape ${tg.formatShape(got.shape)}, expected ${tg.formatShape(want.shape)}`;
  const [g, w] = [got.data, want.data];
  const tolerance = 1e-4 * w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < w.length; i++) {
    if (!(Math.abs(g[i] - w[i]) <= tolerance) && !(Number.isNaN(g[i]) && Number.isNaN(w[i]))) return `${what}: element ${i} is ${g[i]}, expected ${w[i]} (tolerance ${tolerance})`;
  }
  return null;
}

const asList = (out: unknown): tg.Tensor[] => (out instanceof tg.Tensor ? [out] : (out as tg.Tensor[]));

/** A loss that weighs every output element differently, so each gradient entry is checked. */
const weightedLoss = (outs: tg.Tensor[]) => outs.map((o, k) => tg.sum(tg.mul(o, randomInput(o.shape, 90 + k)))).reduce((a, b) => tg.add(a, b));

/** Export → loadModel → the same outputs as `model`, and (with parameters) the same parameter gradients, on every backend. */
async function checkRoundTrip(what: string, model: nn.Module<any[], unknown>, inputs: tg.Tensor[], opset?: number, gradients = true): Promise<void> {
  for (const backend of BACKENDS) {
    await tg.setBackend(backend);
    model.eval();
    const imported = loadModel(exportModel(model, inputs, { opset }));
    const forward = (m: nn.Module<any[], unknown>) => asList((m.forward as (...xs: tg.Tensor[]) => unknown)(...inputs));
    const wants = tg.noGrad(() => forward(model));
    const gots = tg.noGrad(() => forward(imported));
    expect(gots.length, `${what}: outputs`).toBe(wants.length);
    expect(gots.map((g, i) => mismatch(`${what} on ${backend}, output ${i}`, g, wants[i])).filter(Boolean)).toEqual([]);

    const originals = [...model.namedParameters()];
    if (originals.length === 0 || !gradients) continue;
    model.zeroGrad();
    weightedLoss(forward(model)).backward();
    weightedLoss(forward(imported)).backward();
    const importedParameters = new Map(imported.namedParameters());
    const problems = originals.map(([key, p]) => {
      const q = importedParameters.get(key);
      if (!q) return `${key}: not a parameter of the imported model (it has ${[...importedParameters.keys()].join(', ')})`;
      return mismatch(`${what} on ${backend}, gradient of ${key}`, q.grad ?? tg.zerosLike(q), p.grad ?? tg.zerosLike(p));
    });
    expect(problems.filter(Boolean)).toEqual([]);
    model.zeroGrad();
  }
}

describe('round trip: course models', () => {
  // ResNet seed config 0 alone runs ~20 s per backend here
  for (const c of loadCases<ModuleCase>('models.json')) {
    test(c.name, async () => {
      const model = build(c.ctor, c.options);
      loadDet(model);
      // the seed's full-size configurations: outputs only (the small ones check every gradient)
      await checkRoundTrip(c.name, model, [randomInput(c.input_shape, 7, c.in_scale)], undefined, c.name.includes('grads'));
    }, 300_000);
  }

  test('RecipeCNN', async () => {
    const model = new nn.RecipeCNN({ inSize: [3, 32, 32], outClasses: 7 });
    loadDet(model);
    await checkRoundTrip('RecipeCNN', model, [randomInput([2, 3, 32, 32], 3)]);
  }, 120_000);
});

describe('round trip: layers', () => {
  for (const [name, make, shape] of layerCases) {
    test(name, async () => {
      const layer = make();
      loadDet(layer);
      await checkRoundTrip(name, new Wrap(layer), [randomInput(shape ?? image, 11, 2)]);
    });
  }
});

describe('round trip: tensor ops', () => {
  for (const [name, run, inputs] of opCases) {
    test(name, async () => {
      await checkRoundTrip(name, new Wrap(null, run), inputs());
    });
  }

  test('opsets 13 and 21', async () => {
    const run = (a: tg.Tensor) => tg.gelu(tg.mean(a, 1, true).add(tg.max(a, 2, true)).add(tg.sum(a, 3, true)));
    for (const opset of [13, 21]) await checkRoundTrip(`opset ${opset}`, new Wrap(null, run), [x()], opset);
  });
});

interface OnnxCase {
  name: string;
  file: string;
  opset: number;
  inputs: Array<{ shape: number[]; data: number[] }>;
  outputs: Array<{ shape: number[]; data: number[] }>;
}

const fixture = (file: string) => new URL(`../fixtures/onnx/${file}`, import.meta.url);
const fromJson = (t: { shape: number[]; data: number[] }) => new tg.Tensor(Float32Array.from(t.data), t.shape);

describe('models torch.onnx.export wrote import and give PyTorch 1.13 outputs', () => {
  const { cases } = JSON.parse(readFileSync(fixture('onnx.json'), 'utf8')) as { cases: OnnxCase[] };
  for (const c of cases) {
    test(`${c.name} (opset ${c.opset})`, async () => {
      const bytes = new Uint8Array(readFileSync(fixture(c.file)));
      for (const backend of BACKENDS) {
        await tg.setBackend(backend);
        const model = loadModel(bytes);
        const outs = asList(tg.noGrad(() => model.forward(...c.inputs.map(fromJson))));
        expect(outs.map((o, i) => mismatch(`${c.name} on ${backend}, output ${i}`, o, fromJson(c.outputs[i]))).filter(Boolean)).toEqual([]);
      }
    });
  }

  test('parameters keep their PyTorch state-dict keys, and loadStateDict takes them back', () => {
    const model = loadModel(new Uint8Array(readFileSync(fixture('cnn.onnx'))));
    const keys = Object.keys(model.stateDict());
    expect(keys).toContain('feature_extractor.0.weight');
    expect(keys).toContain('mlp.0.bias');
    const zeroed = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, tg.zerosLike(t)]));
    model.loadStateDict(zeroed);
    expect(Math.max(...model.parameters().map((p) => Math.max(...p.data.map(Math.abs))))).toBe(0);
  });
});
