// The second round of issue 16's layers against PyTorch 1.13 (tests/fixtures/nn/layers2.json, made by
// make_layers2_fixtures.py): Upsample / interpolate modes 'bicubic' and 'area', Embedding with maxNorm and
// normType, ConvTranspose1d, and the 3-D layers Conv3d, MaxPool3d, AvgPool3d and BatchNorm3d (train and
// eval). Output, input gradient, parameter gradients, running statistics and print, on 'js' and (where it
// loads) 'wasm'. Then the errors for bad input, one group per op family.

import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { assertClose, build, checkModuleCase, det, loadCases, loadDet, type FixtureTensor, type ModuleCase } from './helpers.js';

const BACKENDS: tg.BackendName[] = ['js'];
try {
  const wasm = await import('../../kernels-wasm/index.js');
  if (wasm.wasmSimdSupported()) BACKENDS.push('wasm');
} catch (e) {
  console.warn(`layers2.test.ts: the 'wasm' backend is not checked (${(e as Error).message})`);
}
afterAll(() => tg.setBackend('js'));

interface EmbeddingCase {
  name: string;
  options: { numEmbeddings: number; embeddingDim: number; paddingIdx?: number; maxNorm: number; normType?: number | 'Infinity' };
  ids: number[];
  ids_shape: number[];
  keys: Array<[string, number[]]>;
  output: FixtureTensor;
  weight_after: FixtureTensor;
  weight_grad: FixtureTensor;
  repr: string;
}

const all = loadCases<ModuleCase & Partial<EmbeddingCase>>('layers2.json');
const moduleCases = all.filter((c) => c.input_grad !== undefined);
const embeddingCases = all.filter((c) => c.ctor === 'Embedding') as unknown as EmbeddingCase[];
const byName = (name: string) => {
  const c = all.find((k) => k.name === name);
  if (!c) throw new Error(`layers2.json has no case '${name}'`);
  return c;
};

it('has the fixture cases', () => {
  expect(moduleCases.filter((c) => c.ctor === 'Upsample').length).toBe(15);
  expect(moduleCases.filter((c) => c.ctor === 'ConvTranspose1d').length).toBe(5);
  expect(embeddingCases.length).toBe(5);
  expect(moduleCases.filter((c) => /3d$/.test(c.ctor)).length).toBe(19);
});

for (const backend of BACKENDS) {
  describe(`layers match PyTorch on '${backend}'`, () => {
    const on = async () => tg.setBackend(backend);

    for (const c of moduleCases) {
      it(c.name, async () => {
        await on();
        const m = build(c.ctor, c.options);
        checkModuleCase(c, m);
        expect(m.toString()).toBe(c.repr);
      });
    }

    for (const c of embeddingCases) {
      it(c.name, async () => {
        await on();
        const { normType, ...rest } = c.options;
        const m = new nn.Embedding({ ...rest, normType: normType === 'Infinity' ? Infinity : normType });
        expect(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]])).toEqual(c.keys);
        loadDet(m);
        const out = m.forward(new tg.Tensor(Float32Array.from(c.ids), c.ids_shape));
        assertClose(`${c.name}: output`, out, c.output);
        assertClose(`${c.name}: the weight renormalised in place`, m.weight, c.weight_after);
        out.backward(det(out.shape, 2000, 1));
        assertClose(`${c.name}: weight grad`, m.weight.grad, c.weight_grad);
        expect(m.toString()).toBe(c.repr);
      });
    }

    it('ConvTranspose1d forward(input, outputSize) picks the output padding', async () => {
      await on();
      const c = byName('ConvTranspose1d forward with output_size [8]');
      const m = build(c.ctor, c.options) as nn.ConvTranspose1d;
      loadDet(m);
      assertClose(c.name, m.forward(det(c.input_shape, 1000, 2), c.output_size as number[]), c.output);
    });

    it("the functional forms with PyTorch's positional arguments", async () => {
      await on();
      const w = det([4, 3], 3, 3);
      const looked = nn.functional.embedding(tg.tensor([[1, 0], [3, 1]]), w, null, 1.0);
      assertClose('embedding maxNorm', looked, byName('F.embedding(ids, w, None, 1.0)').output);
      assertClose('embedding maxNorm: w renormalised in place', w, byName('F.embedding(ids, w, None, 1.0)').weight_after as FixtureTensor);
      const x1 = det([2, 3, 5], 1000, 2);
      const x3 = det([1, 2, 4, 5, 4], 1000, 2);
      assertClose('conv3d', nn.functional.conv3d(x3, det([3, 2, 3, 3, 3], 1, 0.5), det([3], 2, 0.4), 2, 1), byName('F.conv3d(x, w, b, 2, 1)').output);
      assertClose('maxPool3d', nn.functional.maxPool3d(x3, 3, 2, 1, 1, true), byName('F.max_pool3d(x, 3, 2, 1, 1, True)').output);
      assertClose('avgPool3d', nn.functional.avgPool3d(x3, 3, 2, 1, true, false), byName('F.avg_pool3d(x, 3, 2, 1, True, False)').output);
      const ties = byName('F.max_pool3d(min(x, 0), 3, 2, 1, 1, True): ties');
      const xr = det([1, 2, 5, 6, 5], 1000, 2).clamp(null, 0).setRequiresGrad(); // most windows' maximum is a tied 0
      const pooled = tg.maxPool3d(xr, 3, 2, 1, 1, true);
      assertClose('maxPool3d at ties', pooled, ties.output);
      pooled.backward(det(pooled.shape, 2000, 1));
      assertClose('maxPool3d at ties: the gradient at the first maximum', xr.grad, ties.input_grad_at_ties as FixtureTensor);
      assertClose('convTranspose1d', nn.functional.convTranspose1d(x1, det([3, 4, 3], 1, 0.5), det([4], 2, 0.4), 2, 1, 1, 1, 2), byName('F.conv_transpose1d(x, w, b, 2, 1, 1, 1, 2)').output);
      const x = det([1, 2, 3, 4], 1000, 2);
      assertClose('interpolate bicubic', tg.interpolate(x, null, 2, 'bicubic', true), byName('F.interpolate(x, None, 2, "bicubic", True)').output);
      assertClose('interpolate area', nn.functional.interpolate(x, [2, 3], null, 'area'), byName('F.interpolate(x, (2, 3), None, "area")').output);
    });
  });
}

describe('bad input gets a clear error', () => {
  const x3 = tg.zeros([1, 2, 8]);
  const x4 = tg.zeros([1, 2, 4, 4]);

  it('interpolate bicubic / area', () => {
    expect(() => tg.interpolate(x3, { size: 4, mode: 'bicubic' })).toThrow("interpolate: mode 'bicubic' needs 4-D input [N, C, H, W], got [1,2,8]");
    expect(() => tg.interpolate(x4, { size: 2, mode: 'area', alignCorners: false })).toThrow("interpolate: alignCorners can only be set with the interpolating modes (linear, bilinear, bicubic, trilinear), not 'area'");
    expect(() => tg.interpolate(x4, { size: 2, mode: 'bicubic', antialias: true })).toThrow('interpolate: antialias true is not supported (only false)');
    expect(() => tg.interpolate(x4, { size: 2, mode: 'cubic' as 'bicubic' })).toThrow("interpolate: mode must be one of 'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', got \"cubic\"");
    expect(() => tg.interpolate(tg.zeros([1, 1, 2, 2, 2, 2]), { size: 1, mode: 'area' })).toThrow('interpolate: expected input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got [1,1,2,2,2,2]');
  });

  it('embedding maxNorm / normType', () => {
    const w = tg.zeros([4, 3]);
    expect(() => tg.embedding(tg.tensor([1]), w, { maxNorm: NaN })).toThrow('embedding: maxNorm must be a number or null, got NaN');
    expect(() => tg.embedding(tg.tensor([1]), w, null, 1, NaN)).toThrow('embedding: normType must be a number, got NaN');
    expect(() => new nn.Embedding(4, 3, { maxNorm: NaN })).toThrow('Embedding: maxNorm must be a number or null, got NaN');
    expect(() => new nn.Embedding(4, 3, { maxNorm: '1' as never })).toThrow('Embedding');
  });

  it('convTranspose1d / ConvTranspose1d', () => {
    const w = tg.zeros([2, 3, 3]);
    expect(() => tg.convTranspose1d(tg.zeros([1, 2, 4, 4]), w)).toThrow('convTranspose1d: expected input of shape [N, C, L] or [C, L], got [1,2,4,4]');
    expect(() => tg.convTranspose1d(x3, tg.zeros([2, 3, 3, 3]))).toThrow('convTranspose1d: expected weight of shape [inChannels, outChannels/groups, k], got [2,3,3,3]');
    expect(() => tg.convTranspose1d(tg.zeros([1, 3, 8]), w)).toThrow('convTranspose1d: input has 3 channels but weight expects 2 (input [1,3,8], weight [2,3,3])');
    expect(() => tg.convTranspose1d(x3, w, null, { groups: 4 })).toThrow('convTranspose1d: 2 input channels cannot be split into 4 groups (input [1,2,8], weight [2,3,3])');
    expect(() => tg.convTranspose1d(x3, w, tg.zeros([2]))).toThrow('convTranspose1d: bias must be a Tensor of shape [3] for 3 output channels, got [2]');
    expect(() => tg.convTranspose1d(x3, w, null, 2, 0, 2)).toThrow('convTranspose1d: outputPadding 2 must be smaller than the stride (2) or the dilation (1)');
    expect(() => tg.convTranspose1d(tg.zeros([1, 2, 1]), w, null, { padding: 2 })).toThrow('convTranspose1d: the output would have length -1: padding 2 takes more than the input gives (input [1,2,1], weight [2,3,3])');
    expect(() => tg.convTranspose1d(x3, w, null, { stride: [1, 2] as never })).toThrow('convTranspose1d: stride must be an integer >= 1 or a one-element array of one, got [1,2]');
    expect(() => new nn.ConvTranspose1d(2, 3, 3, 1, 0, 1)).toThrow('ConvTranspose1d: outputPadding 1 must be smaller than the stride (1) or the dilation (1)');
    expect(() => new nn.ConvTranspose1d(2, 3, 3, { paddingMode: 'reflect' as 'zeros' })).toThrow("ConvTranspose1d: only paddingMode 'zeros' is supported for transposed convolutions (as in PyTorch), got \"reflect\"");
    expect(() => new nn.ConvTranspose1d(3, 4, 3, { groups: 2 })).toThrow('ConvTranspose1d: inChannels (3) and outChannels (4) must both be divisible by groups (2)');
    expect(() => new nn.ConvTranspose1d(2, 3, 3).forward(tg.zeros([1, 3, 5]))).toThrow('ConvTranspose1d(2, 3, kernel_size=(3,), stride=(1,)): expected input [N, 2, L] or [2, L], got [1,3,5]');
    expect(() => new nn.ConvTranspose1d(2, 3, 3, 2).forward(x3, [20])).toThrow('ConvTranspose1d: outputSize [20] is not reachable from input [1,2,8]: the length can be 17 to 18');
  });

  it('conv3d / Conv3d', () => {
    const x5 = tg.zeros([1, 2, 3, 4, 4]);
    const w = tg.zeros([3, 2, 2, 2, 2]);
    expect(() => tg.conv3d(x4, w)).toThrow('conv3d: input has 1 channels but weight expects 2 (input [1,2,4,4], weight [3,2,2,2,2])');
    expect(() => tg.conv3d(tg.zeros([2, 4]), w)).toThrow('conv3d: expected input of shape [N, C, D, H, W] or [C, D, H, W], got [2,4]');
    expect(() => tg.conv3d(x5, tg.zeros([3, 2, 2, 2]))).toThrow('conv3d: expected weight of shape [outChannels, inChannels/groups, kD, kH, kW], got [3,2,2,2]');
    expect(() => tg.conv3d(tg.zeros([1, 3, 3, 4, 4]), w)).toThrow('conv3d: input has 3 channels but weight expects 2 (input [1,3,3,4,4], weight [3,2,2,2,2])');
    expect(() => tg.conv3d(tg.zeros([1, 4, 3, 4, 4]), w, null, { groups: 2 })).toThrow('conv3d: 3 output channels cannot be split into 2 groups (input [1,4,3,4,4], weight [3,2,2,2,2])');
    expect(() => tg.conv3d(x5, w, tg.zeros([2]))).toThrow('conv3d: bias must be a Tensor of shape [3] for 3 output channels, got [2]');
    expect(() => tg.conv3d(x5, w, null, { stride: [1, 2] as never })).toThrow('conv3d: stride must be an integer >= 1 or three of them [depth, height, width], got [1,2]');
    expect(() => tg.conv3d(x5, w, null, 2, 'same')).toThrow("conv3d: padding 'same' needs stride 1, got stride [2,2,2]");
    expect(() => tg.conv3d(tg.zeros([1, 2, 1, 4, 4]), w)).toThrow('conv3d: the output would be 0x3x3: the padded input is smaller than the dilated kernel (input [1,2,1,4,4], weight [3,2,2,2,2])');
    expect(() => new nn.Conv3d(2, 3, 3, { paddingMode: 'mirror' as 'zeros' })).toThrow("Conv3d: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got \"mirror\"");
    expect(() => new nn.Conv3d(3, 4, 3, { groups: 2 })).toThrow('Conv3d: inChannels (3) and outChannels (4) must both be divisible by groups (2)');
    expect(() => new nn.Conv3d(2, 3, 2).forward(x4)).toThrow('Conv3d(2, 3, kernel_size=(2, 2, 2), stride=(1, 1, 1)): expected input [N, 2, D, H, W] or [2, D, H, W], got [1,2,4,4]');
  });

  it('maxPool3d / avgPool3d and their layers', () => {
    const x5 = tg.zeros([1, 2, 3, 4, 4]);
    expect(() => tg.maxPool3d(x3, 2)).toThrow('maxPool3d: expected input of shape [N, C, D, H, W] or [C, D, H, W], got [1,2,8]');
    expect(() => tg.maxPool3d(x5, 3, 1, [2, 1, 1])).toThrow('maxPool3d: padding [2,1,1] must be at most half the kernel size [3,3,3]');
    expect(() => tg.maxPool3d(x5, 4)).toThrow('maxPool3d: the output would be 0x1x1: input [1,2,3,4,4] is too small for kernel [4,4,4] with padding [0,0,0] and dilation [1,1,1]');
    expect(() => tg.maxPool3d(x5, { kernelSize: 2, returnIndices: true })).toThrow('maxPool3d: returnIndices true is not supported (only false)');
    expect(() => tg.avgPool3d(x5, { kernelSize: 2, dilation: 2 } as never)).toThrow("avgPool3d: unknown option 'dilation'");
    expect(() => tg.avgPool3d(x5, { kernelSize: 2, divisorOverride: 3 })).toThrow('avgPool3d: divisorOverride is not supported (only null)');
    expect(() => new nn.MaxPool3d({} as never)).toThrow('MaxPool3d: kernelSize is required');
    expect(() => new nn.MaxPool3d(2, [1, 1] as never)).toThrow('MaxPool3d: stride must be an integer >= 1 or three of them [depth, height, width], got [1,1]');
    expect(() => new nn.AvgPool3d(2).forward(x3)).toThrow('AvgPool3d(kernel_size=2, stride=2, padding=0): expected input [N, C, D, H, W] or [C, D, H, W], got [1,2,8]');
  });

  it('BatchNorm3d', () => {
    expect(() => new nn.BatchNorm3d(2).forward(x4)).toThrow('BatchNorm3d: expected input [N, C, D, H, W], got [1,2,4,4]');
    expect(() => new nn.BatchNorm3d(3).forward(tg.zeros([1, 2, 2, 2, 2]))).toThrow('BatchNorm3d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True): expected 3 channels in dim 1, got input [1,2,2,2,2]');
  });

  it('outputShape agrees with a forward pass', () => {
    const layers: Array<[nn.Module & { outputShape(s: readonly number[]): number[] }, number[]]> = [
      [new nn.ConvTranspose1d(2, 3, 3, 2, 1, 1, 1, true, 2), [2, 2, 5]],
      [new nn.Upsample([3, 5], null, 'area'), [1, 2, 7, 8]],
      [new nn.Upsample(null, 1.5, 'bicubic'), [1, 2, 3, 5]],
      [new nn.Conv3d(2, 4, [3, 2, 1], 2, [1, 0, 0], [2, 1, 1], 2, false, 'reflect'), [1, 2, 5, 6, 4]],
      [new nn.Conv3d(2, 4, [2, 3, 4], { padding: 'same' }), [1, 2, 5, 6, 4]],
      [new nn.MaxPool3d([3, 2, 2], [2, 1, 1], 1, 1, false, true), [1, 2, 5, 6, 4]],
      [new nn.AvgPool3d([3, 2, 2], [2, 1, 1], 1, true, false), [2, 5, 6, 4]],
      [new nn.BatchNorm3d(2), [2, 2, 3, 2, 2]],
    ];
    for (const [layer, shape] of layers) expect((layer.forward(tg.zeros(shape)) as tg.Tensor).shape).toEqual(layer.outputShape(shape));
  });
});

describe('the positional forms a PyTorch user writes give what the options object gives', () => {
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
    ["Upsample(null, 2, 'bicubic', true)", () => new nn.Upsample(null, 2, 'bicubic', true), () => new nn.Upsample({ scaleFactor: 2, mode: 'bicubic', alignCorners: true })],
    ["Upsample([3, 5], null, 'area')", () => new nn.Upsample([3, 5], null, 'area'), () => new nn.Upsample({ size: [3, 5], mode: 'area' })],
    ['Embedding(10, 4, 0, 1.5, 1)', () => new nn.Embedding(10, 4, 0, 1.5, 1), () => new nn.Embedding({ numEmbeddings: 10, embeddingDim: 4, paddingIdx: 0, maxNorm: 1.5, normType: 1 })],
    [
      'ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, false, 2)',
      () => new nn.ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, false, 2),
      () => new nn.ConvTranspose1d({ inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: false, dilation: 2 }),
    ],
    [
      "Conv3d(4, 4, [3, 2, 1], 1, 'same', 2, 4, false, 'replicate')",
      () => new nn.Conv3d(4, 4, [3, 2, 1], 1, 'same', 2, 4, false, 'replicate'),
      () => new nn.Conv3d({ inChannels: 4, outChannels: 4, kernelSize: [3, 2, 1], padding: 'same', dilation: 2, groups: 4, bias: false, paddingMode: 'replicate' }),
    ],
    ['MaxPool3d(3, 2, 1, 1, false, true)', () => new nn.MaxPool3d(3, 2, 1, 1, false, true), () => new nn.MaxPool3d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true })],
    ['AvgPool3d([3, 2, 2], null, 1, true, false)', () => new nn.AvgPool3d([3, 2, 2], null, 1, true, false), () => new nn.AvgPool3d({ kernelSize: [3, 2, 2], padding: 1, ceilMode: true, countIncludePad: false })],
    ['BatchNorm3d(4, 1e-3, null)', () => new nn.BatchNorm3d(4, 1e-3, null), () => new nn.BatchNorm3d({ numFeatures: 4, eps: 1e-3, momentum: null })],
  ];
  for (const [name, positional, options] of cases) it(name, () => expectSameModule(positional, options));

  it('Embedding.fromPretrained takes maxNorm and normType in PyTorch\'s order', () => {
    const table = det([5, 3], 3, 6);
    const layer = nn.Embedding.fromPretrained(table, true, null, 1, 1);
    expect(layer.toString()).toBe('Embedding(5, 3, max_norm=1.0, norm_type=1.0)');
    const row = layer.forward(tg.tensor([2]));
    expect(Array.from(row.data).reduce((a, v) => a + Math.abs(v), 0)).toBeCloseTo(1, 5);
  });
});
