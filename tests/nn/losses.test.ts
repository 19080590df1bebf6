// Loss modules against PyTorch (tests/fixtures/nn/losses.json): value and input gradient.

import { describe, expect, it } from 'vitest';
import { Tensor } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { assertClose, det, loadCases, type FixtureTensor } from './helpers.js';

interface LossCase {
  name: string;
  ctor: 'CrossEntropyLoss' | 'NLLLoss' | 'MSELoss' | 'BCEWithLogitsLoss';
  options: Record<string, unknown>;
  input_shape: number[];
  target: FixtureTensor;
  target_kind: 'index' | 'tensor';
  output: FixtureTensor;
  input_grad: FixtureTensor;
}

const cases = loadCases<LossCase>('losses.json');

describe('losses match PyTorch', () => {
  it('has the fixture cases', () => expect(cases.length).toBe(8));
  for (const c of cases) {
    it(c.name, () => {
      const options = { ...c.options };
      if (options.weight === 'w') options.weight = det([5], 77, 1, 1);
      const Loss = nn[c.ctor] as unknown as new (o: unknown) => nn.Module<[Tensor, Tensor]>;
      const loss = new Loss(options);
      const x = det(c.input_shape, 3000, 4);
      x.requiresGrad = true;
      const target = new Tensor(Float32Array.from(c.target.data), c.target.shape);
      const out = loss.forward(x, target);
      assertClose(`${c.name}: value`, out, c.output);
      out.backward(det(out.shape, 4000, 1, 1));
      assertClose(`${c.name}: input grad`, x.grad, c.input_grad);
    });
  }

  it('CrossEntropyLoss keeps its class weights as a buffer, like PyTorch', () => {
    const loss = new nn.CrossEntropyLoss({ weight: det([3], 1, 1, 1) });
    expect(Object.keys(loss.stateDict())).toEqual(['weight']);
    expect(new nn.MSELoss().stateDict()).toEqual({});
  });
});

describe("PyTorch's names (torch.nn.functional, requires_grad_)", () => {
  it('nn.functional.nllLoss / mseLoss are nll / mse (F.nll_loss, F.mse_loss), also at the top level beside crossEntropy', async () => {
    const tg = await import('../../index.js');
    expect(nn.functional.nllLoss).toBe(tg.nll);
    expect(nn.functional.mseLoss).toBe(tg.mse);
    expect(tg.nllLoss).toBe(tg.nll);
    expect(tg.mseLoss).toBe(tg.mse);
    expect(nn.functional.crossEntropy).toBe(tg.crossEntropy);
    expect(nn.functional.conv2d).toBe(tg.conv2d);
    const logp = tg.logSoftmax(tg.tensor([[1, 2, 3], [0, 0, 1]]), 1);
    expect(new nn.NLLLoss().forward(logp, [2, 0]).item()).toBe(tg.nll(logp, [2, 0]).item());
  });

  it('Tensor.requiresGrad_() and Module.requiresGrad_() as requires_grad_(); the old names stay', () => {
    const t = new Tensor(new Float32Array(2), [2]);
    expect(t.requiresGrad_()).toBe(t);
    expect(t.requiresGrad).toBe(true);
    t.requiresGrad_(false);
    expect(t.requiresGrad).toBe(false);
    expect(t.setRequiresGrad(true).requiresGrad).toBe(true);
    const lin = new nn.Linear(2, 2);
    expect(lin.requiresGrad_(false)).toBe(lin);
    expect(lin.parameters().map((p) => p.requiresGrad)).toEqual([false, false]);
    lin.requiresGrad(true);
    expect(lin.parameters().map((p) => p.requiresGrad)).toEqual([true, true]);
  });
});
