// The Module system: registration order and state-dict keys, buffers, strict loading, containers,
// LazyLinear, printing, init, and errors that name the layer.

import { describe, expect, it } from 'vitest';
import { Tensor, zeros, Generator } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { det } from './helpers.js';

class Net extends nn.Module {
  scale = new nn.Parameter(det([1], 1));
  conv = new nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 });
  bn = new nn.BatchNorm2d({ numFeatures: 2 });
  head = new nn.Sequential(new nn.Flatten(), new nn.Linear({ inFeatures: 8, outFeatures: 3 }));
  constructor() {
    super();
    this.registerBuffer('steps', zeros([1]));
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.bn.forward(this.conv.forward(x)).mul(this.scale));
  }
}

describe('Module', () => {
  it('orders state-dict keys like PyTorch: own parameters, own buffers, then children in assignment order', () => {
    expect(Object.keys(new Net().stateDict())).toEqual([
      'scale', 'steps', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked', 'head.1.weight', 'head.1.bias',
    ]);
    const net = new Net();
    expect([...net.namedParameters()].map(([k]) => k)).toEqual(['scale', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'head.1.weight', 'head.1.bias']);
    expect([...net.namedBuffers()].map(([k]) => k)).toEqual(['steps', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect([...net.namedModules()].map(([k]) => k)).toEqual(['', 'conv', 'bn', 'head', 'head.0', 'head.1']);
    expect([...net.children()].length).toBe(3);
  });

  it('a layer without bias has no bias key; a non-persistent buffer is not saved', () => {
    expect(Object.keys(new nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 1, bias: false }).stateDict())).toEqual(['weight']);
    const m = new nn.Identity();
    m.registerBuffer('cache', zeros([2]), { persistent: false });
    expect(m.stateDict()).toEqual({});
    expect(m.buffers().length).toBe(1);
  });

  it('loadStateDict copies in place (parameters keep their identity) and non-strict reports what it skipped', () => {
    const a = new Net();
    const b = new Net();
    const w = b.conv.weight;
    b.loadStateDict(a.stateDict());
    expect(b.conv.weight).toBe(w);
    expect(Array.from(b.conv.weight.data)).toEqual(Array.from(a.conv.weight.data));
    const partial = { 'conv.weight': a.conv.weight, 'other': zeros([1]) };
    const result = b.loadStateDict(partial, { strict: false });
    expect(result.unexpectedKeys).toEqual(['other']);
    expect(result.missingKeys).toContain('bn.running_var');
    expect(() => b.loadStateDict(partial)).toThrow(/loadStateDict \(Net\): missing keys: scale, steps, conv\.bias/);
  });

  it('a shared layer is saved under each name (as PyTorch does) but trained once', () => {
    const fc = new nn.Linear({ inFeatures: 2, outFeatures: 2 });
    const s = new nn.Sequential(fc, new nn.ReLU(), fc);
    expect(Object.keys(s.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(s.parameters().length).toBe(2);
    s.loadStateDict(s.stateDict());
  });

  it('stateDict tensors share storage but carry no graph', () => {
    const net = new Net();
    const sd = net.stateDict();
    expect(sd['conv.weight'].data).toBe(net.conv.weight.data);
    expect(sd['conv.weight'].requiresGrad).toBe(false);
  });

  it('prints like PyTorch', () => {
    const s = new nn.Sequential(new nn.Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 }), new nn.ReLU(), new nn.Sequential(new nn.Linear({ inFeatures: 2, outFeatures: 1, bias: false })));
    expect(s.toString()).toBe(
      'Sequential(\n  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n  (1): ReLU()\n  (2): Sequential(\n    (0): Linear(in_features=2, out_features=1, bias=False)\n  )\n)',
    );
  });
});

describe('Sequential', () => {
  const make = () => new nn.Sequential(new nn.Linear({ inFeatures: 4, outFeatures: 3 }), new nn.ReLU(), new nn.Linear({ inFeatures: 3, outFeatures: 2 }));
  it('is indexable (negative too), iterable and sliceable like net[0:-1]', () => {
    const s = make();
    expect(s.length).toBe(3);
    expect(s.at(-1)).toBe([...s][2]);
    const body = s.slice(0, -1);
    expect(body.length).toBe(2);
    expect(body.at(0)).toBe(s.at(0));
    expect(body.forward(det([5, 4], 1)).shape).toEqual([5, 3]);
    expect(() => s.at(3)).toThrow(/Sequential\.at: index 3 is out of range for 3 modules/);
  });
  it('accepts an array and append()', () => {
    const s = new nn.Sequential([new nn.ReLU()]).append(new nn.Tanh());
    expect(Object.keys(s.stateDict())).toEqual([]);
    expect([...s].map((m) => m.constructor.name)).toEqual(['ReLU', 'Tanh']);
    expect(() => new nn.Sequential([1 as unknown as nn.Module])).toThrow(/Sequential: item 0 is not a Module/);
  });
});

describe('LazyLinear', () => {
  it('infers inFeatures at the first forward, then behaves as a Linear', () => {
    const lazy = new nn.LazyLinear({ outFeatures: 4 });
    expect(lazy.parameters().length).toBe(0);
    const y = lazy.forward(det([2, 3, 2, 2], 1).flatten(1));
    expect(y.shape).toEqual([2, 4]);
    expect(lazy.inFeatures).toBe(12);
    expect(Object.entries(lazy.stateDict()).map(([k, t]) => [k, t.shape])).toEqual([['weight', [4, 12]], ['bias', [4]]]);
    expect(() => lazy.forward(det([2, 5], 1))).toThrow(/LazyLinear: initialised with 12 input features at the first forward, now got input \[2,5\]/);
  });
});

describe('initialisation', () => {
  it('Linear and Conv2d weights and biases are uniform within 1/sqrt(fan_in), drawn from the seedable generator', () => {
    const conv = new nn.Conv2d({ inChannels: 4, outChannels: 64, kernelSize: 3, generator: new Generator(1) });
    const bound = 1 / Math.sqrt(36);
    const w = Array.from(conv.weight.data);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(variance).toBeCloseTo((bound * bound) / 3, 3);
    expect(Math.max(...Array.from(conv.bias!.data).map(Math.abs))).toBeLessThanOrEqual(bound);
    const again = new nn.Conv2d({ inChannels: 4, outChannels: 64, kernelSize: 3, generator: new Generator(1) });
    expect(again.weight.data).toEqual(conv.weight.data);
  });

  it('kaimingNormal (fan_out, relu) has std sqrt(2 / fan_out)', () => {
    const t = nn.init.kaimingNormal(zeros([256, 16, 3, 3]), { mode: 'fan_out', nonlinearity: 'relu', generator: new Generator(3) });
    const d = Array.from(t.data);
    const std = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (256 * 9)), 3);
  });
});

describe('errors name the layer, what it expected and what came', () => {
  it('Conv2d with the wrong channel count', () => {
    const conv = new nn.Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3 });
    expect(() => conv.forward(zeros([1, 4, 8, 8]))).toThrow(/Conv2d\(3, 8, kernel_size=\(3, 3\), stride=\(1, 1\)\): expected input \[N, 3, H, W\] or \[3, H, W\], got \[1,4,8,8\]/);
  });
  it('Linear with the wrong feature count suggests flattening', () => {
    const fc = new nn.Linear({ inFeatures: 12, outFeatures: 2 });
    expect(() => fc.forward(zeros([2, 3, 2, 3]))).toThrow(/Linear\(in_features=12, out_features=2\): expected input \[\.\.\., 12\], got \[2,3,2,3\] \(flatten it first/);
  });
  it('bad constructor options', () => {
    expect(() => new nn.Linear({ inFeatures: 0, outFeatures: 2 })).toThrow(/Linear: inFeatures must be a positive integer, got 0/);
    expect(() => new nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 })).toThrow(/divisible by groups/);
    expect(() => new nn.Dropout({ p: 1.5 })).toThrow(/Dropout: p must be a probability in \[0, 1\], got 1.5/);
    expect(() => new nn.BatchNorm2d({ numFeatures: 3 }).forward(zeros([2, 4, 2, 2]))).toThrow(/BatchNorm2d\(3, .*expected 3 channels in dim 1, got input \[2,4,2,2\]/);
    expect(() => new nn.BatchNorm1d({ numFeatures: 3 }).forward(zeros([1, 3]))).toThrow(/expected more than 1 value per channel when training/);
    expect(() => new nn.MaxPool2d({ kernelSize: 2 }).forward(zeros([4, 4]))).toThrow(/MaxPool2d\(kernel_size=2.*expected input \[N, C, H, W\] or \[C, H, W\], got \[4,4\]/);
  });
});

describe('Dropout', () => {
  it('zeroes about p of the values in training, scales the rest, and is the identity in eval', () => {
    const d = new nn.Dropout({ p: 0.25, generator: new Generator(5) });
    const y = d.forward(zeros([10000]).add(1));
    const kept = Array.from(y.data).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(kept.length / 10000).toBeCloseTo(0.75, 1);
    d.eval();
    const x = det([3, 3], 1);
    expect(d.forward(x)).toBe(x);
  });
  it('Dropout2d zeroes whole channels', () => {
    const d = new nn.Dropout2d({ p: 0.5, generator: new Generator(2) });
    const y = d.forward(zeros([4, 8, 3, 3]).add(1));
    for (let c = 0; c < 32; c++) {
      const plane = Array.from(y.data.subarray(c * 9, c * 9 + 9));
      expect(plane.every((v) => v === plane[0])).toBe(true);
    }
  });
});

describe('ModuleList and skipInit', () => {
  it('ModuleList registers its modules (keys 0, 1, …) and has no forward', () => {
    class Tower extends nn.Module {
      blocks = new nn.ModuleList([new nn.Linear({ inFeatures: 2, outFeatures: 2 }), new nn.Linear({ inFeatures: 2, outFeatures: 2 })]);
      forward(x: Tensor): Tensor {
        for (const b of this.blocks) x = b.forward(x);
        return x;
      }
    }
    const t = new Tower();
    expect(Object.keys(t.stateDict())).toEqual(['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias']);
    expect(t.forward(det([3, 2], 1)).shape).toEqual([3, 2]);
    expect(() => t.blocks.forward()).toThrow(/ModuleList: has no forward/);
  });

  it('skipInit builds layers with zero weights (for loading a state dict next)', () => {
    const fc = nn.init.skipInit(() => new nn.Linear({ inFeatures: 3, outFeatures: 2 }));
    expect(Array.from(fc.weight.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(new nn.Linear({ inFeatures: 3, outFeatures: 2 }).weight.data).some((v) => v !== 0)).toBe(true);
  });
});
