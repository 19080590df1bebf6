// `typegrad bench`: a short, honest speed report of this machine's backends. For each one: a 512x512
// matmul (GFLOP/s) and training steps of the default CNN on MNIST-sized batches (images/s, and the
// estimated seconds per epoch of the bundled 8,000 training digits). Warm-up runs are not counted.

import * as tg from '../index.js';
import { helpText, parseArgs, type OptionSpecs } from './args.js';
import { UsageError } from './errors.js';
import { selectBackend } from './backend.js';

const OPTIONS: OptionSpecs = {
  backends: { type: 'string', help: 'comma list (default: every registered backend)' },
  steps: { type: 'int', min: 1, default: 3, help: 'timed training steps per backend' },
  'batch-size': { type: 'int', min: 1, default: 64, help: 'images per step' },
  help: { type: 'flag', help: 'show this help' },
};

/** Seconds per run of f, waiting for the device (a GPU backend queues its kernels) before the clock stops. */
async function time(f: () => void, repeats: number): Promise<number> {
  f(); // warm-up: compiles, grows the WASM arena
  await tg.sync();
  const t = performance.now();
  for (let i = 0; i < repeats; i++) f();
  await tg.sync();
  return (performance.now() - t) / repeats / 1000;
}

export async function benchCommand(argv: string[]): Promise<number> {
  const { options: o } = parseArgs('bench', argv, OPTIONS);
  if (o.help) return void process.stdout.write(helpText('bench', '[options]', OPTIONS) + '\n'), 0;
  const names = o.backends ? (o.backends as string).split(',') : tg.listBackends();
  const bad = names.find((n) => !tg.listBackends().includes(n));
  if (bad) throw new UsageError(`--backends: '${bad}' is not available here (available: ${tg.listBackends().join(', ')})`);
  const batch = o['batch-size'] as number;
  process.stdout.write(`typegrad bench: ${tg.listBackends().join(', ')} registered; Node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
  for (const name of names) {
    try {
      await selectBackend(name);
    } catch (e) {
      // a registered backend that cannot start here (gl without a GPU): say so and go on
      process.stdout.write(`${name.padEnd(5)} not available: ${(e as Error).message.replace(/^--backend \w+: /, '').split('. ')[0]}\n`);
      continue;
    }
    // the plain-loop reference backend is ~100x slower: a smaller batch keeps the report short
    const bs = name === 'js' ? Math.min(batch, 8) : batch;
    const steps = name === 'js' ? 1 : (o.steps as number);
    tg.manualSeed(0);
    const a = tg.randn([512, 512]);
    const b = tg.randn([512, 512]);
    const matmul = await time(() => tg.matmul(a, b), steps);
    const model = new tg.nn.RecipeCNN({ inSize: [1, 28, 28], outClasses: 10 });
    const opt = new tg.optim.AdamW(model.parameters(), { lr: 1e-3 });
    const x = tg.rand([bs, 1, 28, 28]);
    const y = tg.randint(0, 10, [bs]);
    const step = await time(() => {
      const loss = tg.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }, steps);
    const fwd = await time(() => tg.noGrad(() => model.eval().forward(x)), steps);
    model.train();
    process.stdout.write(
      `${name.padEnd(5)} matmul 512x512 ${((2 * 512 ** 3) / matmul / 1e9).toFixed(2)} GFLOP/s | default CNN, batch ${bs}: train step ${(step * 1000).toFixed(0)} ms ` +
        `(${(bs / step).toFixed(0)} img/s, ~${((8000 / bs) * step).toFixed(0)} s per MNIST epoch), inference ${(bs / fwd).toFixed(0)} img/s\n`,
    );
  }
  return 0;
}
