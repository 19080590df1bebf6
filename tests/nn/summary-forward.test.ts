// summary runs a real forward pass (on zeros, under noGrad, with forward hooks), as torchsummary does:
// a layer that does not fit what reaches it throws, naming the layer by its place in the module tree,
// what it expects and what it got; valid models give the table the shape arithmetic gave before.

import { describe, expect, it } from 'vitest';
import { flatten, type Tensor } from '../../engine/index.js';
import * as nn from '../../nn/index.js';

/** features → flatten → classifier, like VGG; the classifier's first Linear takes `inFeatures`. */
class Net extends nn.Module {
  features: nn.Sequential;
  classifier: nn.Sequential;
  constructor(features: nn.Module[], inFeatures: number) {
    super();
    this.features = new nn.Sequential(features);
    this.classifier = new nn.Sequential(new nn.Linear({ inFeatures, outFeatures: 64 }), new nn.ReLU(), new nn.Linear({ inFeatures: 64, outFeatures: 10 }));
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(flatten(this.features.forward(x), 1));
  }
}

const conv = (inChannels: number, outChannels: number) => new nn.Conv2d({ inChannels, outChannels, kernelSize: 3, padding: 1 });

describe('summary: a layer that does not fit its input throws, naming it', () => {
  it('a Linear(256, …) after 512 features: classifier.0, [..., 256] expected, [1,512] got', () => {
    // 32 channels pooled to 4x4: 512 features reach a Linear made for 256
    const net = new Net([conv(3, 32), new nn.ReLU(), new nn.AdaptiveAvgPool2d(4)], 256);
    expect(() => nn.summary(net, [3, 16, 16])).toThrow(
      /^summary: layer classifier\.0 \(Linear\) does not fit its input \[1,512\]: Linear\(in_features=256, out_features=64\): expected input \[\.\.\., 256\], got \[1,512\]$/,
    );
    expect(nn.summary(new Net([conv(3, 32), new nn.ReLU(), new nn.AdaptiveAvgPool2d(4)], 512), [3, 16, 16]).outputShape).toEqual([1, 10]);
  });

  it('a conv expecting 32 channels after a 16-channel conv: features.2, [N, 32, H, W] expected, [1,16,8,8] got', () => {
    const net = new Net([conv(3, 16), new nn.ReLU(), conv(32, 64), new nn.AdaptiveAvgPool2d(1)], 64);
    let error: unknown;
    try {
      nn.summary(net, [3, 8, 8]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError); // the layer's own error class, with the layer's error as the cause
    expect((error as Error).message).toMatch(/^summary: layer features\.2 \(Conv2d\) does not fit its input \[1,16,8,8\]: Conv2d\(32, 64, .*\): expected input \[N, 32, H, W\] or \[32, H, W\], got \[1,16,8,8\]$/);
    expect((error as Error).cause).toBeInstanceOf(RangeError);
  });

  it('an error in a module with children names that module; one in the model itself names the model', () => {
    class Squash extends nn.Module {
      inner = new nn.ReLU();
      forward(x: Tensor): Tensor {
        return this.inner.forward(x).reshape(7);
      }
    }
    const net = new Net([conv(3, 4), new Squash()], 4);
    expect(() => nn.summary(net, [3, 4, 4])).toThrow(/^summary: layer features\.1 \(Squash\) does not fit its input \[1,4,4,4\]: reshape/);
    class Bad extends nn.Module {
      fc = new nn.Linear({ inFeatures: 48, outFeatures: 2 });
      forward(x: Tensor): Tensor {
        return this.fc.forward(x.reshape(5, -1));
      }
    }
    expect(() => nn.summary(new Bad(), [3, 4, 4])).toThrow(/^summary: the model \(Bad\) does not fit its input \[1,3,4,4\]: reshape/);
  });

  it('an input the model cannot take at all fails at its first layer', () => {
    const model = new nn.Sequential(conv(3, 8), new nn.ReLU());
    expect(() => nn.summary(model, [1, 28, 28])).toThrow(/^summary: layer 0 \(Conv2d\) does not fit its input \[1,1,28,28\]: .*expected input \[N, 3, H, W\]/);
  });
});

describe('summary of valid models: the same table as the shape arithmetic gave', () => {
  it('the course ResNet with bottleneck blocks, dropout and a shortcut conv (main path, then the shortcut)', () => {
    const net = new nn.ResNet({ inSize: [8, 16, 16], outClasses: 10, channels: [8, 4, 4, 8, 16], poolEvery: 4, hiddenDims: [20], bottleneck: true, dropout: 0.2 });
    // the table nn.summary printed at f67b7a7, from the layers' outputShape
    expect(nn.summary(net, [8, 16, 16]).toString()).toBe(TABLE_RESNET);
  });

  it('the course CNN (flattened between the features and the MLP by its forward)', () => {
    const net = new nn.CNN({ inSize: [3, 32, 32], outClasses: 10, channels: [8, 16], poolEvery: 1, hiddenDims: [20] });
    expect(nn.summary(net, [3, 32, 32]).toString()).toBe(TABLE_CNN);
  });

  it("resnet18's BasicBlock runs its relu module twice, as torchvision's does, so the table lists it", () => {
    const rows = nn.summary(nn.resnet18({ numClasses: 10 }), [3, 32, 32]).rows.filter((r) => r.name === 'layer1.0.relu');
    expect(rows.map((r) => r.outputShape)).toEqual([[1, 64, 8, 8], [1, 64, 8, 8]]);
  });

  it('leaves the model as it was: training flags one by one, no hooks, no gradients', () => {
    const bn = new nn.BatchNorm2d({ numFeatures: 4 });
    const net = new nn.Sequential(conv(3, 4), bn, new nn.Dropout({ p: 0.5 }), new nn.Flatten(), new nn.Linear({ inFeatures: 4 * 16 * 16, outFeatures: 2 }));
    net.train();
    bn.eval(); // a frozen batchnorm stays in eval
    const before = [...net.modules()].map((m) => m.training);
    const first = nn.summary(net, [3, 16, 16]);
    expect([...net.modules()].map((m) => m.training)).toEqual(before);
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    // the hooks are gone: a second summary has the same rows, not twice as many
    expect(nn.summary(net, [3, 16, 16]).rows).toEqual(first.rows);
    // a batch of 4 is passed through as given
    expect(nn.summary(net, [4, 3, 16, 16]).rows[0].outputShape).toEqual([4, 4, 16, 16]);
  });
});

const TABLE_RESNET = [
    '-------------------------------------------------------------------',
    'Layer (type)                                  Output Shape  Param #',
    '===================================================================',
    'Conv2d (featureExtractor.0.mainPath.0)         [1,4,16,16]       36',
    'Dropout2d (featureExtractor.0.mainPath.1)      [1,4,16,16]        0',
    'ReLU (featureExtractor.0.mainPath.2)           [1,4,16,16]        0',
    'Conv2d (featureExtractor.0.mainPath.3)         [1,4,16,16]      148',
    'Dropout2d (featureExtractor.0.mainPath.4)      [1,4,16,16]        0',
    'ReLU (featureExtractor.0.mainPath.5)           [1,4,16,16]        0',
    'Conv2d (featureExtractor.0.mainPath.6)         [1,4,16,16]      148',
    'Dropout2d (featureExtractor.0.mainPath.7)      [1,4,16,16]        0',
    'ReLU (featureExtractor.0.mainPath.8)           [1,4,16,16]        0',
    'Conv2d (featureExtractor.0.mainPath.9)         [1,8,16,16]       40',
    'MaxPool2d (featureExtractor.1)                   [1,8,8,8]        0',
    'Conv2d (featureExtractor.2.mainPath.0)          [1,16,8,8]    1,168',
    'Conv2d (featureExtractor.2.shortcutPath.0)      [1,16,8,8]      128',
    'Linear (mlp.0)                                      [1,20]   20,500',
    'ReLU (mlp.1)                                        [1,20]        0',
    'Linear (mlp.2)                                      [1,10]      210',
    '===================================================================',
    'Input shape: [1,8,16,16]',
    'Total params: 22,378',
    'Trainable params: 22,378',
    'Non-trainable params: 0',
    '-------------------------------------------------------------------',
  ].join('\n');

const TABLE_CNN = [
    '-------------------------------------------------------',
    'Layer (type)                      Output Shape  Param #',
    '=======================================================',
    'Conv2d (featureExtractor.0)        [1,8,30,30]      224',
    'ReLU (featureExtractor.1)          [1,8,30,30]        0',
    'MaxPool2d (featureExtractor.2)     [1,8,15,15]        0',
    'Conv2d (featureExtractor.3)       [1,16,13,13]    1,168',
    'ReLU (featureExtractor.4)         [1,16,13,13]        0',
    'MaxPool2d (featureExtractor.5)      [1,16,6,6]        0',
    'Linear (mlp.0)                          [1,20]   11,540',
    'ReLU (mlp.1)                            [1,20]        0',
    'Linear (mlp.2)                          [1,10]      210',
    '=======================================================',
    'Input shape: [1,3,32,32]',
    'Total params: 13,142',
    'Trainable params: 13,142',
    'Non-trainable params: 0',
    '-------------------------------------------------------',
  ].join('\n');
