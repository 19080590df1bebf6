// npm run bench: typegrad's js and wasm backends side by side with tfjs-wasm and PyTorch (when a
// python3 with torch is found), in one run on one machine, printing figures and ratios.
//   --quick           fewer rounds
//   --only=gemm,cnn   a subset of: gemm, conv, cnn, student (vgg16()/resnet18() construction and augmentations vs torchvision: student.ts),
//                     or recipe (npm start's epoch by phase beside PyTorch's, 1 and 2 threads: recipe-compare.ts; minutes, so not by default)
//   --backend webgpu  the GPU backends (webgpu, gl) beside wasm on the adapter found here instead (gpu.ts)
// Every figure is the best of N rounds after warm-up; the median is printed too, to show the noise.

import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tg from '../engine/index.js'; // not the package entry: the bench needs only the engine and kernels-wasm
import { jsKernels } from '../engine/backends/js/index.js';
import { createWasmKernels } from '../kernels-wasm/index.js';

// the WASM kernels on 1 and on 2 threads, registered below as backends of their own
declare module '../engine/backend.js' {
  interface BackendNames {
    'wasm-1': true;
    'wasm-2': true;
  }
}
import { cnnBatch, typegradCnn, type CnnStep } from './cnn.js';
import { convnetjsCnn } from './convnetjs.js';
import { randomValues, ratio, repsFor, table, time, timeInterleaved, format } from './common.js';
import { studentBench } from './student.js';
import { recipeBench } from './recipe-compare.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const backendArg = args.find((a) => a.startsWith('--backend='))?.slice(10) ?? (args.includes('--backend') ? args[args.indexOf('--backend') + 1] : null);
if (backendArg !== null && backendArg !== 'webgpu') throw new Error(`bench: --backend takes 'webgpu' (the GPU comparison), got '${backendArg}'`);
if (backendArg === 'webgpu') {
  await (await import('./gpu.js')).gpuBench({ quick });
  process.exit(0);
}
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? ['gemm', 'conv', 'cnn', 'student'];
const rounds = quick ? 3 : 7;

type Peer = { gemmGflops: Record<string, number>; cnnImagesPerSecond: number; version: string };

/** PyTorch at `threads` threads via Debian's python3-torch, or null when absent. */
function torchPeer(threads: number): Peer | null {
  const script = fileURLToPath(new URL('../../torch_peer.py', import.meta.url));
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
      return JSON.parse(execFileSync(python, [script, String(threads)], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Peer;
    } catch {
      // try the next python
    }
  }
  return null;
}

async function tfjsPeer(): Promise<typeof import('./tfjs.js') | null> {
  try {
    const mod = await import('./tfjs.js');
    await mod.tfjsReady(1);
    return mod;
  } catch (e) {
    console.log(`(tfjs-wasm peer unavailable: ${(e as Error).message.split('\n')[0]})`);
    return null;
  }
}

const wasm = await createWasmKernels('auto', 1);
const wasm2 = await createWasmKernels('auto', 'auto');
console.log(`typegrad bench — ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, wasm build '${wasm.build}'`);
console.log(`load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (the cores may be shared: best-of-${rounds}, median beside it)\n`);

const torch1 = only.includes('gemm') || only.includes('cnn') ? torchPeer(1) : null;
const torch2 = only.includes('cnn') ? torchPeer(2) : null;
const tfjs = await tfjsPeer();

if (only.includes('gemm')) {
  const rows: Array<Array<string | number>> = [];
  for (const [m, n, k] of [[256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [64, 3136, 576], [128, 784, 1152]]) {
    const flop = 2 * m * n * k;
    const a = tg.tensor(randomValues(m * k, 1), [1, m, k]);
    const b = tg.tensor(randomValues(k * n, 2), [1, k, n]);
    const p = { batch: 1, m, n, k, transA: false, transB: false, batchA: 1, batchB: 1 };
    const both = await timeInterleaved(
      { one: () => wasm.gemm(a, b, p), two: () => wasm2.gemm(a, b, p) },
      { rounds, reps: { one: repsFor(flop / 40e9), two: repsFor(flop / 70e9) } },
    );
    const w = both.one, w2 = both.two;
    // plain JS loops at ~1 GFLOPS: 1024³ takes seconds, so fewer rounds
    const j = await time(() => jsKernels.gemm(a, b, p), { warmup: 1, rounds: flop > 1e9 ? 2 : 3, reps: 1 });
    let tf = NaN;
    if (tfjs) {
      const g = tfjs.tfjsGemm(m, n, k);
      tf = flop / (await time(() => g.run(), { rounds, reps: repsFor(flop / 20e9) })).best / 1e9;
      g.dispose();
    }
    const gf = (t: number) => flop / t / 1e9;
    const pt = torch1?.gemmGflops[`${m}x${n}x${k}`] ?? NaN;
    rows.push([`${m}x${k}x${n}`, gf(j.best), gf(w.best), gf(w.median), gf(w2.best), tf, pt, ratio(gf(w.best), gf(j.best)), ratio(gf(w.best), tf), ratio(gf(w.best), pt), ratio(gf(w2.best), gf(w.best))]);
  }
  console.log(`GEMM GFLOPS (m x k x n, C = A·B through the Kernels interface, copies in and out included; 1 thread unless marked; wasm ${wasm2.threads}t = ${wasm2.threads} threads)`);
  console.log(table(['shape', 'js', 'wasm', 'wasm med', `wasm ${wasm2.threads}t`, 'tfjs-wasm', 'pytorch 1t', 'wasm/js', 'wasm/tfjs', 'wasm/torch', `${wasm2.threads}t/1t`], rows));
  console.log('');
}

if (only.includes('conv')) {
  // one layer of the CNN (32→64 channels, 3x3, pad 1, 16x16, batch 32): forward + both backward kernels
  const p = tg.conv2dParams(tg.zeros([32, 32, 16, 16]), tg.zeros([64, 32, 3, 3]), null, { padding: 1 });
  const x = tg.tensor(randomValues(32 * 32 * 16 * 16, 3), [32, 32, 16, 16]);
  const w = tg.tensor(randomValues(64 * 32 * 9, 4), [64, 32, 3, 3]);
  const gy = tg.tensor(randomValues(32 * 64 * 16 * 16, 5), [32, 64, 16, 16]);
  const flop = 3 * 2 * 32 * 64 * 16 * 16 * 32 * 9;
  const layer = (k: typeof jsKernels) => () => {
    k.conv2d(x, w, null, p);
    k.conv2dBackwardInput(gy, w, p);
    k.conv2dBackwardWeight(gy, x, p);
  };
  const both = await timeInterleaved({ one: layer(wasm), two: layer(wasm2) }, { rounds, reps: { one: 5, two: 5 } });
  const jt = await time(layer(jsKernels), { warmup: 0, rounds: 1 });
  console.log('conv layer forward + both backward kernels (input [32,32,16,16], weight [64,32,3,3], pad 1)');
  console.log(table(['backend', 'ms', 'GFLOPS', 'vs js'], [
    ['js', jt.best * 1e3, flop / jt.best / 1e9, '1x'],
    ['wasm 1 thread', both.one.best * 1e3, flop / both.one.best / 1e9, ratio(jt.best, both.one.best)],
    [`wasm ${wasm2.threads} threads`, both.two.best * 1e3, flop / both.two.best / 1e9, ratio(jt.best, both.two.best)],
  ]));
  console.log('');
}

if (only.includes('cnn')) {
  // the two wasm configurations as backends of their own, measured round-robin (fair under shared load)
  tg.registerBackend('wasm-1', wasm);
  tg.registerBackend('wasm-2', wasm2);
  const nets = { one: typegradCnn(), two: typegradCnn() };
  const stepOn = (backend: 'wasm-1' | 'wasm-2', net: CnnStep) => async () => {
    await tg.setBackend(backend);
    await net.step();
  };
  const both = await timeInterleaved({ one: stepOn('wasm-1', nets.one), two: stepOn('wasm-2', nets.two) }, { warmup: 3, rounds: rounds + 3 });
  const w = { best: cnnBatch / both.one.best, median: cnnBatch / both.one.median };
  const w2 = { best: cnnBatch / both.two.best, median: cnnBatch / both.two.median };
  await tg.setBackend('js');
  const jsNet = typegradCnn();
  const jt = await time(() => jsNet.step(), { warmup: 0, rounds: 1 });
  const j = { best: cnnBatch / jt.best, median: cnnBatch / jt.median };
  let tf = { best: NaN, median: NaN };
  if (tfjs) {
    const net = tfjs.tfjsCnn(cnnBatch);
    const t = await time(() => net.step(), { warmup: 3, rounds });
    tf = { best: cnnBatch / t.best, median: cnnBatch / t.median };
  }
  let cn = { best: NaN, median: NaN };
  const convnet = await convnetjsCnn(cnnBatch);
  if (convnet) {
    const t = await time(() => convnet.step(), { warmup: 1, rounds: quick ? 1 : 2 });
    cn = { best: cnnBatch / t.best, median: cnnBatch / t.median };
  }
  const rows: Array<Array<string | number>> = [
    ['typegrad js', j.best, j.median, ratio(j.best, w.best), '1 thread'],
    ['typegrad wasm', w.best, w.median, '1x', `1 thread, ${wasm.build} build`],
    ['typegrad wasm', w2.best, w2.median, ratio(w2.best, w.best), `${wasm2.threads} threads`],
    ['tfjs-wasm (hand-written grads)', tf.best, tf.median, ratio(tf.best, w.best), '1 thread'],
    ['ConvNetJS 0.3', cn.best, cn.median, ratio(cn.best, w.best), convnet ? '1 thread' : 'not installed'],
    ['pytorch', torch1?.cnnImagesPerSecond ?? NaN, NaN, ratio(torch1?.cnnImagesPerSecond, w.best), torch1 ? `1 thread, ${torch1.version}` : 'not found'],
    ['pytorch', torch2?.cnnImagesPerSecond ?? NaN, NaN, ratio(torch2?.cnnImagesPerSecond, w.best), torch2 ? '2 threads' : 'not found'],
  ];
  console.log(`CNN training step, batch ${cnnBatch} of 3x32x32 (conv32-conv32-pool-conv64-conv64-pool-linear, cross-entropy, SGD): images/s`);
  console.log(table(['', 'best', 'median', 'vs typegrad wasm', 'notes'], rows));
  console.log(
    `targets (issue 3): >= 300 img/s on 1 thread (now ${format(w.best)}), >= 550 on 2 (now ${format(w2.best)}, ${ratio(w2.best, w.best)} of 1 thread, target 1.7x), ` +
      `>= 0.7x / 0.8x PyTorch at 1 / 2 threads (now ${ratio(w.best, torch1?.cnnImagesPerSecond)} / ${ratio(w2.best, torch2?.cnnImagesPerSecond)}), >= 2.5x tfjs-wasm (now ${ratio(w.best, tf.best)}), >= 60x ConvNetJS (now ${ratio(w.best, cn.best)})`,
  );
}
if (only.includes('recipe')) {
  console.log('');
  await recipeBench({ quick });
}
if (only.includes('student')) {
  console.log('');
  await studentBench({ quick });
}
wasm.dispose();
wasm2.dispose();
