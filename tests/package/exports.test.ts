// The package as users import it: Node resolves `typegrad` through package.json's exports map to the
// built dist/ (npm test builds first), and the entry exposes the public API.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('import * as tg from "typegrad" works in plain Node through the exports map', () => {
  const script = `
    import * as tg from 'typegrad';
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    const atImport = tg.getBackend();
    await tg.ready();
    console.log(JSON.stringify({ grad: x.grad.toArray(), backend: atImport, afterReady: tg.getBackend(), conv: typeof tg.conv2d }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  // Node 20 has WebAssembly SIMD, so the package entry picks the wasm backend, synchronously at import
  expect(JSON.parse(out)).toEqual({ grad: [2, 4, 6], backend: 'wasm', afterReady: 'wasm', conv: 'function' });
});

test('the exports map points at files the build wrote, types included', async () => {
  const pkg = (await import('../../package.json', { with: { type: 'json' } })).default;
  for (const target of Object.values(pkg.exports['.'])) {
    expect(existsSync(new URL(`../../${target}`, import.meta.url)), target).toBe(true);
  }
});

test("require('typegrad') works (Node's require of synchronous ESM) and the entry has no top-level await", async () => {
  const script = `const tg = require('typegrad'); console.log(JSON.stringify({ backend: tg.getBackend(), sum: tg.tensor([1, 2, 3]).sum().item() }));`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual({ backend: 'wasm', sum: 6 });
  const { readFile } = await import('node:fs/promises');
  expect(await readFile(new URL('../../dist/index.js', import.meta.url), 'utf8')).not.toMatch(/^\s*await\b/m);
});

test('configureWasmBackend right after import replaces the default kernels without a false "threads did not start" notice', () => {
  const script = `
    import * as tg from 'typegrad';
    await tg.configureWasmBackend({ threads: 1 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the replaced kernels' workers exit meanwhile
    console.log(JSON.stringify({ threads: tg.wasmBackendInfo().threads }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual({ threads: 1 });
  expect(run.stderr).toBe('');
});
