// fit(model, trainLoader, options): the training loop of Keras's model.fit and of the course's
// hand-written loops, in one place. Each epoch is a pass over the training batches (forward, loss,
// backward, optimizer step) and then, with a valLoader, a pass over the validation batches in eval mode
// without a graph; it ends with one history entry and one summary line. It is async from the start,
// so it runs on every backend (ones that read results back asynchronously too), and it yields to the
// event loop after every batch, so a page stays responsive and a Ctrl-C handler gets to run.
//
// Exact resume: with `checkpoint`, fit saves everything the rest of training depends on: the weights,
// the optimizer's moments, the schedule, the default generator (dropout masks), where the loop is and
// its running sums. It saves when it starts, after every epoch and when `signal` aborts. `resume` takes
// such a state and continues with the same batches, augmentations and dropout masks as a run that was
// never stopped: the loader's epoch is replayed from the saved batch on (DataLoader.iterate), without
// loading the batches before it.

import { checkOptions, crossEntropy, defaultGenerator, noGrad, Tensor, type Target } from '../engine/index.js';
import type { Module, StateDict } from './module.js';
import type { Optimizer, OptimizerStateDict } from './optim/optimizer.js';
import type { LRScheduler } from './optim/scheduler.js';
import { defaultProgressStream, ProgressBar, type ProgressStream } from './progress.js';

/** One batch: the model's input and the loss's target (class indices, or values for a regression). */
export type Batch = readonly [Tensor, Target, ...unknown[]];

/** What fit iterates: a tg.data.DataLoader, or any (async) iterable of batches. */
export type BatchSource = (AsyncIterable<Batch> | Iterable<Batch>) & {
  readonly length?: number;
  readonly batchSize?: number;
  /** epoch `epoch`'s batches from batch `from` on (DataLoader has it): needed to resume mid-epoch */
  iterate?(epoch: number, from?: number): AsyncIterable<Batch>;
};

/**
 * A metric of one batch, averaged over the epoch weighted by batch size. 'accuracy' is built in. `fn`
 * may be async: on a device backend it reads the output with `await output.dataAsync()`.
 */
export interface Metric {
  name: string;
  fn(output: Tensor, target: Target): number | Promise<number>;
}

/** One epoch's entry in the history. Metrics add `train<Name>` and `val<Name>` (trainAccuracy, valAccuracy). */
export interface EpochLog {
  /** 1-based, as printed */
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  trainAccuracy?: number;
  valAccuracy?: number;
  /** the learning rate of the epoch's last step (first parameter group) */
  lr: number;
  /** training images per second (the training pass only) */
  imagesPerSecond: number;
  /** seconds of the training pass */
  trainSeconds: number;
  /** seconds of the whole epoch, validation included */
  seconds: number;
  [field: string]: number | undefined;
}

/** Where fit is: saved in a checkpoint. `batch` > 0 means stopped within epoch `epoch` (0-based). */
export interface FitProgress {
  epoch: number;
  batch: number;
  /** optimizer steps taken in all, epoch · batches per epoch + batch */
  step: number;
  /** samples seen and the running sums of the epoch so far: sums.loss, and one per metric */
  seen: number;
  sums: Record<string, number>;
  /** training seconds of the epoch so far */
  trainSeconds: number;
  lr: number;
  history: EpochLog[];
}

/** Everything fit needs to continue exactly: what a checkpoint holds. */
export interface TrainingState {
  model: StateDict;
  optimizer: OptimizerStateDict;
  scheduler: { lastEpoch: number; baseLrs: number[] } | null;
  /** the default generator's state (dropout and any other draws outside the loader) */
  rng: number[];
  progress: FitProgress;
  /** the caller's own JSON-able data, kept beside (the CLI stores its settings here) */
  extra?: unknown;
  /** where the state came from (a file name), for error messages */
  source?: string;
}

/** Where fit saves its state: tg.io.checkpointFile(path) in Node, or your own (IndexedDB, a server). */
export interface Checkpointer {
  save(state: TrainingState): void | Promise<void>;
}

/** What the progress callback gets after every batch. */
export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy?: number;
  imagesPerSecond: number;
}

/** The predictions (argmax of [N, C] outputs) and class targets of a validation pass, for a confusion matrix. */
export interface ValOutputs {
  predictions: Int32Array;
  targets: Int32Array;
}

export interface FitOptions {
  epochs: number;
  optimizer: Optimizer;
  /** (output, target) → scalar loss; default cross-entropy on class indices */
  lossFn?: (output: Tensor, target: Target) => Tensor;
  valLoader?: BatchSource;
  /** default ['accuracy'] */
  metrics?: Array<'accuracy' | Metric>;
  scheduler?: LRScheduler | null;
  /** when the scheduler steps: after every 'epoch' (default, as PyTorch's StepLR loops) or every 'batch' (OneCycleLR) */
  schedulerStep?: 'epoch' | 'batch';
  /** at most this many training batches per epoch */
  stepsPerEpoch?: number;
  /** after each epoch's entry is made, before it is checkpointed; fields it adds to `log` are kept */
  onEpoch?: (log: EpochLog, info: { history: EpochLog[]; val: ValOutputs | null }) => void | Promise<void>;
  /** a bar per epoch: true (stderr in Node; a bar on a terminal, a line every 10% otherwise), false, a stream, or a callback per batch */
  progress?: boolean | ProgressStream | ((p: BatchProgress) => void);
  /** where each epoch's summary line goes: default the progress stream; false for none */
  log?: ProgressStream | false;
  checkpoint?: Checkpointer;
  /** a state saved by `checkpoint`: training continues from it */
  resume?: TrainingState;
  /** when aborted, fit finishes the current batch, saves a checkpoint and returns with interrupted: true */
  signal?: AbortSignal;
  /** passed to the extra field of every saved state */
  extra?: unknown;
}

export interface FitResult {
  history: EpochLog[];
  /** true when `signal` stopped training before the last epoch ended */
  interrupted: boolean;
  /** where training stopped: the next epoch (0-based) and batch to run */
  epoch: number;
  batch: number;
}

/** A resumed state that does not fit this training run; the message starts with the state's source. */
export class ResumeError extends Error {
  override name = 'ResumeError';
}

const OPTIONS = ['epochs', 'optimizer', 'lossFn', 'valLoader', 'metrics', 'scheduler', 'schedulerStep', 'stepsPerEpoch', 'onEpoch', 'progress', 'log', 'checkpoint', 'resume', 'signal', 'extra'];

const accuracy: Metric = {
  name: 'accuracy',
  // the fraction of rows of [N, C] whose largest output is the target class
  async fn(output, target) {
    const pred = await output.argmax(1).dataAsync();
    const t = targetValues(target);
    let correct = 0;
    for (let k = 0; k < pred.length; k++) if (pred[k] === t[k]) correct++;
    return correct / pred.length;
  },
};

const targetValues = (t: Target): readonly number[] | Float32Array | Int32Array => (t instanceof Tensor ? t.data : t);

/**
 * Copies the tensors of a state to save (parameters, buffers, optimizer moments) to the CPU: on a device
 * backend they live on the GPU, and stateDict() reads them synchronously.
 */
async function readBack(model: Module, optimizer: Optimizer): Promise<void> {
  const moments = [...optimizer.state.values()].flatMap((s) => Object.values(s).filter((v): v is Tensor => v instanceof Tensor));
  await Promise.all([...Object.values(model.stateDict()), ...moments].map((t) => t.dataAsync()));
}
const capitalized = (s: string) => s[0].toUpperCase() + s.slice(1);

/** Resolves after the event loop has run once (timers, I/O, signal handlers): setImmediate in Node, a message in browsers. */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  return new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => (ch.port1.close(), r());
    ch.port2.postMessage(null);
  });
}

/** Loss and metrics of `model` over every batch of `loader`, in eval mode without a graph (Keras's evaluate). */
export async function evaluate(
  model: Module,
  loader: BatchSource,
  options: { lossFn?: (output: Tensor, target: Target) => Tensor; metrics?: Array<'accuracy' | Metric> } = {},
): Promise<{ loss: number; metrics: Record<string, number>; outputs: ValOutputs | null; seen: number }> {
  const lossFn = options.lossFn ?? ((out: Tensor, y: Target) => crossEntropy(out, y));
  const metrics = resolveMetrics(options.metrics);
  const sums: Record<string, number> = { loss: 0 };
  const predictions: number[] = [];
  const targets: number[] = [];
  let classes = true;
  let seen = 0;
  const modes = [...model.modules()].map((m) => [m, m.training] as const);
  model.eval();
  try {
    for await (const [x, y] of loader) {
      const n = x.shape[0];
      const [out, loss] = noGrad(() => {
        const out = model.forward(x) as Tensor;
        return [out, lossFn(out, y)];
      });
      sums.loss += (await loss.itemAsync()) * n;
      for (const m of metrics) sums[m.name] = (sums[m.name] ?? 0) + (await m.fn(out, y)) * n;
      classes &&= out.ndim === 2 && targetValues(y).length === n;
      if (classes) {
        predictions.push(...(await noGrad(() => out.argmax(1)).dataAsync()));
        targets.push(...targetValues(y));
      }
      seen += n;
    }
  } finally {
    for (const [m, mode] of modes) m.training = mode;
  }
  const mean = (k: string) => sums[k] / Math.max(1, seen);
  return {
    loss: mean('loss'),
    metrics: Object.fromEntries(metrics.map((m) => [m.name, mean(m.name)])),
    outputs: classes ? { predictions: Int32Array.from(predictions), targets: Int32Array.from(targets) } : null,
    seen,
  };
}

function resolveMetrics(list: Array<'accuracy' | Metric> = ['accuracy']): Metric[] {
  return list.map((m) => {
    if (m === 'accuracy') return accuracy;
    if (typeof m === 'object' && m && typeof m.name === 'string' && /^[a-z][A-Za-z0-9]*$/.test(m.name) && typeof m.fn === 'function') return m;
    throw new TypeError(`fit: metrics must be 'accuracy' or { name, fn } with a camelCase name, got ${typeof m === 'string' ? `'${m}'` : JSON.stringify(m)}`);
  });
}

export async function fit(model: Module, trainLoader: BatchSource, options: FitOptions): Promise<FitResult> {
  checkFitOptions(model, trainLoader, options);
  const { epochs, optimizer, scheduler = null, schedulerStep = 'epoch', checkpoint, signal } = options;
  const lossFn = options.lossFn ?? ((out: Tensor, y: Target) => crossEntropy(out, y));
  const metrics = resolveMetrics(options.metrics);
  const perEpoch = Math.min(trainLoader.length ?? Infinity, options.stepsPerEpoch ?? Infinity);
  const schedulePerBatch = schedulerStep === 'batch';

  const fresh = (): FitProgress => ({ epoch: 0, batch: 0, step: 0, seen: 0, sums: emptySums(metrics), trainSeconds: 0, lr: optimizer.paramGroups[0].lr, history: [] });
  let progress = fresh();
  if (options.resume) progress = restore(options.resume, { model, optimizer, scheduler, metrics, epochs, perEpoch, batchSize: trainLoader.batchSize });
  const save = async () => {
    if (!checkpoint) return;
    await readBack(model, optimizer);
    const state: TrainingState = {
      model: model.stateDict(),
      optimizer: optimizer.stateDict(),
      scheduler: scheduler?.stateDict() ?? null,
      rng: defaultGenerator.getState(),
      progress: structuredClone(progress),
      extra: options.extra,
    };
    await checkpoint.save(state);
  };
  if (!options.resume) await save(); // so a run stopped in its first epoch can be resumed too

  const bar = progressReporter(options.progress, epochs, perEpoch);
  const logStream = options.log === false ? null : (options.log ?? bar.stream);
  const stopped = (): FitResult => ({ history: progress.history, interrupted: true, epoch: progress.epoch, batch: progress.batch });

  while (progress.epoch < epochs) {
    const epoch = progress.epoch;
    const batches = progress.batch === 0 ? trainLoader.iterate?.(epoch) ?? trainLoader : trainLoader.iterate!(epoch, progress.batch);
    bar.start(epoch);
    model.train();
    let t = performance.now();
    for await (const [x, y] of batches as AsyncIterable<Batch>) {
      const n = x.shape[0];
      progress.lr = optimizer.paramGroups[0].lr;
      const output = model.forward(x) as Tensor;
      const loss = lossFn(output, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      if (schedulePerBatch) scheduler?.step();
      // read asynchronously, so that a device backend (webgpu) reads back only these numbers
      progress.sums.loss += (await loss.itemAsync()) * n;
      for (const m of metrics) progress.sums[m.name] += (await m.fn(output, y)) * n;
      progress.seen += n;
      progress.batch++;
      progress.step++;
      progress.trainSeconds += (performance.now() - t) / 1000;
      bar.update(progress);
      await yieldToEventLoop();
      t = performance.now(); // the wait is not training time
      if (progress.batch >= perEpoch) break; // stepsPerEpoch
      if (signal?.aborted) {
        bar.finish();
        await save();
        return stopped();
      }
    }
    bar.finish();

    // the epoch's entry: training means, then validation
    const evalStart = performance.now();
    const mean = (k: string) => progress.sums[k] / Math.max(1, progress.seen);
    const log: EpochLog = { epoch: epoch + 1, trainLoss: mean('loss'), lr: progress.lr, imagesPerSecond: progress.seen / Math.max(1e-9, progress.trainSeconds), trainSeconds: progress.trainSeconds, seconds: 0 };
    for (const m of metrics) log[`train${capitalized(m.name)}`] = mean(m.name);
    let val: ValOutputs | null = null;
    if (options.valLoader) {
      const r = await evaluate(model, options.valLoader, { lossFn, metrics });
      log.valLoss = r.loss;
      for (const m of metrics) log[`val${capitalized(m.name)}`] = r.metrics[m.name];
      val = r.outputs;
    }
    log.seconds = progress.trainSeconds + (performance.now() - evalStart) / 1000;
    if (!schedulePerBatch) scheduler?.step();
    progress.history.push(log);
    if (logStream) logStream.write(epochLine(log, epochs, metrics) + '\n');
    await options.onEpoch?.(log, { history: progress.history, val });
    // the checkpoint names the next epoch
    Object.assign(progress, { epoch: epoch + 1, batch: 0, seen: 0, sums: emptySums(metrics), trainSeconds: 0 });
    await save();
    if (signal?.aborted && progress.epoch < epochs) return stopped();
  }
  return { history: progress.history, interrupted: false, epoch: progress.epoch, batch: 0 };
}

function emptySums(metrics: Metric[]): Record<string, number> {
  return Object.fromEntries([['loss', 0], ...metrics.map((m) => [m.name, 0])]);
}

/** `epoch 1/4  train loss 0.2345 acc 93.10%  val loss 0.1234 acc 96.20%  12.3s (456 img/s)` */
export function epochLine(log: EpochLog, epochs: number, metrics: Metric[] = [accuracy]): string {
  const part = (prefix: 'train' | 'val') => {
    const loss = log[`${prefix}Loss`];
    if (loss === undefined) return '';
    const rest = metrics.map((m) => {
      const v = log[`${prefix}${capitalized(m.name)}`] as number;
      return m === accuracy ? ` acc ${(100 * v).toFixed(2)}%` : ` ${m.name} ${v.toFixed(4)}`;
    });
    return `  ${prefix} loss ${loss.toFixed(4)}${rest.join('')}`;
  };
  return `epoch ${log.epoch}/${epochs}${part('train')}${part('val')}  ${log.seconds.toFixed(1)}s (${log.imagesPerSecond.toFixed(0)} img/s)`;
}

/** The progress option as start/update/finish, and the stream the summary lines go to by default. */
function progressReporter(option: FitOptions['progress'], epochs: number, perEpoch: number) {
  let bar: ProgressBar | null = null;
  let epoch = 0;
  const callback = typeof option === 'function' ? option : null;
  const stream: ProgressStream | null = typeof option === 'object' ? option : option === false || callback ? null : defaultProgressStream();
  return {
    stream,
    start(e: number) {
      epoch = e;
      // a bar needs the epoch's length; a loader without one still gets the callback
      if (stream && Number.isFinite(perEpoch)) bar = new ProgressBar(`epoch ${e + 1}/${epochs}`, perEpoch, stream);
    },
    update(p: FitProgress) {
      const stats = { loss: p.sums.loss / p.seen, accuracy: p.sums.accuracy === undefined ? undefined : p.sums.accuracy / p.seen, imagesPerSecond: p.seen / Math.max(1e-9, p.trainSeconds) };
      bar?.update(p.batch, stats);
      callback?.({ epoch: epoch + 1, epochs, batch: p.batch, batches: perEpoch, ...stats });
    },
    finish() {
      bar?.finish();
    },
  };
}

function checkFitOptions(model: Module, loader: BatchSource, options: FitOptions): void {
  if (!options || typeof options !== 'object') throw new TypeError('fit: expected fit(model, trainLoader, { epochs, optimizer, ... })');
  checkOptions('fit', options, OPTIONS);
  if (typeof model?.forward !== 'function' || typeof model.stateDict !== 'function') throw new TypeError('fit: the first argument must be a tg.nn.Module');
  const iterable = (v: unknown) => v != null && (typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function');
  if (!iterable(loader)) throw new TypeError('fit: trainLoader must be a DataLoader or an iterable of [input, target] batches');
  if (options.valLoader !== undefined && !iterable(options.valLoader)) throw new TypeError('fit: valLoader must be a DataLoader or an iterable of [input, target] batches');
  if (!Number.isSafeInteger(options.epochs) || options.epochs < 1) throw new RangeError(`fit: epochs must be a positive integer, got ${options.epochs}`);
  if (typeof options.optimizer?.step !== 'function') throw new TypeError('fit: optimizer is required (e.g. new tg.optim.Adam(model.parameters(), 1e-3))');
  if (options.stepsPerEpoch !== undefined && !(Number.isSafeInteger(options.stepsPerEpoch) && options.stepsPerEpoch >= 1)) throw new RangeError(`fit: stepsPerEpoch must be a positive integer, got ${options.stepsPerEpoch}`);
  if (options.schedulerStep !== undefined && options.schedulerStep !== 'epoch' && options.schedulerStep !== 'batch') throw new RangeError(`fit: schedulerStep must be 'epoch' or 'batch', got ${JSON.stringify(options.schedulerStep)}`);
  if (options.resume && typeof loader.iterate !== 'function') throw new TypeError('fit: resume needs a trainLoader that can replay an epoch from a batch (a tg.data.DataLoader)');
}

/**
 * Applies a saved state to the model, optimizer, scheduler and default generator, after checking that
 * its progress fits this run (the same epochs, batches per epoch and metrics): a resumed run must be
 * the run that was saved.
 */
function restore(
  state: TrainingState,
  run: { model: Module; optimizer: Optimizer; scheduler: LRScheduler | null; metrics: Metric[]; epochs: number; perEpoch: number; batchSize?: number },
): FitProgress {
  const fail = (why: string): never => {
    throw new ResumeError(`${state.source ?? 'fit: resume'}: ${why}`);
  };
  const p = (state?.progress ?? fail('progress is missing')) as unknown as Record<string, unknown>;
  const bad = (k: string, expected: string): never => fail(`progress.${k} is ${JSON.stringify(p[k])}, expected ${expected}`);
  const int = (k: string, max: number) => {
    const v = p[k];
    return Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max ? (v as number) : bad(k, `an integer in [0, ${max}]`);
  };
  const num = (k: string) => (typeof p[k] === 'number' && Number.isFinite(p[k]) && (p[k] as number) >= 0 ? (p[k] as number) : bad(k, 'a finite number >= 0'));
  const perEpoch = Number.isFinite(run.perEpoch) ? run.perEpoch : Number.MAX_SAFE_INTEGER;
  const epoch = int('epoch', run.epochs);
  const batch = int('batch', epoch === run.epochs ? 0 : perEpoch - 1);
  const step = int('step', Number.MAX_SAFE_INTEGER);
  if (Number.isFinite(run.perEpoch) && step !== epoch * perEpoch + batch) fail(`progress.step is ${step}, but epoch ${epoch} and batch ${batch} of ${perEpoch} per epoch make ${epoch * perEpoch + batch}`);
  const seen = int('seen', run.batchSize ? batch * run.batchSize : Number.MAX_SAFE_INTEGER);
  const sums = p.sums as Record<string, unknown>;
  const names = ['loss', ...run.metrics.map((m) => m.name)];
  if (typeof sums !== 'object' || sums === null || Object.keys(sums).sort().join() !== [...names].sort().join()) fail(`progress.sums should hold ${names.join(', ')} (the run's loss and metrics), got ${JSON.stringify(sums)}`);
  for (const k of names) if (typeof sums[k] !== 'number' || !Number.isFinite(sums[k])) fail(`progress.sums.${k} is ${JSON.stringify(sums[k])}, expected a finite number`);
  if (names.includes('accuracy') && !((sums.accuracy as number) >= 0 && (sums.accuracy as number) <= seen)) fail(`progress.sums.accuracy is ${sums.accuracy}, expected a count of correct samples in [0, ${seen}]`);
  const history = p.history;
  if (!Array.isArray(history) || history.length !== epoch) fail(`progress.history should list the ${epoch} finished epochs, got ${Array.isArray(history) ? history.length : JSON.stringify(history)}`);
  (history as Record<string, unknown>[]).forEach((m, i) => {
    const wrong = typeof m !== 'object' || m === null ? 'it' : Object.keys(m).find((k) => typeof m[k] !== 'number' || !Number.isFinite(m[k]) || (k.endsWith('Accuracy') && !((m[k] as number) >= 0 && (m[k] as number) <= 1)));
    if (wrong || m.epoch !== i + 1 || typeof m.trainLoss !== 'number') fail(`progress.history[${i}] is not epoch ${i + 1}'s metrics${wrong && wrong !== 'it' ? ` (${wrong} is ${JSON.stringify(m[wrong])})` : ''}`);
  });
  const progress: FitProgress = { epoch, batch, step, seen, sums: sums as Record<string, number>, trainSeconds: num('trainSeconds'), lr: num('lr'), history: history as EpochLog[] };
  try {
    run.model.loadStateDict(state.model);
    run.optimizer.loadStateDict(state.optimizer);
    if (run.scheduler) run.scheduler.loadStateDict(state.scheduler ?? fail('the run has a scheduler but the state has none'));
    else if (state.scheduler) fail('the state has a scheduler state but the run has no scheduler');
    defaultGenerator.setState(state.rng);
  } catch (e) {
    if (e instanceof ResumeError) throw e;
    fail((e as Error).message.split('\n')[0]);
  }
  return progress;
}
