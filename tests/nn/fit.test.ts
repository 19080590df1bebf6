// tg.nn.fit: the loop it runs is the loop a student writes (same weights to the bit), its history and
// lines are what Keras users expect, and a run stopped at any batch and resumed from its checkpoint
// ends with the same weights and history as a run never stopped — with dropout drawing from the
// default generator, a random transform in the dataset, and a per-batch schedule.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';

const { nn, optim, data } = tg;

/** 48 noisy 1x6x6 images of 3 classes (a bright row, column or diagonal), and 12 for validation. */
function bars(n: number, seed: number): tg.data.TensorDataset {
  const g = new tg.Generator(seed);
  const x = new Float32Array(n * 36);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    for (let p = 0; p < 36; p++) {
      const [r, col] = [Math.floor(p / 6), p % 6];
      const on = c === 0 ? r === 2 : c === 1 ? col === 3 : r === col;
      x[i * 36 + p] = (on ? 1 : 0) + 0.3 * g.normal();
    }
  }
  return new data.TensorDataset(new tg.Tensor(x, [n, 1, 6, 6]), new tg.Tensor(y, [n]));
}

function makeRun(seed = 1) {
  tg.manualSeed(seed);
  const model = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.Flatten(), new nn.Dropout(0.2), new nn.Linear(64, 3));
  const optimizer = new optim.AdamW(model.parameters(), 0.01);
  const scheduler = new optim.OneCycleLR(optimizer, { maxLr: 0.02, totalSteps: 3 * 6 });
  // a random flip in the dataset: drawn under each sample's seed by the loader
  const flip = new data.transforms.RandomHorizontalFlip();
  const train = bars(48, 7).map((img: tg.Tensor) => flip.apply(img));
  const loader = new data.DataLoader(train, { batchSize: 8, shuffle: true, seed: 5 });
  const valLoader = new data.DataLoader(bars(12, 8), { batchSize: 5 });
  return { model, optimizer, scheduler, loader, valLoader };
}

const quiet = { progress: false, log: false } as const;
const weights = (m: tg.nn.Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.data)]));
const withoutTimes = (h: tg.nn.EpochLog[]) => h.map(({ seconds: _s, trainSeconds: _t, imagesPerSecond: _i, ...rest }) => rest);

/** An in-memory checkpointer: keeps every state saved, as bytes, the way a file would. */
function memory() {
  const saved: Uint8Array[] = [];
  return { saved, save: (s: tg.nn.TrainingState) => void saved.push(tg.io.encodeCheckpoint(s)), last: () => tg.io.decodeCheckpoint(saved.at(-1)!, { source: 'memory' }) };
}

describe('fit', () => {
  it('runs the loop a student writes: the same weights to the bit, and a history of falling loss', async () => {
    const a = makeRun();
    const { history } = await nn.fit(a.model, a.loader, { epochs: 3, optimizer: a.optimizer, scheduler: a.scheduler, schedulerStep: 'batch', valLoader: a.valLoader, ...quiet });

    const b = makeRun();
    for (let epoch = 0; epoch < 3; epoch++) {
      b.model.train();
      for await (const [x, y] of b.loader) {
        const loss = tg.crossEntropy(b.model.forward(x), y);
        b.optimizer.zeroGrad();
        loss.backward();
        b.optimizer.step();
        b.scheduler.step();
      }
    }
    expect(weights(a.model)).toEqual(weights(b.model));

    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    for (const h of history) {
      for (const k of ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy', 'lr', 'imagesPerSecond', 'trainSeconds', 'seconds']) expect(Number.isFinite(h[k]), k).toBe(true);
      expect(h.seconds).toBeGreaterThanOrEqual(h.trainSeconds);
    }
    expect(history[2].trainLoss).toBeLessThan(history[0].trainLoss);
    expect(history[2].valAccuracy).toBeGreaterThan(0.5);
  });

  it('steps the scheduler once per epoch by default, and stops after stepsPerEpoch batches', async () => {
    const r = makeRun();
    const optimizer = new optim.SGD(r.model.parameters(), 0.01); // makeRun's OneCycleLR has set its own optimizer's lr
    const step = new optim.StepLR(optimizer, { stepSize: 1, gamma: 0.5 });
    const seen: number[] = [];
    const { history } = await nn.fit(r.model, r.loader, { epochs: 3, optimizer, scheduler: step, stepsPerEpoch: 2, progress: (p) => void seen.push(p.batch), log: false });
    expect(history.map((h) => h.lr)).toEqual([0.01, 0.005, 0.0025]);
    expect(seen).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it('prints a plain progress line every 10% and one summary line per epoch (Keras verbose)', async () => {
    const r = makeRun();
    const bar: string[] = [];
    const log: string[] = [];
    await nn.fit(r.model, r.loader, { epochs: 2, optimizer: r.optimizer, valLoader: r.valLoader, progress: { write: (s) => (bar.push(s), true), isTTY: false }, log: { write: (s) => (log.push(s), true) } });
    expect(log).toHaveLength(2);
    expect(log[1]).toMatch(/^epoch 2\/2 {2}train loss \d\.\d{4} acc \d+\.\d\d% {2}val loss \d\.\d{4} acc \d+\.\d\d% {2}\d+\.\ds \(\d+ img\/s\)\n$/);
    expect(bar.filter((l) => l.startsWith('epoch 1/2 6/6 loss'))).toHaveLength(1);
    expect(bar.every((l) => /^epoch [12]\/2 \d\/6 loss \d\.\d{4} acc \d+\.\d\d% \d+ img\/s ETA \d\d:\d\d\n$/.test(l))).toBe(true);
  });

  it('takes metrics of its own and a loss of its own; evaluate gives the same numbers as the history', async () => {
    const r = makeRun();
    const margin: tg.nn.Metric = { name: 'margin', fn: (out) => out.max().item() };
    const lossFn = (out: tg.Tensor, y: tg.Target) => tg.crossEntropy(out, y, { labelSmoothing: 0.1 });
    const { history } = await nn.fit(r.model, r.loader, { epochs: 1, optimizer: r.optimizer, lossFn, metrics: ['accuracy', margin], valLoader: r.valLoader, ...quiet });
    const e = await nn.evaluate(r.model, r.valLoader, { lossFn, metrics: ['accuracy', margin] });
    expect(history[0].valLoss).toBeCloseTo(e.loss, 6);
    expect(history[0].valMargin).toBeCloseTo(e.metrics.margin, 6);
    expect(history[0].valAccuracy).toBe(e.metrics.accuracy);
    expect(e.outputs!.predictions).toHaveLength(12);
    expect(Array.from(e.outputs!.targets)).toEqual(Array.from(bars(12, 8).tensors[1].data));
  });

  it('stopped at any batch and resumed from the checkpoint, ends as the run never stopped', async () => {
    const full = makeRun();
    const plain = await nn.fit(full.model, full.loader, { epochs: 3, optimizer: full.optimizer, scheduler: full.scheduler, schedulerStep: 'batch', valLoader: full.valLoader, ...quiet });
    for (const stopAt of [1, 6, 9, 17]) {
      const ckpt = memory();
      const stop = new AbortController();
      const a = makeRun();
      let batches = 0;
      const first = await nn.fit(a.model, a.loader, {
        epochs: 3, optimizer: a.optimizer, scheduler: a.scheduler, schedulerStep: 'batch', valLoader: a.valLoader, checkpoint: ckpt, signal: stop.signal, log: false,
        progress: () => void (++batches === stopAt && stop.abort()),
      });
      expect(first.interrupted).toBe(true);
      expect(first.epoch * 6 + first.batch).toBe(stopAt);
      // draw from the default generator in between, as a new process would start elsewhere
      tg.manualSeed(999);
      const b = makeRun(1234); // other initial weights: the checkpoint must replace them all
      const resumed = await nn.fit(b.model, b.loader, { epochs: 3, optimizer: b.optimizer, scheduler: b.scheduler, schedulerStep: 'batch', valLoader: b.valLoader, resume: ckpt.last(), ...quiet });
      expect(resumed.interrupted).toBe(false);
      expect(weights(b.model), `stopped after batch ${stopAt}`).toEqual(weights(full.model));
      expect(withoutTimes(resumed.history)).toEqual(withoutTimes(plain.history));
    }
  });

  it('saves a checkpoint at the start and after every epoch; a finished state resumes to nothing', async () => {
    const ckpt = memory();
    const r = makeRun();
    await nn.fit(r.model, r.loader, { epochs: 2, optimizer: r.optimizer, checkpoint: ckpt, extra: { note: 'mine' }, ...quiet });
    expect(ckpt.saved).toHaveLength(3);
    const last = ckpt.last();
    expect(last.progress).toMatchObject({ epoch: 2, batch: 0, step: 12 });
    expect(last.extra).toEqual({ note: 'mine' });
    const again = makeRun();
    const out = await nn.fit(again.model, again.loader, { epochs: 2, optimizer: again.optimizer, resume: last, ...quiet });
    expect(out.history).toHaveLength(2);
    expect(weights(again.model)).toEqual(weights(r.model));
  });

  it('refuses a state that is not this run\'s, naming where it came from and the field', async () => {
    const ckpt = memory();
    const r = makeRun();
    await nn.fit(r.model, r.loader, { epochs: 1, optimizer: r.optimizer, checkpoint: ckpt, ...quiet });
    const resume = (edit: (s: tg.nn.TrainingState) => void, more: Partial<tg.nn.FitOptions> = {}) => {
      const s = ckpt.last();
      edit(s);
      const b = makeRun();
      return nn.fit(b.model, b.loader, { epochs: 2, optimizer: b.optimizer, resume: s, ...quiet, ...more });
    };
    await expect(resume(() => {}, { stepsPerEpoch: 4 })).rejects.toThrow(/^memory: progress\.step is 6, but epoch 1 and batch 0 of 4 per epoch make 4$/);
    await expect(resume(() => {}, { metrics: [] })).rejects.toThrow(/memory: progress\.sums should hold loss \(the run's loss and metrics\)/);
    await expect(resume((s) => (s.progress.sums.accuracy = 99))).rejects.toThrow(/progress\.sums\.accuracy is 99, expected a count of correct samples in \[0, 0\]/);
    await expect(resume((s) => delete (s.model as Record<string, tg.Tensor>)['4.bias'])).rejects.toThrow(/^memory: .*4\.bias/);
    await expect(resume(() => {}, { scheduler: new optim.StepLR(makeRun().optimizer, { stepSize: 1 }) })).rejects.toThrow(/the run has a scheduler but the state has none/);
    await expect(resume(() => {})).resolves.toMatchObject({ interrupted: false });
    const e = await resume((s) => (s.progress.epoch = 5)).catch((x) => x);
    expect(e).toBeInstanceOf(nn.ResumeError);
  });

  it('refuses options it does not know, and bad values, naming them', async () => {
    const r = makeRun();
    const base = { epochs: 1, optimizer: r.optimizer, ...quiet };
    await expect(nn.fit(r.model, r.loader, { ...base, epoch: 2 } as never)).rejects.toThrow(/fit: unknown option 'epoch' \(did you mean 'epochs'\?\)/);
    await expect(nn.fit(r.model, r.loader, { ...base, epochs: 0 })).rejects.toThrow(/fit: epochs must be a positive integer, got 0/);
    await expect(nn.fit(r.model, r.loader, { ...base, optimizer: undefined } as never)).rejects.toThrow(/fit: optimizer is required/);
    await expect(nn.fit(r.model, [] as never, { ...base, resume: {} as never })).rejects.toThrow(/resume needs a trainLoader that can replay an epoch/);
    await expect(nn.fit(r.model, r.loader, { ...base, metrics: ['acc' as never] })).rejects.toThrow(/metrics must be 'accuracy' or \{ name, fn \}.*got 'acc'/);
  });

  it("waits for onEpoch's promise before the epoch's checkpoint (what the CLI writes lands first), and fails with its error", async () => {
    const r = makeRun();
    const events: string[] = [];
    const checkpoint = { save: (s: tg.nn.TrainingState) => void events.push(`checkpoint ${s.progress.epoch}`) };
    const onEpoch = async (log: tg.nn.EpochLog) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`files ${log.epoch}`);
    };
    await nn.fit(r.model, r.loader, { epochs: 2, optimizer: r.optimizer, checkpoint, onEpoch, ...quiet });
    expect(events).toEqual(['checkpoint 0', 'files 1', 'checkpoint 1', 'files 2', 'checkpoint 2']);
    const failing = async () => {
      await Promise.resolve();
      throw new Error('disk full');
    };
    await expect(nn.fit(r.model, r.loader, { epochs: 1, optimizer: r.optimizer, onEpoch: failing, ...quiet })).rejects.toThrow('disk full');
  });

  it('trains from a plain array of batches too', async () => {
    tg.manualSeed(3);
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(36, 3));
    const batches = [...new data.DataLoader(bars(48, 7), { batchSize: 16 })];
    const { history } = await nn.fit(model, batches, { epochs: 4, optimizer: new optim.Adam(model.parameters(), 0.05), ...quiet });
    expect(history[3].trainLoss).toBeLessThan(history[0].trainLoss);
  });
});

describe('DataLoader.iterate', () => {
  it('replays epoch e from batch b: the same batches as the tail of the full epoch, without loading the ones before', async () => {
    const flip = new data.transforms.RandomHorizontalFlip();
    const ds = bars(20, 1);
    let gets = 0;
    const counted = { length: ds.length, get: (i: number) => (gets++, ds.get(i)) };
    const loader = new data.DataLoader(new data.TensorDataset(...ds.tensors).map((x: tg.Tensor) => flip.apply(x)), { batchSize: 3, shuffle: true, seed: 2 });
    const all: tg.Tensor[][] = [];
    loader.epoch = 4;
    for await (const b of loader) all.push(b);
    const tail: tg.Tensor[][] = [];
    for await (const b of loader.iterate(4, 5)) tail.push(b);
    expect(tail.map((b) => Array.from(b[0].data))).toEqual(all.slice(5).map((b) => Array.from(b[0].data)));
    expect(loader.epoch).toBe(5);
    const countedLoader = new data.DataLoader(counted, { batchSize: 3, prefetch: 0 });
    for await (const _ of countedLoader.iterate(0, 6)) void _;
    expect(gets).toBe(2); // only batch 6 (samples 18, 19) was loaded
    await expect(loader.iterate(0, 8).next()).rejects.toThrow(/DataLoader\.iterate: from must be a batch index in \[0, 7\], got 8/);
  });
});

describe('tg.io.checkpointFile', () => {
  it('saves atomically and loads strictly; no file is null; NaN is refused unless allowNonFinite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'typegrad-fit-'));
    const file = join(dir, 'ckpt.safetensors');
    const ckpt = tg.io.checkpointFile(file);
    expect(ckpt.load()).toBeNull();
    const r = makeRun();
    await nn.fit(r.model, r.loader, { epochs: 1, optimizer: r.optimizer, checkpoint: ckpt, ...quiet });
    const s = ckpt.load()!;
    expect(s.source).toBe(file);
    expect(Object.keys(s.model)).toEqual(Object.keys(r.model.stateDict()));
    s.model['0.weight'].data[2] = NaN;
    ckpt.save(s);
    expect(() => ckpt.load()).toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')}: model\\.0\\.weight holds NaN at index 2: the run diverged before this save$`));
    expect(tg.io.checkpointFile(file, { allowNonFinite: true }).load()!.model['0.weight'].data[2]).toBeNaN();
    writeFileSync(file, 'not a checkpoint');
    expect(() => ckpt.load()).toThrow(nn.ResumeError);
  });
});
