// tg.nn.functional: torch.nn.functional's names (camelCase) for the engine's ops, so that F.nll_loss is
// nn.functional.nllLoss. The ops themselves live in engine/ops/ (tg.conv2d is the same function).

import { nll, mse } from '../engine/index.js';

export {
  conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, pad, linear, dropout, batchNorm,
  relu, leakyRelu, gelu, sigmoid, tanh, softplus, softmax, logSoftmax, crossEntropy, binaryCrossEntropyWithLogits,
} from '../engine/index.js';
export { convTranspose2d, conv1d, maxPool1d, avgPool1d, interpolate, embedding } from '../engine/index.js';
export { convTranspose1d } from '../engine/index.js';
export { conv3d, maxPool3d, avgPool3d } from '../engine/index.js';
export { elu, selu, celu, silu, mish, hardswish, hardsigmoid, softsign, softmin, prelu, layerNorm, groupNorm, instanceNorm, localResponseNorm } from '../engine/index.js';

/** F.nll_loss: the negative log-likelihood of log-probabilities [N, C] (tg.nll under PyTorch's name). */
export const nllLoss = nll;

/** F.mse_loss: the mean squared error (tg.mse under PyTorch's name). */
export const mseLoss = mse;
