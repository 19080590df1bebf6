// Where the CNN training step spends its time: each kernel's share of the step, and the rest (the
// engine's JS elementwise ops, reductions, autograd bookkeeping).
//   node bench/out/bench/profile.js [backend=wasm] [threads=1]     (after npm run bench has compiled it)

import * as tg from '../engine/index.js';
import { configureWasmBackend } from '../kernels-wasm/index.js';
import { cnnBatch, typegradCnn } from './cnn.js';
import { format, table } from './common.js';

const backend = process.argv[2] ?? 'wasm';
if (!tg.hasBackend(backend)) throw new Error(`bench/profile: unknown backend '${backend}' (registered: ${tg.listBackends().join(', ')})`);
await tg.setBackend(backend);
if (backend === 'wasm') await configureWasmBackend({ threads: Number(process.argv[3] ?? 1) });
const k = tg.kernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
const spent = new Map<string, number>();
for (const name of tg.kernelNames) {
  const inner = k[name];
  k[name] = (...a: unknown[]) => {
    const t0 = performance.now();
    const r = inner(...a);
    spent.set(name, (spent.get(name) ?? 0) + performance.now() - t0);
    return r;
  };
}
const net = typegradCnn();
for (let i = 0; i < 3; i++) await net.step();
spent.clear();
const steps = 10;
const t0 = performance.now();
for (let i = 0; i < steps; i++) await net.step();
const total = (performance.now() - t0) / steps;
const rows = [...spent].sort((a, b) => b[1] - a[1]).map(([name, ms]) => [name, ms / steps, `${((ms / steps / total) * 100).toFixed(1)}%`]);
const inKernels = [...spent.values()].reduce((a, b) => a + b, 0) / steps;
rows.push(['(outside the kernels)', total - inKernels, `${(((total - inKernels) / total) * 100).toFixed(1)}%`]);
console.log(`${backend}: ${format(total)} ms per step = ${format((cnnBatch * 1000) / total)} images/s`);
console.log(table(['kernel', 'ms/step', 'share'], rows));
