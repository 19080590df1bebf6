// RecipeCNN: the model `typegrad train` (and `npm start`) trains by default, the recipe that reaches
// 98.6% on the bundled digits: conv32-conv32-pool-conv64-conv64-pool-fc128-fc10, each 3x3 conv (padding
// 1, no bias) followed by BatchNorm and ReLU, a 2x2 max pool after every second conv, and Dropout 0.3
// before each Linear. Unlike tg.nn.CNN (the course's configurable [(CONV -> ACT)*P -> POOL]*(N/P) ->
// MLP), its layout is fixed; its keys have the same shape (featureExtractor.N, mlp.N).

import { Tensor } from '../../engine/index.js';
import { Module } from '../module.js';
import { Sequential } from '../layers/container.js';
import { Conv2d } from '../layers/conv.js';
import { BatchNorm2d } from '../layers/normalization.js';
import { ReLU } from '../layers/activation.js';
import { MaxPool2d } from '../layers/pooling.js';
import { Flatten } from '../layers/basic.js';
import { Dropout } from '../layers/dropout.js';
import { Linear } from '../layers/linear.js';
import { checkCommon, checkInput, featureSize } from './cnn.js';

export interface RecipeCNNOptions {
  /** [channels, height, width] of one input image */
  inSize: [number, number, number] | number[];
  outClasses: number;
  /** output channels of each conv (default [32, 32, 64, 64]); a pool follows every second one */
  channels?: number[];
  /** widths of the hidden Linear layers (default [128]) */
  hiddenDims?: number[];
  /** the probability of each Dropout before a Linear (default 0.3) */
  dropout?: number;
}

export class RecipeCNN extends Module {
  readonly inSize: number[];
  readonly outClasses: number;
  featureExtractor: Sequential;
  mlp: Sequential;

  constructor(options: RecipeCNNOptions) {
    super();
    const name = new.target.name;
    const { channels = [32, 32, 64, 64], hiddenDims = [128], dropout = 0.3 } = options ?? {};
    checkCommon(name, { ...options, channels, poolEvery: 2, hiddenDims });
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`${name}: dropout must be in [0, 1), got ${dropout}`);
    this.inSize = [...options.inSize];
    this.outClasses = options.outClasses;
    const features: Module[] = [];
    let c = this.inSize[0];
    channels.forEach((ch, i) => {
      // no conv bias: the BatchNorm right after it has its own shift
      features.push(new Conv2d({ inChannels: c, outChannels: ch, kernelSize: 3, padding: 1, bias: false }), new BatchNorm2d({ numFeatures: ch }), new ReLU());
      c = ch;
      if (i % 2 === 1) features.push(new MaxPool2d({ kernelSize: 2 }));
    });
    this.featureExtractor = new Sequential(features);
    const head: Module[] = [new Flatten()];
    let n = featureSize(name, this.featureExtractor, this.inSize);
    for (const h of hiddenDims) {
      head.push(new Dropout({ p: dropout }), new Linear({ inFeatures: n, outFeatures: h }), new ReLU());
      n = h;
    }
    head.push(new Dropout({ p: dropout }), new Linear({ inFeatures: n, outFeatures: this.outClasses }));
    this.mlp = new Sequential(head);
  }

  forward(x: Tensor): Tensor {
    checkInput(this.constructor.name, x, this.inSize);
    return this.mlp.forward(this.featureExtractor.forward(x));
  }

  outputShape(input: readonly number[]): number[] {
    return [input[0], this.outClasses];
  }
}
