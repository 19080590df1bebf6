// The backend registry: the plain-JS default, registering a backend and routing ops through it,
// a loader that runs once (and may fail and be retried), and a check that the engine imports nothing
// from Node, so it stays bundlable for the browser.

import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import * as tg from '../../engine/index.js';

// the test backends' names, declared as a user registering a backend would (setBackend then accepts them)
declare module '../../engine/backend.js' {
  interface BackendNames {
    'counting-conv': true;
    'counting-all': true;
    flaky: true;
  }
}

afterEach(async () => {
  await tg.setBackend('js');
});

/** The JS kernels with a call counter wrapped around every kernel. */
function countingKernels(): { kernels: tg.Kernels; calls: Record<string, number> } {
  const base = tg.kernels();
  const calls: Record<string, number> = {};
  const wrapped: Record<string, unknown> = { ...base };
  for (const name of tg.kernelNames) {
    calls[name] = 0;
    const fn = base[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      calls[name]++;
      return fn(...args);
    };
  }
  return { kernels: wrapped as unknown as tg.Kernels, calls };
}

describe('the default backend', () => {
  test("getBackend() is 'js' by default and listBackends includes it", () => {
    expect(tg.getBackend()).toBe('js');
    expect(tg.listBackends()).toContain('js');
  });

  test("setBackend('js') resolves and keeps 'js'", async () => {
    await expect(tg.setBackend('js')).resolves.toBeUndefined();
    expect(tg.getBackend()).toBe('js');
  });

  test('useDefaultBackend (how the package entry picks wasm) applies only until setBackend picks one', async () => {
    vi.resetModules();
    const fresh = await import('../../engine/index.js'); // its own registry, which setBackend has not touched
    fresh.registerBackend('counting-all', countingKernels().kernels);
    fresh.useDefaultBackend('counting-all');
    expect(fresh.getBackend()).toBe('counting-all');
    await fresh.setBackend('js');
    fresh.useDefaultBackend('counting-all');
    expect(fresh.getBackend()).toBe('js');
    expect(() => fresh.useDefaultBackend('nope' as tg.BackendName)).toThrow(/useDefaultBackend: unknown backend 'nope'; registered backends: js, counting-all/);
  });

  test('kernels() exposes every kernel of the interface as a function', () => {
    const k = tg.kernels();
    for (const name of tg.kernelNames) expect(typeof k[name], name).toBe('function');
  });
});

test('relu is max(x, 0) with PyTorch\'s special values: NaN stays NaN, −∞ and −0 give 0', () => {
  const x = tg.tensor([-Infinity, -1, -0, 0, 2, NaN, Infinity]);
  expect(Array.from(tg.relu(x).data)).toEqual([0, 0, 0, 0, 2, NaN, Infinity]);
  expect(Object.is(tg.relu(x).data[2], 0)).toBe(true);
});

describe('a custom backend', () => {
  test('a backend wrapping the JS kernels receives tg.conv2d once it is active', async () => {
    const base = tg.kernels();
    let conv2dCalls = 0;
    const counting: tg.Kernels = {
      ...base,
      conv2d(x, w, b, p) {
        conv2dCalls++;
        return base.conv2d(x, w, b, p);
      },
    };
    tg.registerBackend('counting-conv', counting);
    expect(tg.listBackends()).toContain('counting-conv');

    const x = tg.randn([1, 2, 5, 5], { generator: new tg.Generator(1) });
    const w = tg.randn([3, 2, 3, 3], { generator: new tg.Generator(2) });
    const reference = tg.conv2d(x, w); // on 'js'
    expect(conv2dCalls).toBe(0); // registering alone routes nothing

    try {
      await tg.setBackend('counting-conv');
      expect(tg.getBackend()).toBe('counting-conv');
      const y = tg.conv2d(x, w, null, { padding: 1 });
      expect(conv2dCalls).toBe(1);
      expect(y.shape).toEqual([1, 3, 5, 5]);
      const z = tg.conv2d(x, w);
      expect(conv2dCalls).toBe(2);
      expect(Array.from(z.data)).toEqual(Array.from(reference.data));
    } finally {
      await tg.setBackend('js');
    }
    expect(tg.getBackend()).toBe('js');
    tg.conv2d(x, w);
    expect(conv2dCalls).toBe(2); // back on 'js', the custom kernel is not called
  });

  test('forward and backward of conv2d, relu, matmul, linear (with bias) and pooling all go through the active backend', async () => {
    const { kernels, calls } = countingKernels();
    tg.registerBackend('counting-all', kernels);
    await tg.setBackend('counting-all');

    const x = tg.randn([2, 2, 4, 4], { requiresGrad: true, generator: new tg.Generator(3) });
    const w = tg.randn([3, 2, 3, 3], { requiresGrad: true, generator: new tg.Generator(4) });
    const b = tg.zeros([3], { requiresGrad: true });
    const h = tg.conv2d(x, w, b, { padding: 1 }).relu();
    const p = tg.maxPool2d(h, 2).add(tg.avgPool2d(h, 2));
    const out = tg.linear(p.flatten(1), tg.ones([5, 12], { requiresGrad: true }), tg.zeros([5], { requiresGrad: true }));
    tg.matmul(out, tg.ones([5, 1])).sum().backward();

    expect(calls.conv2d).toBe(1);
    expect(calls.conv2dBackwardInput).toBe(1);
    expect(calls.conv2dBackwardWeight).toBe(1);
    expect(calls.maxPool2d).toBe(1);
    expect(calls.maxPool2dBackward).toBe(1);
    expect(calls.avgPool2d).toBe(1);
    expect(calls.avgPool2dBackward).toBe(1);
    expect(calls.gemm).toBeGreaterThanOrEqual(3); // linear + matmul forward, and their backward
    expect([calls.relu, calls.reluBackward, calls.biasAdd]).toEqual([1, 1, 1]);
    expect(calls.reduce).toBeGreaterThanOrEqual(2); // the sums that are the conv's and the linear layer's bias gradients
    expect(x.grad!.shape).toEqual([2, 2, 4, 4]);
  });

  test('setBackend runs a loader once; a failing load rejects, keeps the old backend, and can be retried', async () => {
    let attempts = 0;
    tg.registerBackend('flaky', {
      load: async () => {
        attempts++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (attempts === 1) throw new Error('first load fails');
        return tg.kernels();
      },
    });
    await expect(tg.setBackend('flaky')).rejects.toThrow('first load fails');
    expect(tg.getBackend()).toBe('js');
    await tg.setBackend('flaky');
    expect(tg.getBackend()).toBe('flaky');
    await tg.setBackend('js');
    await tg.setBackend('flaky');
    expect(attempts).toBe(2); // a successful load is not run again
  });

  test("a loader's kernels are checked when they load; kernels registered again replace those of the active backend", async () => {
    tg.registerBackend('flaky', { load: () => ({ gemm: tg.kernels().gemm }) as unknown as tg.Kernels });
    await expect(tg.setBackend('flaky')).rejects.toThrow("registerBackend: backend 'flaky' is missing kernel(s) conv2d");
    const js = tg.kernels();
    const calls: string[] = [];
    const counting = (name: string) => Object.fromEntries(tg.kernelNames.map((k) => [k, (...a: never[]) => (calls.push(`${name}.${k}`), (js[k] as (...a: never[]) => unknown)(...a))])) as unknown as tg.Kernels;
    tg.registerBackend('flaky', { load: () => counting('first') });
    await tg.setBackend('flaky');
    tg.ones([3]).relu();
    // a backend replacing its kernels (as configureWasmBackend does) while it is the active one
    tg.registerBackend('flaky', counting('second'));
    tg.ones([3]).relu();
    expect(calls).toEqual(['first.relu', 'second.relu']);
    expect(() => tg.registerBackend('flaky', { load: () => js })).toThrow("'flaky' is the active backend");
    await tg.setBackend('js');
  });
});

describe('the engine stays browser-bundlable', () => {
  const engineDir = fileURLToPath(new URL('../../engine/', import.meta.url));
  const sources = (readdirSync(engineDir, { recursive: true }) as string[])
    .filter((f) => /\.(ts|js|mjs|cjs|mts|cts)$/.test(f))
    .map((f) => join(engineDir, f));

  /** Every module specifier in a source file: static imports/exports, dynamic import(), require(). */
  function specifiers(source: string): string[] {
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1'); // drop comments
    const found: string[] = [];
    const patterns = [
      /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, // import x from '…', export * from '…'
      /\bimport\s*['"]([^'"]+)['"]/g, // import '…' (side effect)
      /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g, // import('…')
      /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g, // require('…')
    ];
    for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1]);
    return found;
  }

  const builtins = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));
  const isNodeBuiltin = (spec: string) => spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]);

  test('the scan sees the engine files and their imports', () => {
    expect(sources.length).toBeGreaterThanOrEqual(15);
    expect(sources.some((f) => f.endsWith(join('ops', 'conv.ts')))).toBe(true);
    expect(sources.some((f) => f.endsWith(join('backends', 'js', 'index.ts')))).toBe(true);
    const backend = readFileSync(join(engineDir, 'backend.ts'), 'utf8');
    expect(specifiers(backend)).toContain('./backends/js/index.js');
    // the detector itself catches each form
    expect(specifiers(`import { readFileSync } from 'node:fs';`).filter(isNodeBuiltin)).toEqual(['node:fs']);
    expect(specifiers(`import * as path from "path";\nexport { x } from 'url';`).filter(isNodeBuiltin)).toEqual(['path', 'url']);
    expect(specifiers(`const w = await import('worker_threads'); const c = require("crypto");`).filter(isNodeBuiltin)).toEqual(['worker_threads', 'crypto']);
    expect(specifiers(`import 'fs/promises';`).filter(isNodeBuiltin)).toEqual(['fs/promises']);
    expect(specifiers(`// import fs from 'fs'\nimport { a } from './a.js';`)).toEqual(['./a.js']);
  });

  test('no file under engine/ imports a node: module or a Node built-in', () => {
    const offenders: string[] = [];
    for (const file of sources) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (isNodeBuiltin(spec)) offenders.push(`${relative(engineDir, file)} imports '${spec}'`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
