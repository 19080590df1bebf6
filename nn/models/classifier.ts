// ArgMaxClassifier: wraps a model that outputs class scores; predicts the highest-scoring class.

import { Tensor, softmax, noGrad } from '../../engine/index.js';
import { Module } from '../module.js';

export class ArgMaxClassifier extends Module {
  model: Module;

  constructor(model: Module) {
    super();
    if (!(model instanceof Module)) throw new TypeError('ArgMaxClassifier: expected a Module to wrap');
    this.model = model;
  }

  /** The wrapped model's class scores (logits), [N, classes]. */
  forward(x: Tensor): Tensor {
    return this.model.forward(x);
  }

  /** Class probabilities: softmax of the scores along dim 1; each row sums to 1. */
  predictProba(x: Tensor): Tensor {
    return noGrad(() => softmax(this.forward(x), 1));
  }

  /** The most likely class of each sample, [N]. */
  classify(x: Tensor): Tensor {
    return this.predictProba(x).argmax(1);
  }
}
