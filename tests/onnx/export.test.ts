// tg.onnx.exportModel, checked by running the exported bytes in onnxruntime-node (CPU) on random
// inputs: every course model and each layer that exports must give typegrad's outputs, within 1e-4 of
// the output's largest magnitude, on the js and wasm backends. onnxruntime loading the bytes is the
// check that they parse as ONNX.

import { afterAll, describe, expect, test } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as tg from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { exportModel } from '../../onnx/index.js';
import { image, layerCases, opCases, randomInput, Wrap, x } from './cases.js';
import { build, loadCases, loadDet, type ModuleCase } from '../nn/helpers.js';

const BACKENDS: tg.BackendName[] = ['js'];
{
  const wasm = await import('../../kernels-wasm/index.js');
  if (wasm.wasmSimdSupported()) BACKENDS.push('wasm');
  else console.warn('tests/onnx: WebAssembly SIMD is not available, the wasm backend is skipped');
}
afterAll(() => tg.useDefaultBackend('js'));


/** The exported model's outputs from onnxruntime for the given inputs. */
async function runInOnnxruntime(bytes: Uint8Array, inputs: tg.Tensor[]): Promise<Array<{ shape: number[]; data: Float32Array }>> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds = Object.fromEntries(session.inputNames.map((name, i) => [name, new ort.Tensor('float32', inputs[i].data, [...inputs[i].shape])]));
  const results = await session.run(feeds);
  return session.outputNames.map((name) => ({ shape: [...results[name].dims], data: results[name].data as Float32Array }));
}

/** Max error within 1e-4 of typegrad's largest output magnitude, and the same shape. */
function expectClose(what: string, got: { shape: number[]; data: Float32Array }, want: tg.Tensor): void {
  expect(got.shape, `${what}: shape`).toEqual([...want.shape]);
  const w = want.data;
  const scale = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < w.length; i++) {
    const e = Math.abs(got.data[i] - w[i]);
    if (!(e <= worst)) [worst, at] = [e, i];
  }
  if (!(worst <= 1e-4 * scale)) throw new Error(`${what}: element ${at} is ${got.data[at]} in onnxruntime, ${w[at]} in typegrad (max error ${worst}, tolerance ${1e-4 * scale})`);
}

/** Exports `model` on `inputs` and compares onnxruntime's outputs with typegrad's eval forward, on every backend. */
async function checkExport(what: string, model: nn.Module<any[], unknown>, inputs: tg.Tensor[], opset?: number): Promise<void> {
  for (const backend of BACKENDS) {
    await tg.setBackend(backend);
    model.eval();
    const bytes = exportModel(model, inputs, { opset });
    const want = tg.noGrad(() => (model.forward as (...xs: tg.Tensor[]) => unknown)(...inputs));
    const wants = want instanceof tg.Tensor ? [want] : (want as tg.Tensor[]);
    const got = await runInOnnxruntime(bytes, inputs);
    expect(got.length, `${what}: outputs`).toBe(wants.length);
    wants.forEach((w, i) => expectClose(`${what} on ${backend}, output ${i}`, got[i], w));
  }
}

describe('course models export and run in onnxruntime', () => {
  const cases = loadCases<ModuleCase>('models.json');
  for (const c of cases) {
    test(c.name, async () => {
      const model = build(c.ctor, c.options);
      loadDet(model); // batch norm's running statistics other than 0 and 1
      await checkExport(c.name, model, [randomInput(c.input_shape, 7, c.in_scale)]);
    }, 120_000);
  }

  test('RecipeCNN', async () => {
    const model = new nn.RecipeCNN({ inSize: [3, 32, 32], outClasses: 7 });
    loadDet(model);
    await checkExport('RecipeCNN', model, [randomInput([2, 3, 32, 32], 3)]);
  });
});

describe('layers export and run in onnxruntime', () => {
  for (const [name, make, shape] of layerCases) {
    test(name, async () => {
      const layer = make();
      loadDet(layer);
      await checkExport(name, new Wrap(layer), [randomInput(shape ?? image, 11, 2)]);
    });
  }
});

describe('tensor ops in a forward function export', () => {
  for (const [name, run, inputs] of opCases) {
    test(name, async () => {
      await checkExport(name, new Wrap(null, run), inputs());
    });
  }

  test('scatter, cumsum and sort compute from the input given, not from values frozen at export', async () => {
    for (const [name, run] of opCases.filter(([n]) => /^(scatterAdd|cumsum|sort)/.test(n))) {
      const model = new Wrap(null, run);
      const bytes = exportModel(model, [x()]);
      const other = randomInput([2, 3, 4, 5], 77, 3);
      const [got] = await runInOnnxruntime(bytes, [other]);
      expectClose(`${name} on another input`, got, tg.noGrad(() => model.forward(other)));
    }
  });

  test('two outputs', async () => {
    class Two extends nn.Module<[tg.Tensor], tg.Tensor[]> {
      forward(a: tg.Tensor): tg.Tensor[] {
        return [tg.relu(a), tg.tanh(a)];
      }
    }
    await checkExport('two outputs', new Two() as unknown as nn.Module, [x()]);
  });

  test('opsets 13 and 21 (reductions take axes as attributes before 18, GELU is a node from 20)', async () => {
    const run = (a: tg.Tensor) => tg.gelu(tg.mean(a, 1, true).add(tg.max(a, 2, true)).add(tg.sum(a, 3, true)));
    for (const opset of [13, 21]) await checkExport(`opset ${opset}`, new Wrap(null, run), [x()], opset);
  });
});

describe('errors', () => {
  test('an op with no export names itself', () => {
    const model = new Wrap(null, (a) => tg.record(tg.relu(a).detach(), 'myOp', [a], (g) => [g]));
    expect(() => exportModel(model, randomInput([1, 3], 1))).toThrow(/the op 'myOp' \(output \[1,3\]\) has no ONNX export yet; the ops that export are: .*conv2d/);
  });

  test('scatterAdd needs opset 16 (ScatterElements with reduction add)', () => {
    const model = new Wrap(null, (a) => tg.scatterAdd(a, 1, tg.tensor([[0, 0, 1]]), a));
    expect(() => exportModel(model, randomInput([1, 3], 1), { opset: 15 })).toThrow(/scatterAdd on \[1,3\] needs ScatterElements' reduction 'add', opset 16 or newer; got opset 15/);
    expect(() => exportModel(model, randomInput([1, 3], 1), { opset: 16 })).not.toThrow();
  });

  test('a bad opset, a bad input, a bad output', () => {
    const relu = new Wrap(new nn.ReLU());
    expect(() => exportModel(relu, randomInput([2], 1), { opset: 12 })).toThrow(/opset must be an integer from 13 to 21, got 12/);
    expect(() => exportModel(relu, [] as tg.Tensor[])).toThrow(/exampleInput must be a Tensor or a non-empty list of Tensors/);
    class Bad extends nn.Module<[tg.Tensor], unknown> {
      forward(): unknown {
        return 3;
      }
    }
    expect(() => exportModel(new Bad() as unknown as nn.Module, randomInput([2], 1))).toThrow(/must return a Tensor or a list of Tensors, got number/);
  });

  test("export leaves the model's modes as they were", () => {
    const model = new nn.Sequential(new nn.BatchNorm2d({ numFeatures: 2 }), new nn.Dropout({ p: 0.5 }));
    model.train();
    (model.at(1) as nn.Module).eval();
    exportModel(model, randomInput([2, 2, 3, 3], 1));
    expect([model.training, (model.at(0) as nn.Module).training, (model.at(1) as nn.Module).training]).toEqual([true, true, false]);
  });
});

describe("issue 16's second round of layers export and run in onnxruntime", () => {
  const layers: Array<[string, () => nn.Module, number[]]> = [
    ["Upsample 'bicubic' ×(1.5, 0.6)", () => new nn.Upsample({ scaleFactor: [1.5, 0.6], mode: 'bicubic' }), [2, 4, 9, 11]],
    ["Upsample 'bicubic' alignCorners to [5, 17]", () => new nn.Upsample({ size: [5, 17], mode: 'bicubic', alignCorners: true }), [2, 4, 9, 11]],
    ["Upsample 'area' 2-D to [4, 5]", () => new nn.Upsample({ size: [4, 5], mode: 'area' }), [2, 4, 9, 11]],
    ["Upsample 'area' 1-D to 7", () => new nn.Upsample({ size: 7, mode: 'area' }), [2, 4, 16]],
    ["Upsample 'area' 3-D ×0.5", () => new nn.Upsample({ scaleFactor: 0.5, mode: 'area' }), [1, 2, 4, 6, 5]],
    ['ConvTranspose1d stride 2, padding 1, outputPadding 1, groups 2, dilation 2', () => new nn.ConvTranspose1d({ inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 2 }), [2, 4, 16]],
    ['Conv3d stride (1, 2, 1), padding (1, 0, 1), dilation (2, 1, 1), groups 2', () => new nn.Conv3d({ inChannels: 4, outChannels: 6, kernelSize: [2, 3, 2], stride: [1, 2, 1], padding: [1, 0, 1], dilation: [2, 1, 1], groups: 2 }), [2, 4, 5, 7, 6]],
    ["Conv3d paddingMode 'reflect'", () => new nn.Conv3d({ inChannels: 4, outChannels: 2, kernelSize: 3, padding: 1, paddingMode: 'reflect' }), [1, 4, 4, 5, 6]],
    ['MaxPool3d ceil mode, padding', () => new nn.MaxPool3d({ kernelSize: [3, 2, 2], stride: 2, padding: [1, 1, 0], ceilMode: true }), [2, 4, 6, 7, 6]],
    ['AvgPool3d ceil mode, countIncludePad false', () => new nn.AvgPool3d({ kernelSize: [3, 2, 2], stride: 2, padding: [1, 1, 0], ceilMode: true, countIncludePad: false }), [2, 4, 6, 7, 6]],
    ['BatchNorm3d (eval)', () => new nn.BatchNorm3d({ numFeatures: 4 }), [2, 4, 3, 5, 4]],
  ];
  for (const [name, make, shape] of layers) {
    test(name, async () => {
      const layer = make();
      loadDet(layer);
      await checkExport(name, new Wrap(layer), [randomInput(shape, 11, 2)]);
    });
  }

  // exported on ids that leave rows 1, 4 and 5 alone, so the table in the file still has them above the
  // bound: run on ids that pick them, the graph must renormalise them as typegrad's forward does
  for (const normType of [2, 1, 3, Infinity]) {
    test(`Embedding with maxNorm 1, normType ${normType}: the rows it picks renormalised, also those the export's pass did not touch`, async () => {
      for (const backend of BACKENDS) {
        await tg.setBackend(backend);
        const layer = new nn.Embedding(6, 4, { maxNorm: 1, normType });
        loadDet(layer);
        layer.weight.copy_(layer.weight.mul(3)); // every row above the bound
        const bytes = exportModel(new Wrap(layer), tg.tensor([[0, 3], [2, 2]]));
        const ids = tg.tensor([[1, 4], [5, 0]]); // the example's shape: the graph's input has it
        const got = await runInOnnxruntime(bytes, [ids]);
        expectClose(`Embedding maxNorm normType ${normType} on ${backend}`, got[0], tg.noGrad(() => layer.forward(ids)));
      }
    });
  }
});
