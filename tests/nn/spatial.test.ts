// The spatial layers against PyTorch 1.13 (tests/fixtures/nn/spatial.json, made by
// make_spatial_fixtures.py): ConvTranspose2d, Conv1d, MaxPool1d, AvgPool1d, Upsample and its two
// fixed-mode forms, Embedding, and the functional forms called with PyTorch's positional arguments.
// Output, input gradient, parameter gradients and print, on 'js' and (where it loads) 'wasm'. Then the
// errors for bad input, one group per op family.

import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { assertClose, build, checkModuleCase, det, detParam, loadCases, loadDet, type FixtureTensor, type ModuleCase } from './helpers.js';

const BACKENDS: tg.BackendName[] = ['js'];
try {
  const wasm = await import('../../kernels-wasm/index.js');
  if (wasm.wasmSimdSupported()) BACKENDS.push('wasm');
} catch (e) {
  console.warn(`spatial.test.ts: the 'wasm' backend is not checked (${(e as Error).message})`);
}
afterAll(() => tg.setBackend('js'));

interface EmbeddingCase {
  name: string;
  options: { numEmbeddings: number; embeddingDim: number; paddingIdx?: number };
  ids: number[];
  ids_shape: number[];
  keys: Array<[string, number[]]>;
  output: FixtureTensor;
  weight_grad: FixtureTensor;
  repr: string;
}

const all = loadCases<ModuleCase & Partial<EmbeddingCase>>('spatial.json');
const moduleCases = all.filter((c) => c.input_grad !== undefined);
const embeddingCases = all.filter((c) => c.ctor === 'Embedding') as unknown as EmbeddingCase[];
const byName = (name: string) => {
  const c = all.find((k) => k.name === name);
  if (!c) throw new Error(`spatial.json has no case '${name}'`);
  return c;
};

it('has the fixture cases', () => {
  expect(moduleCases.length).toBe(38);
  expect(embeddingCases.length).toBe(4);
});

for (const backend of BACKENDS) {
  describe(`spatial layers match PyTorch on '${backend}'`, () => {
    const on = async () => tg.setBackend(backend);

    for (const c of moduleCases) {
      it(c.name, async () => {
        await on();
        const m = build(c.ctor, c.options);
        checkModuleCase(c, m);
        expect(m.toString()).toBe(c.repr);
      });
    }

    it('ConvTranspose2d forward(input, outputSize) picks the output padding', async () => {
      await on();
      const c = byName('ConvTranspose2d forward with output_size [8, 7]');
      const m = build(c.ctor, c.options) as nn.ConvTranspose2d;
      loadDet(m);
      assertClose(c.name, m.forward(det(c.input_shape, 1000, 2), c.output_size as number[]), c.output);
    });

    for (const c of embeddingCases) {
      it(c.name, async () => {
        await on();
        const m = new nn.Embedding(c.options);
        expect(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]])).toEqual(c.keys);
        loadDet(m);
        const out = m.forward(new tg.Tensor(Float32Array.from(c.ids), c.ids_shape));
        assertClose(`${c.name}: output`, out, c.output);
        out.backward(det(out.shape, 2000, 1));
        assertClose(`${c.name}: weight grad`, m.weight.grad, c.weight_grad);
        expect(m.toString()).toBe(c.repr);
      });
    }

    it("the functional forms with PyTorch's positional arguments", async () => {
      await on();
      const x = det([1, 2, 3, 4], 1000, 2);
      assertClose('convTranspose2d', tg.convTranspose2d(x, det([2, 3, 3, 3], 1, 0.5), det([3], 2, 0.4), 2, 1, 1), byName('F.conv_transpose2d(x, w, b, 2, 1, 1)').output);
      assertClose('interpolate', tg.interpolate(x, null, 2, 'bilinear', true), byName('F.interpolate(x, None, 2, "bilinear", True)').output);
      const x1 = det([2, 3, 8], 1000, 2);
      assertClose('conv1d', nn.functional.conv1d(x1, det([4, 3, 3], 1, 0.5), det([4], 2, 0.4), 2, 1), byName('F.conv1d(x, w, b, 2, 1)').output);
      assertClose('maxPool1d', nn.functional.maxPool1d(x1, 3, 2, 1), byName('F.max_pool1d(x, 3, 2, 1)').output);
      assertClose('avgPool1d', nn.functional.avgPool1d(x1, 3, 2, 1, true, false), byName('F.avg_pool1d(x, 3, 2, 1, True, False)').output);
      assertClose('embedding', nn.functional.embedding(tg.tensor([[1, 0], [3, 1]]), det([4, 3], 3, 1), 1), byName('F.embedding(ids, w, 1)').output);
    });
  });
}

describe('the layers load PyTorch state dicts strictly and print like PyTorch', () => {
  it('Embedding.fromPretrained shares the table and freezes it unless told', () => {
    const table = detParam('weight', [5, 3], 0);
    const frozen = nn.Embedding.fromPretrained(table);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.weight.data).toBe(table.data);
    expect(nn.Embedding.fromPretrained(table, false, 2).weight.requiresGrad).toBe(true);
    expect(Array.from(frozen.forward(tg.tensor([4])).data)).toEqual(Array.from(table.data.slice(12, 15)));
  });

  it("Embedding's init is N(0, 1) with the padding row zero", () => {
    const m = new nn.Embedding(200, 10, { paddingIdx: 3, generator: new tg.Generator(1) });
    const w = Array.from(m.weight.data);
    expect(w.slice(30, 40)).toEqual(new Array(10).fill(0));
    const rest = [...w.slice(0, 30), ...w.slice(40)];
    const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
    const sd = Math.sqrt(rest.reduce((a, b) => a + (b - mean) ** 2, 0) / rest.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(sd - 1)).toBeLessThan(0.1);
  });

  it('outputShape agrees with a forward pass', () => {
    const layers: Array<[nn.Module & { outputShape(s: readonly number[]): number[] }, number[]]> = [
      [new nn.ConvTranspose2d(2, 3, 3, 2, 1, 1), [2, 2, 4, 5]],
      [new nn.Conv1d(2, 3, 4, { padding: 'same', paddingMode: 'reflect' }), [2, 2, 7]],
      [new nn.MaxPool1d(3, 2, 1, 1, false, true), [1, 2, 8]],
      [new nn.AvgPool1d(3, 2, 1, true), [1, 2, 8]],
      [new nn.Upsample(null, [1.5, 2]), [1, 2, 3, 5]],
      [new nn.Embedding(5, 4), [2, 3]],
    ];
    for (const [layer, shape] of layers) {
      const x = layer instanceof nn.Embedding ? tg.zeros(shape) : tg.zeros(shape);
      expect(layer.outputShape(shape), layer.toString()).toEqual([...layer.forward(x).shape]);
    }
  });
});

describe('bad input: errors name the op, what was expected and what came', () => {
  const x4 = tg.zeros([1, 2, 4, 4]);
  const x3 = tg.zeros([1, 2, 8]);

  it('convTranspose2d / ConvTranspose2d', () => {
    const w = tg.zeros([2, 3, 3, 3]);
    expect(() => tg.convTranspose2d(tg.zeros([2, 4]), w)).toThrow('convTranspose2d: expected input of shape [N, C, H, W] or [C, H, W], got [2,4]');
    expect(() => tg.convTranspose2d(tg.zeros([1, 5, 4, 4]), w)).toThrow('convTranspose2d: input has 5 channels but weight expects 2 (input [1,5,4,4], weight [2,3,3,3])');
    expect(() => tg.convTranspose2d(x4, w, tg.zeros([4]))).toThrow('convTranspose2d: bias must have shape [3] for 3 output channels, got [4]');
    expect(() => tg.convTranspose2d(x4, w, null, { stride: 2, outputPadding: 2 })).toThrow('convTranspose2d: outputPadding 2 (height) must be smaller than the stride (2) or the dilation (1)');
    expect(() => tg.convTranspose2d(x4, w, null, { padding: 4 })).toThrow('convTranspose2d: the output would be -2x-2');
    expect(() => tg.convTranspose2d(x4, w, null, { padding: 'same' as unknown as number })).toThrow("convTranspose2d: padding must be a number or a pair (PyTorch has no 'same'");
    expect(() => tg.convTranspose2d(x4, w, null, { stride: 2, outputPading: 1 } as never)).toThrow("convTranspose2d: unknown option 'outputPading' (did you mean 'outputPadding'?)");
    expect(() => new nn.ConvTranspose2d(3, 4, 3, { groups: 2 })).toThrow('ConvTranspose2d: inChannels (3) and outChannels (4) must both be divisible by groups (2)');
    expect(() => new nn.ConvTranspose2d(2, 4, 3, { paddingMode: 'reflect' as 'zeros' })).toThrow("ConvTranspose2d: only paddingMode 'zeros' is supported");
    expect(() => new nn.ConvTranspose2d(2, 4, 3).forward(tg.zeros([1, 3, 4, 4]))).toThrow('ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(1, 1)): expected input [N, 2, H, W] or [2, H, W], got [1,3,4,4]');
    expect(() => new nn.ConvTranspose2d(2, 4, 3, 2).forward(x4, [12, 9])).toThrow('ConvTranspose2d: outputSize [12,9] is not reachable from input [1,2,4,4]: dim 0 can be 9 to 10');
  });

  it('conv1d / Conv1d', () => {
    const w = tg.zeros([3, 2, 3]);
    expect(() => tg.conv1d(x4, w)).toThrow('conv1d: expected input of shape [N, C, L] or [C, L], got [1,2,4,4]');
    expect(() => tg.conv1d(x3, tg.zeros([3, 2, 3, 3]))).toThrow('conv1d: expected weight of shape [outChannels, inChannels/groups, k], got [3,2,3,3]');
    expect(() => tg.conv1d(tg.zeros([1, 4, 8]), w)).toThrow('conv1d: input has 4 channels but weight expects 2 (input [1,4,8], weight [3,2,3])');
    expect(() => tg.conv1d(tg.zeros([1, 2, 2]), w)).toThrow('conv1d: the output would have length 0: the padded input (2) is shorter than the dilated kernel (3)');
    expect(() => tg.conv1d(x3, w, null, { stride: 2, padding: 'same' })).toThrow("conv1d: padding 'same' needs stride 1, got stride 2");
    expect(() => tg.conv1d(x3, w, tg.zeros([2]))).toThrow('conv1d: bias must be a Tensor of shape [3] for 3 output channels, got [2]');
    expect(() => new nn.Conv1d(2, 3, [3, 3] as unknown as number)).toThrow('Conv1d: kernelSize must be an integer >= 1 or a one-element array of one, got [3,3]');
    expect(() => new nn.Conv1d(2, 3, 3).forward(x4)).toThrow('Conv1d(2, 3, kernel_size=(3,), stride=(1,)): expected input [N, 2, L] or [2, L], got [1,2,4,4]');
  });

  it('maxPool1d / avgPool1d and their layers', () => {
    expect(() => tg.maxPool1d(x4, 2)).toThrow('maxPool1d: expected input of shape [N, C, L] or [C, L], got [1,2,4,4]');
    expect(() => tg.maxPool1d(x3, 3, 1, 2)).toThrow('maxPool1d: padding 2 must be at most half the kernel size 3');
    expect(() => tg.maxPool1d(tg.zeros([1, 2, 2]), 3)).toThrow('maxPool1d: the output would have length 0: input [1,2,2] is too short for kernel 3 with padding 0 and dilation 1');
    expect(() => tg.maxPool1d(x3, { kernelSize: 2, returnIndices: true })).toThrow('maxPool1d: returnIndices true is not supported (only false)');
    expect(() => tg.avgPool1d(x3, { kernelSize: 2, dilation: 2 } as never)).toThrow("avgPool1d: unknown option 'dilation'");
    expect(() => new nn.MaxPool1d({} as never)).toThrow('MaxPool1d: kernelSize is required');
    expect(() => new nn.AvgPool1d(2).forward(x4)).toThrow('AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,)): expected input [N, C, L] or [C, L], got [1,2,4,4]');
  });

  it('interpolate / Upsample', () => {
    expect(() => tg.interpolate(x4)).toThrow('interpolate: give exactly one of size and scaleFactor, got neither');
    expect(() => tg.interpolate(x4, 3, 2)).toThrow('interpolate: give exactly one of size and scaleFactor, got both');
    expect(() => tg.interpolate(x4, [3, 4, 5])).toThrow('interpolate: size [3,4,5] must have one entry per spatial dim of input [1,2,4,4] (2)');
    expect(() => tg.interpolate(x3, { size: 4, mode: 'bilinear' })).toThrow("interpolate: mode 'bilinear' needs 4-D input [N, C, H, W], got [1,2,8]");
    expect(() => tg.interpolate(x4, { size: 4, mode: 'lanczos' as 'bilinear' })).toThrow("interpolate: mode must be one of 'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', got \"lanczos\"");
    expect(() => tg.interpolate(x4, { size: 4, alignCorners: true })).toThrow("interpolate: alignCorners can only be set with the interpolating modes (linear, bilinear, bicubic, trilinear), not 'nearest'");
    expect(() => tg.interpolate(x4, null, 0.1)).toThrow('interpolate: input [1,2,4,4] and output [1,2,0,0] must both have every spatial size above 0');
    expect(() => tg.interpolate(tg.zeros([2, 4]), 3)).toThrow('interpolate: expected input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got [2,4]');
    expect(() => tg.interpolate(x4, null, -2)).toThrow('interpolate: scaleFactor must hold positive numbers, got -2');
    expect(() => new nn.Upsample({ scale_factor: 2 } as never)).toThrow("Upsample: unknown option 'scale_factor' (did you mean 'scaleFactor'?)");
  });

  it('embedding / Embedding', () => {
    const w = tg.zeros([4, 3]);
    expect(() => tg.embedding(tg.tensor([1, 4]), w)).toThrow('embedding: id 4 at position 1 of ids [2] is not a row of weight [4,3] (integers 0..3)');
    expect(() => tg.embedding(tg.tensor([1.5]), w)).toThrow('embedding: id 1.5 at position 0 of ids [1] is not a row of weight [4,3]');
    expect(() => tg.embedding(tg.tensor([1]), tg.zeros([4]))).toThrow('embedding: weight must be a Tensor of shape [numEmbeddings, embeddingDim], got [4]');
    expect(() => tg.embedding(tg.tensor([1]), w, 4)).toThrow('embedding: paddingIdx must be an integer in [-4, 4) for 4 embeddings, got 4');
    expect(() => tg.embedding(tg.tensor([1]), w, { maxNorm: NaN })).toThrow('embedding: maxNorm must be a number or null, got NaN');
    expect(() => new nn.Embedding(4, 3, { sparse: true })).toThrow('Embedding: sparse true is not supported (the gradient is dense)');
    expect(() => new nn.Embedding(4, 3, -5)).toThrow('Embedding: paddingIdx must be an integer in [-4, 4) for 4 embeddings, got -5');
    expect(() => new nn.Embedding(0, 3)).toThrow('Embedding: numEmbeddings must be a positive integer, got 0');
  });
});

describe("the positional forms a PyTorch user writes give what the options object gives", () => {
  /** Same class, print, state-dict keys, shapes and values under one seed. */
  function expectSameModule(positional: () => nn.AnyModule, options: () => nn.AnyModule): void {
    tg.manualSeed(7);
    const a = positional();
    tg.manualSeed(7);
    const b = options();
    expect(a.constructor).toBe(b.constructor);
    expect(a.toString()).toBe(b.toString());
    const [sa, sb] = [a.stateDict(), b.stateDict()];
    expect(Object.keys(sa)).toEqual(Object.keys(sb));
    for (const k of Object.keys(sa)) expect(Array.from(sa[k].data), k).toEqual(Array.from(sb[k].data));
  }
  const cases: Array<[string, () => nn.AnyModule, () => nn.AnyModule]> = [
    ['ConvTranspose2d(16, 8, 4, 2, 1)', () => new nn.ConvTranspose2d(16, 8, 4, 2, 1), () => new nn.ConvTranspose2d({ inChannels: 16, outChannels: 8, kernelSize: 4, stride: 2, padding: 1 })],
    [
      'ConvTranspose2d(4, 6, 3, 2, 1, 1, 2, false, 2)',
      () => new nn.ConvTranspose2d(4, 6, 3, 2, 1, 1, 2, false, 2),
      () => new nn.ConvTranspose2d({ inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: false, dilation: 2 }),
    ],
    ['Conv1d(3, 8, 5, { padding: 2 })', () => new nn.Conv1d(3, 8, 5, { padding: 2 }), () => new nn.Conv1d({ inChannels: 3, outChannels: 8, kernelSize: 5, padding: 2 })],
    ["Conv1d(4, 4, 3, 1, 'same', 2, 4, false, 'replicate')", () => new nn.Conv1d(4, 4, 3, 1, 'same', 2, 4, false, 'replicate'),
      () => new nn.Conv1d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 'same', dilation: 2, groups: 4, bias: false, paddingMode: 'replicate' })],
    ['MaxPool1d(3, 2, 1, 1, false, true)', () => new nn.MaxPool1d(3, 2, 1, 1, false, true), () => new nn.MaxPool1d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true })],
    ['AvgPool1d(3, null, 1, false, false)', () => new nn.AvgPool1d(3, null, 1, false, false), () => new nn.AvgPool1d({ kernelSize: 3, padding: 1, countIncludePad: false })],
    ["Upsample(null, 2, 'bilinear', true)", () => new nn.Upsample(null, 2, 'bilinear', true), () => new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true })],
    ['Upsample([4, 6])', () => new nn.Upsample([4, 6]), () => new nn.Upsample({ size: [4, 6] })],
    ['UpsamplingBilinear2d(null, 2)', () => new nn.UpsamplingBilinear2d(null, 2), () => new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true })],
    ['Embedding(10, 4, 0)', () => new nn.Embedding(10, 4, 0), () => new nn.Embedding({ numEmbeddings: 10, embeddingDim: 4, paddingIdx: 0 })],
  ];
  for (const [name, positional, options] of cases) {
    it(name, () => {
      // UpsamplingBilinear2d is Upsample with fixed options: the same layer but for its class and name
      if (name.startsWith('UpsamplingBilinear2d')) {
        expect(positional().toString()).toBe(options().toString().replace('Upsample', 'UpsamplingBilinear2d'));
        return;
      }
      expectSameModule(positional, options);
    });
  }

  it('the layers sit in a Sequential: a small autoencoder and a 1-D signal net train end to end', () => {
    tg.manualSeed(3);
    const autoencoder = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, 2, 1), new nn.ReLU(), new nn.Upsample(null, 0.5), // 8 → 4 → 2
      new nn.ConvTranspose2d(4, 2, 3, 2, 1, 1), new nn.ReLU(), new nn.Upsample(null, 2, 'bilinear'), new nn.Conv2d(2, 1, 3, 1, 1), // 2 → 4 → 8
    );
    const signal = new nn.Sequential(new nn.Embedding(7, 3), new nn.Flatten(1), new nn.Linear(12, 8));
    const net1d = new nn.Sequential(new nn.Conv1d(1, 4, 3, 1, 'same'), new nn.MaxPool1d(2), new nn.AvgPool1d(2), new nn.Flatten(1), new nn.Linear(16, 2));
    const image = det([2, 1, 8, 8], 5);
    expect(autoencoder.forward(image).shape).toEqual([2, 1, 8, 8]);
    expect(signal.forward(tg.tensor([[1, 2, 3, 6], [0, 0, 5, 4]])).shape).toEqual([2, 8]);
    const loss = tg.mse(autoencoder.forward(image), image).add(net1d.forward(det([2, 1, 16], 6)).pow(2).mean());
    loss.backward();
    for (const p of [...autoencoder.parameters(), ...net1d.parameters()]) expect(p.grad?.data.some((v) => v !== 0)).toBe(true);
  });
});
