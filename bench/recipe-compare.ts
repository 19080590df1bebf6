// `npm run bench -- --only=recipe`: one epoch of `npm start`'s recipe in typegrad (bench/recipe.ts) and
// in PyTorch (bench/torch_recipe.py --profile), on 1 and 2 threads, run alternately (the machine is
// shared: every figure is the best of the rounds, each run's load average printed beside it). Prints
// the seconds of each phase side by side and typegrad's heaviest kernels, the profile the README shows.

import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { format, ratio, table } from './common.js';

const PHASES = ['data', 'forward', 'loss', 'backward', 'optimizer', 'readback', 'eval'] as const;
type Phase = (typeof PHASES)[number];
interface Run {
  phases: Record<Phase, number>;
  kernels?: Record<string, Record<Phase, number>>;
  load: number;
}
const trainSeconds = (r: Run) => PHASES.filter((p) => p !== 'eval').reduce((s, p) => s + r.phases[p], 0);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

function typegradRun(threads: number): Run {
  const load = os.loadavg()[0];
  const out = execFileSync(process.execPath, [here('./recipe.js'), String(threads), '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return { ...JSON.parse(out), load };
}

function torchRun(threads: number): Run | null {
  const load = os.loadavg()[0];
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      const out = execFileSync(python, [here('../../torch_recipe.py'), String(threads), '1', '--profile'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return { ...JSON.parse(out), load };
    } catch {
      // try the next python
    }
  }
  return null;
}

const best = (runs: Run[]) => runs.reduce((a, b) => (trainSeconds(b) < trainSeconds(a) ? b : a));

export async function recipeBench({ quick }: { quick: boolean }): Promise<void> {
  const rounds = quick ? 1 : 3;
  const runs = new Map<string, Run[]>();
  const add = (key: string, r: Run | null) => r && runs.set(key, [...(runs.get(key) ?? []), r]);
  for (let round = 0; round < rounds; round++) {
    for (const threads of [1, 2]) {
      add(`typegrad ${threads}`, typegradRun(threads));
      add(`torch ${threads}`, torchRun(threads));
    }
  }
  console.log(`npm start's recipe, one epoch (8,000 digits, batch 64) and its validation (2,000), seconds by phase: best of ${rounds} alternating runs`);
  for (const threads of [1, 2]) {
    const tg = best(runs.get(`typegrad ${threads}`)!);
    const torch = runs.has(`torch ${threads}`) ? best(runs.get(`torch ${threads}`)!) : null;
    const rows = PHASES.map((p) => [p, tg.phases[p], torch?.phases[p] ?? NaN, ratio(tg.phases[p], torch?.phases[p])]);
    rows.push(['training (all but eval)', trainSeconds(tg), torch ? trainSeconds(torch) : NaN, ratio(trainSeconds(tg), torch ? trainSeconds(torch) : NaN)]);
    console.log(`\n${threads} thread${threads > 1 ? 's' : ''} (load average at the runs' start: typegrad ${format(tg.load)}, pytorch ${torch ? format(torch.load) : 'not found'})`);
    console.log(table(['phase', 'typegrad s', 'pytorch s', 'typegrad/pytorch'], rows));
    const kernels = Object.entries(tg.kernels ?? {}).map(([name, row]) => [name, PHASES.filter((p) => p !== 'eval').reduce((s, p) => s + row[p], 0), row.eval] as const);
    kernels.sort((a, b) => b[1] - a[1]);
    const train = trainSeconds(tg);
    console.log(`typegrad's kernels in training (the rest of ${format(train)} s is the engine's JS: autograd, shapes, allocation)`);
    console.log(table(['kernel', 'training s', 'share', 'eval s'], kernels.slice(0, 14).map(([name, t, e]) => [name, t, `${format((100 * t) / train)}%`, e])));
  }
  const tg1 = best(runs.get('typegrad 1')!), tg2 = best(runs.get('typegrad 2')!);
  console.log(`\ntypegrad 2 threads / 1 thread: ${ratio(trainSeconds(tg1), trainSeconds(tg2))} faster`);
}
