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
import { checkWritableDir, ensureWritableDir, timestampName, writeRunFile } from './files.js';
import { readCheckpoint, resumeUsageError, runCheckpoint } from './checkpoint.js';
import { curvesPng, curvesSvg } from './curves.js';
import { activationsPng, captureConvActivations } from './activations.js';
import { confusionMatrix, confusionPng } from './confusion.js';
import { BACKEND_NAMES, selectBackend } from './backend.js';
import { typegradVersion } from './version.js';

const { formatDuration } = tg.nn;

export const TRAIN_OPTIONS: OptionSpecs = {
  model: { type: 'string', default: 'recipe', help: `${MODEL_NAMES.join('|')} or a JSON file of tg.nn.CNN/ResNet/RecipeCNN options ({"type":"cnn",...})` },
  dataset: { type: 'string', default: 'mnist', help: 'mnist | idx:DIR | cifar10:DIR | folder:DIR | csv:FILE,DIR' },
  epochs: { type: 'int', min: 1, default: 4, help: 'passes over the training set' },
  'batch-size': { type: 'int', min: 1, default: 64, help: 'images per step' },
  lr: { type: 'number', min: 0, exclusiveMin: true, default: 3e-3, help: 'learning rate (the peak of the one-cycle schedule)' },
  'weight-decay': { type: 'number', min: 0, default: 1e-2, help: 'decoupled weight decay (AdamW) or L2 (adam, sgd)' },
  optimizer: { type: 'string', choices: ['adamw', 'adam', 'sgd'], default: 'adamw', help: 'optimizer' },
  schedule: { type: 'string', choices: ['onecycle', 'cosine', 'constant'], default: 'onecycle', help: 'learning-rate schedule, stepped every batch' },
  'label-smoothing': { type: 'number', min: 0, max: 1, default: 0.05, help: 'cross-entropy label smoothing' },
  augment: { type: 'string', help: `comma list of ${AUGMENT_NAMES.join(', ')}, or none (default: shift for digits, shift,flip for photos)` },
  backend: { type: 'string', choices: BACKEND_NAMES, help: 'js | wasm | gl | webgpu (default: the fastest available)' },
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

export function configFrom(o: Record<string, unknown>, data: { defaultAugment: string } | null, backend: string): TrainConfig {
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
  let saved: tg.nn.TrainingState | undefined;
  if (resumeDir) {
    const given = argv.filter((a) => a.startsWith('--') && !a.startsWith('--resume') && a !== '--allow-nonfinite').map((a) => a.split('=')[0]);
    if (given.length > 0) throw new UsageError(`typegrad train: --resume continues with the run's own settings; drop ${given.join(', ')}`);
    saved = readCheckpoint(resumeDir, options['allow-nonfinite'] === true);
    if (typeof saved.extra !== 'object' || saved.extra === null || Array.isArray(saved.extra)) throw new UsageError(`--resume ${saved.source}: the run's settings (extra) are missing`);
    cfg = checkedConfig(saved.extra as Record<string, unknown>, saved.source!);
    dir = resumeDir;
    if (saved.progress?.epoch === cfg.epochs && saved.progress.batch === 0) {
      io.out.write(`typegrad: the run in ${dir} already finished its ${cfg.epochs} epochs\n`);
      return 0;
    }
  } else {
    if (options['allow-nonfinite']) throw new UsageError('typegrad train: --allow-nonfinite goes with --resume');
    dir = (options.out as string | undefined) ?? join('runs', timestampName());
    cfg = configFrom(options, null, '');
  }
  checkWritableDir(dir, resumeDir ? '--resume' : '--out');
  // a saved run's settings can fail where the command line's would (a dataset gone, a model name
  // edited): the error then names the checkpoint they came from
  let run: Awaited<ReturnType<typeof setUp>>;
  try {
    run = await setUp(cfg, options, saved);
  } catch (e) {
    if (saved && e instanceof UsageError && !e.message.startsWith('--resume')) throw new UsageError(`--resume ${saved.source}: the run's settings: ${e.message}`);
    throw e;
  }
  const { data, spec, model, optimizer, loader, valLoader, scheduler } = run;
  const nParams = model.parameters().reduce((n, p) => n + p.size, 0);
  ensureWritableDir(dir, resumeDir ? '--resume' : '--out'); // created only now that everything is valid
  tg.io.removeStaleTempFiles(dir); // left by a save that was killed

  const at = saved?.progress;
  const header = resumeDir
    ? `typegrad: resuming ${dir} at epoch ${at!.epoch + 1}${at!.batch ? `, batch ${at!.batch + 1}` : ''}`
    : `typegrad: training ${cfg.model} (${nParams.toLocaleString('en-US')} parameters) on ${cfg.dataset} (${data.train.length} train / ${data.val.length} val, ${data.valFrom}) with ${cfg.optimizer} lr ${cfg.lr} ${cfg.schedule}, batch ${cfg.batchSize}, augment ${cfg.augment}, backend ${cfg.backend}, seed ${cfg.seed} -> ${dir}`;
  io.out.write(header + '\n');

  // Ctrl-C: fit finishes the current batch and saves a checkpoint, then exit 130; a second Ctrl-C exits at once
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    io.err.write('\ntypegrad: interrupted; saving a checkpoint (Ctrl-C again to quit without it)\n');
  };
  process.on('SIGINT', onSigint);
  let peakRss = process.memoryUsage().rss;
  const writeMetrics = (history: tg.nn.EpochLog[], confusion: number[][]) => {
    const metrics = {
      typegrad: typegradVersion(),
      command: ['typegrad', 'train', ...argv].join(' '),
      config: cfg,
      seed: cfg.seed,
      backend: cfg.backend,
      model: { ...spec, parameters: nParams },
      dataset: { spec: cfg.dataset, train: data.train.length, val: valLoader.dataset.length, valFrom: data.valFrom, classes: data.classes },
      epochs: history,
      confusion,
      finished: history.length >= cfg.epochs,
      trainingSeconds: sum(history, 'trainSeconds'),
      seconds: sum(history, 'seconds'),
      peakRssMB: Math.round(peakRss / 2 ** 20),
    };
    writeRunFile(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  };
  let result: tg.nn.FitResult;
  try {
    result = await tg.nn.fit(model, loader, {
      epochs: cfg.epochs,
      optimizer,
      lossFn: (out, y) => tg.crossEntropy(out, y, { labelSmoothing: cfg.labelSmoothing }),
      valLoader,
      scheduler,
      schedulerStep: 'batch',
      stepsPerEpoch: cfg.maxBatches ?? undefined,
      progress: io.err,
      log: io.out,
      checkpoint: runCheckpoint(dir),
      resume: saved,
      extra: cfg,
      signal: stop.signal,
      // the epoch's outputs; the checkpoint fit writes next names the next epoch. An entry also
      // records the resident memory at the epoch's end (it should not grow from epoch to epoch).
      onEpoch: async (log, { history, val }) => {
        log.rssMB = Math.round(process.memoryUsage().rss / 2 ** 20);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        const confusion = confusionMatrix(val!.targets, val!.predictions, data.classes.length);
        await writeRunFiles(dir, model, data, history, confusion);
        writeMetrics(history, confusion);
      },
    });
  } catch (e) {
    // a batch too big for the backend's memory is the options' fault, not a bug
    if (e instanceof tg.SizeLimitError) throw new UsageError(`--batch-size ${cfg.batchSize}: ${e.message}`);
    throw resumeUsageError(e);
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (result.interrupted) {
    const where = result.batch > 0 ? `epoch ${result.epoch + 1}, batch ${result.batch}` : `after epoch ${result.epoch}`;
    io.out.write(`typegrad: checkpoint saved in ${dir} (${where}); continue with: typegrad train --resume ${dir}\n`);
    return 130;
  }
  const history = result.history;
  const last = history.at(-1)!;
  io.out.write(
    `typegrad: done in ${formatDuration((performance.now() - t0) / 1000)} (training ${sum(history, 'trainSeconds').toFixed(1)}s, with validation ${sum(history, 'seconds').toFixed(1)}s); ` +
      `val accuracy ${(100 * last.valAccuracy!).toFixed(2)}%; files in ${dir}\n`,
  );
  return 0;
}

const sum = (history: readonly tg.nn.EpochLog[], k: 'trainSeconds' | 'seconds') => history.reduce((s, m) => s + m[k], 0);

/** The backend, data, model, optimizer, schedule and loaders a run's settings make (before any checkpoint is applied). */
export async function setUp(cfg: TrainConfig, options: Record<string, unknown>, resumed: unknown) {
  cfg.backend = await selectBackend(resumed ? cfg.backend : (options.backend as string | undefined));
  // initialisation and dropout draw from the default generator; each sample's augmentation from its own seed (DataLoader)
  tg.manualSeed(cfg.seed);
  const data = await loadDataset(cfg.dataset, { seed: cfg.seed, valSplit: cfg.valSplit ?? undefined, imageSize: cfg.imageSize });
  if (!resumed && (options.augment as string | undefined) === undefined) cfg.augment = data.defaultAugment;
  const augment = makeAugment(cfg.augment, data.inSize);
  const spec: ModelSpec = modelSpec(cfg.model, data.inSize, data.classes.length);
  const model = buildModel(spec);
  const optimizer = makeOptimizer(cfg, model.parameters());
  const loader = new tg.data.DataLoader(augment ? data.train.map(augment) : data.train, { batchSize: cfg.batchSize, shuffle: true, seed: cfg.seed });
  const val = cfg.maxVal !== null && cfg.maxVal < data.val.length ? new tg.data.Subset(data.val, Array.from({ length: cfg.maxVal }, (_, i) => i)) : data.val;
  const valLoader = new tg.data.DataLoader(val, { batchSize: 250 });
  const perEpoch = Math.min(loader.length, cfg.maxBatches ?? Infinity);
  const scheduler = makeScheduler(cfg, optimizer, cfg.epochs * perEpoch);
  return { data, spec, model, optimizer, loader, valLoader, scheduler };
}

async function writeRunFiles(dir: string, model: tg.nn.Module, data: LoadedData, history: tg.nn.EpochLog[], confusion: number[][]): Promise<void> {
  writeRunFile(join(dir, 'curves.svg'), curvesSvg(history));
  writeRunFile(join(dir, 'curves.png'), curvesPng(history));
  writeRunFile(join(dir, 'confusion.png'), confusionPng(confusion, data.classes));
  writeRunFile(join(dir, 'model.safetensors'), tg.io.saveSafetensors(model.stateDict()));
  const [image, label] = await data.val.get(0);
  const acts = captureConvActivations(model, image);
  if (acts.length > 0) writeRunFile(join(dir, 'activations.png'), activationsPng(image, acts, `first 4 feature maps of each conv layer (val image 0, class ${data.classes[label]})`));
}
