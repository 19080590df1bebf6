// The course's models (seed 004) and vggSmall against PyTorch reference implementations built from
// the same specification (tests/fixtures/nn/models.json), plus their construction rules and errors.

import { describe, expect, it } from 'vitest';
import { Tensor, zeros } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { build, checkModuleCase, det, loadCases, type ModuleCase } from './helpers.js';

const cases = loadCases<ModuleCase & { num_parameters?: number }>('models.json');

describe('course models match PyTorch', () => {
  it('has the fixture cases', () => expect(cases.length).toBe(13));
  for (const c of cases) {
    it(c.name, () => {
      const m = build(c.ctor, c.options);
      checkModuleCase(c, m);
      if (c.num_parameters) expect(m.parameters().reduce((n, p) => n + p.size, 0)).toBe(c.num_parameters);
      if (c.repr) expect((m as nn.CNN).featureExtractor.toString()).toBe(c.repr);
    });
  }
});

const seedCnn: nn.CNNOptions = {
  inSize: [3, 100, 100], outClasses: 10, channels: [32, 32, 32, 32], poolEvery: 2, hiddenDims: [100, 100],
  convParams: { kernelSize: 3, stride: 1, padding: 1 }, activationType: 'relu', activationParams: {},
  poolingType: 'max', poolingParams: { kernelSize: 2 },
};

describe('CNN', () => {
  it('has featureExtractor and mlp laid out as the course says', () => {
    const net = new nn.CNN(seedCnn);
    expect([...net.featureExtractor].map((m) => m.constructor.name)).toEqual(['Conv2d', 'ReLU', 'Conv2d', 'ReLU', 'MaxPool2d', 'Conv2d', 'ReLU', 'Conv2d', 'ReLU', 'MaxPool2d']);
    expect([...net.mlp].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
    expect((net.mlp.at(0) as nn.Linear).inFeatures).toBe(32 * 25 * 25);
    expect(Object.keys(net.stateDict()).slice(0, 2)).toEqual(['featureExtractor.0.weight', 'featureExtractor.0.bias']);
  });

  it('rejects inputs of the wrong size naming the expected one', () => {
    const net = new nn.CNN({ ...seedCnn, inSize: [3, 8, 8], channels: [4], poolEvery: 1, hiddenDims: [] });
    expect(() => net.forward(zeros([1, 3, 9, 8]))).toThrow(/CNN: expected input \[N, 3, 8, 8\] \(inSize\), got \[1,3,9,8\]/);
  });

  it('rejects a configuration whose features shrink to nothing', () => {
    expect(() => new nn.CNN({ ...seedCnn, inSize: [3, 2, 2], channels: [4, 4, 4, 4] })).toThrow(/CNN: an input of size \[3,2,2\] shrinks to \[1,4,0,0\]/);
  });
});

describe('ArgMaxClassifier', () => {
  it('classify gives [N] class indices and predictProba rows sum to 1', () => {
    const model = new nn.ArgMaxClassifier(new nn.CNN({ ...seedCnn, inSize: [3, 16, 16], channels: [4], poolEvery: 1, hiddenDims: [8] }));
    const x = det([2, 3, 16, 16], 5, 255);
    expect(model.classify(x).shape).toEqual([2]);
    const p = model.predictProba(x);
    expect(p.shape).toEqual([2, 10]);
    for (const row of p.toArray() as number[][]) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const logits = model.forward(x).toArray() as number[][];
    expect(Array.from(model.classify(x).data)).toEqual(logits.map((r) => r.indexOf(Math.max(...r))));
  });
});

describe('residual blocks and ResNet', () => {
  it('ResidualBlock lays out its main path and shortcut as the course says', () => {
    const b = new nn.ResidualBlock({ inChannels: 3, channels: [6, 4, 6, 4], kernelSizes: [3, 5, 3, 5], batchnorm: true, dropout: 0.2 });
    expect([...b.mainPath].map((m) => m.constructor.name)).toEqual([
      'Conv2d', 'Dropout2d', 'BatchNorm2d', 'ReLU', 'Conv2d', 'Dropout2d', 'BatchNorm2d', 'ReLU', 'Conv2d', 'Dropout2d', 'BatchNorm2d', 'ReLU', 'Conv2d',
    ]);
    expect((b.shortcutPath.at(0) as nn.Conv2d).bias).toBeNull();
    expect(b.forward(zeros([1, 3, 32, 32])).shape).toEqual([1, 4, 32, 32]);
    const same = new nn.ResidualBlock({ inChannels: 4, channels: [4], kernelSizes: [3] });
    expect(same.shortcutPath.length).toBe(0);
  });

  it('rejects even kernel sizes', () => {
    expect(() => new nn.ResidualBlock({ inChannels: 3, channels: [4], kernelSizes: [2] })).toThrow(/kernel sizes must be odd positive integers, got 2 at index 0/);
  });

  it('ResidualBottleneckBlock has 1x1 convs at both ends and keeps the shape', () => {
    const b = new nn.ResidualBottleneckBlock({ inOutChannels: 16, innerChannels: [4, 2, 4], innerKernelSizes: [3, 5, 3], activationType: 'lrelu' });
    const convs = [...b.mainPath].filter((m): m is nn.Conv2d => m instanceof nn.Conv2d);
    expect(convs.map((c) => [c.inChannels, c.outChannels, c.kernelSize[0]])).toEqual([[16, 4, 1], [4, 4, 3], [4, 2, 5], [2, 4, 3], [4, 16, 1]]);
    expect(b.shortcutPath.length).toBe(0);
    expect(b.forward(det([1, 16, 5, 5], 1)).shape).toEqual([1, 16, 5, 5]);
  });

  it('ResNet groups channels by poolEvery, uses bottlenecks where the channel count allows, pools after full groups', () => {
    const net = new nn.ResNet({
      inSize: [3, 16, 16], outClasses: 5, channels: [8, 2, 8, 8, 2, 8, 4], poolEvery: 3, hiddenDims: [6], activationType: 'tanh',
      poolingType: 'max', poolingParams: { kernelSize: 2 }, batchnorm: true, dropout: 0.1, bottleneck: true,
    });
    expect([...net.featureExtractor].map((m) => m.constructor.name)).toEqual(['ResidualBlock', 'MaxPool2d', 'ResidualBottleneckBlock', 'MaxPool2d', 'ResidualBlock']);
    net.eval();
    expect(net.forward(det([2, 3, 16, 16], 3)).shape).toEqual([2, 5]);
  });
});

describe('module system on the models', () => {
  it('train()/eval() reach every child and requiresGrad(false) freezes a subtree', () => {
    const net = new nn.ResNet({ inSize: [3, 8, 8], outClasses: 2, channels: [4, 4], poolEvery: 2, hiddenDims: [], batchnorm: true });
    net.eval();
    expect([...net.modules()].every((m) => !m.training)).toBe(true);
    net.train();
    expect([...net.modules()].every((m) => m.training)).toBe(true);
    net.featureExtractor.requiresGrad(false);
    const out = net.forward(det([2, 3, 8, 8], 1));
    out.sum().backward();
    expect(net.featureExtractor.parameters().every((p) => p.grad === null)).toBe(true);
    expect(net.mlp.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('forward hooks see input and output and can be removed; pre-hooks can replace the input', () => {
    const net = new nn.Sequential(new nn.Linear({ inFeatures: 3, outFeatures: 2 }), new nn.ReLU());
    const seen: Array<[string, number[]]> = [];
    const h = net.at(0).registerForwardHook((m, input, output) => void seen.push([m.constructor.name, [...(output as Tensor).shape]]));
    net.forward(det([4, 3], 1));
    expect(seen).toEqual([['Linear', [4, 2]]]);
    h.remove();
    net.forward(det([4, 3], 1));
    expect(seen.length).toBe(1);
    const pre = net.registerForwardPreHook(() => [zeros([1, 3])]);
    expect(net.forward(det([4, 3], 1)).shape).toEqual([1, 2]);
    pre.remove();
    const doubled = net.registerForwardHook((_m, _i, out) => (out as Tensor).mul(2));
    const x = det([1, 3], 2);
    const plain = (() => { doubled.remove(); return net.forward(x); })();
    net.registerForwardHook((_m, _i, out) => (out as Tensor).mul(2));
    expect(Array.from(net.forward(x).data)).toEqual(Array.from(plain.data).map((v) => v * 2));
  });

  it('apply visits children before the parent', () => {
    const net = new nn.Sequential(new nn.Linear({ inFeatures: 2, outFeatures: 2 }), new nn.Sequential(new nn.ReLU()));
    const order: string[] = [];
    net.apply((m) => void order.push(m.constructor.name));
    expect(order).toEqual(['Linear', 'ReLU', 'Sequential', 'Sequential']);
  });
});

describe('RecipeCNN (the model typegrad train trains by default)', () => {
  it('builds the recipe with the keys, shapes and initial weights it had in cli/ (so checkpoints and accuracy stay)', async () => {
    const { manualSeed } = await import('../../engine/index.js');
    manualSeed(0);
    const m = new nn.RecipeCNN({ inSize: [1, 28, 28], outClasses: 10 });
    const sd = m.stateDict();
    const convs = [0, 3, 7, 10].map((i) => `featureExtractor.${i}.weight`);
    expect(Object.keys(sd).filter((k) => k.endsWith('.weight'))).toEqual([convs[0], 'featureExtractor.1.weight', convs[1], 'featureExtractor.4.weight', convs[2], 'featureExtractor.8.weight', convs[3], 'featureExtractor.11.weight', 'mlp.2.weight', 'mlp.5.weight']);
    expect(convs.map((k) => sd[k].shape)).toEqual([[32, 1, 3, 3], [32, 32, 3, 3], [64, 32, 3, 3], [64, 64, 3, 3]]);
    expect(sd['mlp.2.weight'].shape).toEqual([128, 3136]);
    // a weighted sum of every initial value, taken from the cli/models.ts class before the move
    let s = 0;
    let i = 0;
    for (const t of Object.values(sd)) for (const v of t.data) s += v * (1 + (i++ % 7));
    expect([i, s]).toEqual([468_398, 1584.85909455785]);
    expect(m.mlp.toString()).toMatch(/^Sequential\(\n {2}\(0\): Flatten\(start_dim=1, end_dim=-1\)\n {2}\(1\): Dropout\(p=0\.3, inplace=False\)\n {2}\(2\): Linear\(in_features=3136/);
    expect(m.forward(zeros([2, 1, 28, 28])).shape).toEqual([2, 10]);
  });

  it('takes other sizes and widths, and says what is wrong', () => {
    const m = new nn.RecipeCNN({ inSize: [3, 8, 8], outClasses: 4, channels: [4, 8], hiddenDims: [6, 5], dropout: 0 });
    expect(m.forward(zeros([1, 3, 8, 8])).shape).toEqual([1, 4]);
    expect(Object.keys(m.stateDict()).filter((k) => k.startsWith('mlp'))).toEqual(['mlp.2.weight', 'mlp.2.bias', 'mlp.5.weight', 'mlp.5.bias', 'mlp.8.weight', 'mlp.8.bias']);
    expect(() => m.forward(zeros([1, 3, 9, 9]))).toThrow(/RecipeCNN: expected input \[N, 3, 8, 8\]/);
    expect(() => new nn.RecipeCNN({ inSize: [1, 2, 2], outClasses: 2 })).toThrow(/RecipeCNN: .*feature extractor/);
    expect(() => new nn.RecipeCNN({ inSize: [1, 8, 8], outClasses: 2, dropout: 1 })).toThrow(/RecipeCNN: dropout must be in \[0, 1\)/);
  });
});
