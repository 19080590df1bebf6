// tg.optim: optimizers and learning-rate schedules.

export { Optimizer, type ParamGroup, type ParamGroupSpec, type ParamState, type OptimizerStateDict } from './optimizer.js';
export { SGD, type SGDOptions, type SGDArgs } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamArgs } from './adam.js';
export { RMSprop, type RMSpropOptions, type RMSpropArgs } from './rmsprop.js';
export { LRScheduler, StepLR, CosineAnnealingLR, OneCycleLR, type OneCycleLROptions, type OneCycleLRArgs, type StepLROptions, type CosineAnnealingLROptions } from './scheduler.js';
