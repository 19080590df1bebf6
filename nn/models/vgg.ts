// VGG16 with torchvision's layout and keys (features.N, avgpool, classifier.N), and the course lab's
// smaller VGG (vggSmall) for 64x64-ish images with global average pooling.

import { Tensor, flatten } from '../../engine/index.js';
import { Module } from '../module.js';
import { Sequential } from '../layers/container.js';
import { Conv2d } from '../layers/conv.js';
import { Linear } from '../layers/linear.js';
import { ReLU } from '../layers/activation.js';
import { Dropout } from '../layers/dropout.js';
import { MaxPool2d, AdaptiveAvgPool2d } from '../layers/pooling.js';
import { Flatten } from '../layers/basic.js';
import { BatchNorm2d } from '../layers/normalization.js';
import * as init from '../init.js';

export interface VGGOptions {
  numClasses?: number;
  dropout?: number;
  /** false (vgg16() only) skips the random initialisation, leaving zeros: quicker when a state dict is loaded next */
  init?: boolean;
}

/** torchvision's VGG16 configuration 'D': channel counts, 'M' = 2x2 max pool. */
export const VGG16_CONFIG: ReadonlyArray<number | 'M'> = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

/**
 * torchvision's make_layers: a 3x3 conv (padding 1) + ReLU per channel count, a 2x2 max pool per 'M'.
 * vggFeatures(VGG16_CONFIG) is vgg16().features (the same keys) without building the 124M-parameter classifier.
 */
export function vggFeatures(config: ReadonlyArray<number | 'M'>): Sequential {
  if (!Array.isArray(config) || !config.every((v) => v === 'M' || (Number.isInteger(v) && v > 0))) {
    throw new RangeError(`vggFeatures: config must list positive channel counts and 'M' (max pool), got ${JSON.stringify(config)}`);
  }
  const layers: Module[] = [];
  let c = 3;
  for (const v of config) {
    if (v === 'M') layers.push(new MaxPool2d({ kernelSize: 2, stride: 2 }));
    else {
      layers.push(new Conv2d({ inChannels: c, outChannels: v, kernelSize: 3, padding: 1 }), new ReLU());
      c = v;
    }
  }
  return new Sequential(layers);
}

export class VGG extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;

  constructor(features: Sequential, options: VGGOptions = {}) {
    super();
    const { numClasses = 1000, dropout = 0.5 } = options;
    this.features = features;
    this.avgpool = new AdaptiveAvgPool2d([7, 7]);
    this.classifier = new Sequential(
      new Linear({ inFeatures: 512 * 7 * 7, outFeatures: 4096 }), new ReLU(), new Dropout({ p: dropout }),
      new Linear({ inFeatures: 4096, outFeatures: 4096 }), new ReLU(), new Dropout({ p: dropout }),
      new Linear({ inFeatures: 4096, outFeatures: numClasses }),
    );
    if (options.init !== false) init.torchvisionInit(this, 'normal');
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(flatten(this.avgpool.forward(this.features.forward(x)), 1));
  }

  outputShape(input: readonly number[]): number[] {
    return [input[0], (this.classifier.at(-1) as Linear).outFeatures];
  }
}

/** VGG16 as torchvision.models.vgg16() builds it (no pretrained weights: load a state dict for those). */
export function vgg16(options: VGGOptions = {}): VGG {
  // The layers are built without their default init: torchvisionInit (in VGG's constructor, unless
  // init: false) redraws every conv and Linear weight and zeroes the biases, so drawing the defaults
  // first (as torchvision does) would only spend a second on 138M numbers that are overwritten.
  return init.skipInit(() => new VGG(vggFeatures(VGG16_CONFIG), options));
}

/**
 * The dog-breed lab's network: 4 blocks of two 3x3 convs (padding 1) + ReLU and a 2x2 max pool,
 * global average pooling, two Linear 512-512 + ReLU, Linear to numClasses: 5,272,248 parameters for 120 classes.
 */
export interface VGGSmallOptions {
  numClasses: number;
  /** channels of the input images (3; 1 for grayscale digits) */
  inChannels?: number;
}

export class VGGSmall extends Module {
  features: Sequential;
  pool: AdaptiveAvgPool2d;
  flatten: Flatten;
  classifier: Sequential;

  constructor(options: VGGSmallOptions) {
    super();
    const numClasses = options?.numClasses;
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`vggSmall: numClasses must be a positive integer, got ${numClasses}`);
    const inChannels = options.inChannels ?? 3;
    if (!Number.isInteger(inChannels) || inChannels < 1) throw new RangeError(`vggSmall: inChannels must be a positive integer, got ${inChannels}`);
    const layers: Module[] = [];
    let c = inChannels;
    for (const ch of [64, 128, 256, 512]) {
      layers.push(
        new Conv2d({ inChannels: c, outChannels: ch, kernelSize: 3, padding: 1 }), new ReLU(),
        new Conv2d({ inChannels: ch, outChannels: ch, kernelSize: 3, padding: 1 }), new ReLU(),
        new MaxPool2d({ kernelSize: 2 }),
      );
      c = ch;
    }
    this.features = new Sequential(layers);
    this.pool = new AdaptiveAvgPool2d(1);
    this.flatten = new Flatten();
    // two hidden 512-unit layers: what gives the lab's 5,272,248 parameters for 120 classes
    this.classifier = new Sequential(
      new Linear({ inFeatures: 512, outFeatures: 512 }), new ReLU(),
      new Linear({ inFeatures: 512, outFeatures: 512 }), new ReLU(),
      new Linear({ inFeatures: 512, outFeatures: numClasses }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.flatten.forward(this.pool.forward(this.features.forward(x))));
  }

  outputShape(input: readonly number[]): number[] {
    return [input[0], (this.classifier.at(-1) as Linear).outFeatures];
  }
}

export function vggSmall(options: VGGSmallOptions): VGGSmall {
  return new VGGSmall(options);
}
