// Comparing typegrad's tensors with PyTorch reference values. It needs only the engine's Tensor type,
// so suites that avoid the package entry (and its backend selection) can use it too.

import type { Tensor } from '../../engine/index.js';

/** A flat row-major array with its shape, as the fixture scripts write them. */
export interface ReferenceTensor {
  shape: number[];
  data: number[];
}

/**
 * Throws unless `got` has the reference's shape and max |got − ref| <= tol · max(1, max |ref|).
 * The message names what differs, where, and by how much.
 */
export function assertClose(what: string, got: Tensor | null | undefined, ref: ReferenceTensor, tol = 1e-4): void {
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
