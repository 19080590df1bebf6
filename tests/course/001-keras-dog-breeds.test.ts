// examples/course/001-keras-dog-breeds.ts (lab 8 in R/Keras, seed 001), run as its own process on synthetic
// photos: the sorted folders read by ImageFolder, the Keras summary counts, fit with validation before and
// after freezing VGG16's body, fine-tuning after unfreezing, and the pictures it leaves.

import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPng, expectSvg, readResults, runExample, type ExampleRun, expectEveryCheckPassed } from './run-example.js';

const PICTURES = ['samples', 'augmented', 'history', 'history-frozen'];

describe('001-keras-dog-breeds --tiny', () => {
  let run: ExampleRun;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let results: any;
  beforeAll(() => {
    run = runExample('001-keras-dog-breeds', ['--tiny']);
    results = run.code === 0 ? readResults(run) : null;
  }, 120_000);
  afterAll(() => rmSync(run.out, { recursive: true, force: true }));

  it('runs to the end, every check passing', () => {
    expectEveryCheckPassed(run, 8);
    for (const c of results.checks) expect(run.stdout).toContain(`check: ${c.name}: ok`);
  });

  it('leaves every picture as a PNG and an SVG', () => {
    for (const name of PICTURES) {
      expectPng(join(run.out, `${name}.png`));
      expectSvg(join(run.out, `${name}.svg`));
    }
    expect(expectPng(join(run.out, 'samples.png')).width).toBe(3 * 138 + 10); // the notebook's 3 x 3 photos
    expect(expectPng(join(run.out, 'augmented.png')).width).toBe(4 * 138 + 10); // and 4 augmented ones
  });

  it('sorts the photos into one folder per breed, the first fifth of each breed for validation', () => {
    expect(results.classes).toEqual(['cross', 'disc', 'square', 'triangle']);
    expect(results.valImages).toBe(4 * 2); // ceiling(6 / 5) of each breed's 6
    expect(results.trainImages).toBe(4 * 4);
  });

  it("summary: the notebook's Keras tables, 5,272,248 and 15,301,560 of which 586,872 trainable", () => {
    expect(results.summaries.smallVgg).toEqual({ totalParams: 5_272_248, trainableParams: 5_272_248 });
    expect(results.summaries.vggPretrained).toEqual({ totalParams: 15_301_560, trainableParams: 586_872, nonTrainableParams: 14_714_688 });
    expect(results.receptiveField).toBe(212);
  });

  it('fit with validation: a history entry per epoch, and the training loss fell before and after freezing', () => {
    for (const [history, epochs] of [[results.history, 2], [results.frozenHistory, 2], [results.fineTuneHistory, 1]]) {
      expect(history.map((h: { epoch: number }) => h.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
      for (const h of history) {
        for (const key of ['trainLoss', 'valLoss']) expect(Number.isFinite(h[key]) && h[key] > 0, key).toBe(true);
        for (const key of ['trainAccuracy', 'valAccuracy']) expect(h[key] >= 0 && h[key] <= 1, key).toBe(true);
      }
    }
    expect(results.history.at(-1).trainLoss).toBeLessThan(results.history[0].trainLoss);
    expect(results.frozenHistory.at(-1).trainLoss).toBeLessThan(results.frozenHistory[0].trainLoss);
  });
});

it('a bad flag stops the program at once, naming the flag and what came', () => {
  const run = runExample('001-keras-dog-breeds', ['--tiny', '--size', '0']);
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain("001-keras-dog-breeds: --size must be a positive integer, got '0'");
  expect(run.stdout).not.toContain('data:');
  rmSync(run.out, { recursive: true, force: true });
});
