// examples/course/002-convolutional-layers.ts, run as its own process with --tiny: on the bundled MNIST
// and on the CIFAR-format files it makes. The arithmetic checks, both models' training, save/load, the
// Linear-size error, the hooks' shapes, and the pictures.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { expectPng, expectSvg, readResults, runExample, type ExampleRun, expectEveryCheckPassed } from './run-example.js';

const NAME = '002-convolutional-layers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Results = any;
type Epoch = { epoch: number; trainLoss: number; trainAccuracy: number; testAccuracy: number };

describe.each([
  { dataset: 'mnist', side: 28, channels: 1, cnnParams: 1475146, ffnnParams: 44458 },
  { dataset: 'cifar10', side: 32, channels: 3, cnnParams: 1974922, ffnnParams: 117674 },
])(`${NAME} --tiny --dataset $dataset`, ({ dataset, side, channels, cnnParams, ffnnParams }) => {
  let run: ExampleRun;
  let results: Results;
  beforeAll(() => {
    run = runExample(NAME, ['--tiny', '--dataset', dataset]);
    results = run.code === 0 ? readResults(run) : null;
  }, 120_000);

  test('runs to the end, every check passing', () => {
    expectEveryCheckPassed(run, 19);
    expect(results.dataset).toBe(dataset);
  });

  test("conv arithmetic: the notebook's numbers", () => {
    const value = (prefix: string) => results.checks.find((c: { name: string }) => c.name.startsWith(prefix)).value;
    expect(value('Exercise 1.1')).toBe(28);
    expect(value("Exercise 1.2: (n·m·d + 1)·k")).toBe((2 * 3 * 3 + 1) * 128);
    // the drawn 60x80 image: conv and pool with a 2x3 kernel, stride 1, no padding
    expect(value('Exercise 1.3: the conv output')).toBe('[1,128,59,78]');
    expect(value('Exercise 1.3: the pooled output')).toBe('[1,3,59,78]');
    expect(value('Exercise 1.3: output size with kernel 3, stride 1, padding 2, dilation 2')).toBe('[60,80]');
    expect(value('Exercise 1.3: output size with kernel 4, stride 2, padding 3, dilation 3')).toBe('[29,39]');
  });

  test("the Linear-size problem: summary's error names layers.7 and the sizes; the fix is 3136", () => {
    const value = (prefix: string) => results.checks.find((c: { name: string }) => c.name.startsWith(prefix)).value;
    expect(value('summary names the Linear layer')).toBe(
      'summary: layer layers.7 (Linear) does not fit its input [1,3136]: Linear(in_features=2304, out_features=600): expected input [..., 2304], got [1,3136]',
    );
    expect(value('the fix')).toBe(3136);
  });

  test("PyTorch's parameter counts; both models learn (loss falls, test accuracy beats chance)", () => {
    expect(results.parameterCounts).toEqual({ CNN: cnnParams, FFNN: ffnnParams });
    for (const name of ['CNN', 'FFNN']) {
      const h = results.history[name] as Epoch[];
      expect(h.map((e) => e.epoch)).toEqual([1, 2]);
      expect(h[1].trainLoss, name).toBeLessThan(h[0].trainLoss);
      expect(h[1].testAccuracy, name).toBeGreaterThan(0.2);
    }
  });

  test('save/load: the saved file is the CNN state dict, and the loaded model gives the same outputs', () => {
    expect(results.checks.find((c: { name: string }) => c.name.startsWith('Exercise 2.1.6')).value).toBe(0);
    const file = join(run.out, 'cnn.safetensors');
    const sd = tg.load(file);
    expect(Object.keys(sd)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.3.weight', 'layers.3.bias', 'layers.7.weight', 'layers.7.bias', 'layers.9.weight', 'layers.9.bias', 'layers.11.weight', 'layers.11.bias']);
    expect(sd['layers.0.weight'].shape).toEqual([32, channels, 3, 3]);
    const half = side / 2 - 2;
    expect(sd['layers.7.weight'].shape).toEqual([600, 64 * Math.floor(half / 2) ** 2]);
  });

  test('forward hooks captured both Conv2d outputs', () => {
    expect(results.activations).toEqual([
      { layer: 'layers.0', shape: [1, 32, side, side] },
      { layer: 'layers.3', shape: [1, 64, side / 2 - 2, side / 2 - 2] },
    ]);
  });

  test('pictures: class examples, accuracy curves (PNG, SVG), feature maps of the untrained and trained CNN', () => {
    expectPng(join(run.out, 'examples.png'));
    for (const name of ['cnn', 'ffnn']) {
      expect(expectPng(join(run.out, `${name}-accuracy.png`))).toEqual({ width: 640, height: 420 });
      expectSvg(join(run.out, `${name}-accuracy.svg`));
    }
    for (const which of ['untrained', 'trained']) {
      const { height } = expectPng(join(run.out, `feature-maps-${which}.png`));
      expect(height).toBeGreaterThan(3 * 96); // the input and two rows of maps
    }
    expect(existsSync(join(run.out, 'results.json'))).toBe(true);
  });
});

test(`${NAME}: an unknown --dataset is one line naming the choices, exit 1`, () => {
  const run = runExample(NAME, ['--tiny', '--dataset', 'imagenet']);
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split('\n').filter((l) => !l.startsWith('typegrad: using'))).toEqual([
    "002-convolutional-layers: --dataset must be 'mnist' or 'cifar10', got 'imagenet'",
  ]);
}, 60_000);
