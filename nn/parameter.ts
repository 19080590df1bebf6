// A Parameter is a leaf tensor that a Module owns and an optimizer updates: requiresGrad by default,
// found by Module.parameters() the way torch.nn.Parameter is.

import { Tensor } from '../engine/index.js';

export class Parameter extends Tensor {
  constructor(value: Tensor | Float32Array, shape?: readonly number[], requiresGrad = true) {
    // shares the values (no copy), like nn.Parameter(t)
    super(value instanceof Tensor ? value.data : value, shape ?? (value instanceof Tensor ? value.shape : [value.length]), requiresGrad);
  }
}
