// The package as users import it: Node resolves `typegrad` through package.json's exports map to the
// built dist/ (npm test builds first), and the entry exposes the public API.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

test('import * as tg from "typegrad" works in plain Node through the exports map', () => {
  const script = `
    import * as tg from 'typegrad';
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    console.log(JSON.stringify({ grad: x.grad.toArray(), backend: tg.getBackend(), conv: typeof tg.conv2d }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  // Node 20 has WebAssembly SIMD, so the package entry picks the wasm backend
  expect(JSON.parse(out)).toEqual({ grad: [2, 4, 6], backend: 'wasm', conv: 'function' });
});

test('the exports map points at files the build wrote, types included', async () => {
  const pkg = (await import('../package.json', { with: { type: 'json' } })).default;
  for (const target of Object.values(pkg.exports['.'])) {
    expect(existsSync(new URL(`../${target}`, import.meta.url)), target).toBe(true);
  }
});
