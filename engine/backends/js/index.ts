// The plain-JS reference backend: every kernel as readable loops. The WASM and GL backends are
// tested against it; it is also where to read how convolution and pooling work.

import type { Kernels } from '../../kernels.js';
import { gemm } from './gemm.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv2d.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { biasAdd, binary, relu, reluBackward, unary } from './elementwise.js';
import { batchNormBackward, batchNormForward, batchNormGradSums, batchNormStats } from './batchnorm.js';
import { reduce } from './reduce.js';
import { gather, indexAdd, indexSelect, scatterAdd, stridedCopy } from './movement.js';
import { softmax, softmaxBackward } from './softmax.js';
import { randomFill } from './random.js';
import { adamStep, rmspropStep, sgdStep } from './optim.js';

export const jsKernels: Kernels = {
  gemm,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  relu,
  reluBackward,
  biasAdd,
  batchNormStats,
  batchNormForward,
  batchNormGradSums,
  batchNormBackward,
  unary,
  binary,
  reduce,
  stridedCopy,
  indexSelect,
  indexAdd,
  gather,
  scatterAdd,
  softmax,
  softmaxBackward,
  randomFill,
  sgdStep,
  adamStep,
  rmspropStep,
};
