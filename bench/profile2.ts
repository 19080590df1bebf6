// The step on 1 and 2 threads, interleaved in one process: per kernel, the median over rounds of its
// time per step on each (the machine is shared: interleaving makes the comparison fair).
//   node bench/out/bench/profile2.js [rounds=15]     (after npm run bench has compiled it)
import * as tg from '../engine/index.js';
import { createWasmKernels } from '../kernels-wasm/index.js';

// the WASM kernels on 1 and on 2 threads, registered below as backends of their own
declare module '../engine/backend.js' {
  interface BackendNames {
    'wasm-1': true;
    'wasm-2': true;
  }
}
import { cnnBatch, typegradCnn, type CnnStep } from './cnn.js';
import { format, table } from './common.js';

const rounds = Number(process.argv[2] ?? 15);
const configs = ([1, 2] as const).map((threads) => ({ threads, kernels: createWasmKernels('auto', threads) }));
/** this step's time per kernel, per config; then every measured round's */
const current = configs.map(() => new Map<string, number>());
const spent = configs.map(() => new Map<string, number[]>());
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
const nets: CnnStep[] = [];
for (const [i, c] of configs.entries()) {
  const k = (await c.kernels) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const timed = Object.fromEntries(tg.kernelNames.map((name) => [name, (...a: unknown[]) => {
    const t0 = performance.now();
    const r = k[name](...a);
    current[i].set(name, (current[i].get(name) ?? 0) + performance.now() - t0);
    return r;
  }]));
  tg.registerBackend(`wasm-${c.threads}`, timed as unknown as tg.Kernels);
  nets.push(typegradCnn());
}
for (let r = 0; r < rounds + 3; r++) {
  for (const [i, c] of configs.entries()) {
    await tg.setBackend(`wasm-${c.threads}`);
    current[i].clear();
    const t0 = performance.now();
    await nets[i].step();
    const step = performance.now() - t0;
    if (r < 3) continue; // warm-up
    const inKernels = [...current[i].values()].reduce((a, b) => a + b, 0);
    for (const [name, ms] of [...current[i], ['(outside the kernels)', step - inKernels], ['step', step]] as Array<[string, number]>) {
      spent[i].set(name, [...(spent[i].get(name) ?? []), ms]);
    }
  }
}
const rows = [...spent[0].keys()].map((n) => [n, median(spent[0].get(n)!), median(spent[1].get(n)!)]);
const steps = spent.map((m) => m.get('step')!);
console.log(table(['kernel (median ms/step)', '1 thread', '2 threads'], rows.map((r) => [r[0], r[1], r[2], `${format((r[1] as number) / (r[2] as number))}x`])));
console.log(`images/s (median): ${format((cnnBatch * 1000) / median(steps[0]))} / ${format((cnnBatch * 1000) / median(steps[1]))}; best: ${format((cnnBatch * 1000) / Math.min(...steps[0]))} / ${format((cnnBatch * 1000) / Math.min(...steps[1]))}`);
for (const c of configs) (await c.kernels).dispose();
