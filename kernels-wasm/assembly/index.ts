// The kernels-wasm module's exports. Pointers are byte offsets into the exported memory; sizes and
// strides are in floats. The host (kernels-wasm/loader.ts, its Arena) owns everything above dynamicBase().

export { dynamicBase, scratchBytes, setScratch, hasRelaxedSimd, gemm, gemmBatched } from './gemm';
export { conv2dForward, conv2dBackwardInput, conv2dBackwardWeight, colFloats } from './conv';
export { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward } from './pool';
export { relu, reluBackward, biasAdd, biasGrad, batchNormStats, batchNormForward, batchNormGradSums, batchNormBackward, binaryArith } from './elementwise';
export { randomFill } from './random';
export { adamStep } from './optim';
