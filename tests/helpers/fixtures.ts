// Reading the PyTorch reference fixtures written by tests/fixtures/make_fixtures.py, and comparing
// typegrad's results with them.

import { readFileSync } from 'node:fs';
import * as tg from '../../index.js';

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

/**
 * Throws unless `got` has the reference's shape and max |got − ref| <= tol · max(1, max |ref|).
 * The message names what differs, where, and by how much.
 */
export function assertClose(what: string, got: tg.Tensor | null | undefined, ref: FixtureTensor, tol = 1e-4): void {
  if (!got) throw new Error(`${what}: typegrad gave no tensor (expected shape [${ref.shape}])`);
  if (got.shape.length !== ref.shape.length || got.shape.some((n, i) => n !== ref.shape[i])) {
    throw new Error(`${what}: shape [${got.shape}] but PyTorch gives [${ref.shape}]`);
  }
  const a = got.data;
  let scale = 1;
  for (const v of ref.data) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let worstDiff = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const diff = Math.abs(a[i] - ref.data[i]);
    if (Number.isNaN(diff)) {
      [worst, worstDiff] = [i, Infinity]; // NaN fails any comparison, so it must be caught explicitly
      break;
    }
    if (diff > worstDiff) [worst, worstDiff] = [i, diff];
  }
  if (worstDiff > tol * scale) {
    const at = (arr: ArrayLike<number>, from: number) => Array.from({ length: Math.min(6, ref.data.length - from) }, (_, k) => arr[from + k]);
    const from = Math.max(0, worst - 2);
    throw new Error(
      `${what}: max |typegrad − PyTorch| = ${worstDiff.toPrecision(4)} > ${(tol * scale).toPrecision(4)} at flat index ${worst} ` +
        `(shape [${ref.shape}]): got ${a[worst]}, expected ${ref.data[worst]}\n` +
        `  got      [${from}..]: ${at(a, from).map((v) => v.toPrecision(6)).join(', ')}\n` +
        `  expected [${from}..]: ${at(ref.data, from).map((v) => v.toPrecision(6)).join(', ')}`,
    );
  }
}
