// The activations and normalization layers of issue 16 against PyTorch 1.13
// (tests/fixtures/nn/activation_norm.json, made by make_activation_norm_fixtures.py): each module's
// output, input gradient, parameter gradients, running statistics and repr, in train and eval mode where
// they differ; each activation's value and gradient at its kinks, where PyTorch picks one side; and the
// errors for bad input, one family at a time. On 'js', and on 'wasm' where WebAssembly SIMD runs.

import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { assertClose, build, checkModuleCase, loadCases, type FixtureTensor, type ModuleCase } from './helpers.js';

interface KinkCase {
  kind: 'kink';
  name: string;
  fn: string;
  args: number[];
  input: number[];
  upstream: FixtureTensor;
  output: FixtureTensor;
  input_grad: FixtureTensor;
}

const all = loadCases<ModuleCase | KinkCase>('activation_norm.json');
const modules = all.filter((c): c is ModuleCase => c.kind !== 'kink');
const kinks = all.filter((c): c is KinkCase => c.kind === 'kink');

const BACKENDS: tg.BackendName[] = ['js'];
try {
  const wasm = await import('../../kernels-wasm/index.js');
  if (wasm.wasmSimdSupported()) BACKENDS.push('wasm');
} catch (e) {
  console.warn(`activation-norm.test.ts: the 'wasm' backend is not checked (${(e as Error).message})`);
}
afterAll(() => tg.setBackend('js'));

/** The functional form each kink case names, with the case's extra arguments. */
const functions: Record<string, (x: tg.Tensor, ...args: number[]) => tg.Tensor> = {
  elu: (x, ...a) => tg.elu(x, ...(a as [number])),
  selu: (x) => tg.selu(x),
  celu: (x, ...a) => tg.celu(x, ...(a as [number])),
  silu: (x) => tg.silu(x),
  mish: (x) => tg.mish(x),
  hardswish: (x) => tg.hardswish(x),
  hardsigmoid: (x) => tg.hardsigmoid(x),
  softsign: (x) => tg.softsign(x),
  prelu: (x) => tg.prelu(x, tg.tensor([0.25])),
};

describe.each(BACKENDS)("issue 16's activations and normalization layers match PyTorch on '%s'", (backend) => {
  it('has the fixture cases', async () => {
    await tg.setBackend(backend);
    expect([modules.length, kinks.length]).toEqual([29, 10]);
  });
  for (const c of modules) {
    it(c.name, async () => {
      await tg.setBackend(backend);
      const m = build(c.ctor, c.options);
      checkModuleCase(c, m);
      expect(m.toString()).toBe(c.repr);
    });
  }
  for (const c of kinks) {
    it(`${c.name}: value and gradient at its kinks`, async () => {
      await tg.setBackend(backend);
      const x = tg.tensor(c.input, { requiresGrad: true });
      const y = functions[c.fn](x, ...c.args);
      y.backward(tg.tensor(c.upstream.data));
      assertClose(`${c.name}: output`, y, c.output);
      assertClose(`${c.name}: input grad`, x.grad, c.input_grad);
    });
  }
});

describe('the functional forms take PyTorch positional arguments or an options object', () => {
  const x = tg.tensor([[-2, -0.5, 0, 1.5], [3, -1, 0.25, -4]]);
  const same = (a: tg.Tensor, b: tg.Tensor) => expect(Array.from(a.data)).toEqual(Array.from(b.data));
  it('elu, celu, softmin, layerNorm, groupNorm, instanceNorm, localResponseNorm', () => {
    same(tg.elu(x, 0.5), tg.elu(x, { alpha: 0.5 }));
    same(tg.celu(x, 2), tg.celu(x, { alpha: 2 }));
    same(tg.softmin(x, 1), tg.softmin(x, { dim: 1 }));
    const w = tg.tensor([1, 2, 3, 4]);
    same(tg.layerNorm(x, [4], w, null, 1e-3), tg.layerNorm(x, 4, { weight: w, eps: 1e-3 }));
    const x4 = x.reshape(1, 4, 2, 1);
    same(tg.groupNorm(x4, 2, w), tg.groupNorm(x4, 2, { weight: w }));
    same(tg.instanceNorm(x4.reshape(2, 2, 2), null, null, null, null, true, 0.1, 1e-3), tg.instanceNorm(x4.reshape(2, 2, 2), { eps: 1e-3 }));
    same(tg.localResponseNorm(x4, 3, 1, 0.5, 2), tg.localResponseNorm(x4, 3, { alpha: 1, beta: 0.5, k: 2 }));
    expect(nn.functional.silu).toBe(tg.silu);
    expect(nn.functional.layerNorm).toBe(tg.layerNorm);
  });
});

describe('bad input: clear errors naming the op, what was expected and the shapes', () => {
  const x = tg.zeros([2, 3, 4]);
  it('activations', () => {
    expect(() => tg.silu([1, 2] as unknown as tg.Tensor)).toThrow('silu: expected a Tensor input, got an array (wrap it with tg.tensor)');
    expect(() => tg.elu(x, { alpah: 1 } as never)).toThrow("elu: unknown option 'alpah' (did you mean 'alpha'?)");
    expect(() => tg.elu(x, NaN)).toThrow('elu: alpha must be a finite number, got NaN');
    expect(() => tg.celu(x, 0)).toThrow('celu: alpha must not be 0');
    expect(() => (tg.softmin as unknown as (x: tg.Tensor) => tg.Tensor)(x)).toThrow('softmin: dim is required');
    expect(() => tg.softmin(x, 3)).toThrow('softmin: dim 3 is out of range for a tensor of shape [2,3,4]');
    expect(() => tg.prelu(x, tg.ones([4]))).toThrow('prelu: weight [4] must have 1 or 3 (the input\'s channels, dim 1) values for input [2,3,4]');
    expect(() => tg.prelu(tg.zeros([3]), tg.ones([3]))).toThrow('prelu: an input of rank 1 ([3]) has no channels (dim 1): weight must be [1], got [3]');
    expect(() => tg.prelu(x, tg.ones([3, 1]))).toThrow('prelu: weight must be 1-d ([1] or [channels]), got [3,1]');
    expect(() => new nn.PReLU(0)).toThrow('PReLU: numParameters must be a positive integer, got 0');
    expect(() => new nn.PReLU(3).forward(tg.zeros([2, 4]))).toThrow('prelu: weight [3] must have 1 or 4');
    expect(() => new nn.CELU(0)).toThrow('CELU: alpha must be a finite number other than 0, got 0');
    expect(() => new nn.SiLU('yes' as never)).toThrow('SiLU: argument 1 (inplace) must be a boolean');
    expect(() => new (nn.Softmin as unknown as new () => nn.Module)()).toThrow('Softmin: dim is required');
  });
  it('layer and group norm', () => {
    expect(() => tg.layerNorm(x, [3])).toThrow('layerNorm: normalizedShape [3] must be the last dims of the input: expected input [*, 3], got [2,3,4]');
    expect(() => tg.layerNorm(x, [])).toThrow('layerNorm: normalizedShape must be a non-negative integer or a non-empty list of them, got []');
    expect(() => tg.layerNorm(x, 4, tg.ones([3]))).toThrow('layerNorm: weight must have shape [4] for input [2,3,4], got [3]');
    expect(() => tg.layerNorm(x, 4, { eps: -1 })).toThrow('layerNorm: eps must be a finite number >= 0, got -1');
    expect(() => new nn.LayerNorm(4).forward(tg.zeros([4, 5]))).toThrow('layerNorm: normalizedShape [4] must be the last dims of the input: expected input [*, 4], got [4,5]');
    expect(() => new nn.LayerNorm([0])).toThrow('LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got [0]');
    expect(() => tg.groupNorm(x, 2)).toThrow("groupNorm: the input's 3 channels (dim 1 of [2,3,4]) must be divisible by numGroups 2");
    expect(() => tg.groupNorm(tg.zeros([3]), 1)).toThrow('groupNorm: expected input [N, C, ...], got [3]');
    expect(() => tg.groupNorm(x, 3, null, tg.ones([4]))).toThrow('groupNorm: bias must have shape [3] for input [2,3,4], got [4]');
    expect(() => new nn.GroupNorm(2, 3)).toThrow('GroupNorm: numChannels (3) must be divisible by numGroups (2)');
    expect(() => new nn.GroupNorm(2, 4).forward(x)).toThrow('GroupNorm(2, 4, eps=1e-05, affine=True): expected input [N, 4, ...], got [2,3,4]');
  });
  it('instance and local response norm', () => {
    expect(() => tg.instanceNorm(tg.zeros([2, 3]))).toThrow('instanceNorm: expected input [N, C, ...] with at least one spatial dim, got [2,3]');
    expect(() => tg.instanceNorm(tg.zeros([2, 3, 1]))).toThrow('instanceNorm: expected more than 1 spatial element when using the input\'s statistics, got input [2,3,1]');
    expect(() => tg.instanceNorm(x, tg.zeros([2]))).toThrow('instanceNorm: runningMean must have shape [3] for input [2,3,4], got [2]');
    expect(() => tg.instanceNorm(x, { useInputStats: false })).toThrow('instanceNorm: useInputStats false needs runningMean and runningVar');
    expect(() => new nn.InstanceNorm2d(3).forward(x.reshape(2, 3, 2, 2, 1))).toThrow('InstanceNorm2d: expected input [N, C, H, W] or [C, H, W], got [2,3,2,2,1]');
    expect(() => new nn.InstanceNorm2d(4, { affine: true }).forward(tg.zeros([1, 3, 2, 2]))).toThrow('InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=False): expected 4 channels in dim 1, got input [1,3,2,2]');
    // as PyTorch (which only warns), a layer with nothing per channel runs on any channel count
    expect(new nn.InstanceNorm2d(4).forward(tg.ones([1, 3, 2, 2])).shape).toEqual([1, 3, 2, 2]);
    expect(() => tg.localResponseNorm(tg.zeros([2, 3]), 2)).toThrow('localResponseNorm: expected input [N, C, ...] of rank 3 or more, got [2,3]');
    expect(() => tg.localResponseNorm(x, 0)).toThrow('localResponseNorm: size must be a positive integer, got 0');
    expect(() => tg.localResponseNorm(x, 2, { beta: Infinity })).toThrow('localResponseNorm: beta must be a finite number, got Infinity');
    expect(() => new nn.LocalResponseNorm(1.5)).toThrow('LocalResponseNorm: argument 1 (size) must be an integer, got number 1.5');
  });
});

describe('edge cases PyTorch allows', () => {
  it('layerNorm over one element gives zeros and a zero gradient; empty inputs give empty results', () => {
    const x = tg.tensor([[3], [-2]], { requiresGrad: true });
    const y = tg.layerNorm(x, 1);
    y.backward(tg.ones([2, 1]));
    expect(Array.from(y.data)).toEqual([0, 0]);
    expect(Array.from(x.grad!.data)).toEqual([0, 0]);
    expect(tg.layerNorm(tg.zeros([0, 4]), 4).shape).toEqual([0, 4]);
    expect(tg.groupNorm(tg.zeros([0, 4, 2]), 2).shape).toEqual([0, 4, 2]);
    expect(tg.localResponseNorm(tg.zeros([0, 4, 2]), 3).shape).toEqual([0, 4, 2]);
  });
  it("a PyTorch state dict loads strictly into the new layers (PyTorch's keys and shapes)", () => {
    const model = new nn.Sequential(new nn.PReLU(3), new nn.LayerNorm([3, 2]), new nn.GroupNorm(1, 3), new nn.InstanceNorm2d(3, { affine: true, trackRunningStats: true }));
    expect(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape])).toEqual([
      ['0.weight', [3]], ['1.weight', [3, 2]], ['1.bias', [3, 2]], ['2.weight', [3]], ['2.bias', [3]],
      ['3.weight', [3]], ['3.bias', [3]], ['3.running_mean', [3]], ['3.running_var', [3]], ['3.num_batches_tracked', []],
    ]);
  });
});

describe("the modules' PyTorch positional forms give what the options forms give", () => {
  const cases: Array<[string, () => nn.Module, () => nn.Module]> = [
    ['PReLU(3, 0.1)', () => new nn.PReLU(3, 0.1), () => new nn.PReLU({ numParameters: 3, init: 0.1 })],
    ['ELU(0.5, true)', () => new nn.ELU(0.5, true), () => new nn.ELU({ alpha: 0.5, inplace: true })],
    ['CELU(2)', () => new nn.CELU(2), () => new nn.CELU({ alpha: 2 })],
    ['SELU(true)', () => new nn.SELU(true), () => new nn.SELU({ inplace: true })],
    ['SiLU(true)', () => new nn.SiLU(true), () => new nn.SiLU({ inplace: true })],
    ['Softmin(1)', () => new nn.Softmin(1), () => new nn.Softmin({ dim: 1 })],
    ['LayerNorm([3, 4], 1e-3, false)', () => new nn.LayerNorm([3, 4], 1e-3, false), () => new nn.LayerNorm({ normalizedShape: [3, 4], eps: 1e-3, elementwiseAffine: false })],
    ['GroupNorm(2, 4, 1e-3, false)', () => new nn.GroupNorm(2, 4, 1e-3, false), () => new nn.GroupNorm({ numGroups: 2, numChannels: 4, eps: 1e-3, affine: false })],
    ['InstanceNorm2d(3, 1e-3, 0.2, true, true)', () => new nn.InstanceNorm2d(3, 1e-3, 0.2, true, true), () => new nn.InstanceNorm2d({ numFeatures: 3, eps: 1e-3, momentum: 0.2, affine: true, trackRunningStats: true })],
    ['LocalResponseNorm(2, 1e-3, 0.5, 2)', () => new nn.LocalResponseNorm(2, 1e-3, 0.5, 2), () => new nn.LocalResponseNorm({ size: 2, alpha: 1e-3, beta: 0.5, k: 2 })],
  ];
  for (const [name, positional, options] of cases) {
    it(name, () => {
      const [a, b] = [positional(), options()];
      expect(a.toString()).toBe(b.toString());
      const [sa, sb] = [a.stateDict(), b.stateDict()];
      expect(Object.keys(sa)).toEqual(Object.keys(sb));
      for (const k of Object.keys(sa)) expect(Array.from(sa[k].data), k).toEqual(Array.from(sb[k].data));
    });
  }
  it("PyTorch's defaults", () => {
    expect(new nn.PReLU().weight.toArray()).toEqual([0.25]);
    expect(new nn.ELU().alpha).toBe(1);
    expect(new nn.LayerNorm(4).toString()).toBe('LayerNorm((4,), eps=1e-05, elementwise_affine=True)');
    expect([...new nn.LayerNorm(4).weight!.data, ...new nn.LayerNorm(4).bias!.data]).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    const instance = new nn.InstanceNorm2d(3);
    expect([instance.affine, instance.trackRunningStats, instance.momentum, instance.eps]).toEqual([false, false, 0.1, 1e-5]);
    expect(Object.keys(instance.stateDict())).toEqual([]);
    const lrn = new nn.LocalResponseNorm(5);
    expect([lrn.alpha, lrn.beta, lrn.k]).toEqual([1e-4, 0.75, 1]);
  });
});
