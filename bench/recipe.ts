// Where `npm start`'s time goes: one epoch of `typegrad train`'s default recipe (the same model, data,
// augmentation, loss, optimizer and schedule, built by the CLI's own setUp) timed by phase, and the
// WASM kernels' share of each phase, on the threads asked for. Printed as JSON for bench/recipe-run.ts,
// which runs it beside bench/torch_recipe.py --profile.
//   node bench/out/bench/recipe.js [threads=1] [epochs=1] [batches per epoch]     (after npm run bench has compiled it)
// 8 epochs make 1,000 steps: the resident memory every 100 steps shows whether it stays flat.

import * as tg from '../index.js';
import { configFrom, setUp, TRAIN_OPTIONS } from '../cli/train.js';
import { parseArgs } from '../cli/args.js';

const threads = Number(process.argv[2] ?? 1);
const epochs = Number(process.argv[3] ?? 1);
const maxBatches = process.argv[4] ? Number(process.argv[4]) : Infinity;
await tg.configureWasmBackend({ threads });

export const PHASES = ['data', 'forward', 'loss', 'backward', 'optimizer', 'readback', 'eval'] as const;
type Phase = (typeof PHASES)[number];

const seconds = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
/** kernel → phase → seconds */
const kernelSeconds = new Map<string, Record<Phase, number>>();
let phase: Phase = 'data';

async function timed<T>(p: Phase, body: () => T | Promise<T>): Promise<T> {
  phase = p;
  const t0 = performance.now();
  const r = await body();
  seconds[p] += (performance.now() - t0) / 1000;
  return r;
}

const { options } = parseArgs('train', [], TRAIN_OPTIONS);
const cfg = { ...configFrom(options, null, ''), epochs }; // the one-cycle schedule spans the epochs run
const { model, optimizer, loader, valLoader, scheduler } = await setUp(cfg, options, null);

// every kernel of the active backend, timed into the phase that called it (the WASM kernels are synchronous)
const k = tg.kernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const name of tg.kernelNames) {
  const inner = k[name];
  if (typeof inner !== 'function') continue;
  k[name] = (...a: unknown[]) => {
    const t0 = performance.now();
    const r = inner(...a);
    let row = kernelSeconds.get(name);
    if (!row) kernelSeconds.set(name, (row = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>));
    row[phase] += (performance.now() - t0) / 1000;
    return r;
  };
}

const lossFn = (out: tg.Tensor, y: tg.Target) => tg.crossEntropy(out, y, { labelSmoothing: cfg.labelSmoothing });
let images = 0;
let accuracy = 0;
/** resident memory (MB) every 100 steps: it should stay flat over a long run */
const rssAtStep: Record<number, number> = {};
let step = 0;
const start = performance.now();
for (let epoch = 0; epoch < epochs; epoch++) {
  model.train();
  const batches = loader.iterate(epoch)[Symbol.asyncIterator]();
  for (let b = 0; b < Math.min(loader.length, maxBatches); b++) {
    const next = await timed('data', () => batches.next());
    if (next.done) break;
    const [x, y] = next.value;
    const output = await timed('forward', () => model.forward(x) as tg.Tensor);
    const loss = await timed('loss', () => lossFn(output, y));
    await timed('backward', () => {
      optimizer.zeroGrad();
      loss.backward();
    });
    await timed('optimizer', () => {
      optimizer.step();
      scheduler?.step();
    });
    await timed('readback', async () => [await loss.itemAsync(), await output.argmax(1).dataAsync()]); // what fit reads per batch (its accuracy metric compares the argmax)
    images += x.shape[0];
    if (++step % 100 === 0) rssAtStep[step] = Math.round(process.memoryUsage().rss / 2 ** 20);
  }
  const r = await timed('eval', () => tg.nn.evaluate(model, valLoader, { lossFn }));
  accuracy = r.metrics.accuracy;
}
const total = (performance.now() - start) / 1000;

const kernels = Object.fromEntries([...kernelSeconds].filter(([, row]) => PHASES.some((p) => row[p] > 0)).map(([name, row]) => [name, row]));
console.log(JSON.stringify({ threads, epochs, images, accuracy, seconds: total, phases: seconds, kernels, rssAtStep }));
process.exit(0); // the WASM worker threads
