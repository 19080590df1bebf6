// Bad input gets one line on stderr naming the problem, and exit code 2: never a stack trace.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { withSize } from '../helpers/png.js';
import { expectUsageError, requireBuild, run, tempDir } from './helpers.js';

const QUICK = ['--epochs', '1', '--max-batches', '1', '--batch-size', '4', '--max-val', '4'];

/** A small RGB PNG of one colour. */
function png(file: string, v: number): void {
  tg.data.writePng(file, tg.full([3, 8, 8], v));
}

describe('bad input: one line, exit code 2', () => {
  let dir: string;
  beforeAll(() => {
    requireBuild();
    dir = tempDir();
  });

  it('an unknown option or command', () => {
    expectUsageError(run(['train', '--epoch', '3']), /unknown option '--epoch'/);
    expectUsageError(run(['trian']), /unknown command 'trian'/);
    expectUsageError(run(['train', '--model', 'transformer']), /--model must be one of recipe, resnet, vgg-small, mlp or a \.json file of CNN\/ResNet\/RecipeCNN options, got 'transformer'/);
  });

  it('a dataset folder that does not exist (and no empty run folder is left behind)', () => {
    const cwd = tempDir();
    expectUsageError(run(['train', '--dataset', `folder:${join(dir, 'nowhere')}`], cwd), /--dataset folder:.*nowhere: folder '.*nowhere' does not exist/);
    expect(existsSync(join(cwd, 'runs'))).toBe(false);
    expectUsageError(run(['train', '--dataset', `idx:${join(dir, 'nowhere')}`]), /folder '.*nowhere' does not exist/);
  });

  it('a CSV label for an image that is missing', () => {
    const root = join(dir, 'csv');
    mkdirSync(join(root, 'images'), { recursive: true });
    png(join(root, 'images', 'a.png'), 0.2);
    writeFileSync(join(root, 'labels.csv'), 'id,label\na,cat\nb,dog\n');
    expectUsageError(run(['train', '--dataset', `csv:${join(root, 'labels.csv')},${join(root, 'images')}`, ...QUICK]), /labels.csv line 3 labels 'b' but there is no image .*b\.png/);
  });

  it('an image that does not decode', () => {
    const root = join(dir, 'folder');
    for (const cls of ['cat', 'dog']) {
      mkdirSync(join(root, cls), { recursive: true });
      for (let i = 0; i < 3; i++) png(join(root, cls, `${i}.png`), i / 4);
    }
    writeFileSync(join(root, 'dog', 'broken.png'), 'this is not a png');
    expectUsageError(run(['train', '--dataset', `folder:${root}`, '--val-split', '0.5', '--image-size', '8', '--model', 'mlp', '--epochs', '1', '--batch-size', '8']), /broken\.png/);
  });

  it('a model file whose tensors do not fit the model, naming the keys and both shapes (loadStateDict\'s checks)', () => {
    const runDir = join(dir, 'mlp-run');
    const trained = run(['train', '--model', 'mlp', ...QUICK, '--out', runDir]);
    expect(trained.code, trained.stderr).toBe(0);
    expectUsageError(run(['eval', '--model-file', join(runDir, 'model.safetensors'), '--model', 'cnn']), /model\.safetensors: does not fit the model \(was it trained with another --model\?\): loadStateDict \(RecipeCNN\): missing keys: featureExtractor\.0\.weight, /);
    // same keys, one wrong shape
    const sd = Object.fromEntries(Object.entries(tg.load(join(runDir, 'model.safetensors'))).map(([k, t]) => [k, k === '1.weight' ? tg.zeros([256, 100]) : t]));
    const bad = join(runDir, 'bad', 'model.safetensors');
    mkdirSync(join(runDir, 'bad'));
    tg.save(sd, bad);
    expectUsageError(run(['eval', '--model-file', bad, '--model', 'mlp']), /wrong shapes: 1\.weight: the model has shape \[256,784\], the state dict \[256,100\]/);
  });

  it('an out directory that cannot be written', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expectUsageError(run(['train', '--out', join(file, 'run'), ...QUICK]), /--out .*a-file\/run: cannot write there \(.*a-file is a file \(ENOTDIR\)\)/);
  });

  it('predict with an image that does not decode or does not exist', () => {
    const junk = join(dir, 'junk.png');
    writeFileSync(junk, 'nope');
    expectUsageError(run(['predict', junk, '--model-file', join(dir, 'mlp-run', 'model.safetensors')]), /junk\.png: cannot decode/);
    expectUsageError(run(['predict', join(dir, 'none.png'), '--model-file', join(dir, 'mlp-run', 'model.safetensors')]), /none\.png: cannot read \(ENOENT\)/);
  });
});

describe('bad option values and datasets: one line, exit code 2', () => {
  beforeAll(requireBuild);

  it('numbers not in decimal, integers past 2^53, empty values', () => {
    expectUsageError(run(['train', '--lr', '0x10']), /--lr expects a decimal number, got '0x10'/);
    expectUsageError(run(['train', '--batch-size', '1e30']), /--batch-size expects an integer below 2\^53, got 1e\+30/);
    expectUsageError(run(['train', '--seed', '1e20']), /--seed expects an integer below 2\^53, got 100000000000000000000/);
    expectUsageError(run(['train', '--augment=']), /--augment needs a value, got an empty string/);
    expectUsageError(run(['train', '--lr', 'Infinity']), /--lr expects a decimal number/);
  });

  it('a folder holding a PNG that declares 20000x20000 pixels (a decompression bomb)', () => {
    const root = join(tempDir(), 'folder');
    for (const cls of ['cat', 'dog']) {
      mkdirSync(join(root, cls), { recursive: true });
      for (let i = 0; i < 3; i++) png(join(root, cls, `${i}.png`), i / 4);
    }
    writeFileSync(join(root, 'dog', 'bomb.png'), withSize(readFileSync(join(root, 'dog', '0.png')), 20000, 20000));
    expectUsageError(
      run(['train', '--dataset', `folder:${root}`, '--val-split', '0.5', '--image-size', '8', '--model', 'mlp', '--epochs', '1', '--batch-size', '8']),
      /dog\/bomb\.png declares 20000x20000 pixels \(400,000,000\), over the limit of 268,435,456 \(maxPixels\)/,
    );
  });

  it('a batch too big for the wasm heap', () => {
    const out = join(tempDir(), 'big');
    expectUsageError(run(['train', '--batch-size', '100000', '--backend', 'wasm', '--out', out]), /--batch-size 100000: wasm \w+ \[.*\]: needs [\d.]+ MiB of WASM memory, over the [\d.]+ MiB its heap can hold/);
  });

  it('an IDX dataset with a label that is not a digit', () => {
    const root = join(tempDir(), 'idx');
    mkdirSync(root);
    const labels = Uint8Array.from([0, 1, 2, 200, 4, 5, 6, 7]);
    writeFileSync(join(root, 'train-images-idx3-ubyte'), tg.data.encodeIdx([8, 28, 28], new Uint8Array(8 * 784)));
    writeFileSync(join(root, 'train-labels-idx1-ubyte'), tg.data.encodeIdx([8], labels));
    expectUsageError(run(['train', '--dataset', `idx:${root}`, '--val-split', '0.5', ...QUICK]), /train-labels-idx1-ubyte: label 3 is 200, expected a digit 0 … 9/);
  });
});
