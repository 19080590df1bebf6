// The CLI's fast layers must compute exactly what tg.nn.BatchNorm2d and tg.relu compute (values,
// gradients, running statistics), in training and in eval mode.

import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { FusedBatchNorm2d } from '../../cli/fused-batchnorm.js';

function close(a: Float32Array, b: Float32Array, tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  expect(worst).toBeLessThan(tol);
}

describe('FusedBatchNorm2d', () => {
  for (const training of [true, false]) {
    it(`matches nn.BatchNorm2d (${training ? 'training' : 'eval'}): output, input/weight/bias gradients, running stats`, () => {
      tg.manualSeed(5);
      const ref = new tg.nn.BatchNorm2d({ numFeatures: 3 });
      const ours = new FusedBatchNorm2d({ numFeatures: 3 });
      tg.noGrad(() => {
        for (const m of [ref, ours]) {
          m.weight!.data.set([0.5, 2, -1]);
          m.bias!.data.set([0.1, -0.2, 0.3]);
          m.running_mean!.data.set([0.2, -0.1, 0.05]);
          m.running_var!.data.set([1.5, 0.7, 2]);
        }
      });
      ref.train(training);
      ours.train(training);
      const x = tg.randn([4, 3, 5, 6]).mul(3).add(1).detach().setRequiresGrad();
      const w = tg.randn([4, 3, 5, 6]);
      const grads = (m: tg.nn.Module) => {
        x.grad = null;
        m.zeroGrad();
        const y = m.forward(x) as tg.Tensor;
        y.mul(w).sum().backward();
        return { y: y.data.slice(), gx: x.grad!.data.slice(), gw: (m as FusedBatchNorm2d).weight!.grad!.data.slice(), gb: (m as FusedBatchNorm2d).bias!.grad!.data.slice() };
      };
      const a = grads(ref);
      const b = grads(ours);
      close(b.y, a.y);
      close(b.gx, a.gx);
      close(b.gw, a.gw);
      close(b.gb, a.gb);
      close(ours.running_mean!.data, ref.running_mean!.data);
      close(ours.running_var!.data, ref.running_var!.data);
      expect(ours.num_batches_tracked!.data[0]).toBe(ref.num_batches_tracked!.data[0]);
      expect(Object.keys(ours.stateDict())).toEqual(Object.keys(ref.stateDict()));
    });
  }
});
