// tg.nn: modules, layers, losses, init, the course's models, and the tools around them.

export { Module, type AnyModule, type ForwardHook, type ForwardPreHook, type HookHandle, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Parameter } from './parameter.js';
export * as init from './init.js';
export * as functional from './functional.js';

export { Linear, LazyLinear, type LinearOptions, type LazyLinearOptions, type LinearArgs } from './layers/linear.js';
export { Conv2d, type Conv2dOptions, type Conv2dArgs, type Conv2dPaddingMode } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, type MaxPool2dOptions, type AvgPool2dOptions, type AdaptivePoolOptions, type MaxPool2dArgs, type AvgPool2dArgs } from './layers/pooling.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions, type BatchNormArgs } from './layers/normalization.js';
export { BatchNorm3d } from './layers/normalization.js';
export { LayerNorm, GroupNorm, InstanceNorm2d, LocalResponseNorm, type LayerNormOptions, type LayerNormArgs, type GroupNormOptions, type GroupNormArgs, type InstanceNormOptions, type InstanceNormArgs, type LocalResponseNormOptions, type LocalResponseNormArgs } from './layers/normalization.js';
export { Dropout, Dropout2d, type DropoutOptions, type DropoutArgs } from './layers/dropout.js';
export { ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Softmax, LogSoftmax } from './layers/activation.js';
export { ELU, CELU, SELU, SiLU, Mish, Hardswish, Hardsigmoid, Softsign, Softmin, PReLU, type PReLUOptions } from './layers/activation.js';
export { Flatten, Identity } from './layers/basic.js';
export { Sequential, ModuleList } from './layers/container.js';
export { ConvTranspose2d, type ConvTranspose2dOptions, type ConvTranspose2dArgs } from './layers/conv-transpose.js';
export { Conv3d, MaxPool3d, AvgPool3d, type Conv3dOptions, type Conv3dArgs, type Conv3dPaddingMode, type MaxPool3dOptions, type MaxPool3dArgs, type AvgPool3dOptions, type AvgPool3dArgs } from './layers/conv3d.js';
export { ConvTranspose1d, type ConvTranspose1dOptions, type ConvTranspose1dArgs } from './layers/conv-transpose.js';
export { Conv1d, MaxPool1d, AvgPool1d, type Conv1dOptions, type Conv1dArgs, type Conv1dPaddingMode, type MaxPool1dOptions, type MaxPool1dArgs, type AvgPool1dOptions, type AvgPool1dArgs } from './layers/conv1d.js';
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, type UpsampleOptions, type UpsampleArgs } from './layers/upsample.js';
export { Embedding, type EmbeddingOptions, type EmbeddingArgs } from './layers/embedding.js';
export { CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss, type CrossEntropyLossOptions, type NLLLossOptions, type BCEWithLogitsLossOptions } from './loss.js';

export { CNN, type CNNOptions, type ConvParams } from './models/cnn.js';
export { RecipeCNN, type RecipeCNNOptions } from './models/recipe.js';
export { ResidualBlock, ResidualBottleneckBlock, ResNet, type ResidualBlockOptions, type ResidualBottleneckBlockOptions, type ResNetOptions } from './models/residual.js';
export { ArgMaxClassifier } from './models/classifier.js';
export { VGG, VGGSmall, vgg16, vggSmall, vggFeatures, VGG16_CONFIG, type VGGOptions, type VGGSmallOptions } from './models/vgg.js';
export { ResNet18, BasicBlock, resnet18 } from './models/resnet.js';
export { type ActivationType, type PoolingType } from './models/blocks.js';

export { summary, type SummaryRow, type SummaryResult } from './tools/summary.js';
export { receptiveField, type ReceptiveFieldLayer } from './tools/receptive-field.js';
export { convOutputSize, conv2dParameterCount, outputShape } from './tools/shapes.js';
export { ProgressBar, formatDuration, type ProgressStats, type ProgressStream } from './progress.js';
export { fit, evaluate, epochLine, ResumeError, type FitOptions, type FitResult, type EpochLog, type FitProgress, type TrainingState, type Checkpointer, type Metric, type Batch, type BatchSource, type BatchProgress, type ValOutputs } from './fit.js';
