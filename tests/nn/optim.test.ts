// Optimizers and schedules against PyTorch, step for step (tests/fixtures/nn/optim.json): two
// parameters whose gradient each step is 0.5·param + a deterministic term, as in the fixture script.

import { describe, expect, it } from 'vitest';
import { Tensor } from '../../engine/index.js';
import * as optim from '../../nn/optim/index.js';
import { Parameter } from '../../nn/index.js';
import { det } from './helpers.js';

interface OptimCase {
  name: string;
  options: Record<string, unknown> & { opt: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop'; sched?: string };
  groups: Array<Record<string, unknown>> | null;
  steps: Array<{ p1: number[]; p2: number[]; lr: number[] }>;
}

const cases = (await import('./helpers.js')).loadCases<OptimCase>('optim.json');

function closeArrays(what: string, got: ArrayLike<number>, want: number[], tol = 1e-5): void {
  const scale = Math.max(1, ...want.map(Math.abs));
  want.forEach((w, i) => {
    if (!(Math.abs(got[i] - w) <= tol * scale)) throw new Error(`${what}[${i}]: got ${got[i]}, PyTorch ${w}`);
  });
}

function makeOptimizer(c: OptimCase, params: Parameter[]): { opt: optim.Optimizer; sched: optim.LRScheduler | null } {
  const { opt: kind, sched, stepSize, gamma, tMax, etaMin, ...hyper } = c.options as unknown as Record<string, never>;
  const Opt = optim[kind] as unknown as new (p: unknown, o: unknown) => optim.Optimizer;
  const spec = c.groups ? c.groups.map((g, i) => ({ params: [params[i]], ...g })) : params;
  const opt = new Opt(spec, hyper);
  let s: optim.LRScheduler | null = null;
  if (sched === 'StepLR') s = new optim.StepLR(opt, { stepSize, gamma });
  if (sched === 'CosineAnnealingLR') s = new optim.CosineAnnealingLR(opt, { tMax, etaMin });
  return { opt, sched: s };
}

function run(c: OptimCase, steps: number, start?: { p1: Parameter; p2: Parameter; opt: optim.Optimizer; sched: optim.LRScheduler | null; from: number }) {
  const p1 = start?.p1 ?? new Parameter(det([3, 4], 11, 2));
  const p2 = start?.p2 ?? new Parameter(det([4], 12, 2));
  const { opt, sched } = start ?? makeOptimizer(c, [p1, p2]);
  for (let s = start?.from ?? 0; s < steps; s++) {
    [p1, p2].forEach((p, j) => {
      const g = det(p.shape, 100 + 10 * s + j, 1);
      p.grad = new Tensor(Float32Array.from(p.data, (v, i) => v * 0.5 + g.data[i]), p.shape);
    });
    opt.step();
    sched?.step();
    const ref = c.steps[s];
    closeArrays(`${c.name} step ${s + 1} p1`, p1.data, ref.p1);
    closeArrays(`${c.name} step ${s + 1} p2`, p2.data, ref.p2);
    closeArrays(`${c.name} step ${s + 1} lr`, opt.paramGroups.map((g) => g.lr), ref.lr, 1e-9);
  }
  return { p1, p2, opt, sched };
}

describe('optimizers match PyTorch step for step', () => {
  it('has the fixture cases', () => expect(cases.length).toBe(13));
  for (const c of cases) it(c.name, () => void run(c, c.steps.length));

  it('stateDict / loadStateDict resumes exactly (Adam, after 2 steps)', () => {
    const c = cases.find((k) => k.name === 'Adam betas weight decay amsgrad')!;
    const first = run(c, 2);
    const saved = JSON.parse(JSON.stringify(first.opt.stateDict()));
    const p1 = new Parameter(Float32Array.from(first.p1.data), [3, 4]);
    const p2 = new Parameter(Float32Array.from(first.p2.data), [4]);
    const { opt } = makeOptimizer(c, [p1, p2]);
    opt.loadStateDict(saved);
    expect(opt.stateDict()).toEqual(saved);
    run(c, c.steps.length, { p1, p2, opt, sched: null, from: 2 });
  });

  it('loadStateDict checks groups, hyperparameters and every moment before changing anything', () => {
    const c = cases.find((k) => k.name === 'Adam betas weight decay amsgrad')!;
    const { opt } = run(c, 2);
    const good = JSON.parse(JSON.stringify(opt.stateDict()));
    const bad = (edit: (sd: typeof good) => void) => {
      const sd = JSON.parse(JSON.stringify(good));
      edit(sd);
      return () => opt.loadStateDict(sd);
    };
    expect(bad((sd) => delete sd.state[0].exp_avg)).toThrow(/parameter 0 has state \[step, exp_avg_sq, max_exp_avg_sq\], expected \[step, exp_avg, exp_avg_sq, max_exp_avg_sq\]/);
    expect(bad((sd) => (sd.state[1].exp_avg_sq = sd.state[1].exp_avg_sq.slice(1)))).toThrow(/state 'exp_avg_sq' of parameter 1 has 3 values, the parameter 4/);
    expect(bad((sd) => (sd.state[0].step = 1.5))).toThrow(/state 'step' of parameter 0 is 1.5, expected a positive integer/);
    expect(bad((sd) => (sd.paramGroups[0].lr = 'x'))).toThrow(/group 0's 'lr' is "x"; this optimizer has a number/);
    expect(bad((sd) => (sd.paramGroups[0].lr = null))).toThrow(/group 0's 'lr' is null/);
    expect(bad((sd) => (sd.paramGroups[0].momentum = 0.9))).toThrow(/this optimizer has no option 'momentum'/);
    expect(bad((sd) => (sd.paramGroups[0].params = [0, 0]))).toThrow(/lists parameter 0 \(expected distinct integer indices\)/);
    expect(bad((sd) => (sd.paramGroups = []))).toThrow(/expected 1 parameter groups, got 0/);
    expect(bad((sd) => (sd.state[7] = {}))).toThrow(/state for parameter 7, which no group lists/);
    // nothing was changed by the refused loads
    expect(opt.stateDict()).toEqual(good);
    // SGD without momentum keeps no moments; with momentum, one
    const p = new Parameter(det([2], 1));
    const sgd = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    expect(() => sgd.loadStateDict({ state: { 0: {} }, paramGroups: [{ ...sgd.stateDict().paramGroups[0] }] })).toThrow(/parameter 0 has state \[\], expected \[momentum_buffer\]/);
  });

  it('parameter groups take their own hyperparameters, Adam betas included', () => {
    const [a, b] = [new Parameter(det([2], 1)), new Parameter(det([2], 2))];
    const opt = new optim.Adam([{ params: [a] }, { params: [b], lr: 0.5, betas: [0.5, 0.75] }], { lr: 0.1 });
    expect(opt.paramGroups.map((g) => [g.lr, g.beta1, g.beta2])).toEqual([[0.1, 0.9, 0.999], [0.5, 0.5, 0.75]]);
    expect(() => new optim.SGD([{ params: [a] }, { params: [a] }], { lr: 0.1 })).toThrow(/more than one parameter group/);
  });

  it('schedulers save and restore their position', () => {
    const opt = new optim.SGD([new Parameter(det([2], 1))], { lr: 1 });
    const s = new optim.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    for (let i = 0; i < 3; i++) s.step();
    expect(s.getLastLr()).toEqual([0.5]);
    const saved = s.stateDict();
    const opt2 = new optim.SGD([new Parameter(det([2], 1))], { lr: 1 });
    const s2 = new optim.StepLR(opt2, { stepSize: 2, gamma: 0.5 });
    s2.loadStateDict(saved);
    s2.step();
    expect(s2.getLastLr()).toEqual([0.25]);
  });

  it("OneCycleLR sets PyTorch's OneCycleLR learning rate and beta1 at every step, from construction on", () => {
    // torch.optim.lr_scheduler.OneCycleLR(AdamW(...), max_lr=3e-3, total_steps=20), PyTorch 1.13
    const torchLr = [0.00012, 0.000395015528, 0.001115015528, 0.002004984472, 0.002724984472, 0.003, 0.002962392019, 0.002851453896, 0.002672748533, 0.002435236962, 0.002150829005, 0.001833786066, 0.001500006, 0.001166225934, 0.000849182995, 0.000564775038, 0.000327263467, 0.000148558104, 3.7619981e-05, 1.2e-08];
    const torchBeta1 = [0.95, 0.940450849719, 0.915450849719, 0.884549150281, 0.859549150281, 0.85, 0.851253604391, 0.854951556605, 0.860908425877, 0.868825509907, 0.878305813044, 0.888873953302, 0.9, 0.911126046698, 0.921694186956, 0.931174490093, 0.939091574123, 0.945048443395, 0.948746395609, 0.95];
    const opt = new optim.AdamW([new Parameter(det([2], 1))], { lr: 1 });
    const s = new optim.OneCycleLR(opt, { maxLr: 3e-3, totalSteps: 20 });
    torchLr.forEach((lr, step) => {
      expect(opt.paramGroups[0].lr).toBeCloseTo(lr, 10);
      expect(opt.paramGroups[0].beta1).toBeCloseTo(torchBeta1[step], 9);
      s.step();
    });
    expect(() => s.step()).toThrow(/OneCycleLR: tried to step 21 times, but totalSteps is 20/);
  });

  it('skips parameters without a gradient and zeroGrad clears them', () => {
    const p = new Parameter(det([2], 1));
    const before = Float32Array.from(p.data);
    const opt = new optim.SGD([p], { lr: 0.1 });
    opt.step();
    expect(p.data).toEqual(before);
    p.grad = new Tensor(Float32Array.of(1, 1), [2]);
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  it('rejects bad options with clear errors', () => {
    const p = new Parameter(det([2], 1));
    expect(() => new optim.SGD([p], { lr: -1 })).toThrow(/SGD: lr must be >= 0, got -1/);
    expect(() => new optim.SGD([p], { nesterov: true })).toThrow(/Nesterov/);
    expect(() => new optim.Adam([p], { betas: [1, 0.9] })).toThrow(/betas must be in \[0, 1\)/);
    expect(() => new optim.SGD([], {})).toThrow(/empty parameter list/);
    expect(() => new optim.SGD([{ params: [p], momentun: 0.9 }], {})).toThrow(/unknown option 'momentun'/);
  });
});
