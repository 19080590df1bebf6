// The course examples with --backend. 004 on 'js' gives the default wasm run's numbers (to the usual
// tolerance); every example runs to the end on 'async-only' (async-only-backend.js), whose tensors, like
// webgpu's, cannot be read synchronously: so no example reads a computed tensor with .data or .item().
// webgpu itself is not run here (too slow on a software adapter). An unknown name is refused, naming
// the registered backends.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../cli/helpers.js';
import { difference } from '../helpers/values.js';
import { expectEveryCheckPassed, runExample, type ExampleRun } from './run-example.js';

const ASYNC_ONLY = ['--import', join(ROOT, 'tests', 'course', 'async-only-backend.js')];

type Overfit = { epoch: number; loss: number; accuracy: number }[];
interface Results004 {
  backend: string;
  checks: { name: string; passed: boolean }[];
  overfit: Overfit;
}

describe('004-cnn-architectures --tiny on js, wasm (the default) and async-only', () => {
  let wasmRun: ExampleRun;
  let jsRun: ExampleRun;
  let asyncOnlyRun: ExampleRun;
  beforeAll(() => {
    wasmRun = runExample('004-cnn-architectures', ['--tiny']);
    // the js backend's plain loops are the slowest: 25 s on a quiet machine
    jsRun = runExample('004-cnn-architectures', ['--tiny', '--backend', 'js'], { timeout: 300_000 });
    asyncOnlyRun = runExample('004-cnn-architectures', ['--tiny', '--backend', 'async-only'], { nodeArgs: ASYNC_ONLY });
  }, 540_000);
  afterAll(() => [wasmRun, jsRun, asyncOnlyRun].forEach((run) => rmSync(run.out, { recursive: true, force: true })));

  test('--backend js: every check passes, and the overfitting losses are the wasm run\'s within 1e-4', () => {
    const wasm = expectEveryCheckPassed<Results004>(wasmRun, 19);
    const js = expectEveryCheckPassed<Results004>(jsRun, 19);
    expect([wasm.backend, js.backend]).toEqual(['wasm', 'js']);
    // accuracies count images, which a near tie can flip, so they are not compared: both runs reach 90%
    // (one of the checks), each epoch's accuracy is a percentage, and the losses agree
    const accuracies = [...wasm.overfit, ...js.overfit].map((e) => e.accuracy);
    expect(accuracies.every((a) => a >= 0 && a <= 100), String(accuracies)).toBe(true);
    const epochs = Math.min(wasm.overfit.length, js.overfit.length);
    expect(epochs).toBeGreaterThan(1);
    const losses = (r: Results004) => ({ shape: [epochs], data: r.overfit.slice(0, epochs).map((e) => e.loss) });
    expect(difference('overfitting loss per epoch', losses(wasm), losses(js))).toBeNull();
  });

  test('--backend async-only (wasm\'s kernels, reads only asynchronously): the wasm run\'s numbers exactly', () => {
    const wasm = expectEveryCheckPassed<Results004>(wasmRun, 19);
    const asyncOnly = expectEveryCheckPassed<Results004>(asyncOnlyRun, 19);
    expect(asyncOnly.backend).toBe('async-only');
    expect(asyncOnly.overfit).toEqual(wasm.overfit);
  });
});

describe.each([
  { name: '000-dog-breeds', checks: 8 },
  { name: '001-keras-dog-breeds', checks: 8 },
  { name: '002-convolutional-layers', checks: 19 },
  { name: '003-cnn-cifar10', checks: 29 },
])('$name --tiny --backend async-only', ({ name, checks }) => {
  let run: ExampleRun;
  beforeAll(() => {
    run = runExample(name, ['--tiny', '--backend', 'async-only'], { nodeArgs: ASYNC_ONLY });
  }, 120_000);
  afterAll(() => rmSync(run.out, { recursive: true, force: true }));

  test('runs to the end, every check passing: no computed tensor is read synchronously', () => {
    expect(run.stderr).not.toContain('read synchronously');
    const results = expectEveryCheckPassed<{ backend: string; checks: { name: string; passed: boolean }[] }>(run, checks);
    expect(results.backend).toBe('async-only');
  });
});

test('an unknown --backend is one line naming the registered backends, exit 1', () => {
  const run = runExample('003-cnn-cifar10', ['--tiny', '--backend', 'tpu']);
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split('\n').filter((l) => !l.startsWith('typegrad: using'))).toEqual([
    "003-cnn-cifar10: --backend must be one of js, wasm, gl, webgpu, got 'tpu'",
  ]);
}, 60_000);
