// tg.onnx.exportModel, checked by running the exported bytes in onnxruntime-node (CPU) on random
// inputs: every course model and each layer that exports must give typegrad's outputs, within 1e-4 of
// the output's largest magnitude, on the js and wasm backends. onnxruntime loading the bytes is the
// check that they parse as ONNX.

import { afterAll, describe, expect, test } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as tg from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { exportModel } from '../../onnx/index.js';
import { randomValues } from '../helpers/values.js';
import { build, loadCases, loadDet, type ModuleCase } from '../nn/helpers.js';

const BACKENDS: tg.BackendName[] = ['js'];
{
  const wasm = await import('../../kernels-wasm/index.js');
  if (wasm.wasmSimdSupported()) BACKENDS.push('wasm');
  else console.warn('tests/onnx: WebAssembly SIMD is not available, the wasm backend is skipped');
}
afterAll(() => tg.useDefaultBackend('js'));

const randomInput = (shape: readonly number[], seed: number, scale = 1) => new tg.Tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed, scale), shape);

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

/** A model that is one layer (or a forward function of the tensor ops). */
class Wrap extends nn.Module<tg.Tensor[], tg.Tensor> {
  constructor(
    readonly layer: nn.Module | null,
    readonly run: (...xs: tg.Tensor[]) => tg.Tensor = (x) => layer!.forward(x),
  ) {
    super();
  }
  forward(...xs: tg.Tensor[]): tg.Tensor {
    return this.run(...xs);
  }
}

describe('layers export and run in onnxruntime', () => {
  const image = [2, 4, 9, 11];
  const layers: Array<[string, () => nn.Module, number[]?]> = [
    ['Conv2d', () => new nn.Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3 })],
    ['Conv2d stride 2, padding [1, 2], no bias', () => new nn.Conv2d({ inChannels: 4, outChannels: 6, kernelSize: [3, 2], stride: 2, padding: [1, 2], bias: false })],
    ['Conv2d groups 2, dilation 2', () => new nn.Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3, groups: 2, dilation: 2, padding: 1 })],
    ['Conv2d depthwise', () => new nn.Conv2d({ inChannels: 4, outChannels: 8, kernelSize: 3, groups: 4 })],
    ["Conv2d padding 'same' (even kernel)", () => new nn.Conv2d({ inChannels: 4, outChannels: 3, kernelSize: 4, padding: 'same' })],
    ...(['reflect', 'replicate', 'circular'] as const).map((mode): [string, () => nn.Module] => [`Conv2d paddingMode '${mode}'`, () => new nn.Conv2d({ inChannels: 4, outChannels: 3, kernelSize: 3, padding: [2, 1], paddingMode: mode })]),
    ['BatchNorm2d (eval)', () => new nn.BatchNorm2d({ numFeatures: 4 })],
    ['BatchNorm2d affine false', () => new nn.BatchNorm2d({ numFeatures: 4, affine: false })],
    ['ReLU', () => new nn.ReLU()],
    ['LeakyReLU', () => new nn.LeakyReLU({ negativeSlope: 0.2 })],
    ['Tanh', () => new nn.Tanh()],
    ['Sigmoid', () => new nn.Sigmoid()],
    ['GELU', () => new nn.GELU()],
    ["GELU approximate 'tanh'", () => new nn.GELU({ approximate: 'tanh' })],
    ['MaxPool2d', () => new nn.MaxPool2d({ kernelSize: 2 })],
    ['MaxPool2d ceil mode', () => new nn.MaxPool2d({ kernelSize: 2, ceilMode: true })],
    ['MaxPool2d ceil mode, stride 2, padding 1', () => new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true })],
    ['MaxPool2d dilation 2', () => new nn.MaxPool2d({ kernelSize: 2, stride: 1, dilation: 2 })],
    ['AvgPool2d', () => new nn.AvgPool2d({ kernelSize: 3 })],
    ['AvgPool2d ceil mode', () => new nn.AvgPool2d({ kernelSize: 2, ceilMode: true })],
    ['AvgPool2d padding, countIncludePad false, ceil mode', () => new nn.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true })],
    ['AvgPool2d padding, countIncludePad true', () => new nn.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 })],
    ['AdaptiveAvgPool2d(1): GlobalAveragePool', () => new nn.AdaptiveAvgPool2d(1)],
    ['AdaptiveAvgPool2d([3, 4]), uneven windows', () => new nn.AdaptiveAvgPool2d([3, 4])],
    ['AdaptiveMaxPool2d([3, 1]), even windows', () => new nn.AdaptiveMaxPool2d([3, 1])],
    ['Flatten', () => new nn.Flatten()],
    ['Dropout (eval: dropped)', () => new nn.Dropout({ p: 0.5 })],
    ['Softmax', () => new nn.Softmax(1)],
    ['LogSoftmax', () => new nn.LogSoftmax(-1)],
    ['Linear on [N, in]', () => new nn.Linear({ inFeatures: 11, outFeatures: 5 }), [6, 11]],
    ['Linear on [N, C, in], no bias', () => new nn.Linear({ inFeatures: 11, outFeatures: 5, bias: false }), [2, 3, 11]],
    ['ConvTranspose2d', () => new nn.ConvTranspose2d({ inChannels: 4, outChannels: 3, kernelSize: 3 })],
    ['ConvTranspose2d stride 2, padding 1, outputPadding 1, groups 2, dilation 2', () => new nn.ConvTranspose2d({ inChannels: 4, outChannels: 6, kernelSize: [3, 2], stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 2 })],
    ['LayerNorm over [9, 11]', () => new nn.LayerNorm({ normalizedShape: [9, 11] })],
    ['LayerNorm without affine', () => new nn.LayerNorm({ normalizedShape: 11, elementwiseAffine: false })],
    ['GroupNorm', () => new nn.GroupNorm({ numGroups: 2, numChannels: 4 })],
    ['InstanceNorm2d affine', () => new nn.InstanceNorm2d({ numFeatures: 4, affine: true })],
    ['InstanceNorm2d with running statistics (eval)', () => new nn.InstanceNorm2d({ numFeatures: 4, trackRunningStats: true })],
    ['LocalResponseNorm size 3', () => new nn.LocalResponseNorm({ size: 3 })],
    ['LocalResponseNorm size 2', () => new nn.LocalResponseNorm({ size: 2, alpha: 0.01, beta: 0.5, k: 2 })],
    ['ELU', () => new nn.ELU({ alpha: 0.7 })],
    ['SELU', () => new nn.SELU()],
    ['CELU', () => new nn.CELU({ alpha: 2 })],
    ['SiLU', () => new nn.SiLU()],
    ['Mish', () => new nn.Mish()],
    ['Hardswish', () => new nn.Hardswish()],
    ['Hardsigmoid', () => new nn.Hardsigmoid()],
    ['Softsign', () => new nn.Softsign()],
    ['Softmin', () => new nn.Softmin(1)],
    ['PReLU per channel', () => new nn.PReLU({ numParameters: 4 })],
    ["Upsample 'nearest' ×2", () => new nn.Upsample({ scaleFactor: 2 })],
    ["Upsample 'bilinear' to [5, 17]", () => new nn.Upsample({ size: [5, 17], mode: 'bilinear' })],
    ["Upsample 'bilinear' alignCorners", () => new nn.Upsample({ scaleFactor: 1.5, mode: 'bilinear', alignCorners: true })],
    ['Conv1d', () => new nn.Conv1d({ inChannels: 4, outChannels: 3, kernelSize: 3, stride: 2, padding: 1 }), [2, 4, 16]],
    ['MaxPool1d ceil mode', () => new nn.MaxPool1d({ kernelSize: 3, ceilMode: true }), [2, 4, 16]],
    ['AvgPool1d', () => new nn.AvgPool1d({ kernelSize: 2 }), [2, 4, 16]],
    ['Sequential', () => new nn.Sequential(new nn.Conv2d({ inChannels: 4, outChannels: 2, kernelSize: 1 }), new nn.Tanh(), new nn.Flatten(), new nn.Linear({ inFeatures: 2 * 9 * 11, outFeatures: 3 }))],
  ];
  for (const [name, make, shape] of layers) {
    test(name, async () => {
      const layer = make();
      loadDet(layer);
      await checkExport(name, new Wrap(layer), [randomInput(shape ?? image, 11, 2)]);
    });
  }
});

describe('tensor ops in a forward function export', () => {
  const x = () => randomInput([2, 3, 4, 5], 21, 2);
  const y = () => randomInput([3, 1, 5], 22, 2);
  const ops: Array<[string, (...xs: tg.Tensor[]) => tg.Tensor, () => tg.Tensor[]]> = [
    ['add, sub, mul, div (broadcasting, scalars)', (a, b) => tg.div(tg.mul(tg.sub(tg.add(a, b), 0.5), b), tg.add(tg.abs(b), 1)), () => [x(), y()]],
    ['exp, log, sqrt, neg, pow, clamp, erf, softplus', (a) => tg.add(tg.neg(tg.sqrt(tg.exp(tg.clamp(a, -1, 1)))), tg.log(tg.add(tg.pow(a, 2), 1))).add(tg.erf(a)).add(tg.softplus(a)).add(tg.clamp(a, null, 0.3)), () => [x()]],
    ['maximum, minimum', (a, b) => tg.maximum(a, b).add(tg.minimum(a, 0)), () => [x(), y()]],
    ['matmul (batched, broadcast)', (a, b) => tg.matmul(a, b), () => [randomInput([2, 3, 4, 5], 1), randomInput([5, 6], 2)]],
    ['matmul of vectors and matrices', (a, b) => tg.matmul(tg.matmul(a, b), a.reshape(4, 1)).add(tg.matmul(a, a)), () => [randomInput([4], 1), randomInput([4, 4], 2)]],
    ['cat and stack', (a, b) => tg.cat([a, tg.mul(a, 2), b], 1).add(tg.stack([a, a], 0).sum(0).sum(1, true)), () => [randomInput([2, 3, 4], 1), randomInput([2, 1, 4], 2)]],
    ['mean and sum over dims, keepdim', (a) => tg.add(tg.mean(a, [1, 3], true), tg.sum(a, 2, true).mean(3, true)).add(tg.sum(a)), () => [x()]],
    ['max and min over dims', (a) => tg.max(a, 1).add(tg.min(a, [1, 2], false).unsqueeze(1)), () => [x()]],
    ['reshape, flatten, squeeze, unsqueeze, permute, transpose, expand', (a) => a.permute(0, 2, 3, 1).reshape(2, 20, 3).transpose(1, 2).unsqueeze(0).squeeze(0).flatten(1).expand(3, 2, 60), () => [x()]],
    ['slice and index', (a) => a.slice(1, 1, 3).slice(3, 0, 5, 2).index([1, 0, 1]).add(a.index(0).slice(0, -1).slice(2, 0, 5, 2)), () => [x()]],
    ...(['constant', 'reflect', 'replicate', 'circular'] as const).map((mode): [string, (a: tg.Tensor) => tg.Tensor, () => tg.Tensor[]] => [
      `pad '${mode}'`,
      (a) => tg.pad(a, [1, 2, 2, 0], { mode, value: 0.5 }),
      () => [x()],
    ]),
    ['pad constant with negative padding (a crop)', (a) => tg.pad(a, [-1, 2]), () => [x()]],
    ['comparisons and where', (a, b) => tg.where(tg.gt(a, b), a, tg.mul(b, 2)).add(tg.le(a, 0.5)).add(tg.eq(tg.ge(a, 0), tg.lt(b, 0))).add(tg.ne(a, b)), () => [x(), y()]],
    ['flip, roll, split, chunk', (a) => tg.flip(a, [1, 3]).add(tg.roll(a, [1, -2], [2, 3])).add(tg.cat(tg.split(a, [1, 2], 1).reverse(), 1)).add(tg.chunk(a, 2, 3)[1].sum(3, true)), () => [x()]],
    ['gather along dim 2', (a) => tg.gather(a, 2, tg.tensor([[[[0, 3, 1, 1, 2]], [[3, 3, 0, 0, 1]], [[2, 1, 0, 3, 3]]], [[[1, 1, 1, 1, 1]], [[0, 0, 0, 0, 0]], [[3, 2, 1, 0, 3]]]])), () => [x()]],
    ['argmax, argmin, maxWithIndices, minWithIndices', (a) => tg.argmax(a, 1).add(tg.argmin(a, 1, true).sum(1)).add(a.maxWithIndices(1).values).add(a.minWithIndices(1, true).indices.sum(1)).add(tg.argmax(a, 3, true).sum(1)).add(tg.argmax(a)).add(tg.argmin(a, undefined, true)), () => [x()]],
    ['einsum', (a, b) => tg.einsum('bij,bjk->bik', a, b).add(tg.einsum('ij->ji', tg.einsum('bij->ij', a)).sum()).add(tg.einsum('ii->i', b.index(0).slice(0, 0, 3))), () => [randomInput([2, 3, 4], 1), randomInput([2, 4, 3], 2)]],
    ['repeat and tile, view', (a) => a.repeat(2, 1, 1, 2).add(a.tile([2, 1, 1, 2])).view(4, -1), () => [x()]],
    ['embedding of ids given as an input', (ids, w) => tg.embedding(ids, w).mul(2), () => [tg.tensor([[0, 3], [2, 2], [1, 0]]), randomInput([4, 5], 3)]],
    ['softmax and logSoftmax', (a) => tg.softmax(a, 1).add(tg.logSoftmax(a, 3)), () => [x()]],
    ['a model of 2 inputs', (a, b) => tg.add(a, b), () => [x(), y()]],
    ['the input itself', (a) => a, () => [x()]],
  ];
  for (const [name, run, inputs] of ops) {
    test(name, async () => {
      await checkExport(name, new Wrap(null, run), inputs());
    });
  }

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
    const model = new Wrap(null, (a) => tg.scatterAdd(a, 1, tg.tensor([[0, 0, 1]]), a));
    expect(() => exportModel(model, randomInput([1, 3], 1))).toThrow(/the op 'scatterAdd' \(output \[1,3\]\) has no ONNX export yet; the ops that export are: .*conv2d/);
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
