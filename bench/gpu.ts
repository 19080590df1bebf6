// npm run bench -- --backend webgpu: the GPU backends (webgpu, gl) beside wasm on whatever adapter this
// machine offers, naming it: GEMM GFLOPS, the conv layer of run.ts, the CNN training step, and
// VGG-small (batch 16, 3x224x224) training images/s on wasm and on a real GPU. The figures on
// SwiftShader (a CPU that implements WebGPU and WebGL) prove nothing about GPUs: the table says so.
// In Node the webgpu backend needs the npm package 'webgpu' and a Vulkan driver: on a machine without a
// GPU, VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (Debian's chromium) gives SwiftShader.

import * as tg from '../engine/index.js';
import { webgpuBackendInfo } from '../kernels-webgpu/index.js';
import { wasmBackendInfo } from '../kernels-wasm/index.js';
import '../kernels-gl/index.js'; // registers 'gl' (gpu.js loads only when asked for)
import { vggSmall } from '../nn/models/vgg.js';
import { cnnBatch, typegradCnn } from './cnn.js';
import { randomValues, ratio, table, time } from './common.js';

type Candidate = { name: tg.BackendName; kernels: tg.Kernels; note: string };

/** The backends to compare that load here; the others with the reason, printed. */
async function candidates(): Promise<Candidate[]> {
  const found: Candidate[] = [];
  for (const name of ['wasm', 'gl', 'webgpu'] as tg.BackendName[]) {
    try {
      await tg.setBackend(name);
      const wasm = wasmBackendInfo();
      const note = name === 'webgpu' ? webgpuBackendInfo()!.adapter : name === 'wasm' && wasm ? `CPU, ${wasm.build} build, ${wasm.threads} thread(s)` : '';
      found.push({ name, kernels: tg.kernels(), note });
    } catch (e) {
      console.log(`${name}: not available here (${(e as Error).message.split('\n')[0].slice(0, 160)})`);
    }
  }
  await tg.setBackend('js');
  return found;
}

/** A copy of t made by the backend itself, so that a GPU backend times its kernels, not uploads. */
const resident = (k: tg.Kernels, t: tg.Tensor) => k.unary(t, { op: 'neg' });

/** Seconds per call of `run` on backend k, waiting for the device before the clock stops. */
const timeOn = (k: tg.Kernels, run: () => unknown, rounds: number) =>
  time(async () => {
    run();
    await k.sync?.();
  }, { warmup: 1, rounds });

export async function gpuBench({ quick }: { quick: boolean }): Promise<void> {
  const rounds = quick ? 2 : 5;
  const backends = await candidates();
  const adapter = webgpuBackendInfo()?.adapter ?? 'none';
  const software = /swiftshader|llvmpipe|lavapipe/i.test(adapter);
  console.log(`GPU backends on adapter: ${adapter}${software ? ' (a software rasterizer on the CPU: these figures show correctness and overhead, not GPU speed)' : ''}\n`);

  // GEMM, C = A·B with both operands already on the backend's device
  const gemmRows: Array<Array<string | number>> = [];
  for (const [m, k, n] of [[512, 512, 512], [2048, 2048, 2048], [128, 1152, 784]]) {
    const flop = 2 * m * n * k;
    const p = { batch: 1, m, n, k, transA: false, transB: false, batchA: 1, batchB: 1 };
    const row: Array<string | number> = [`${m}x${k}x${n}`];
    for (const b of backends) {
      const [a, bb] = [resident(b.kernels, tg.tensor(randomValues(m * k, 1), [1, m, k])), resident(b.kernels, tg.tensor(randomValues(k * n, 2), [1, k, n]))];
      row.push(flop / (await timeOn(b.kernels, () => b.kernels.gemm(a, bb, p), flop > 1e10 ? 1 : rounds)).best / 1e9);
    }
    gemmRows.push(row);
  }
  console.log('GEMM GFLOPS (m x k x n; operands on the device, the time waits for the result)');
  console.log(table(['shape', ...backends.map((b) => b.name)], gemmRows));
  console.log('');

  // the conv layer of run.ts: forward + both backward kernels
  const p = tg.conv2dParams(tg.zeros([32, 32, 16, 16]), tg.zeros([64, 32, 3, 3]), null, { padding: 1 });
  const flop = 3 * 2 * 32 * 64 * 16 * 16 * 32 * 9;
  const convRows: Array<Array<string | number>> = [];
  for (const b of backends) {
    const k = b.kernels;
    const x = resident(k, tg.tensor(randomValues(32 * 32 * 16 * 16, 3), [32, 32, 16, 16]));
    const w = resident(k, tg.tensor(randomValues(64 * 32 * 9, 4), [64, 32, 3, 3]));
    const gy = resident(k, tg.tensor(randomValues(32 * 64 * 16 * 16, 5), [32, 64, 16, 16]));
    const t = await timeOn(k, () => (k.conv2d(x, w, null, p), k.conv2dBackwardInput(gy, w, p), k.conv2dBackwardWeight(gy, x, p)), rounds);
    convRows.push([b.name, t.best * 1e3, flop / t.best / 1e9, b.note]);
  }
  console.log('conv layer forward + both backward kernels (input [32,32,16,16], weight [64,32,3,3], pad 1)');
  console.log(table(['backend', 'ms', 'GFLOPS', 'notes'], convRows));
  console.log('');

  // the CNN training step of run.ts (forward, cross-entropy, backward, SGD kernel; reads back the loss)
  const cnnRows: Array<Array<string | number>> = [];
  let wasmImages = NaN;
  for (const b of backends) {
    await tg.setBackend(b.name);
    const net = typegradCnn();
    const t = await time(() => net.step(), { warmup: 2, rounds: rounds + 1 });
    const images = cnnBatch / t.best;
    if (b.name === 'wasm') wasmImages = images;
    cnnRows.push([b.name, images, cnnBatch / t.median, ratio(images, wasmImages), b.note]);
  }
  console.log(`CNN training step, batch ${cnnBatch} of 3x32x32: images/s`);
  console.log(table(['backend', 'best', 'median', 'vs wasm', 'notes'], cnnRows));
  console.log('');

  // VGG-small, batch 16 of 3x224x224: minutes per step on js and on a software adapter, so not there
  const vggRows: Array<Array<string | number>> = [];
  for (const b of backends) {
    if (b.name === 'gl' || (b.name === 'webgpu' && software)) {
      vggRows.push([b.name, NaN, b.name === 'gl' ? 'not measured (gl reads back per layer)' : 'skipped on a software adapter']);
      continue;
    }
    await tg.setBackend(b.name);
    tg.manualSeed(0);
    const model = vggSmall({ numClasses: 10 });
    const x = tg.tensor(randomValues(16 * 3 * 224 * 224, 6), [16, 3, 224, 224]);
    const y = Array.from({ length: 16 }, (_, i) => i % 10);
    const step = async () => {
      const loss = tg.crossEntropy(model.forward(x), y);
      loss.backward();
      for (const q of model.parameters()) q.grad = null;
      return loss.itemAsync();
    };
    const t = await time(step, { warmup: 1, rounds: 1 });
    vggRows.push([b.name, 16 / t.best, b.note]);
  }
  console.log('VGG-small training step (forward, cross-entropy, backward), batch 16 of 3x224x224: images/s');
  console.log(table(['backend', 'images/s', 'notes'], vggRows));
  await tg.setBackend('js');
}
