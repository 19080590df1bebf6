// Where students wait: building vgg16() / resnet18() with torchvision's init, and the course's
// augmentations on a photo-sized image, typegrad beside torchvision in one run.
//   node bench/out/bench/student.js [--quick] [--only=vgg16,ColorJitter,...]   (npm run bench compiles it; run.ts calls it too)
// torchvision runs in a worker (student_torch.py, at 1 and 2 threads) that node asks for one round at a
// time, so typegrad's and torchvision's rounds alternate and a burst of load on a shared machine hits
// both alike. Figures are medians of the rounds (best beside them for typegrad).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as tg from '../engine/index.js';
import * as nn from '../nn/index.js';
import { ColorJitter, RandomPerspective, RandomRotation } from '../data/transforms/index.js';
import { format, ratio, table } from './common.js';

interface TorchWorker {
  threads: number;
  version: string;
  run(op: string, shape: string, reps: number): Promise<number>;
  close(): void;
}

/** Starts student_torch.py on Debian's python3 (torch + torchvision), or null when it is not there. */
async function torchWorker(threads: number): Promise<TorchWorker | null> {
  const script = fileURLToPath(new URL('../../student_torch.py', import.meta.url));
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  for (const python of ['/usr/bin/python3', 'python3']) {
    const child: ChildProcessWithoutNullStreams = spawn(python, [script, String(threads)], { env });
    child.stderr.resume();
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => {
      const r = await lines.next();
      if (r.done) throw new Error('torchvision worker exited');
      return JSON.parse(r.value as string);
    };
    try {
      const hello = await Promise.race([next(), new Promise<never>((_, reject) => child.once('error', reject))]);
      return {
        threads: hello.threads,
        version: `torch ${hello.torch}, torchvision ${hello.torchvision}`,
        run: async (op, shape, reps) => (child.stdin.write(`${op} ${shape} ${reps}\n`), (await next()) as number),
        close: () => child.stdin.end(),
      };
    } catch {
      child.kill();
    }
  }
  return null;
}

const median = (s: number[]) => [...s].sort((a, b) => a - b)[s.length >> 1];

export async function studentBench(options: { quick?: boolean; only?: string[] } = {}): Promise<void> {
  const torch = (await Promise.all([torchWorker(1), torchWorker(2)])).filter((w): w is TorchWorker => w !== null);
  const images: Record<string, tg.Tensor> = {};
  const image = (shape: string) => (images[shape] ??= tg.rand(shape.split('x').map(Number), { generator: new tg.Generator(1) }));
  const ops: Record<string, (x: tg.Tensor) => unknown> = {
    vgg16: () => nn.vgg16(),
    resnet18: () => nn.resnet18(),
    RandomRotation: ((t) => (x: tg.Tensor) => t.apply(x))(new RandomRotation({ degrees: 30 })),
    ColorJitter: ((t) => (x: tg.Tensor) => t.apply(x))(new ColorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2 })),
    // p 1: the warp every time, not a coin flip that skips it half the time
    RandomPerspective: ((t) => (x: tg.Tensor) => t.apply(x))(new RandomPerspective({ p: 1 })),
  };
  const model = (op: string) => op === 'vgg16' || op === 'resnet18';
  const cases: Array<[string, string]> = [
    ['vgg16', '-'], ['resnet18', '-'],
    ...(['RandomRotation', 'ColorJitter', 'RandomPerspective'] as const).flatMap((op): Array<[string, string]> => [[op, '3x375x500'], [op, '3x224x224']]),
  ].filter(([op]) => !options.only || options.only.includes(op)) as Array<[string, string]>;
  const header = ['op', 'image', 'typegrad ms', 'best', ...torch.map((w) => `torchvision ${w.threads}t ms`), ...torch.map((w) => `ratio vs ${w.threads}t`)];
  const rows: Array<Array<string | number>> = [];
  for (const [op, shape] of cases) {
    const x = model(op) ? image('1x1x1') : image(shape);
    const rounds = model(op) ? (options.quick ? 2 : 5) : options.quick ? 5 : 11;
    const reps = model(op) ? 1 : 5;
    const ours: number[] = [];
    const theirs: number[][] = torch.map(() => []);
    for (let r = -1; r < rounds; r++) { // round -1 warms up
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) ops[op](x);
      const t = (performance.now() - t0) / reps;
      if (r >= 0) ours.push(t);
      for (let k = 0; k < torch.length; k++) {
        const s = (await torch[k].run(op, model(op) ? '1x1x1' : shape, reps)) * 1000;
        if (r >= 0) theirs[k].push(s);
      }
    }
    const m = median(ours);
    rows.push([op === 'vgg16' || op === 'resnet18' ? `${op}() construction` : op, model(op) ? '' : shape, m, Math.min(...ours), ...theirs.map(median), ...theirs.map((s) => ratio(m, median(s)))]);
    console.log(`  ${op} ${shape}: ${format(m)} ms`);
  }
  for (const w of torch) w.close();
  console.log(`\nWhere students wait (medians; ratio = typegrad / torchvision, below 1x is faster; ${torch[0]?.version ?? 'torchvision not found'})`);
  console.log(table(header, rows));
  console.log('augmentations: RandomRotation(30), ColorJitter(0.5, 0.5, 0.5, 0.2), RandomPerspective(p=1) on float32 [C, H, W] tensors in [0, 1]');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  await studentBench({ quick: args.includes('--quick'), only: args.find((a) => a.startsWith('--only='))?.slice(7).split(',') });
}
