// The course's residual networks: ResidualBlock, ResidualBottleneckBlock and ResNet.
//   block:  relu(mainPath(x) + shortcutPath(x))
//   ResNet: [-> (CONV -> ACT)*P -> POOL]*(N/P) -> (FC -> ACT)*M -> FC, with a skip around every P convs

import { Tensor, add, relu, formatShape } from '../../engine/index.js';
import { Module } from '../module.js';
import { Sequential } from '../layers/container.js';
import { Conv2d } from '../layers/conv.js';
import { BatchNorm2d } from '../layers/normalization.js';
import { Dropout2d } from '../layers/dropout.js';
import type { MaxPool2dOptions } from '../layers/pooling.js';
import { makeActivation, makePooling, type ActivationParams, type ActivationType, type PoolingType } from './blocks.js';
import { CNN } from './cnn.js';

export interface BlockOptions {
  batchnorm?: boolean;
  dropout?: number;
  activationType?: ActivationType;
  activationParams?: ActivationParams;
}

export interface ResidualBlockOptions extends BlockOptions {
  inChannels: number;
  channels: number[];
  kernelSizes: number[];
}

export class ResidualBlock extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  mainPath: Sequential;
  shortcutPath: Sequential;

  constructor(options: ResidualBlockOptions, name = 'ResidualBlock') {
    super();
    const { inChannels, channels, kernelSizes, batchnorm = false, dropout = 0, activationType = 'relu', activationParams = {} } = options ?? ({} as ResidualBlockOptions);
    if (!Number.isInteger(inChannels) || inChannels < 1) throw new RangeError(`${name}: inChannels must be a positive integer, got ${inChannels}`);
    if (!Array.isArray(channels) || channels.length === 0) throw new RangeError(`${name}: channels must be a non-empty list, got ${JSON.stringify(channels)}`);
    if (!Array.isArray(kernelSizes) || kernelSizes.length !== channels.length) {
      throw new RangeError(`${name}: expected one kernel size per conv (${channels.length}), got ${JSON.stringify(kernelSizes)}`);
    }
    kernelSizes.forEach((k, i) => {
      // an even kernel with padding k//2 changes the spatial size, and main + shortcut would not add up
      if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new RangeError(`${name}: kernel sizes must be odd positive integers, got ${k} at index ${i}`);
    });
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`${name}: dropout must be in [0, 1), got ${dropout}`);
    this.inChannels = inChannels;
    this.outChannels = channels[channels.length - 1];
    const layers: Module[] = [];
    let c = inChannels;
    channels.forEach((ch, i) => {
      const k = kernelSizes[i];
      layers.push(new Conv2d({ inChannels: c, outChannels: ch, kernelSize: k, padding: Math.floor(k / 2), bias: true }));
      if (i < channels.length - 1) {
        if (dropout > 0) layers.push(new Dropout2d({ p: dropout }));
        if (batchnorm) layers.push(new BatchNorm2d({ numFeatures: ch }));
        layers.push(makeActivation(activationType, activationParams, name));
      }
      c = ch;
    });
    this.mainPath = new Sequential(layers);
    this.shortcutPath =
      inChannels !== this.outChannels ? new Sequential(new Conv2d({ inChannels, outChannels: this.outChannels, kernelSize: 1, bias: false })) : new Sequential();
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new RangeError(`${this.constructor.name}: expected input [N, ${this.inChannels}, H, W], got ${x instanceof Tensor ? formatShape(x.shape) : typeof x}`);
    }
    return relu(add(this.mainPath.forward(x), this.shortcutPath.forward(x)));
  }

  override sideBranches(): Module[] {
    return [this.shortcutPath];
  }

  outputShape(input: readonly number[]): number[] {
    return [input[0], this.outChannels, ...input.slice(2)];
  }
}

export interface ResidualBottleneckBlockOptions extends BlockOptions {
  inOutChannels: number;
  innerChannels: number[];
  innerKernelSizes: number[];
}

/** 1x1 conv down to innerChannels[0], the inner convs, 1x1 conv back up to inOutChannels. */
export class ResidualBottleneckBlock extends ResidualBlock {
  constructor(options: ResidualBottleneckBlockOptions) {
    const { inOutChannels, innerChannels, innerKernelSizes, ...rest } = options ?? ({} as ResidualBottleneckBlockOptions);
    if (!Array.isArray(innerChannels) || innerChannels.length === 0) {
      throw new RangeError(`ResidualBottleneckBlock: innerChannels must be a non-empty list, got ${JSON.stringify(innerChannels)}`);
    }
    if (!Array.isArray(innerKernelSizes) || innerKernelSizes.length !== innerChannels.length) {
      throw new RangeError(`ResidualBottleneckBlock: expected one inner kernel size per inner channel count (${innerChannels.length}), got ${JSON.stringify(innerKernelSizes)}`);
    }
    super(
      { ...rest, inChannels: inOutChannels, channels: [innerChannels[0], ...innerChannels, inOutChannels], kernelSizes: [1, ...innerKernelSizes, 1] },
      'ResidualBottleneckBlock',
    );
  }
}

export interface ResNetOptions extends BlockOptions {
  inSize: [number, number, number] | number[];
  outClasses: number;
  channels: number[];
  poolEvery: number;
  hiddenDims: number[];
  poolingType?: PoolingType;
  poolingParams?: Partial<MaxPool2dOptions>;
  /** use bottleneck blocks for groups that start and end at the current channel count */
  bottleneck?: boolean;
}

/** The course's ResNet: its CNN with residual blocks (or bottleneck blocks) as the feature extractor. */
export class ResNet extends CNN {
  constructor(options: ResNetOptions) {
    super(options);
  }

  protected override makeFeatureExtractor(options: ResNetOptions): Sequential {
    const { poolingType = 'max', poolingParams = {}, bottleneck = false, batchnorm = false, dropout = 0, activationType = 'relu', activationParams = {} } = options;
    const block = { batchnorm, dropout, activationType, activationParams };
    const layers: Module[] = [];
    let c = options.inSize[0];
    for (let s = 0; s < options.channels.length; s += options.poolEvery) {
      const group = options.channels.slice(s, s + options.poolEvery);
      const last = group[group.length - 1];
      if (bottleneck && group.length > 2 && group[0] === c && last === c) {
        const inner = group.slice(1, -1);
        layers.push(new ResidualBottleneckBlock({ ...block, inOutChannels: c, innerChannels: inner, innerKernelSizes: inner.map(() => 3) }));
      } else {
        layers.push(new ResidualBlock({ ...block, inChannels: c, channels: group, kernelSizes: group.map(() => 3) }));
      }
      c = last;
      if (group.length === options.poolEvery) layers.push(makePooling(poolingType, poolingParams, 'ResNet'));
    }
    return new Sequential(layers);
  }
}
