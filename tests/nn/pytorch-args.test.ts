// PyTorch's positional constructor forms for nn layers, losses, optimizers and schedulers: each gives
// exactly what the options-object form gives (printed hyperparameters, state-dict keys, shapes and
// initial values under one seed), leaving an argument out gives PyTorch's default, and unknown option
// keys, too many positional arguments or a positional argument of the wrong type throw, naming the class.

import { describe, expect, it } from 'vitest';
import { Tensor, manualSeed, nearestName, parseArgs, checkOptions, zeros } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import * as optim from '../../nn/optim/index.js';

/** Builds both under the same seed; same class, print, state-dict keys, shapes and values. */
function expectSameModule(positional: () => nn.AnyModule, options: () => nn.AnyModule): void {
  manualSeed(7);
  const a = positional();
  manualSeed(7);
  const b = options();
  expect(a.constructor).toBe(b.constructor);
  expect(a.toString()).toBe(b.toString());
  const sa = a.stateDict();
  const sb = b.stateDict();
  expect(Object.keys(sa)).toEqual(Object.keys(sb));
  for (const k of Object.keys(sa)) {
    expect(sa[k].shape, k).toEqual(sb[k].shape);
    expect(Array.from(sa[k].data), k).toEqual(Array.from(sb[k].data));
  }
}

const params = () => [zeros([3, 2], { requiresGrad: true }), zeros([2], { requiresGrad: true })];

/** The hyperparameters of every group, without the params. */
const hyper = (o: optim.Optimizer) => o.paramGroups.map(({ params: _, ...h }) => h);

describe('nn layers: the positional forms a PyTorch user writes', () => {
  const cases: [string, () => nn.AnyModule, () => nn.AnyModule][] = [
    ['Conv2d(3, 16, 3)', () => new nn.Conv2d(3, 16, 3), () => new nn.Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 3 })],
    ['Conv2d(3, 16, 3, { padding: 1 })', () => new nn.Conv2d(3, 16, 3, { padding: 1 }), () => new nn.Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 3, padding: 1 })],
    ['Conv2d(3, 16, 3, 1, 1)', () => new nn.Conv2d(3, 16, 3, 1, 1), () => new nn.Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 3, stride: 1, padding: 1 })],
    [
      'Conv2d(4, 8, [3, 5], 2, [1, 2], 1, 2, false)',
      () => new nn.Conv2d(4, 8, [3, 5], 2, [1, 2], 1, 2, false),
      () => new nn.Conv2d({ inChannels: 4, outChannels: 8, kernelSize: [3, 5], stride: 2, padding: [1, 2], dilation: 1, groups: 2, bias: false }),
    ],
    ["Conv2d(3, 4, 3, 1, 'same')", () => new nn.Conv2d(3, 4, 3, 1, 'same'), () => new nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 'same' })],
    [
      "Conv2d(3, 4, 3, 1, 1, 1, 1, true, 'reflect')",
      () => new nn.Conv2d(3, 4, 3, 1, 1, 1, 1, true, 'reflect'),
      () => new nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, paddingMode: 'reflect' }),
    ],
    ['Linear(512, 10)', () => new nn.Linear(512, 10), () => new nn.Linear({ inFeatures: 512, outFeatures: 10 })],
    ['Linear(512, 10, { bias: false })', () => new nn.Linear(512, 10, { bias: false }), () => new nn.Linear({ inFeatures: 512, outFeatures: 10, bias: false })],
    ['Linear(512, 10, false)', () => new nn.Linear(512, 10, false), () => new nn.Linear({ inFeatures: 512, outFeatures: 10, bias: false })],
    ['LazyLinear(10, false)', () => new nn.LazyLinear(10, false), () => new nn.LazyLinear({ outFeatures: 10, bias: false })],
    ['Dropout(0.2)', () => new nn.Dropout(0.2), () => new nn.Dropout({ p: 0.2 })],
    ['Dropout2d(0.2)', () => new nn.Dropout2d(0.2), () => new nn.Dropout2d({ p: 0.2 })],
    ['LeakyReLU(0.1)', () => new nn.LeakyReLU(0.1), () => new nn.LeakyReLU({ negativeSlope: 0.1 })],
    ['LeakyReLU(0.2, true)', () => new nn.LeakyReLU(0.2, true), () => new nn.LeakyReLU({ negativeSlope: 0.2, inplace: true })],
    ['ReLU(true)', () => new nn.ReLU(true), () => new nn.ReLU({ inplace: true })],
    ["GELU('tanh')", () => new nn.GELU('tanh'), () => new nn.GELU({ approximate: 'tanh' })],
    ['Softmax(1)', () => new nn.Softmax(1), () => new nn.Softmax({ dim: 1 })],
    ['LogSoftmax(1)', () => new nn.LogSoftmax(1), () => new nn.LogSoftmax({ dim: 1 })],
    ['MaxPool2d(2)', () => new nn.MaxPool2d(2), () => new nn.MaxPool2d({ kernelSize: 2 })],
    ['MaxPool2d(3, 2, 1)', () => new nn.MaxPool2d(3, 2, 1), () => new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 })],
    ['MaxPool2d(3, null, 0, 1, false, true)', () => new nn.MaxPool2d(3, null, 0, 1, false, true), () => new nn.MaxPool2d({ kernelSize: 3, ceilMode: true })],
    ['AvgPool2d(2)', () => new nn.AvgPool2d(2), () => new nn.AvgPool2d({ kernelSize: 2 })],
    ['AvgPool2d(3, 2, 1, true, false)', () => new nn.AvgPool2d(3, 2, 1, true, false), () => new nn.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false })],
    ['AdaptiveAvgPool2d(1)', () => new nn.AdaptiveAvgPool2d(1), () => new nn.AdaptiveAvgPool2d({ outputSize: 1 })],
    ['AdaptiveAvgPool2d([7, 7])', () => new nn.AdaptiveAvgPool2d([7, 7]), () => new nn.AdaptiveAvgPool2d({ outputSize: [7, 7] })],
    ['AdaptiveMaxPool2d([4, null])', () => new nn.AdaptiveMaxPool2d([4, null]), () => new nn.AdaptiveMaxPool2d({ outputSize: [4, null] })],
    ['BatchNorm2d(64)', () => new nn.BatchNorm2d(64), () => new nn.BatchNorm2d({ numFeatures: 64 })],
    ['BatchNorm1d(100)', () => new nn.BatchNorm1d(100), () => new nn.BatchNorm1d({ numFeatures: 100 })],
    [
      'BatchNorm2d(8, 1e-3, null, false, false)',
      () => new nn.BatchNorm2d(8, 1e-3, null, false, false),
      () => new nn.BatchNorm2d({ numFeatures: 8, eps: 1e-3, momentum: null, affine: false, trackRunningStats: false }),
    ],
    ['BatchNorm2d(8, { momentum: 0.01 })', () => new nn.BatchNorm2d(8, { momentum: 0.01 }), () => new nn.BatchNorm2d({ numFeatures: 8, momentum: 0.01 })],
    ['Flatten(1)', () => new nn.Flatten(1), () => new nn.Flatten({ startDim: 1 })],
    ['Flatten(0, 2)', () => new nn.Flatten(0, 2), () => new nn.Flatten({ startDim: 0, endDim: 2 })],
  ];
  for (const [name, positional, options] of cases) it(name, () => expectSameModule(positional, options));

  it('Conv2d(3, 16, 3, 1, 1) is the conv of PyTorch: same weights shape, output shape and values as the options form', () => {
    manualSeed(3);
    const a = new nn.Conv2d(3, 16, 3, 1, 1);
    expect(a.weight.shape).toEqual([16, 3, 3, 3]);
    expect([a.stride, a.padding, a.dilation, a.groups]).toEqual([[1, 1], [1, 1], [1, 1], 1]);
    const x = new Tensor(Float32Array.from({ length: 2 * 3 * 5 * 5 }, (_, i) => Math.sin(i)), [2, 3, 5, 5]);
    manualSeed(3);
    const b = new nn.Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 3, stride: 1, padding: 1 });
    expect(Array.from(a.forward(x).data)).toEqual(Array.from(b.forward(x).data));
  });

  it("paddingMode pads as F.pad's mode, then convolves unpadded (PyTorch's padding_mode)", () => {
    const x = new Tensor(Float32Array.from({ length: 1 * 1 * 3 * 4 }, (_, i) => i * i - 3 * i), [1, 1, 3, 4]);
    for (const mode of ['reflect', 'replicate', 'circular'] as const) {
      const conv = new nn.Conv2d(1, 1, 3, 1, 1, 1, 1, false, mode);
      conv.weight.data.fill(0);
      conv.weight.data[4] = 1; // the centre tap: the output is the input itself
      expect(Array.from(conv.forward(x).data), mode).toEqual(Array.from(x.data));
      conv.weight.data.fill(0);
      conv.weight.data[0] = 1; // top-left tap: out[i][j] = padded[i][j]
      const padded = conv.forward(x).data;
      // row 0, column 0 reads padded[0][0]: reflect → x[1][1], replicate → x[0][0], circular → x[2][3]
      const want = { reflect: x.data[1 * 4 + 1], replicate: x.data[0], circular: x.data[2 * 4 + 3] }[mode];
      expect(padded[0], mode).toBe(want);
    }
    expect(new nn.Conv2d(1, 2, 3, 1, 1, 1, 1, true, 'reflect').toString()).toBe('Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect)');
    const same = new nn.Conv2d(1, 1, 4, 1, 'same', 1, 1, false, 'replicate');
    expect(same.forward(x).shape).toEqual([1, 1, 3, 4]);
    expect(() => new nn.Conv2d(1, 1, 3, { paddingMode: 'mirror' as never })).toThrow(/Conv2d: paddingMode must be/);
  });

  it("PyTorch's defaults where an argument is left out", () => {
    const c = new nn.Conv2d(3, 16, 3);
    expect([c.stride, c.padding, c.dilation, c.groups, c.bias !== null, c.paddingMode]).toEqual([[1, 1], [0, 0], [1, 1], 1, true, 'zeros']);
    expect(new nn.Linear(4, 2).bias).not.toBeNull();
    expect(new nn.Dropout().p).toBe(0.5);
    expect(new nn.Dropout2d().p).toBe(0.5);
    expect(new nn.LeakyReLU().negativeSlope).toBe(0.01);
    const mp = new nn.MaxPool2d(3);
    // stored as pairs like Conv2d's; printed as PyTorch prints what was given
    expect([mp.kernelSize, mp.stride, mp.padding, mp.dilation, mp.ceilMode]).toEqual([[3, 3], [3, 3], [0, 0], [1, 1], false]);
    expect(mp.toString()).toBe('MaxPool2d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)');
    const ap = new nn.AvgPool2d(3);
    expect([ap.kernelSize, ap.stride, ap.padding, ap.ceilMode, ap.countIncludePad]).toEqual([[3, 3], [3, 3], [0, 0], false, true]);
    expect(ap.toString()).toBe('AvgPool2d(kernel_size=3, stride=3, padding=0)');
    const rect = new nn.MaxPool2d([2, 3], { stride: 1, padding: [1, 0] });
    expect([rect.kernelSize, rect.stride, rect.padding]).toEqual([[2, 3], [1, 1], [1, 0]]);
    expect(rect.toString()).toBe('MaxPool2d(kernel_size=(2, 3), stride=1, padding=(1, 0), dilation=1, ceil_mode=False)');
    expect([...rect.namedParameters(), ...rect.namedBuffers()]).toEqual([]); // no state, as PyTorch's
    const bn = new nn.BatchNorm2d(4);
    expect([bn.eps, bn.momentum, bn.affine, bn.trackRunningStats]).toEqual([1e-5, 0.1, true, true]);
    const f = new nn.Flatten();
    expect([f.startDim, f.endDim]).toEqual([1, -1]);
    expect(new nn.GELU().approximate).toBe('none');
    // undefined in a position counts as left out, as a Python default
    expect(new nn.Conv2d(3, 16, 3, undefined, 2).stride).toEqual([1, 1]);
  });

  it('the reported cases (each silently wrong or failing before)', () => {
    expect(new nn.Dropout(0.2).p).toBe(0.2);
    expect(new nn.LeakyReLU(0.1).negativeSlope).toBe(0.1);
    expect(new nn.Conv2d(3, 16, 3).inChannels).toBe(3);
    expect(new nn.MaxPool2d(2).kernelSize).toEqual([2, 2]);
  });
});

describe('nn losses', () => {
  const w = () => new Tensor(Float32Array.of(1, 2, 3), [3]);
  const cases: [string, () => nn.AnyModule, () => nn.AnyModule][] = [
    ['CrossEntropyLoss({ labelSmoothing: 0.1 })', () => new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }), () => new nn.CrossEntropyLoss({ labelSmoothing: 0.1 })],
    ['CrossEntropyLoss(weight)', () => new nn.CrossEntropyLoss(w()), () => new nn.CrossEntropyLoss({ weight: w() })],
    ['CrossEntropyLoss(weight, null, 1)', () => new nn.CrossEntropyLoss(w(), null, 1), () => new nn.CrossEntropyLoss({ weight: w(), ignoreIndex: 1 })],
    ['NLLLoss(null, null, -1)', () => new nn.NLLLoss(null, null, -1), () => new nn.NLLLoss({ ignoreIndex: -1 })],
    ["MSELoss(null, null, 'sum')", () => new nn.MSELoss(null, null, 'sum'), () => new nn.MSELoss({ reduction: 'sum' })],
    ["BCEWithLogitsLoss(null, null, null, 'sum', posWeight)", () => new nn.BCEWithLogitsLoss(null, null, null, 'sum', w()), () => new nn.BCEWithLogitsLoss({ reduction: 'sum', posWeight: w() })],
  ];
  for (const [name, positional, options] of cases) it(name, () => expectSameModule(positional, options));

  it('keeps the hyperparameters and PyTorch defaults', () => {
    const ce = new nn.CrossEntropyLoss(w(), null, 1, null, 'sum', 0.2);
    expect([ce.ignoreIndex, ce.reduction, ce.labelSmoothing, Array.from(ce.weight!.data)]).toEqual([1, 'sum', 0.2, [1, 2, 3]]);
    const d = new nn.CrossEntropyLoss();
    expect([d.weight, d.ignoreIndex, d.reduction, d.labelSmoothing]).toEqual([null, -100, 'mean', 0]);
  });

  it("the deprecated sizeAverage/reduce keep their places in the order, and are refused when given", () => {
    expect(() => new nn.CrossEntropyLoss(null, true as never)).toThrow(/CrossEntropyLoss: sizeAverage is deprecated/);
    expect(() => new nn.MSELoss({ reduce: false } as never)).toThrow(/MSELoss: reduce is deprecated/);
    expect(() => new nn.MSELoss({ reduction: 'avg' as never })).toThrow(/MSELoss: reduction must be/);
  });
});

describe('optimizers and schedulers', () => {
  it('Adam(params, 0.01) sets lr (it was silently 1e-3)', () => {
    expect(new optim.Adam(params(), 0.01).paramGroups[0].lr).toBe(0.01);
  });

  const cases: [string, () => optim.Optimizer, () => optim.Optimizer][] = [
    ['Adam(p, 0.01)', () => new optim.Adam(params(), 0.01), () => new optim.Adam(params(), { lr: 0.01 })],
    [
      'Adam(p, 0.01, [0.8, 0.9], 1e-6, 0.1, true, { maximize: true })',
      () => new optim.Adam(params(), 0.01, [0.8, 0.9], 1e-6, 0.1, true, { maximize: true }),
      () => new optim.Adam(params(), { lr: 0.01, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, amsgrad: true, maximize: true }),
    ],
    ['AdamW(p, 3e-3, { weightDecay: 1e-3 })', () => new optim.AdamW(params(), 3e-3, { weightDecay: 1e-3 }), () => new optim.AdamW(params(), { lr: 3e-3, weightDecay: 1e-3 })],
    ['SGD(p, 0.01, { momentum: 0.9 })', () => new optim.SGD(params(), 0.01, { momentum: 0.9 }), () => new optim.SGD(params(), { lr: 0.01, momentum: 0.9 })],
    ['SGD(p, 0.01, 0.9)', () => new optim.SGD(params(), 0.01, 0.9), () => new optim.SGD(params(), { lr: 0.01, momentum: 0.9 })],
    [
      'SGD(p, 0.1, 0.9, 0, 5e-4, true)',
      () => new optim.SGD(params(), 0.1, 0.9, 0, 5e-4, true),
      () => new optim.SGD(params(), { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true }),
    ],
    [
      'RMSprop(p, 0.01, 0.9, 1e-6, 0.1, 0.5, true)',
      () => new optim.RMSprop(params(), 0.01, 0.9, 1e-6, 0.1, 0.5, true),
      () => new optim.RMSprop(params(), { lr: 0.01, alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0.5, centered: true }),
    ],
  ];
  for (const [name, positional, options] of cases) {
    it(name, () => {
      const a = positional();
      const b = options();
      expect(a.constructor).toBe(b.constructor);
      expect(hyper(a)).toEqual(hyper(b));
      expect(a.defaults).toEqual(b.defaults);
    });
  }

  it("PyTorch's defaults", () => {
    expect(hyper(new optim.Adam(params()))).toEqual([{ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }]);
    expect(new optim.AdamW(params()).paramGroups[0].weightDecay).toBe(1e-2);
    expect(hyper(new optim.SGD(params(), 0.1))).toEqual([{ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }]);
    expect(new optim.RMSprop(params()).paramGroups[0].lr).toBe(1e-2);
  });

  it('schedulers: StepLR(opt, 30, 0.1), CosineAnnealingLR(opt, 100), OneCycleLR(opt, 0.01, { totalSteps })', () => {
    const run = (make: (o: optim.Optimizer) => optim.LRScheduler, steps = 12) => {
      const opt = new optim.SGD(params(), 0.1, 0.9);
      const s = make(opt);
      const lrs = [opt.paramGroups[0].lr];
      for (let i = 0; i < steps; i++) {
        s.step();
        lrs.push(opt.paramGroups[0].lr);
      }
      return lrs;
    };
    expect(run((o) => new optim.StepLR(o, 3, 0.5))).toEqual(run((o) => new optim.StepLR(o, { stepSize: 3, gamma: 0.5 })));
    expect(run((o) => new optim.StepLR(o, 30))).toEqual(run((o) => new optim.StepLR(o, { stepSize: 30, gamma: 0.1 })));
    expect(run((o) => new optim.StepLR(o, 2, { gamma: 0.3 }))).toEqual(run((o) => new optim.StepLR(o, { stepSize: 2, gamma: 0.3 })));
    expect(run((o) => new optim.CosineAnnealingLR(o, 100))).toEqual(run((o) => new optim.CosineAnnealingLR(o, { tMax: 100 })));
    expect(run((o) => new optim.CosineAnnealingLR(o, 10, 1e-3))).toEqual(run((o) => new optim.CosineAnnealingLR(o, { tMax: 10, etaMin: 1e-3 })));
    expect(run((o) => new optim.OneCycleLR(o, 0.01, { totalSteps: 20 }))).toEqual(run((o) => new optim.OneCycleLR(o, { maxLr: 0.01, totalSteps: 20 })));
    expect(run((o) => new optim.OneCycleLR(o, 0.01, 20))).toEqual(run((o) => new optim.OneCycleLR(o, { maxLr: 0.01, totalSteps: 20 })));
    // epochs × stepsPerEpoch in place of totalSteps, as PyTorch
    expect(run((o) => new optim.OneCycleLR(o, 0.01, null, 4, 5))).toEqual(run((o) => new optim.OneCycleLR(o, { maxLr: 0.01, totalSteps: 20 })));
    expect(run((o) => new optim.OneCycleLR(o, 0.01, { epochs: 4, stepsPerEpoch: 5 }))).toEqual(run((o) => new optim.OneCycleLR(o, 0.01, 20)));
    expect(() => new optim.OneCycleLR(new optim.SGD(params(), 0.1), 0.01)).toThrow(/OneCycleLR: totalSteps must be a positive integer.*epochs and stepsPerEpoch/);
  });

  it("OneCycleLR's annealStrategy 'linear' and threePhase follow PyTorch's phases", () => {
    const lrAt = (s: optim.OneCycleLR, k: number) => s.at(k)[0];
    const opt = () => new optim.SGD(params(), 0.1, 0.9);
    // 10 steps, pctStart 0.3: warm-up ends at step 2, anneal to the end at step 9
    const lin = new optim.OneCycleLR(opt(), 1, 10, { annealStrategy: 'linear', divFactor: 10, finalDivFactor: 10 });
    expect(lrAt(lin, 0)).toBeCloseTo(0.1, 12);
    expect(lrAt(lin, 1)).toBeCloseTo(0.55, 12);
    expect(lrAt(lin, 2)).toBeCloseTo(1, 12);
    expect(lrAt(lin, 9)).toBeCloseTo(0.01, 12);
    expect(lrAt(lin, 5)).toBeCloseTo(1 + (0.01 - 1) * (3 / 7), 12);
    // three phases: up to step 2, back down to the initial lr by step 4, then to the minimum at step 9
    const three = new optim.OneCycleLR(opt(), 1, 10, { annealStrategy: 'linear', divFactor: 10, finalDivFactor: 10, threePhase: true });
    expect([0, 2, 3, 4, 9].map((k) => lrAt(three, k))).toEqual([0.1, 1, 0.55, 0.1, expect.closeTo(0.01, 12)].map((v) => (typeof v === 'number' ? expect.closeTo(v, 12) : v)));
    expect(three.at(3)[1]).toBeCloseTo(0.9, 12); // momentum goes back up to maxMomentum in phase 2
    expect(() => new optim.OneCycleLR(opt(), 1, 10, { annealStrategy: 'exp' as never })).toThrow(/annealStrategy must be 'cos' or 'linear'/);
  });
});

describe('unknown option keys', () => {
  const p = params;
  const cases: [() => unknown, string][] = [
    [() => new optim.Adam(p(), { weight_decay: 0.1 } as never), "Adam: unknown option 'weight_decay' (did you mean 'weightDecay'?)"],
    [() => new nn.Conv2d(3, 16, 3, { paddin: 1 } as never), "Conv2d: unknown option 'paddin' (did you mean 'padding'?)"],
    [() => new nn.Conv2d({ in_channels: 3, outChannels: 16, kernelSize: 3 } as never), "Conv2d: unknown option 'in_channels' (did you mean 'inChannels'?)"],
    [() => new nn.Conv2d(3, 16, 3, { kernel_size: 3 } as never), "Conv2d: unknown option 'kernel_size' (did you mean 'kernelSize'?)"],
    [() => new nn.Linear(3, 4, { bais: false } as never), "Linear: unknown option 'bais' (did you mean 'bias'?)"],
    [() => new nn.LeakyReLU({ negative_slope: 0.2 } as never), "LeakyReLU: unknown option 'negative_slope' (did you mean 'negativeSlope'?)"],
    [() => new nn.Dropout({ rate: 0.2 } as never), "Dropout: unknown option 'rate' (known options: p, inplace, generator)"],
    [() => new nn.BatchNorm2d(4, { track_running_stats: false } as never), "BatchNorm2d: unknown option 'track_running_stats' (did you mean 'trackRunningStats'?)"],
    [() => new nn.MaxPool2d(2, { ceil_mode: true } as never), "MaxPool2d: unknown option 'ceil_mode' (did you mean 'ceilMode'?)"],
    [() => new nn.AvgPool2d({ kernelSize: 2, dilation: 2 } as never), "AvgPool2d: unknown option 'dilation' (known options: kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride)"],
    [() => new nn.CrossEntropyLoss({ label_smoothing: 0.1 } as never), "CrossEntropyLoss: unknown option 'label_smoothing' (did you mean 'labelSmoothing'?)"],
    [() => new nn.Flatten({ start_dim: 2 } as never), "Flatten: unknown option 'start_dim' (did you mean 'startDim'?)"],
    [() => new optim.SGD(p(), 0.1, { momentun: 0.9 } as never), "SGD: unknown option 'momentun' (did you mean 'momentum'?)"],
    [() => new optim.AdamW(p(), { learning_rate: 0.1 } as never), "AdamW: unknown option 'learning_rate'"],
    [() => new optim.RMSprop(p(), { weight_decay: 0.1 } as never), "RMSprop: unknown option 'weight_decay' (did you mean 'weightDecay'?)"],
    [() => new optim.StepLR(new optim.SGD(p(), 0.1), { step_size: 3 } as never), "StepLR: unknown option 'step_size' (did you mean 'stepSize'?)"],
    [() => new optim.CosineAnnealingLR(new optim.SGD(p(), 0.1), { T_max: 3 } as never), "CosineAnnealingLR: unknown option 'T_max' (did you mean 'tMax'?)"],
    [() => new optim.OneCycleLR(new optim.SGD(p(), 0.1), 0.1, { total_steps: 10 } as never), "OneCycleLR: unknown option 'total_steps' (did you mean 'totalSteps'?)"],
    [() => new optim.SGD([{ params: p(), weight_decay: 0 }], 0.1), "SGD: parameter group: unknown option 'weight_decay' (did you mean 'weightDecay'?)"],
  ];
  for (const [make, message] of cases) it(message, () => expect(make).toThrow(message));

  it('with no near name, the message lists the known ones', () => {
    expect(() => new nn.Linear(3, 4, { zzzzzz: 1 } as never)).toThrow("Linear: unknown option 'zzzzzz' (known options: inFeatures, outFeatures, bias, generator)");
  });

  it('the helper: nearest by edit distance after normalising case and snake_case', () => {
    expect(nearestName('weight_decay', ['lr', 'weightDecay'])).toBe('weightDecay');
    expect(nearestName('WEIGHTDECAY', ['lr', 'weightDecay'])).toBe('weightDecay');
    expect(nearestName('paddin', ['padding', 'stride'])).toBe('padding');
    expect(nearestName('batch_size', ['batchSize', 'shuffle'])).toBe('batchSize');
    expect(nearestName('xyzzy', ['padding', 'stride'])).toBeUndefined();
    expect(() => checkOptions('DataLoader', { batch_size: 4 }, ['batchSize', 'shuffle'])).toThrow("DataLoader: unknown option 'batch_size' (did you mean 'batchSize'?)");
    expect(() => checkOptions('DataLoader', { batchSize: 4 }, ['batchSize', 'shuffle'])).not.toThrow();
    expect(parseArgs('F', [1, { b: 2 }], { a: 'number', b: 'number' })).toEqual({ a: 1, b: 2 });
    expect(parseArgs('F', [undefined, 2, { c: undefined }], { a: 'number', b: 'number', c: 'number' })).toEqual({ b: 2 });
  });
});

describe('positional arguments: too many, or of the wrong type', () => {
  const p = params;
  const cases: [() => unknown, RegExp][] = [
    [() => new (nn.Linear as new (...a: unknown[]) => unknown)(512, 10, true, 3), /^Linear: takes at most 3 positional arguments \(inFeatures, outFeatures, bias\), got 4/],
    [() => new (nn.Dropout as new (...a: unknown[]) => unknown)(0.2, false, 1), /^Dropout: takes at most 2 positional arguments \(p, inplace\), got 3/],
    [() => new (nn.Conv2d as new (...a: unknown[]) => unknown)(3, 16, 3, 1, 1, 1, 1, true, 'zeros', 5), /^Conv2d: takes at most 9 positional arguments/],
    [() => new (nn.Tanh as new (...a: unknown[]) => unknown)(1), /^Tanh: takes no positional arguments, got 1/],
    [() => new (optim.StepLR as new (...a: unknown[]) => unknown)(new optim.SGD(p(), 0.1), 3, 0.1, -1), /^StepLR: takes at most 2 positional arguments \(stepSize, gamma\), got 3/],
    [() => new (optim.Adam as new (...a: unknown[]) => unknown)(p(), 0.1, [0.9, 0.99], 1e-8, 0, false, true), /^Adam: takes at most 5 positional arguments .*maximize only in the options object/],
    [() => new nn.Dropout('0.2' as never), /^Dropout: argument 1 \(p\) must be a number, got the string "0.2"/],
    [() => new nn.Linear(512, 10, 'no' as never), /^Linear: argument 3 \(bias\) must be a boolean, got the string "no"/],
    [() => new nn.Conv2d('3' as never, 16, 3), /^Conv2d: argument 1 \(inChannels\) must be an integer, got the string "3"/],
    [() => new nn.Conv2d(3, 16, 2.5 as never), /^Conv2d: argument 3 \(kernelSize\) must be an integer or an array, got number 2.5/],
    [() => new nn.Linear({ inFeatures: 3 } as never, 4), /^Linear: argument 1 \(inFeatures\) must be an integer, got an options object \(an options object goes last\)/],
    [() => new optim.SGD(p(), '0.1' as never), /^SGD: argument 1 \(lr\) must be a number/],
    [() => new nn.MaxPool2d(2, 'x' as never), /^MaxPool2d: argument 2 \(stride\) must be an integer or an array or null/],
    [() => new nn.Linear(3, 4, true, { bias: false }), /^Linear: got bias twice, as argument 3 and in the options/],
    [() => new nn.Linear(3, 4, { generator: 1 as never, bias: 2 as never }), /^Linear: bias must be a boolean/],
    [() => new nn.MaxPool2d(2, 2, 0, 1, true), /^MaxPool2d: returnIndices true is not supported/],
    [() => new nn.AvgPool2d(2, 2, 0, false, true, 3 as never), /^AvgPool2d: divisorOverride 3 is not supported/],
    [() => new (nn.Softmax as new (...a: unknown[]) => unknown)(), /^Softmax: dim is required/],
  ];
  for (const [make, message] of cases) it(String(message), () => expect(make).toThrow(message));
});
