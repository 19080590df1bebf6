// The seed's overfitting sanity check (ClassifierTrainer test): a small CNN must fit 25 batches of 2
// images to >= 90% accuracy within 25 epochs, with SGD and cross-entropy, on random data made here.
// Images are 16x16 rather than CIFAR's 32x32 to keep the suite fast on the plain-JS backend.

import { describe, expect, it } from 'vitest';
import { Generator, rand, noGrad, manualSeed } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import * as optim from '../../nn/optim/index.js';

describe('training', () => {
  it('a CNN overfits 25 batches of 2 images to >= 90% accuracy', () => {
    manualSeed(42);
    const g = new Generator(7);
    const batches = Array.from({ length: 25 }, () => ({ x: rand([2, 3, 16, 16], { generator: g }), y: [g.int(0, 10), g.int(0, 10)] }));
    const model = new nn.ArgMaxClassifier(
      new nn.CNN({ inSize: [3, 16, 16], outClasses: 10, channels: [32], poolEvery: 1, hiddenDims: [100], convParams: { kernelSize: 3, stride: 1, padding: 1 }, poolingParams: { kernelSize: 2 } }),
    );
    const lossFn = new nn.CrossEntropyLoss();
    const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    let best = 0;
    const losses: number[] = [];
    for (let epoch = 0; epoch < 25 && best < 90; epoch++) {
      let correct = 0;
      let total = 0;
      for (const { x, y } of batches) {
        opt.zeroGrad();
        const loss = lossFn.forward(model.forward(x), y);
        loss.backward();
        opt.step();
        total += loss.item();
        const predicted = noGrad(() => model.classify(x)).data;
        correct += y.filter((t, i) => predicted[i] === t).length;
      }
      losses.push(total / batches.length);
      best = Math.max(best, (100 * correct) / 50);
    }
    expect(best).toBeGreaterThanOrEqual(90);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  });
});
