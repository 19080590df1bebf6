// `typegrad train`: the default recipe on the bundled MNIST digits, or any --model/--dataset; a progress
// bar per epoch, one summary line per epoch, and the run folder (metrics, curves, activation maps,
// confusion matrix, weights, checkpoint) rewritten at the end of every epoch. --resume DIR continues
// exactly where a run stopped (same batches, augmentations, dropout masks); Ctrl-C saves a checkpoint.

import { join } from 'node:path';
import * as tg from '../index.js';
import { helpText, parseArgs, type OptionSpecs } from './args.js';
import { UsageError } from './errors.js';
import { loadDataset, type LoadedData } from './datasets.js';
import { buildModel, modelSpec, MODEL_NAMES, type ModelSpec } from './models.js';
import { makeAugment, AUGMENT_NAMES } from './augment.js';
import { ProgressBar, formatDuration } from './progress.js';
import { evaluate, loadBatch } from './batches.js';
import { checkWritableDir, ensureWritableDir, timestampName, writeAtomic } from './files.js';
import { readCheckpointState, restoreCheckpoint, saveCheckpoint } from './checkpoint.js';
import { curvesPng, curvesSvg, type CurvePoint } from './curves.js';
import { activationsPng, captureConvActivations } from './activations.js';
import { confusionMatrix, confusionPng } from './confusion.js';
import { BACKEND_NAMES, selectBackend } from './backend.js';
import { typegradVersion } from './version.js';

export const TRAIN_OPTIONS: OptionSpecs = {
  model: { type: 'string', default: 'cnn', help: `${MODEL_NAMES.join('|')} or a JSON file of tg.nn.CNN/ResNet options ({"type":"cnn",...})` },
  dataset: { type: 'string', default: 'mnist', help: 'mnist | idx:DIR | cifar10:DIR | folder:DIR | csv:FILE,DIR' },
  epochs: { type: 'int', min: 1, default: 4, help: 'passes over the training set' },
  'batch-size': { type: 'int', min: 1, default: 64, help: 'images per step' },
  lr: { type: 'number', min: 0, exclusiveMin: true, default: 3e-3, help: 'learning rate (the peak of the one-cycle schedule)' },
  'weight-decay': { type: 'number', min: 0, default: 1e-2, help: 'decoupled weight decay (AdamW) or L2 (adam, sgd)' },
  optimizer: { type: 'string', choices: ['adamw', 'adam', 'sgd'], default: 'adamw', help: 'optimizer' },
  schedule: { type: 'string', choices: ['onecycle', 'cosine', 'constant'], default: 'onecycle', help: 'learning-rate schedule, stepped every batch' },
  'label-smoothing': { type: 'number', min: 0, max: 1, default: 0.05, help: 'cross-entropy label smoothing' },
  augment: { type: 'string', help: `comma list of ${AUGMENT_NAMES.join(', ')}, or none (default: shift for digits, shift,flip for photos)` },
  backend: { type: 'string', choices: BACKEND_NAMES, help: 'js | wasm | gl (default: the fastest available)' },
  seed: { type: 'int', min: 0, default: 0, help: 'seeds initialisation, shuffling, augmentation and dropout' },
  out: { type: 'string', help: 'run folder (default runs/<timestamp>)' },
  resume: { type: 'string', help: 'continue the run in DIR from its last checkpoint' },
  'max-batches': { type: 'int', min: 1, help: 'at most this many training batches per epoch (quick runs)' },
  'max-val': { type: 'int', min: 1, help: 'validate on only the first N validation images (quick runs)' },
  'val-split': { type: 'number', min: 0, max: 1, exclusiveMin: true, help: 'fraction of the training data held out (default: the dataset\'s test split, else 0.2)' },
  'image-size': { type: 'int', min: 8, default: 32, help: 'side of the square images made from folder/csv files' },
  help: { type: 'flag', help: 'show this help' },
};

/** The settings a run is made of: stored in metrics.json and checkpoint.json, reused by --resume. */
export interface TrainConfig {
  model: string;
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  optimizer: string;
  schedule: string;
  labelSmoothing: number;
  augment: string;
  backend: string;
  seed: number;
  maxBatches: number | null;
  maxVal: number | null;
  valSplit: number | null;
  imageSize: number;
}

export interface EpochMetrics extends CurvePoint {
  lr: number;
  imagesPerSecond: number;
  seconds: number;
  /** resident memory at the end of the epoch (it should not grow from epoch to epoch) */
  rssMB: number;
}

/** Where training is: saved in checkpoint.json. `batch` > 0 means stopped mid-epoch. */
interface Progress {
  epoch: number;
  batch: number;
  step: number;
  lossSum: number;
  correct: number;
  seen: number;
  seconds: number;
  /** the learning rate of the last step taken */
  lr: number;
  history: EpochMetrics[];
}

function makeOptimizer(cfg: TrainConfig, params: tg.nn.Parameter[]): tg.optim.Optimizer {
  if (cfg.optimizer === 'sgd') return new tg.optim.SGD(params, { lr: cfg.lr, momentum: 0.9, weightDecay: cfg.weightDecay });
  const Ctor = cfg.optimizer === 'adam' ? tg.optim.Adam : tg.optim.AdamW;
  return new Ctor(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
}

/** The chosen schedule, stepped after every batch; null for a constant lr. */
function makeScheduler(cfg: TrainConfig, optimizer: tg.optim.Optimizer, totalSteps: number): tg.optim.LRScheduler | null {
  if (cfg.schedule === 'onecycle') return new tg.optim.OneCycleLR(optimizer, { maxLr: cfg.lr, totalSteps });
  if (cfg.schedule === 'cosine') return new tg.optim.CosineAnnealingLR(optimizer, { tMax: totalSteps });
  return null;
}

function configFrom(o: Record<string, unknown>, data: { defaultAugment: string } | null, backend: string): TrainConfig {
  return {
    model: o.model as string,
    dataset: o.dataset as string,
    epochs: o.epochs as number,
    batchSize: o['batch-size'] as number,
    lr: o.lr as number,
    weightDecay: o['weight-decay'] as number,
    optimizer: o.optimizer as string,
    schedule: o.schedule as string,
    labelSmoothing: o['label-smoothing'] as number,
    augment: (o.augment as string | undefined) ?? data?.defaultAugment ?? 'none',
    backend,
    seed: o.seed as number,
    maxBatches: (o['max-batches'] as number | undefined) ?? null,
    maxVal: (o['max-val'] as number | undefined) ?? null,
    valSplit: (o['val-split'] as number | undefined) ?? null,
    imageSize: o['image-size'] as number,
  };
}

interface Io {
  out: { write(s: string): boolean };
  err: { write(s: string): boolean; isTTY?: boolean; columns?: number };
}

export async function train(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const { options } = parseArgs('train', argv, TRAIN_OPTIONS);
  if (options.help) {
    io.out.write(helpText('train', '[options]', TRAIN_OPTIONS) + '\n');
    return 0;
  }
  const t0 = performance.now();
  const resumeDir = options.resume as string | undefined;
  let cfg: TrainConfig;
  let dir: string;
  let progress: Progress = { epoch: 0, batch: 0, step: 0, lossSum: 0, correct: 0, seen: 0, seconds: 0, lr: 0, history: [] };
  let resumeState: ReturnType<typeof readCheckpointState<TrainConfig, Progress>> | null = null;
  if (resumeDir) {
    const given = argv.filter((a) => a.startsWith('--') && !a.startsWith('--resume')).map((a) => a.split('=')[0]);
    if (given.length > 0) throw new UsageError(`typegrad train: --resume continues with the run's own settings; drop ${given.join(', ')}`);
    resumeState = readCheckpointState<TrainConfig, Progress>(resumeDir);
    cfg = resumeState.config;
    progress = resumeState.progress;
    dir = resumeDir;
    if (progress.epoch >= cfg.epochs) {
      io.out.write(`typegrad: the run in ${dir} already finished its ${cfg.epochs} epochs\n`);
      return 0;
    }
  } else {
    dir = (options.out as string | undefined) ?? join('runs', timestampName());
    cfg = configFrom(options, null, '');
  }
  checkWritableDir(dir, resumeDir ? '--resume' : '--out');
  cfg.backend = await selectBackend(resumeDir ? cfg.backend : (options.backend as string | undefined));

  // every random draw below (init, augmentation, dropout) comes from the default generator
  tg.manualSeed(cfg.seed);
  const data = await loadDataset(cfg.dataset, { seed: cfg.seed, valSplit: cfg.valSplit ?? undefined, imageSize: cfg.imageSize });
  if (!resumeDir && (options.augment as string | undefined) === undefined) cfg.augment = data.defaultAugment;
  const augment = makeAugment(cfg.augment, data.inSize);
  const spec: ModelSpec = modelSpec(cfg.model, data.inSize, data.classes.length);
  const model = buildModel(spec);
  const params = model.parameters();
  const optimizer = makeOptimizer(cfg, params);
  const loader = new tg.data.DataLoader(data.train, { batchSize: cfg.batchSize, shuffle: true, seed: cfg.seed });
  const perEpoch = Math.min(loader.length, cfg.maxBatches ?? Infinity);
  const scheduler = makeScheduler(cfg, optimizer, cfg.epochs * perEpoch);
  if (resumeState) {
    restoreCheckpoint(dir, resumeState, model, optimizer);
    scheduler?.loadStateDict({ lastEpoch: progress.step, baseLrs: scheduler.baseLrs });
  }
  const nParams = params.reduce((n, p) => n + p.size, 0);
  ensureWritableDir(dir, resumeDir ? '--resume' : '--out'); // created only now that everything is valid

  const header = resumeDir
    ? `typegrad: resuming ${dir} at epoch ${progress.epoch + 1}${progress.batch ? `, batch ${progress.batch + 1}` : ''}`
    : `typegrad: training ${cfg.model} (${nParams.toLocaleString('en-US')} parameters) on ${cfg.dataset} (${data.train.length} train / ${data.val.length} val, ${data.valFrom}) with ${cfg.optimizer} lr ${cfg.lr} ${cfg.schedule}, batch ${cfg.batchSize}, augment ${cfg.augment}, backend ${cfg.backend}, seed ${cfg.seed} -> ${dir}`;
  io.out.write(header + '\n');

  // Ctrl-C: finish the current batch, save a checkpoint, exit 130; a second Ctrl-C exits at once
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    io.err.write('\ntypegrad: interrupted; saving a checkpoint (Ctrl-C again to quit without it)\n');
  };
  process.on('SIGINT', onSigint);
  let peakRss = process.memoryUsage().rss;
  const writeMetrics = (finished: boolean, confusion: number[][] | null) => {
    const metrics = {
      typegrad: typegradVersion(),
      command: ['typegrad', 'train', ...argv].join(' '),
      config: cfg,
      seed: cfg.seed,
      backend: cfg.backend,
      model: { ...spec, parameters: nParams },
      dataset: { spec: cfg.dataset, train: data.train.length, val: Math.min(data.val.length, cfg.maxVal ?? Infinity), valFrom: data.valFrom, classes: data.classes },
      epochs: progress.history,
      confusion,
      finished,
      trainingSeconds: progress.seconds,
      peakRssMB: Math.round(peakRss / 2 ** 20),
    };
    writeAtomic(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  };
  const checkpoint = () => saveCheckpoint(dir, model, optimizer, cfg, progress);

  try {
    for (; progress.epoch < cfg.epochs; progress.epoch++) {
      const epoch = progress.epoch;
      const indices = loader.batchIndices(epoch).slice(0, perEpoch);
      const bar = new ProgressBar(`epoch ${epoch + 1}/${cfg.epochs}`, perEpoch, io.err);
      model.train();
      let epochStart = performance.now();
      for (; progress.batch < perEpoch; progress.batch++) {
        const { x, y } = await loadBatch(data.train, indices[progress.batch], augment);
        progress.lr = optimizer.paramGroups[0].lr;
        const logits = model.forward(x) as tg.Tensor;
        const loss = tg.crossEntropy(logits, y, { labelSmoothing: cfg.labelSmoothing });
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        scheduler?.step();
        const pred = logits.argmax(1).data;
        for (let k = 0; k < y.length; k++) if (pred[k] === y[k]) progress.correct++;
        progress.lossSum += loss.item() * y.length;
        progress.seen += y.length;
        progress.step++;
        const now = performance.now();
        progress.seconds += (now - epochStart) / 1000;
        epochStart = now;
        bar.update(progress.batch + 1, { loss: progress.lossSum / progress.seen, accuracy: progress.correct / progress.seen, imagesPerSecond: progress.seen / Math.max(1e-9, progress.seconds - secondsBefore(progress)) });
        // let a pending SIGINT handler run (the loop is otherwise all microtasks)
        await new Promise((r) => setImmediate(r));
        if (interrupted) {
          progress.batch++;
          bar.finish();
          checkpoint();
          io.out.write(`typegrad: checkpoint saved in ${dir} (epoch ${epoch + 1}, batch ${progress.batch}); continue with: typegrad train --resume ${dir}\n`);
          return 130;
        }
      }
      bar.finish();
      const evalStart = performance.now();
      const val = await evaluate(model, data.val, { batchSize: 250, labelSmoothing: cfg.labelSmoothing, limit: cfg.maxVal ?? undefined });
      const trainSeconds = progress.seconds - secondsBefore(progress);
      const m: EpochMetrics = {
        epoch: epoch + 1,
        trainLoss: progress.lossSum / progress.seen,
        trainAccuracy: progress.correct / progress.seen,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        lr: progress.lr,
        imagesPerSecond: progress.seen / Math.max(1e-9, trainSeconds),
        seconds: trainSeconds + (performance.now() - evalStart) / 1000,
        rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      };
      progress.seconds += (performance.now() - evalStart) / 1000;
      progress.history.push(m);
      progress.batch = 0;
      progress.lossSum = 0;
      progress.correct = 0;
      progress.seen = 0;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      io.out.write(
        `epoch ${m.epoch}/${cfg.epochs}  train loss ${m.trainLoss.toFixed(4)} acc ${(100 * m.trainAccuracy).toFixed(2)}%  ` +
          `val loss ${m.valLoss.toFixed(4)} acc ${(100 * m.valAccuracy).toFixed(2)}%  ${m.seconds.toFixed(1)}s (${m.imagesPerSecond.toFixed(0)} img/s)\n`,
      );
      // the outputs of this epoch; the checkpoint names the next one
      const confusion = confusionMatrix(val.labels, val.predictions, data.classes.length);
      progress.epoch++;
      writeRunFiles(dir, model, data, progress.history, confusion);
      writeMetrics(progress.epoch >= cfg.epochs, confusion);
      checkpoint();
      progress.epoch--;
      if (interrupted) {
        io.out.write(`typegrad: checkpoint saved in ${dir} (after epoch ${epoch + 1}); continue with: typegrad train --resume ${dir}\n`);
        return 130;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  const last = progress.history.at(-1)!;
  io.out.write(`typegrad: done in ${formatDuration((performance.now() - t0) / 1000)} (training ${progress.seconds.toFixed(1)}s); val accuracy ${(100 * last.valAccuracy).toFixed(2)}%; files in ${dir}\n`);
  return 0;
}

/** The training seconds of the epochs already finished (their train part), to time the current one. */
function secondsBefore(p: Progress): number {
  return p.history.reduce((s, m) => s + m.seconds, 0);
}

function writeRunFiles(dir: string, model: tg.nn.Module, data: LoadedData, history: EpochMetrics[], confusion: number[][]): void {
  writeAtomic(join(dir, 'curves.svg'), curvesSvg(history));
  writeAtomic(join(dir, 'curves.png'), curvesPng(history));
  writeAtomic(join(dir, 'confusion.png'), confusionPng(confusion, data.classes));
  writeAtomic(join(dir, 'model.safetensors'), tg.io.saveSafetensors(model.stateDict()));
  const sample = data.val.get(0);
  const write = ([image, label]: [tg.Tensor, number]) => {
    const acts = captureConvActivations(model, image);
    if (acts.length > 0) writeAtomic(join(dir, 'activations.png'), activationsPng(image, acts, `first 4 feature maps of each conv layer (val image 0, class ${data.classes[label]})`));
  };
  if (sample instanceof Promise) return void sample.then(write);
  write(sample);
}
