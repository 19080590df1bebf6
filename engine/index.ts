// The engine's public API: tensors, autograd, ops in functional form, backends, randomness.

export { Tensor, type DeviceStorage, type NestedArray, type TensorLike } from './tensor.js';
export { tensor, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye, rand, randn, randint, type TensorOptions, type RandomOptions } from './creation.js';
export { noGrad, enableGrad, isGradEnabled, setDetectAnomaly, isAnomalyEnabled, record, type BackwardFn, type BackwardOptions, type GradNode } from './autograd.js';
export { Generator, defaultGenerator, manualSeed } from './random.js';
export { registerBackend, loadBackend, setBackend, useDefaultBackend, getBackend, listBackends, hasBackend, kernels, sync, type BackendName, type BackendNames, type KernelsLoader } from './backend.js';
export {
  kernelNames, conv2dLayout, pool2dLayout, packParams, asChannelSum, type Kernels, type GemmParams, type Conv2dParams, type Pool2dParams, type ChannelParams, type BatchNormForwardCoefficients, type BatchNormBackwardCoefficients,
  type UnaryOp, type UnaryParams, type BinaryOp, type BinaryParams, type ReduceOp, type ReduceParams, type StridedCopyParams, type IndexSelectParams, type IndexAddParams,
  type SoftmaxParams, type RandomParams, type SgdParams, type AdamParams, type AdamState, type RmspropParams, type RmspropState,
} from './kernels.js';
export { parseArgs, checkOptions, nearestName, unknownOptionError, isOptionsObject, type ArgKind, type PositionalSpec, type PyArgs, type Prefixes } from './options.js';
export { broadcastShapes, formatShape, setMaxTensorElements, getMaxTensorElements, SizeLimitError } from './shape.js';

export { add, sub, mul, div, pow, neg, exp, log, sqrt, abs, relu, leakyRelu, tanh, sigmoid, softplus, gelu, erf, clamp, maximum, minimum, eq, ne, gt, ge, lt, le } from './ops/elementwise.js';
export { sum, mean, max, min, maxWithIndices, minWithIndices, variance as var, argmax, argmin, type ValuesAndIndices } from './ops/reduce.js';
export { reshape, flatten, squeeze, unsqueeze, permute, transpose, expand, slice, index, cat, stack } from './ops/movement.js';
export { matmul, linear } from './ops/matmul.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { conv2d, conv2dParams, type Conv2dOptions } from './ops/conv.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, poolOutputSize, type OutputSize, type MaxPool2dOptions, type AvgPool2dOptions } from './ops/pool.js';
export { pad, type PadMode } from './ops/pad.js';
export { dropout, dropout2d } from './ops/dropout.js';
export { batchNorm, type BatchNormOptions } from './ops/batchnorm.js';
export { nll, crossEntropy, mse, binaryCrossEntropyWithLogits, type Reduction, type Target, type NllOptions, type CrossEntropyOptions } from './ops/loss.js';
export { convTranspose2d, convTranspose2dParams, convTransposeOutputSize, type ConvTranspose2dOptions, type ConvTranspose2dArgs } from './ops/conv-transpose.js';
export { conv1d, maxPool1d, avgPool1d, type Conv1dOptions, type Conv1dArgs, type MaxPool1dOptions, type MaxPool1dArgs, type AvgPool1dOptions, type AvgPool1dArgs } from './ops/conv1d.js';
export { convTranspose1d, type ConvTranspose1dOptions, type ConvTranspose1dArgs } from './ops/conv1d.js';
export { conv3d, maxPool3d, avgPool3d, type Conv3dOptions, type Conv3dArgs, type MaxPool3dOptions, type MaxPool3dArgs, type AvgPool3dOptions, type AvgPool3dArgs } from './ops/conv3d.js';
export { interpolate, type InterpolateMode, type InterpolateOptions, type InterpolateArgs } from './ops/interpolate.js';
export { embedding, type EmbeddingOptions, type EmbeddingArgs } from './ops/embedding.js';
export { elu, selu, celu, silu, mish, hardswish, hardsigmoid, softsign, softmin, prelu } from './ops/activation.js';
export { layerNorm, groupNorm, instanceNorm, localResponseNorm, type LayerNormOptions, type GroupNormOptions, type InstanceNormOptions, type LocalResponseNormOptions } from './ops/normalization.js';
export { gather, scatter, scatterAdd, where } from './ops/indexing.js';
export { sort, argsort, topk, type SortOptions, type TopkOptions } from './ops/sort.js';
export { split, chunk, flip, roll, repeat, tile, cumsum, type CumsumOptions } from './ops/rearrange.js';
export { einsum } from './ops/einsum.js';
