// examples/course/003-cnn-cifar10.ts, run as its own process with --tiny (on the CIFAR-format files it
// makes): the shapes step by step, the statistics before and after Normalize, the fit loop's history,
// the homework's convolution, and the pictures.

import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { expectPng, expectSvg, readResults, runExample, type ExampleRun, expectEveryCheckPassed } from './run-example.js';

const NAME = '003-cnn-cifar10';

describe(`${NAME} --tiny`, () => {
  let run: ExampleRun;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let results: any;
  beforeAll(() => {
    run = runExample(NAME, ['--tiny']);
    results = run.code === 0 ? readResults(run) : null;
  }, 120_000);

  test('runs to the end, every check passing', () => {
    expectEveryCheckPassed(run, 29);
  });

  test('the fully-connected layer problem: 18.75 GiB, and nn.Linear refuses it', () => {
    expect(results.checks[0]).toEqual({ name: 'c*h*w*100*4 / 1024**3 is 18.75 GiB', value: 18.75, passed: true });
    expect(run.stdout).toMatch(/nn\.Linear\(c\*h\*w, 100\) -> Linear: shape \[100,50331648\] needs 18\.8 GiB/);
  });

  test('shapes step by step through the simple CNN (2x3x64x64 with --tiny)', () => {
    expect(results.shapes.map((s: { shape: number[] }) => s.shape)).toEqual([
      [2, 16, 64, 64], [2, 16, 64, 64], [2, 16, 64, 64], [2, 16, 64, 64], [2, 16, 32, 32],
      [2, 32, 32, 32], [2, 32, 32, 32], [2, 32, 32, 32], [2, 32, 32, 32], [2, 32, 16, 16],
    ]);
    expect(results.shapes[1].layer).toBe('net[1] LeakyReLU(negative_slope=0.01, inplace=True)');
    expect(results.shapes[4].layer).toBe('net[4] MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)');
  });

  test('AdaptiveAvgPool2d: net1 gives [N, 32, 4, 4] at every input size, net does not', () => {
    const adaptive = results.checks.filter((c: { name: string }) => c.name.startsWith('net1 on'));
    expect(adaptive.map((c: { value: string }) => c.value)).toEqual(['[2,32,4,4]', '[2,32,4,4]', '[2,32,4,4]']);
    const plain = results.checks.filter((c: { name: string }) => c.name.startsWith('net on'));
    expect(plain.map((c: { value: string }) => c.value)).toEqual(['[2,32,16,16]', '[2,32,8,8]', '[2,32,16,8]']);
  });

  test('the per-channel statistics: plausible before, 0 and 1 after Normalize', () => {
    const { train, normalizedTrain, normalizedVal } = results.stats;
    for (const k of [0, 1, 2]) {
      expect(train.mean[k]).toBeGreaterThan(0.2);
      expect(train.mean[k]).toBeLessThan(0.8);
      expect(train.std[k]).toBeGreaterThan(0.05);
      expect(Math.abs(normalizedTrain.mean[k])).toBeLessThan(1e-4);
      expect(Math.abs(normalizedTrain.std[k] - 1)).toBeLessThan(1e-4);
      // the validation set was not used for the statistics: near 0 and 1, not exactly
      expect(Math.abs(normalizedVal.mean[k])).toBeLessThan(0.3);
      expect(Math.abs(normalizedVal.std[k] - 1)).toBeLessThan(0.3);
    }
  });

  test("the fit loop: 2 epochs, the training loss falls, validation beats chance (10%)", () => {
    const h = results.history as { epoch: number; trainLoss: number; valLoss: number; valAccuracy: number }[];
    expect(h.map((e) => e.epoch)).toEqual([1, 2]);
    expect(h[1].trainLoss).toBeLessThan(h[0].trainLoss);
    expect(h[1].valAccuracy).toBeGreaterThan(0.2);
    expect(results.parameterCount).toBe(21786); // PyTorch's count for net2
  });

  test('homework: conv2d with loops equals tg.conv2d for four strides and paddings', () => {
    const conv = results.checks.filter((c: { name: string }) => c.name.startsWith('conv2d with loops'));
    expect(conv).toHaveLength(4);
    for (const c of conv) expect(c.value).toBeLessThan(1e-4);
  });

  test('pictures: a sample image, the loss curves (PNG and SVG)', () => {
    expect(expectPng(join(run.out, 'sample.png'))).toEqual({ width: 32, height: 32 });
    expect(expectPng(join(run.out, 'loss.png'))).toEqual({ width: 960, height: 320 });
    expectSvg(join(run.out, 'loss.svg'));
  });
});

test(`${NAME}: --data pointing at a folder without CIFAR batches is an error naming the files`, () => {
  const run = runExample(NAME, ['--tiny', '--data', '/nonexistent-cifar']);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^003-cnn-cifar10: readCIFAR10: no data_batch_1\.bin, .* in \/nonexistent-cifar$/m);
}, 60_000);
