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
