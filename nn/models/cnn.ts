// The course's CNN: [(CONV -> ACT)*P -> POOL]*(N/P) -> (FC -> ACT)*M -> FC.

import { Tensor, flatten, formatShape } from '../../engine/index.js';
import { Module } from '../module.js';
import { Sequential } from '../layers/container.js';
import { Conv2d } from '../layers/conv.js';
import { Linear } from '../layers/linear.js';
import type { Pair } from '../layers/util.js';
import type { MaxPool2dOptions } from '../layers/pooling.js';
import { makeActivation, makePooling, type ActivationParams, type ActivationType, type PoolingType } from './blocks.js';

export interface ConvParams {
  kernelSize?: Pair;
  stride?: Pair;
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

export interface CNNOptions {
  /** [channels, height, width] of one input image */
  inSize: [number, number, number] | number[];
  outClasses: number;
  channels: number[];
  /** a pooling layer after every poolEvery convolutions */
  poolEvery: number;
  hiddenDims: number[];
  convParams?: ConvParams;
  activationType?: ActivationType;
  activationParams?: ActivationParams;
  poolingType?: PoolingType;
  poolingParams?: Partial<MaxPool2dOptions>;
}

export function checkCommon(name: string, o: { inSize: readonly number[]; outClasses: number; channels: number[]; poolEvery: number; hiddenDims: number[] }): void {
  if (!Array.isArray(o?.inSize) || o.inSize.length !== 3 || !o.inSize.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`${name}: inSize must be [channels, height, width] of positive integers, got ${JSON.stringify(o?.inSize)}`);
  }
  if (!Number.isInteger(o.outClasses) || o.outClasses < 1) throw new RangeError(`${name}: outClasses must be a positive integer, got ${o.outClasses}`);
  if (!Array.isArray(o.channels) || o.channels.length === 0) throw new RangeError(`${name}: channels must be a non-empty list, got ${JSON.stringify(o.channels)}`);
  if (!Number.isInteger(o.poolEvery) || o.poolEvery < 1) throw new RangeError(`${name}: poolEvery must be a positive integer, got ${o.poolEvery}`);
  if (!Array.isArray(o.hiddenDims)) throw new RangeError(`${name}: hiddenDims must be a list, got ${JSON.stringify(o.hiddenDims)}`);
}

/** Linear + activation per hidden dim, then a Linear to the classes with no activation. */
export function makeMlp(inFeatures: number, hiddenDims: number[], outClasses: number, act: () => Module): Sequential {
  const layers: Module[] = [];
  let n = inFeatures;
  for (const h of hiddenDims) {
    layers.push(new Linear({ inFeatures: n, outFeatures: h }), act());
    n = h;
  }
  layers.push(new Linear({ inFeatures: n, outFeatures: outClasses }));
  return new Sequential(layers);
}

/** The feature extractor's output size for one image, from the layers' shape arithmetic (no forward pass). */
export function featureSize(name: string, features: Sequential, inSize: readonly number[]): number {
  let shape: number[];
  try {
    shape = features.outputShape([1, ...inSize]);
  } catch (e) {
    throw new RangeError(`${name}: the feature extractor does not fit an input of size ${formatShape(inSize)}: ${(e as Error).message}`);
  }
  if (shape.some((n) => n < 1)) throw new RangeError(`${name}: an input of size ${formatShape(inSize)} shrinks to ${formatShape(shape)} in the feature extractor`);
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

export class CNN extends Module {
  readonly inSize: number[];
  readonly outClasses: number;
  featureExtractor: Sequential;
  mlp: Sequential;

  constructor(options: CNNOptions) {
    super();
    const name = new.target.name;
    checkCommon(name, options);
    this.inSize = [...options.inSize];
    this.outClasses = options.outClasses;
    this.featureExtractor = this.makeFeatureExtractor(options);
    const act = () => makeActivation(options.activationType ?? 'relu', options.activationParams ?? {}, name);
    this.mlp = makeMlp(featureSize(name, this.featureExtractor, options.inSize), options.hiddenDims, options.outClasses, act);
  }

  /** [(CONV -> ACT)*P -> POOL]*(N/P). Subclasses (ResNet) build other feature extractors. */
  protected makeFeatureExtractor(options: CNNOptions): Sequential {
    const o = { convParams: {}, activationType: 'relu' as const, activationParams: {}, poolingType: 'max' as const, poolingParams: {}, ...options };
    const layers: Module[] = [];
    let c = o.inSize[0];
    o.channels.forEach((ch, i) => {
      layers.push(new Conv2d({ kernelSize: 3, ...o.convParams, inChannels: c, outChannels: ch }), makeActivation(o.activationType, o.activationParams, 'CNN'));
      c = ch;
      if ((i + 1) % o.poolEvery === 0) layers.push(makePooling(o.poolingType, o.poolingParams, 'CNN'));
    });
    return new Sequential(layers);
  }

  forward(x: Tensor): Tensor {
    checkInput(this.constructor.name, x, this.inSize);
    return this.mlp.forward(flatten(this.featureExtractor.forward(x), 1));
  }

  outputShape(input: readonly number[]): number[] {
    return [input[0], this.outClasses];
  }
}

export function checkInput(name: string, x: Tensor, inSize: readonly number[]): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${name}: expected a Tensor input`);
  if (x.ndim !== 4 || x.shape.slice(1).some((n, i) => n !== inSize[i])) {
    throw new RangeError(`${name}: expected input [N, ${inSize.join(', ')}] (inSize), got ${formatShape(x.shape)}`);
  }
}
