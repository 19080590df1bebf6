// End to end: a 2-batch training run into a temp folder writes every file, and the other commands
// work on its model. Kept tiny (2 batches of 16, 100 validation images) to run in seconds.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pngSize, requireBuild, run, tempDir, ROOT } from './helpers.js';
import { activationsSize } from '../../cli/activations.js';
import { confusionSize } from '../../cli/confusion.js';
import { CURVES_SIZE } from '../../cli/curves.js';

const FILES = ['metrics.json', 'curves.svg', 'curves.png', 'activations.png', 'confusion.png', 'model.safetensors', 'checkpoint.safetensors'];

describe('typegrad train (2 batches)', () => {
  let dir: string;
  let result: ReturnType<typeof run>;
  beforeAll(() => {
    requireBuild();
    dir = join(tempDir(), 'run');
    result = run(['train', '--epochs', '2', '--max-batches', '2', '--batch-size', '16', '--max-val', '100', '--out', dir, '--seed', '3']);
  }, 60_000);

  it('exits 0 with a header, a progress line per batch and a summary line per epoch', () => {
    expect(result.stderr).not.toContain('Error');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^typegrad: training recipe \(468,010 parameters\) on mnist/);
    expect(result.stdout.match(/^epoch [12]\/2 {2}train loss \d+\.\d{4} acc \d+\.\d\d% {2}val loss \d+\.\d{4} acc \d+\.\d\d% {2}\d+\.\ds \(\d+ img\/s\)$/gm)).toHaveLength(2);
    expect(result.stderr).toMatch(/^epoch 2\/2 2\/2 loss \d\.\d{4} acc \d+\.\d\d% \d+ img\/s ETA 00:00$/m);
  });

  it('writes every run file', () => {
    for (const f of FILES) expect(existsSync(join(dir, f)), f).toBe(true);
  });

  it('metrics.json has per-epoch metrics, config, seed, backend, version and the confusion matrix', () => {
    const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(m.typegrad).toBe(pkg.version);
    expect(m.seed).toBe(3);
    expect(['wasm', 'js']).toContain(m.backend);
    expect(m.config).toMatchObject({ model: 'recipe', dataset: 'mnist', epochs: 2, batchSize: 16, optimizer: 'adamw', augment: 'shift', maxBatches: 2 });
    expect(m.epochs).toHaveLength(2);
    for (const e of m.epochs) {
      for (const k of ['trainLoss', 'valLoss', 'trainAccuracy', 'valAccuracy', 'imagesPerSecond', 'seconds', 'lr', 'rssMB']) expect(Number.isFinite(e[k]), k).toBe(true);
      expect(e.valAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.valAccuracy).toBeLessThanOrEqual(1);
    }
    expect(m.confusion).toHaveLength(10);
    expect(m.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(100);
    expect(m.finished).toBe(true);
  });

  it('the images are valid PNGs of the right size and the SVG is well formed', () => {
    expect(pngSize(readFileSync(join(dir, 'curves.png')))).toEqual(CURVES_SIZE);
    expect(pngSize(readFileSync(join(dir, 'activations.png')))).toEqual(activationsSize(4)); // the 4 conv layers
    const { width, height } = confusionSize(10);
    expect(pngSize(readFileSync(join(dir, 'confusion.png')))).toEqual({ width, height });
    const svg = readFileSync(join(dir, 'curves.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="960" height="400"/);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
  });

  it('eval reports the same accuracy as the run on the same images', () => {
    const r = run(['eval', '--model-file', join(dir, 'model.safetensors')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/accuracy \d+\.\d\d%, loss \d+\.\d{4}/);
    expect(r.stdout).toContain('confusion matrix');
  }, 30_000);

  it('predict prints the top 5 classes with probabilities', () => {
    const img = join(dir, 'digit.png');
    // a validation digit written as a PNG by the data toolkit
    const write = `import * as tg from '${join(ROOT, 'dist', 'index.js')}'; const { test } = await tg.data.loadMNIST(); tg.data.writePng(${JSON.stringify(img)}, test.get(0)[0]);`;
    const w = spawnSync(process.execPath, ['--input-type=module', '-e', write], { encoding: 'utf8' });
    expect(w.status, w.stderr).toBe(0);
    const r = run(['predict', img, '--model-file', join(dir, 'model.safetensors')]);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(5);
    const probs = rows.map((l) => Number(/(\d+\.\d\d)%$/.exec(l)![1]));
    expect([...probs].sort((a, b) => b - a)).toEqual(probs);
    expect(probs.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100.05);
  }, 30_000);
});

describe('typegrad summary / receptive-field', () => {
  it('receptive-field of vgg16 is 212', () => {
    const r = run(['receptive-field', '--model', 'vgg16']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/receptive field of features is 212 x 212/);
  });

  it('summary prints the layer table with the parameter total', () => {
    const r = run(['summary', '--model', 'vgg16', '--input', '3,224,224']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('138,357,544');
    const cnn = run(['summary']);
    expect(cnn.stdout).toContain('468,010');
  });
});
