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

// ---------------------------------------------------------------- files written by hand, hostile ones included

const w = () => new ProtoWriter();
const dim = (d: number | string) => (typeof d === 'number' ? w().int(FIELD.dimension.dimValue, d) : w().string(FIELD.dimension.dimParam, d));
function valueInfo(name: string, dims: Array<number | string>): ProtoWriter {
  const shape = w();
  for (const d of dims) shape.message(FIELD.shape.dim, dim(d));
  return w().string(FIELD.valueInfo.name, name).message(FIELD.valueInfo.type, w().message(FIELD.type.tensorType, w().int(FIELD.tensorType.elemType, 1).message(FIELD.tensorType.shape, shape)));
}
const node = (opType: string, inputs: string[], outputs: string[], attributes: ProtoWriter[] = []) => {
  const n = w();
  for (const i of inputs) n.string(FIELD.node.input, i);
  for (const o of outputs) n.string(FIELD.node.output, o);
  n.string(FIELD.node.name, `my_${opType}`).string(FIELD.node.opType, opType);
  for (const a of attributes) n.message(FIELD.node.attribute, a);
  return n;
};
/** A graph `output = op(input [2, 2], initializers...)`. */
function graphOf(op: string, initializers: ProtoWriter[], inputDims: Array<number | string> = [2, 2], attributes: ProtoWriter[] = []): ProtoWriter {
  const names = initializers.map((_, i) => `init${i}`);
  const g = w().message(FIELD.graph.node, node(op, ['input', ...names], ['output'], attributes)).string(FIELD.graph.name, 'hand');
  initializers.forEach((t, i) => g.message(FIELD.graph.initializer, t.string(FIELD.tensor.name, names[i])));
  return g.message(FIELD.graph.input, valueInfo('input', inputDims)).message(FIELD.graph.output, valueInfo('output', [2, 2]));
}
function modelOf(graph: ProtoWriter | null, opset: number | null = 17): Uint8Array {
  const m = w().int(FIELD.model.irVersion, 8);
  if (graph) m.message(FIELD.model.graph, graph);
  if (opset !== null) m.message(FIELD.model.opsetImport, w().string(FIELD.opset.domain, '').int(FIELD.opset.version, opset));
  return m.finish();
}
const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
const i64 = (values: number[]) => new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
const floatTensor = (dims: number[]) => w().ints(FIELD.tensor.dims, dims).int(FIELD.tensor.dataType, 1);
const input22 = () => new tg.Tensor(Float32Array.of(1, 2, 3, 4), [2, 2]);
const run = (bytes: Uint8Array) => Array.from((loadModel(bytes).forward(input22()) as tg.Tensor).data);

describe('tensor data in every encoding', () => {
  test('float_data unpacked and packed, raw_data', () => {
    expect(run(modelOf(graphOf('Add', [floatTensor([2, 2]).floats(FIELD.tensor.floatData, [10, 20, 30, 40])])))).toEqual([11, 22, 33, 44]);
    expect(run(modelOf(graphOf('Add', [floatTensor([2, 2]).bytes(FIELD.tensor.floatData, f32([10, 20, 30, 40]))])))).toEqual([11, 22, 33, 44]);
    expect(run(modelOf(graphOf('Mul', [floatTensor([2]).bytes(FIELD.tensor.rawData, f32([2, 3]))])))).toEqual([2, 6, 6, 12]);
  });

  test('int64_data unpacked and packed (a Reshape shape), negative values included', () => {
    const shape = (t: ProtoWriter) => t.string(FIELD.tensor.name, 'shape');
    const g = (t: ProtoWriter) =>
      w()
        .message(FIELD.graph.node, node('Reshape', ['input', 'shape'], ['flat']))
        .message(FIELD.graph.node, node('Reshape', ['flat', 'shape2'], ['output']))
        .message(FIELD.graph.initializer, shape(t))
        .message(FIELD.graph.initializer, w().ints(FIELD.tensor.dims, [2]).int(FIELD.tensor.dataType, 7).bytes(FIELD.tensor.rawData, i64([2, -1])).string(FIELD.tensor.name, 'shape2'))
        .message(FIELD.graph.input, valueInfo('input', [2, 2]))
        .message(FIELD.graph.output, valueInfo('output', [2, 2]));
    expect(run(modelOf(g(w().ints(FIELD.tensor.dims, [1]).int(FIELD.tensor.dataType, 7).ints(FIELD.tensor.int64Data, [-1]))))).toEqual([1, 2, 3, 4]);
    expect(run(modelOf(g(w().ints(FIELD.tensor.dims, [1]).int(FIELD.tensor.dataType, 7).bytes(FIELD.tensor.int64Data, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)))))).toEqual([1, 2, 3, 4]);
  });

  test('unknown fields are skipped, as protobuf skips them', () => {
    const graph = graphOf('Add', [floatTensor([2, 2]).floats(FIELD.tensor.floatData, [1, 1, 1, 1]).int(99, 5).string(98, 'extra')]).float(97, 1.5);
    const bytes = w().int(77, 123).message(FIELD.model.graph, graph).message(FIELD.model.opsetImport, w().int(FIELD.opset.version, 17)).bytes(76, Uint8Array.of(1, 2, 3)).finish();
    expect(run(bytes)).toEqual([2, 3, 4, 5]);
  });
});

describe('errors', () => {
  const loading = (bytes: Uint8Array) => () => loadModel(bytes);

  test('the first unsupported op is named, with its node and the supported op_types', () => {
    expect(loading(modelOf(graphOf('Foo', [])))).toThrow(/onnx.loadModel: node 'my_Foo' has op_type 'Foo', which is not supported; supported op_types: .*Conv, .*Gemm/);
    expect(supportedOpTypes).toContain('BatchNormalization');
  });

  test('protobuf: a truncated varint, a length past the end, a wrong wire type, garbage', () => {
    expect(loading(Uint8Array.of(0x08, 0x80))).toThrow(/onnx.loadModel: malformed protobuf at byte 1: expected a varint, the message ends inside it \(truncated\)/);
    expect(loading(Uint8Array.of(0x3a, 100, 1, 2, 3))).toThrow(/at byte 0: field 7 of model declares 100 bytes, but only 3 are left in the message/);
    expect(loading(Uint8Array.of(0x38, 0x01))).toThrow(/at byte 0: expected wire type 2 for model.graph \(field 7\), got 0/);
    expect(loading(Uint8Array.of(0x0b, 0x01))).toThrow(/expected a wire type 0, 1, 2 or 5 \(field 1 of model\), got 3/);
    expect(loading(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))).toThrow(/expected a varint of at most 10 bytes/);
  });

  test('every truncation of a real model is refused with an onnx.loadModel error', () => {
    const bytes = new Uint8Array(readFileSync(fixture('cnn.onnx')));
    for (let end = 1; end < bytes.length; end += 61) {
      expect(loading(bytes.subarray(0, end)), `truncated at ${end}`).toThrow(/^onnx\.loadModel: /);
    }
  });

  test('a tensor whose dims do not match its data, without allocating for the dims', () => {
    const huge = floatTensor([1_000_000, 1_000_000]).bytes(FIELD.tensor.rawData, f32([1]));
    expect(loading(modelOf(graphOf('Add', [huge])))).toThrow(/initializer 'init0' \(at byte \d+\) has dims \[1000000,1000000\] \(1000000000000 elements\) but its data holds 4 bytes of raw_data/);
    expect(loading(modelOf(graphOf('Add', [floatTensor([2, 2]).floats(FIELD.tensor.floatData, [1, 2, 3])])))).toThrow(/has dims \[2,2\] \(4 elements\) but its data holds 3 values/);
    expect(loading(modelOf(graphOf('Add', [floatTensor([2, -2])])))).toThrow(/has dims \[2,-2\]: expected non-negative integers/);
  });

  test('external data, unsupported data types, a missing graph or opset, an opset out of range', () => {
    const external = floatTensor([2]).int(FIELD.tensor.dataLocation, 1).message(FIELD.tensor.externalData, w().string(1, 'location').string(2, 'weights.bin'));
    expect(loading(modelOf(graphOf('Add', [external])))).toThrow(/keeps its data in an external file \(data_location EXTERNAL\), which is not supported/);
    const half = w().ints(FIELD.tensor.dims, [1]).int(FIELD.tensor.dataType, 10).bytes(FIELD.tensor.rawData, Uint8Array.of(0, 60));
    expect(loading(modelOf(graphOf('Add', [half])))).toThrow(/has data type 10 \(float16\); supported: float, double, int64, int32, bool/);
    expect(loading(modelOf(null))).toThrow(/the file has no graph \(ModelProto.graph, field 7\)/);
    expect(loading(modelOf(graphOf('Relu', []), null))).toThrow(/imports no opset for the default ONNX domain/);
    expect(loading(modelOf(graphOf('Relu', []), 11))).toThrow(/opset 11 is not supported \(13 to 21 are\)/);
    expect(() => loadModel('model.onnx' as unknown as Uint8Array)).toThrow(/expected the bytes of an .onnx file as a Uint8Array, got string/);
  });

  test('a symbolic input dim, an auto_pad, an input computed where a constant is needed', () => {
    expect(loading(modelOf(graphOf('Relu', [], ['N', 2])))).toThrow(/graph input 'input' has a symbolic dim 0 \('N'\); export with fixed shapes/);
    const weight = floatTensor([1, 2, 1, 1]).floats(FIELD.tensor.floatData, [1, 1]);
    const autoPad = w().string(FIELD.attribute.name, 'auto_pad').string(FIELD.attribute.s, 'SAME_UPPER').int(FIELD.attribute.type, 3);
    expect(loading(modelOf(graphOf('Conv', [weight], [1, 2, 2, 2], [autoPad])))).toThrow(/node 'my_Conv' \(Conv\): auto_pad 'SAME_UPPER' is not supported \(only NOTSET/);
    const live = w()
      .message(FIELD.graph.node, node('Reshape', ['input', 'input'], ['output']))
      .message(FIELD.graph.input, valueInfo('input', [2, 2]))
      .message(FIELD.graph.output, valueInfo('output', [2, 2]));
    expect(loading(modelOf(live))).toThrow(/node 'my_Reshape' \(Reshape\): input 1 \('input'\) must be known at load/);
  });

  test('forward: a wrong input count or shape', () => {
    const model = loadModel(modelOf(graphOf('Relu', [])));
    expect(() => model.forward()).toThrow(/OnnxModel.forward: expected 1 input\(s\) \(input \[2,2\]\), got 0/);
    expect(() => model.forward(input22(), input22())).toThrow(/expected 1 input\(s\)/);
    expect(() => model.forward(tg.zeros([2, 3]))).toThrow(/input 0 \('input'\) must be a Tensor of shape \[2,2\] \(the graph's fixed shape\), got \[2,3\]/);
  });

  test("names that cannot be state-dict keys are sanitized: dots to '_'", () => {
    const g = w()
      .message(FIELD.graph.node, node('Add', ['input', 'forward'], ['a']))
      .message(FIELD.graph.node, node('Add', ['a', 'x..y'], ['b']))
      .message(FIELD.graph.node, node('Add', ['b', 'p'], ['c']))
      .message(FIELD.graph.node, node('Add', ['c', 'p.q'], ['output']));
    for (const name of ['forward', 'x..y', 'p', 'p.q']) g.message(FIELD.graph.initializer, floatTensor([1]).floats(FIELD.tensor.floatData, [1]).string(FIELD.tensor.name, name));
    g.message(FIELD.graph.input, valueInfo('input', [2, 2])).message(FIELD.graph.output, valueInfo('output', [2, 2]));
    const model = loadModel(modelOf(g));
    expect(Object.keys(model.stateDict()).sort()).toEqual(['forward_', 'p', 'p_q', 'x__y']);
    expect(Array.from((model.forward(input22()) as tg.Tensor).data)).toEqual([5, 6, 7, 8]);
  });
});
