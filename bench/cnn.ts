// The CNN training step of issue 3 in typegrad, written with the engine's functional ops so that it
// depends on nothing but the engine: batch 32 of 3x32x32,
// Conv(3→32,3x3,pad 1)→ReLU→Conv(32→32)→ReLU→MaxPool2→Conv(32→64)→ReLU→Conv(64→64)→ReLU→MaxPool2
// →Flatten→Linear(4096→10), cross-entropy, one SGD step (the sgdStep kernel, so that it runs on every backend).

import * as tg from '../engine/index.js';
import { randomValues } from './common.js';

export const cnnBatch = 32;

export interface CnnStep {
  /** one forward + backward + SGD update on the active backend; resolves to the loss once computed */
  step(): Promise<number>;
}

/** Kaiming-uniform-like weights, deterministic. */
function param(shape: number[], fanIn: number, seed: number): tg.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return tg.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed, bound), shape, { requiresGrad: true });
}

export function typegradCnn(): CnnStep {
  const convs = [
    [32, 3],
    [32, 32],
    [64, 32],
    [64, 64],
  ].map(([out, inp], i) => ({ w: param([out, inp, 3, 3], inp * 9, 10 + i), b: param([out], inp * 9, 20 + i) }));
  const fcW = param([10, 4096], 4096, 30);
  const fcB = param([10], 4096, 31);
  const params = [...convs.flatMap((c) => [c.w, c.b]), fcW, fcB];
  const x = tg.tensor(randomValues(cnnBatch * 3 * 32 * 32, 40), [cnnBatch, 3, 32, 32]);
  const target = Array.from({ length: cnnBatch }, (_, i) => (i * 7) % 10);
  const lr = 0.01;

  return {
    async step() {
      let h = x;
      convs.forEach((c, i) => {
        h = tg.relu(tg.conv2d(h, c.w, c.b, { padding: 1 }));
        if (i % 2 === 1) h = tg.maxPool2d(h, 2);
      });
      const logits = tg.linear(tg.reshape(h, [cnnBatch, 4096]), fcW, fcB);
      const loss = tg.crossEntropy(logits, target);
      loss.backward();
      for (const p of params) {
        // the SGD update as the optimizers run it: one kernel per parameter, on its device
        tg.kernels().sgdStep(p, p.grad!, null, { lr, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: true });
        p.grad = null;
      }
      return loss.itemAsync();
    },
  };
}
