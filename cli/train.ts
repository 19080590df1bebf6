// `typegrad train`: the default recipe on the bundled MNIST digits, or any --model/--dataset; a progress
// bar per epoch, one summary line per epoch, and the run folder (metrics, curves, activation maps,
// confusion matrix, weights, checkpoint) rewritten at the end of every epoch. --resume DIR continues
// exactly where a run stopped (same batches, augmentations, dropout masks); Ctrl-C saves a checkpoint.

import { join } from 'node:path';
import * as tg from '../index.js';
import { checkValue, helpText, parseArgs, type OptionSpecs } from './args.js';
import { UsageError } from './errors.js';
import { loadDataset, type LoadedData } from './datasets.js';
import { buildModel, modelSpec, MODEL_NAMES, type ModelSpec } from './models.js';
import { makeAugment, AUGMENT_NAMES } from './augment.js';
import { evaluate, loadBatch } from './batches.js';
import { checkWritableDir, ensureWritableDir, timestampName, writeRunFile } from './files.js';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { curvesPng, curvesSvg, type CurvePoint } from './curves.js';
import { activationsPng, captureConvActivations } from './activations.js';
import { confusionMatrix, confusionPng } from './confusion.js';
import { BACKEND_NAMES, selectBackend } from './backend.js';
import { typegradVersion } from './version.js';

const { ProgressBar, formatDuration } = tg.nn;

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
  'allow-nonfinite': { type: 'flag', help: 'with --resume: continue even if the checkpoint holds NaN or infinite values' },
  'max-batches': { type: 'int', min: 1, help: 'at most this many training batches per epoch (quick runs)' },
  'max-val': { type: 'int', min: 1, help: 'validate on only the first N validation images (quick runs)' },
  'val-split': { type: 'number', min: 0, max: 1, exclusiveMin: true, help: 'fraction of the training data held out (default: the dataset\'s test split, else 0.2)' },
  'image-size': { type: 'int', min: 8, default: 32, help: 'side of the square images made from folder/csv files' },
  help: { type: 'flag', help: 'show this help' },
};

/** The settings a run is made of: stored in metrics.json and the checkpoint, reused by --resume. */
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

/** Where training is: saved in the checkpoint. `batch` > 0 means stopped mid-epoch. */
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

/** The TrainConfig key of each option, where it has one. */
const CONFIG_KEYS: Record<keyof TrainConfig, string> = {
  model: 'model', dataset: 'dataset', epochs: 'epochs', batchSize: 'batch-size', lr: 'lr', weightDecay: 'weight-decay',
  optimizer: 'optimizer', schedule: 'schedule', labelSmoothing: 'label-smoothing', augment: 'augment', backend: 'backend',
  seed: 'seed', maxBatches: 'max-batches', maxVal: 'max-val', valSplit: 'val-split', imageSize: 'image-size',
};

/** A saved run's settings, checked as strictly as the same options on the command line. */
function checkedConfig(cfg: Record<string, unknown>, file: string): TrainConfig {
  const out: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(CONFIG_KEYS)) {
    const spec = TRAIN_OPTIONS[option];
    const v = cfg[key];
    // options without a default may be null (not given); augment and backend were filled in by the run
    out[key] = v === null && spec.default === undefined && key !== 'augment' && key !== 'backend' ? null : checkValue(`--resume ${file}: config.${key}`, spec, v);
  }
  const extra = Object.keys(cfg).filter((k) => !(k in CONFIG_KEYS));
  if (extra.length) throw new UsageError(`--resume ${file}: config has unknown settings ${extra.join(', ')}`);
  return out as unknown as TrainConfig;
}

/** A saved run's progress, checked against its settings and the epoch's batch count. */
function checkedProgress(p: Record<string, unknown>, cfg: TrainConfig, perEpoch: number, file: string): Progress {
  const fail = (why: string): never => {
    throw new UsageError(`--resume ${file}: progress.${why}`);
  };
  const int = (k: string, max: number) => {
    const v = p[k];
    if (!(Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max)) fail(`${k} is ${JSON.stringify(v)}, expected an integer in [0, ${max}]`);
    return v as number;
  };
  const num = (k: string) => {
    const v = p[k];
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) fail(`${k} is ${JSON.stringify(v)}, expected a finite number >= 0`);
    return v as number;
  };
  const epoch = int('epoch', cfg.epochs - 1);
  const batch = int('batch', perEpoch);
  const step = int('step', Number.MAX_SAFE_INTEGER);
  if (step !== epoch * perEpoch + batch) fail(`step is ${step}, but epoch ${epoch} and batch ${batch} of ${perEpoch} per epoch make ${epoch * perEpoch + batch}`);
  const seen = int('seen', batch * cfg.batchSize);
  const correct = int('correct', seen);
  const history = p.history;
  if (!Array.isArray(history) || history.length !== epoch) fail(`history should list the ${epoch} finished epochs, got ${Array.isArray(history) ? history.length : JSON.stringify(history)}`);
  (history as Record<string, unknown>[]).forEach((m, i) => {
    // every field a finite number >= 0, accuracies fractions
    const bad = ['epoch', 'trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy', 'lr', 'imagesPerSecond', 'seconds', 'rssMB'].find((k) => {
      const v = m?.[k];
      return typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (k.endsWith('Accuracy') && v > 1);
    });
    if (bad || m.epoch !== i + 1) fail(`history[${i}] is not epoch ${i + 1}'s metrics${bad ? ` (${bad} is ${JSON.stringify(m?.[bad])})` : ''}`);
  });
  return { epoch, batch, step, seen, correct, lossSum: num('lossSum'), seconds: num('seconds'), lr: num('lr'), history: history as EpochMetrics[] };
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
  let resumed: Checkpoint<TrainConfig, Progress> | null = null;
  if (resumeDir) {
    const given = argv.filter((a) => a.startsWith('--') && !a.startsWith('--resume') && a !== '--allow-nonfinite').map((a) => a.split('=')[0]);
    if (given.length > 0) throw new UsageError(`typegrad train: --resume continues with the run's own settings; drop ${given.join(', ')}`);
    resumed = readCheckpoint<TrainConfig, Progress>(resumeDir);
    cfg = checkedConfig(resumed.state.config as unknown as Record<string, unknown>, resumed.file);
    progress = resumed.state.progress;
    dir = resumeDir;
    if (progress.epoch === cfg.epochs && progress.batch === 0) {
      io.out.write(`typegrad: the run in ${dir} already finished its ${cfg.epochs} epochs\n`);
      return 0;
    }
  } else {
    dir = (options.out as string | undefined) ?? join('runs', timestampName());
    cfg = configFrom(options, null, '');
  }
  checkWritableDir(dir, resumeDir ? '--resume' : '--out');
  // a saved run's settings can fail where the command line's would (a dataset gone, a model name
  // edited): the error then names the checkpoint they came from
  let run: Awaited<ReturnType<typeof setUp>>;
  try {
    run = await setUp(cfg, options, resumed);
  } catch (e) {
    if (resumed && e instanceof UsageError && !e.message.startsWith('--resume')) throw new UsageError(`--resume ${resumed.file}: the run's settings: ${e.message}`);
    throw e;
  }
  const { data, augment, spec, model, params, optimizer, loader, perEpoch, scheduler } = run;
  if (resumed) {
    progress = checkedProgress(progress as unknown as Record<string, unknown>, cfg, perEpoch, resumed.file);
    restoreCheckpoint(resumed, model, optimizer, options['allow-nonfinite'] === true);
    scheduler?.loadStateDict({ lastEpoch: progress.step, baseLrs: scheduler.baseLrs });
  } else if (options['allow-nonfinite']) throw new UsageError('typegrad train: --allow-nonfinite goes with --resume');
  const nParams = params.reduce((n, p) => n + p.size, 0);
  ensureWritableDir(dir, resumeDir ? '--resume' : '--out'); // created only now that everything is valid
  tg.io.removeStaleTempFiles(dir); // left by a save that was killed
  const checkpoint = () => saveCheckpoint(dir, model, optimizer, cfg, progress);
  if (!resumed) checkpoint(); // so a run killed in its first epoch can be resumed too

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
    writeRunFile(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  };
  try {
    for (; progress.epoch < cfg.epochs; progress.epoch++) {
      const epoch = progress.epoch;
      const indices = loader.batchIndices(epoch).slice(0, perEpoch);
      const bar = new ProgressBar(`epoch ${epoch + 1}/${cfg.epochs}`, perEpoch, io.err);
      model.train();
      let epochStart = performance.now();
      for (; progress.batch < perEpoch; progress.batch++) {
        const { x, y } = await loadBatch(data.train, indices[progress.batch], augment, data.classes.length);
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
      const val = await evaluate(model, data.val, { batchSize: 250, numClasses: data.classes.length, labelSmoothing: cfg.labelSmoothing, limit: cfg.maxVal ?? undefined });
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
      await writeRunFiles(dir, model, data, progress.history, confusion);
      writeMetrics(progress.epoch >= cfg.epochs, confusion);
      checkpoint();
      progress.epoch--;
      if (interrupted) {
        io.out.write(`typegrad: checkpoint saved in ${dir} (after epoch ${epoch + 1}); continue with: typegrad train --resume ${dir}\n`);
        return 130;
      }
    }
  } catch (e) {
    // a batch too big for the backend's memory is the options' fault, not a bug
    if (e instanceof tg.SizeLimitError) throw new UsageError(`--batch-size ${cfg.batchSize}: ${e.message}`);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
  const last = progress.history.at(-1)!;
  io.out.write(`typegrad: done in ${formatDuration((performance.now() - t0) / 1000)} (training ${progress.seconds.toFixed(1)}s); val accuracy ${(100 * last.valAccuracy).toFixed(2)}%; files in ${dir}\n`);
  return 0;
}

/** The backend, data, model, optimizer and schedule a run's settings make (before any checkpoint is applied). */
async function setUp(cfg: TrainConfig, options: Record<string, unknown>, resumed: unknown) {
  cfg.backend = await selectBackend(resumed ? cfg.backend : (options.backend as string | undefined));
  // every random draw below (init, augmentation, dropout) comes from the default generator
  tg.manualSeed(cfg.seed);
  const data = await loadDataset(cfg.dataset, { seed: cfg.seed, valSplit: cfg.valSplit ?? undefined, imageSize: cfg.imageSize });
  if (!resumed && (options.augment as string | undefined) === undefined) cfg.augment = data.defaultAugment;
  const augment = makeAugment(cfg.augment, data.inSize);
  const spec: ModelSpec = modelSpec(cfg.model, data.inSize, data.classes.length);
  const model = buildModel(spec);
  const params = model.parameters();
  const optimizer = makeOptimizer(cfg, params);
  const loader = new tg.data.DataLoader(data.train, { batchSize: cfg.batchSize, shuffle: true, seed: cfg.seed });
  const perEpoch = Math.min(loader.length, cfg.maxBatches ?? Infinity);
  const scheduler = makeScheduler(cfg, optimizer, cfg.epochs * perEpoch);
  return { data, augment, spec, model, params, optimizer, loader, perEpoch, scheduler };
}

/** The training seconds of the epochs already finished (their train part), to time the current one. */
function secondsBefore(p: Progress): number {
  return p.history.reduce((s, m) => s + m.seconds, 0);
}

async function writeRunFiles(dir: string, model: tg.nn.Module, data: LoadedData, history: EpochMetrics[], confusion: number[][]): Promise<void> {
  writeRunFile(join(dir, 'curves.svg'), curvesSvg(history));
  writeRunFile(join(dir, 'curves.png'), curvesPng(history));
  writeRunFile(join(dir, 'confusion.png'), confusionPng(confusion, data.classes));
  writeRunFile(join(dir, 'model.safetensors'), tg.io.saveSafetensors(model.stateDict()));
  const [image, label] = await data.val.get(0);
  const acts = captureConvActivations(model, image);
  if (acts.length > 0) writeRunFile(join(dir, 'activations.png'), activationsPng(image, acts, `first 4 feature maps of each conv layer (val image 0, class ${data.classes[label]})`));
}
