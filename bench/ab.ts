// A/B of two builds of the kernels on the bench CNN's conv layers (batch 32): each kernel call alternates
// between the two, best of `reps`, so that a shared machine's load hits both alike.
//   cp kernels-wasm/build/kernels-relaxed.wasm /tmp/A.wasm   (build A), then change, build, and
//   node bench/out/bench/ab.js /tmp/A.wasm kernels-wasm/build/kernels-relaxed.wasm [reps=9]
// (1 thread, own memory: the relaxed or simd builds, not the -threads ones). Other layers (batch 32, 3x3,
// pad 1): LAYERS=inC,outC,size;inC,outC,size …
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
import * as tg from '../engine/index.js';
import { createKernels } from '../kernels-wasm/kernels.js';
import { Arena, type WasmExports } from '../kernels-wasm/loader.js';
import { randomValues } from './common.js';

async function load(path: string) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
  const exports = instance.exports as unknown as WasmExports;
  const arena = new Arena(exports);
  arena.commit('scratch');
  return createKernels({ build: 'relaxed', exports, arena, pool: null });
}
const ks = [await load(process.argv[2]), await load(process.argv[3])];
const reps = Number(process.argv[4] ?? 9);
const total = [0, 0];
const layers = process.env.LAYERS?.split(';').map((l) => l.split(',').map(Number)) ?? [[3, 32, 32], [32, 32, 32], [32, 64, 16], [64, 64, 16]];
for (const [inC, outC, hw] of layers) {
  const x = tg.tensor(randomValues(32 * inC * hw * hw, 1), [32, inC, hw, hw]);
  const w = tg.tensor(randomValues(outC * inC * 9, 2), [outC, inC, 3, 3]);
  const gy = tg.tensor(randomValues(32 * outC * hw * hw, 3), [32, outC, hw, hw]);
  const p = tg.conv2dParams(x, w, null, { padding: 1 });
  const row: string[] = [];
  for (const name of ['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight'] as const) {
    const best = [Infinity, Infinity];
    for (let r = 0; r < reps; r++) {
      ks.forEach((k, i) => {
        const t0 = performance.now();
        if (name === 'conv2d') k.conv2d(x, w, null, p);
        else if (name === 'conv2dBackwardInput') k.conv2dBackwardInput(gy, w, p);
        else k.conv2dBackwardWeight(gy, x, p);
        best[i] = Math.min(best[i], performance.now() - t0);
      });
    }
    total[0] += best[0];
    total[1] += best[1];
    row.push(`${name.replace('conv2d', '') || 'fwd'} ${best[0].toFixed(2)} / ${best[1].toFixed(2)}`);
  }
  console.log(`${inC}->${outC} ${hw}x${hw}: ${row.join('   ')}  (ms, A / B)`);
}
console.log(`total ${total[0].toFixed(1)} / ${total[1].toFixed(1)} ms`);
