// examples/course/000-dog-breeds.ts (lab 8, seed 000), run as its own process on synthetic photos with a
// torchvision weights file for the transfer-learning body (a width-reduced VGG16 made by
// tests/fixtures/course/make_vgg16_narrow.py: VGG16's own file is 528 MB), checking the pictures, the
// numbers and the notebook's checks. (The full-width VGG16 body at random weights is 001's test's.)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { ROOT } from '../cli/helpers.js';
import { expectPng, expectSvg, readResults, runExample, type ExampleRun, expectEveryCheckPassed } from './run-example.js';

const WEIGHTS = join(ROOT, 'tests', 'fixtures', 'course', 'vgg16_narrow.pth');
const narrow = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'course', 'vgg16_narrow.json'), 'utf8')) as {
  config: Array<number | 'M'>; body_tensors: number; body_parameters: number; probe_shape: number[]; body_output: { shape: number[]; data: number[] };
};
const PICTURES = ['samples', 'augmented', 'training-progress', 'transfer-progress'];
const EPOCHS = 2; // the tiny run's

const parameters = (m: tg.nn.Module) => m.parameters().reduce((n, p) => n + p.size, 0);

describe('000-dog-breeds --tiny --weights <a torchvision VGG16-layout file>', () => {
  let run: ExampleRun;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let results: any;
  beforeAll(() => {
    run = runExample('000-dog-breeds', ['--tiny', '--weights', WEIGHTS]);
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
    // the montages: 5 x 5 photos of 128 px with 10 px gaps
    expect(expectPng(join(run.out, 'augmented.png')).width).toBe(5 * 138 + 10);
  });

  it("the small VGG: the notebook's 5,272,248 parameters at 120 classes, and its training loss fell", () => {
    expect(results.classes).toEqual(['cross', 'disc', 'square', 'triangle']);
    expect(results.smallVgg.parametersAt120Classes).toBe(5_272_248);
    expect(results.smallVgg.parameters).toBe(5_272_248 - 116 * 513); // 4 outputs instead of 120, each 512 weights and a bias
    expect(results.trainImages + results.valImages).toBe(40);
    expect(results.valImages).toBe(8); // a fifth for validation
    for (const key of ['trainLoss', 'trainAcc', 'valLoss', 'valAcc']) expect(results.smallVgg[key]).toHaveLength(EPOCHS);
    expect(results.smallVgg.trainLoss.at(-1)).toBeLessThan(results.smallVgg.trainLoss[0]);
    // accuracies are counts of photos over the split's size
    for (const acc of results.smallVgg.trainAcc) expect(Number.isInteger(Math.round(acc * results.trainImages * 1e6) / 1e6)).toBe(true);
    for (const acc of results.smallVgg.valAcc) expect(Number.isInteger(Math.round(acc * results.valImages * 1e6) / 1e6)).toBe(true);
  });

  it('transfer learning: only the head (two 512 layers and the output) trains, and its loss fell', () => {
    const width = narrow.config.at(-2) as number; // the body's last conv: the head's input
    expect(results.transfer.headParameters).toBe(width * 512 + 512 + 512 * 512 + 512 + 512 * 4 + 4);
    expect(results.transfer.bodyParameters).toBe(narrow.body_parameters);
    expect(results.transfer.weights).toEqual({ file: WEIGHTS, tensorsLoaded: narrow.body_tensors });
    expect(results.transfer.trainLoss).toHaveLength(EPOCHS);
    expect(results.transfer.trainLoss.at(-1)).toBeLessThan(results.transfer.trainLoss[0]);
  });

  it("Exercise 2: VGG16's receptive field is 212 (392 with dilation 2 in the convs), by recurrence and by gradient", () => {
    expect(results.receptiveField).toEqual({ vgg16: 212, vgg16Dilated: 392, measured: 212, measuredDilated: 392 });
  });
});

it('the weights fixture loads into vggFeatures at its widths and computes as in PyTorch', () => {
  const body = tg.nn.vggFeatures(narrow.config);
  const stateDict = tg.load(WEIGHTS);
  const bodyState = Object.fromEntries(Object.entries(stateDict).filter(([k]) => k.startsWith('features.')).map(([k, t]) => [k.slice(9), t]));
  body.loadStateDict(bodyState, { strict: true });
  expect(parameters(body)).toBe(narrow.body_parameters);
  const size = narrow.probe_shape.reduce((a, b) => a * b, 1);
  const probe = tg.tensor(Float32Array.from({ length: size }, (_, i) => Math.sin(i) / 2 + 0.5), narrow.probe_shape);
  const out = tg.noGrad(() => body.forward(probe));
  expect(out.shape).toEqual(narrow.body_output.shape);
  out.data.forEach((v, i) => expect(Math.abs(v - narrow.body_output.data[i]), `output ${i}`).toBeLessThan(1e-5));
});

it('a bad flag stops the program at once, naming the flag and what came', () => {
  const run = runExample('000-dog-breeds', ['--tiny', '--epochs', 'two']);
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain("000-dog-breeds: --epochs must be a positive integer, got 'two'");
  expect(run.stdout).not.toContain('data:'); // before any photo is written
  rmSync(run.out, { recursive: true, force: true });
});
