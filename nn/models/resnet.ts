// ResNet-18 with torchvision's layout and keys (conv1, bn1, layer1.0.conv1, …, fc), so its state dicts
// load into typegrad unchanged.

import { Tensor, add, flatten } from '../../engine/index.js';
import { Module } from '../module.js';
import { Sequential } from '../layers/container.js';
import { Conv2d } from '../layers/conv.js';
import { Linear } from '../layers/linear.js';
import { ReLU } from '../layers/activation.js';
import { BatchNorm2d } from '../layers/normalization.js';
import { MaxPool2d, AdaptiveAvgPool2d } from '../layers/pooling.js';
import { skipInit, torchvisionInit } from '../init.js';

/** Two 3x3 convs with batchnorm; a 1x1 conv + batchnorm on the skip when the shape changes. */
export class BasicBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1) {
    super();
    this.conv1 = new Conv2d({ inChannels: inPlanes, outChannels: planes, kernelSize: 3, stride, padding: 1, bias: false });
    this.bn1 = new BatchNorm2d({ numFeatures: planes });
    this.relu = new ReLU();
    this.conv2 = new Conv2d({ inChannels: planes, outChannels: planes, kernelSize: 3, padding: 1, bias: false });
    this.bn2 = new BatchNorm2d({ numFeatures: planes });
    this.downsample =
      stride !== 1 || inPlanes !== planes
        ? new Sequential(new Conv2d({ inChannels: inPlanes, outChannels: planes, kernelSize: 1, stride, bias: false }), new BatchNorm2d({ numFeatures: planes }))
        : null;
  }

  forward(x: Tensor): Tensor {
    // through the relu module, twice, as torchvision's forward does (so hooks and summary see it)
    const out = this.bn2.forward(this.conv2.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x)))));
    return this.relu.forward(add(out, this.downsample ? this.downsample.forward(x) : x));
  }

  override sideBranches(): Module[] {
    return this.downsample ? [this.downsample] : [];
  }

  outputShape(input: readonly number[]): number[] {
    return this.conv2.outputShape(this.conv1.outputShape(input));
  }
}

export class ResNet18 extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  maxpool: MaxPool2d;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;

  constructor(options: { numClasses?: number; init?: boolean } = {}) {
    super();
    this.conv1 = new Conv2d({ inChannels: 3, outChannels: 64, kernelSize: 7, stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d({ numFeatures: 64 });
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 });
    const stage = (inPlanes: number, planes: number, stride: number) => new Sequential(new BasicBlock(inPlanes, planes, stride), new BasicBlock(planes, planes, 1));
    this.layer1 = stage(64, 64, 1);
    this.layer2 = stage(64, 128, 2);
    this.layer3 = stage(128, 256, 2);
    this.layer4 = stage(256, 512, 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear({ inFeatures: 512, outFeatures: options.numClasses ?? 1000 });
    if (options.init !== false) torchvisionInit(this, 'default');
  }

  forward(x: Tensor): Tensor {
    let y = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
    y = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(y))));
    return this.fc.forward(flatten(this.avgpool.forward(y), 1));
  }

  outputShape(input: readonly number[]): number[] {
    return [input[0], this.fc.outFeatures];
  }
}

/** ResNet-18 as torchvision.models.resnet18() builds it. */
export function resnet18(options: { numClasses?: number; init?: boolean } = {}): ResNet18 {
  return options.init === false ? skipInit(() => new ResNet18(options)) : new ResNet18(options);
}
