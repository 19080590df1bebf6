// examples/course/004-cnn-architectures.ts, run as its own process with --tiny: every model matches its
// PyTorch reference (tests/fixtures/course/*.pt), the ClassifierTrainer overfits, the pictures decode.

import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../cli/helpers.js';
import { expectPng, expectSvg, readResults, runExample, type ExampleRun, expectEveryCheckPassed } from './run-example.js';

const NAME = '004-cnn-architectures';

describe(`${NAME} --tiny`, () => {
  let run: ExampleRun;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let results: any;
  beforeAll(() => {
    run = runExample(NAME, ['--tiny']);
    results = run.code === 0 ? readResults(run) : null;
  }, 120_000);

  test('runs to the end, every check passing', () => {
    expectEveryCheckPassed(run, 19);
    expect(run.stdout).toContain('all 19 checks passed');
  });

  test("each model's output is within the notebook's 1e-3 of PyTorch's (norm of the difference)", () => {
    const diffs = results.checks.filter((c: { name: string }) => c.name.includes('norm of the difference'));
    expect(diffs.map((c: { name: string }) => c.name.split(':')[0])).toEqual([
      'CNN test 0', 'CNN test 1', 'CNN test 2', 'ResidualBlock', 'ResidualBottleneckBlock', 'ResNet test 0', 'ResNet test 1',
    ]);
    for (const c of diffs) expect(c.value, c.name).toBeLessThan(1e-3);
  });

  test("parameter counts are PyTorch's for the same configurations", () => {
    expect(results.parameterCounts).toEqual({
      'CNN test 0': 244650, 'CNN test 1': 93738, 'CNN test 2': 19171, 'overfit CNN': 821206,
      ResidualBlock: 1642, ResidualBottleneckBlock: 139744, 'ResNet test 0': 207434, 'ResNet test 1': 50965,
    });
  });

  test('the ClassifierTrainer overfits 25 batches of 2 images: best accuracy >= 90%, the loss falls', () => {
    const epochs = results.overfit as { epoch: number; loss: number; accuracy: number }[];
    // --tiny stops at the first epoch that reaches 90%
    expect(epochs.length).toBeLessThanOrEqual(25);
    expect(epochs.map((e) => e.epoch)).toEqual(Array.from({ length: epochs.length }, (_, i) => i + 1));
    expect(epochs.at(-1)!.accuracy).toBeGreaterThanOrEqual(90);
    expect(epochs.slice(0, -1).every((e) => e.accuracy < 90)).toBe(true);
    expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0].loss / 5);
    // the accuracy is of 50 images: a multiple of 2%
    for (const e of epochs) expect(Number.isInteger(e.accuracy / 2)).toBe(true);
  });

  test('pictures: the overfitting curves (PNG and SVG) and the 50 images with their predictions', () => {
    expect(expectPng(join(run.out, 'overfit.png'))).toEqual({ width: 960, height: 400 });
    expectSvg(join(run.out, 'overfit.svg'));
    const images = expectPng(join(run.out, 'overfit-images.png'));
    expect(images.width).toBeGreaterThan(10 * 96);
  });
});

describe(`${NAME}: bad references`, () => {
  test('a reference file that is missing: exit 1, one line naming the file', () => {
    const run = runExample(NAME, ['--tiny', '--references', mkdtempSync(join(tmpdir(), 'no-references-'))]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').filter((l) => !l.startsWith('typegrad: using'))).toEqual([expect.stringMatching(/^004-cnn-architectures: load: cannot read '.*expected_conv_out_00\.pt'/)]);
  });

  test('a reference output that differs: the check fails, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrong-references-'));
    cpSync(join(ROOT, 'tests', 'fixtures', 'course'), dir, { recursive: true });
    // another model's weights under CNN test 0's name: strict loading refuses them
    cpSync(join(dir, 'expected_resnet_out_01.pt'), join(dir, 'expected_conv_out_00.pt'));
    writeFileSync(join(dir, 'README'), 'swapped');
    const run = runExample(NAME, ['--tiny', '--references', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^004-cnn-architectures: .*(missing|unexpected)/m);
  });
});
