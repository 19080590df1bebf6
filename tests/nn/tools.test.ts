// summary, receptiveField, the shape helpers, and the package entry's exports.

import { describe, expect, it } from 'vitest';
import * as nn from '../../nn/index.js';
import { setBackend } from '../../engine/index.js';
import { wasmSimdSupported } from '../../kernels-wasm/index.js';

// summary runs the model: VGG16 at 224x224 takes about a second on the WASM backend (the package's
// default wherever WebAssembly SIMD runs) and minutes on the plain-JS reference kernels
if (wasmSimdSupported()) await setBackend('wasm');

/** The dog-breed lab's transfer model: VGG16's features (frozen) + global pooling + a 512-512-512-120 head. */
function labModel(): nn.Sequential {
  const features = nn.vgg16({ init: false }).features.requiresGrad(false);
  return new nn.Sequential(
    features, new nn.AdaptiveAvgPool2d(1), new nn.Flatten(),
    new nn.Linear({ inFeatures: 512, outFeatures: 512 }), new nn.ReLU(),
    new nn.Linear({ inFeatures: 512, outFeatures: 512 }), new nn.ReLU(),
    new nn.Linear({ inFeatures: 512, outFeatures: 120 }),
  );
}

/** A user's residual block whose side branch has a name no tool knows: it declares it with sideBranches(). */
class SkipBlock extends nn.Module {
  body = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(4, 4, 3, { padding: 1 }));
  skip = new nn.Conv2d(2, 4, 3, { padding: 1 });
  forward(x: import('../../engine/index.js').Tensor) {
    return this.body.forward(x).add(this.skip.forward(x));
  }
  override sideBranches() {
    return [this.skip];
  }
}

describe('side branches (Module.sideBranches)', () => {
  it('summary lists the side branch where it runs; receptiveField follows the main path only', () => {
    const net = new nn.Sequential(new SkipBlock(), new nn.MaxPool2d(2));
    const s = nn.summary(net, [2, 8, 8]);
    expect(s.rows.map((r) => `${r.name} ${r.outputShape.join('x')}`)).toEqual(['0.body.0 1x4x8x8', '0.body.1 1x4x8x8', '0.body.2 1x4x8x8', '0.skip 1x4x8x8', '1 1x4x4x4']);
    expect(s.rows.reduce((n, r) => n + r.params, 0)).toBe(s.totalParams);
    // 3x3, 3x3 then a 2x2 pool of stride 2: 1 → 2 → 4 → 6 (the 3x3 skip would make it 8 if it were in line)
    expect(nn.receptiveField(net)).toBe(6);
    expect(new nn.Identity().sideBranches()).toEqual([]);
  });

  it("the library's residual blocks declare their shortcuts", () => {
    const block = new nn.ResidualBlock({ inChannels: 2, channels: [4, 4], kernelSizes: [3, 3] });
    expect(block.sideBranches()).toEqual([block.shortcutPath]);
    expect(nn.receptiveField(block)).toBe(5);
    const basic = new nn.BasicBlock(2, 4, 2);
    expect(basic.sideBranches()).toEqual([basic.downsample]);
    expect(new nn.BasicBlock(4, 4).sideBranches()).toEqual([]);
  });
});

describe('summary', () => {
  it('counts VGG16 features + the lab head with the body frozen: 15,301,560 total, 586,872 trainable', () => {
    const s = nn.summary(labModel(), [3, 224, 224]);
    expect(s.totalParams).toBe(15_301_560);
    expect(s.trainableParams).toBe(586_872);
    expect(s.nonTrainableParams).toBe(15_301_560 - 586_872);
    expect(s.outputShape).toEqual([1, 120]);
    expect(s.rows[0]).toEqual({ name: '0.0', type: 'Conv2d', outputShape: [1, 64, 224, 224], params: 1792 });
    expect(s.rows.find((r) => r.name === '0.30')?.outputShape).toEqual([1, 512, 7, 7]);
    const text = s.toString();
    expect(text).toMatch(/Conv2d \(0\.0\)\s+\[1,64,224,224\]\s+1,792/);
    expect(text).toMatch(/Total params: 15,301,560\nTrainable params: 586,872\nNon-trainable params: 14,714,688/);
  });

  it('follows the residual blocks of the course ResNet (shortcut beside the main path)', () => {
    const net = new nn.ResNet({ inSize: [3, 32, 32], outClasses: 10, channels: [8, 16], poolEvery: 2, hiddenDims: [20], batchnorm: true });
    const s = nn.summary(net, [3, 32, 32]);
    expect(s.rows.map((r) => r.name)).toContain('featureExtractor.0.shortcutPath.0');
    expect(s.rows.find((r) => r.name === 'featureExtractor.1')?.outputShape).toEqual([1, 16, 16, 16]);
    expect(s.rows.reduce((n, r) => n + r.params, 0)).toBe(s.totalParams);
  });

  it('runs custom modules too (their forward decides the flatten)', () => {
    class Custom extends nn.Module {
      fc = new nn.Linear({ inFeatures: 4, outFeatures: 2 });
      forward(x: import('../../engine/index.js').Tensor) {
        return this.fc.forward(x.flatten(1).mul(2));
      }
    }
    const s = nn.summary(new Custom(), [1, 2, 2]);
    expect(s.rows).toEqual([{ name: 'fc', type: 'Linear', outputShape: [1, 2], params: 10 }]);
  });
});

describe('receptiveField', () => {
  it("VGG16's features before global pooling see 212 pixels", () => {
    expect(nn.receptiveField(nn.vgg16({ init: false }).features)).toBe(212);
  });
  it('follows the course recurrence with dilation', () => {
    expect(nn.receptiveField([{ kernelSize: 3 }, { kernelSize: 3 }])).toBe(5);
    expect(nn.receptiveField([{ kernelSize: 3, dilation: 2 }])).toBe(5);
    expect(nn.receptiveField([{ kernelSize: 3 }, { kernelSize: 2, stride: 2 }, { kernelSize: 3 }])).toBe(8);
    expect(() => nn.receptiveField(new nn.Sequential(new nn.Linear({ inFeatures: 2, outFeatures: 2 })))).toThrow(/Linear mixes every position/);
  });
});

describe('shape helpers', () => {
  it('conv output size and parameter count as in the course exercises', () => {
    expect(nn.convOutputSize(32, { kernelSize: 5, stride: 1, padding: 0 })).toBe(28);
    expect(nn.convOutputSize(100, { kernelSize: 5, stride: 2, padding: 3 })).toBe(51);
    expect(nn.conv2dParameterCount({ inChannels: 3, outChannels: 10, kernelSize: 5 })).toBe((5 * 5 * 3 + 1) * 10);
    const conv = new nn.Conv2d({ inChannels: 3, outChannels: 10, kernelSize: 5 });
    expect(conv.parameters().reduce((n, p) => n + p.size, 0)).toBe(760);
    expect(nn.outputShape(conv, [2, 3, 32, 32])).toEqual([2, 10, 28, 28]);
  });
});

describe('package entry', () => {
  it('exports nn, optim and io', async () => {
    const tg = await import('../../index.js');
    expect(tg.nn.Conv2d).toBe(nn.Conv2d);
    expect(typeof tg.nn.vgg16).toBe('function');
    expect(typeof tg.nn.summary).toBe('function');
    expect(typeof tg.nn.receptiveField).toBe('function');
    expect(typeof tg.optim.AdamW).toBe('function');
    expect(typeof tg.io.saveSafetensors).toBe('function');
    expect(typeof tg.save).toBe('function');
    expect(typeof tg.load).toBe('function');
  });
});
