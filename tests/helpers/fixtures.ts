// Reading the PyTorch reference fixtures written by tests/fixtures/make_fixtures.py, and comparing
// typegrad's results with them.

import { readFileSync } from 'node:fs';
import * as tg from '../../index.js';
export { assertClose } from './compare.js';

/** A flat row-major array with its shape. Integer (class-index) tensors carry dtype 'int64'. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
  requires_grad?: boolean;
  dtype?: 'int64';
}

/** Option values as PyTorch spells them: ints, pairs (null = keep that dim), strings, booleans. */
export type FixtureOption = number | string | boolean | null | Array<number | null>;

export interface FixtureCase {
  name: string;
  /** the torch.nn.functional op (torch.matmul for 'matmul') */
  op: string;
  /** its keyword arguments, snake_case as in PyTorch */
  options: Record<string, FixtureOption>;
  /** by PyTorch argument name: input, other, weight, bias, target */
  inputs: Record<string, FixtureTensor>;
  grad_output: FixtureTensor;
  output: FixtureTensor;
  /** the gradient of every input that requires grad, by argument name */
  grads: Record<string, FixtureTensor>;
}

export interface FixtureFile {
  generator: string;
  torch: string;
  cases: FixtureCase[];
}

export function loadFixtures(file: string): FixtureFile {
  const url = new URL(`../fixtures/${file}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as FixtureFile;
}

/** A typegrad tensor with the fixture's values (exact: they were written with float32 precision). */
export function toTensor(t: FixtureTensor, requiresGrad = t.requires_grad ?? false): tg.Tensor {
  return tg.tensor(Float32Array.from(t.data), t.shape, { requiresGrad });
}
