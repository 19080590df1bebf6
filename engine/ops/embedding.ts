// embedding (PyTorch's F.embedding): rows of a weight table [numEmbeddings, dim] picked by integer ids.
//   out[k, :]     = weight[ids[k], :]                 indexSelect along dim 0, the ids flattened
//   dweight[j, :] = Σ over k with ids[k] = j of g[k, :]   its adjoint, indexAdd; the padding row gets none
// The ids are a float32 tensor of integer values (as typegrad's argmax gives them), exact below 2^24;
// any shape, the output is ids.shape + [dim]. PyTorch's scale_grad_by_freq is left out.
// With maxNorm, before the lookup every row the ids name whose normType-norm exceeds maxNorm is scaled
// down in place, without gradient, as PyTorch's embedding_renorm_:
//   weight[j, :] ← weight[j, :]·maxNorm/(‖weight[j, :]‖ₚ + 1e−7)    for each looked-up j with ‖weight[j, :]‖ₚ > maxNorm
// The gradient is then the plain lookup's, into the renormalised table.

import { noGrad, record } from '../autograd.js';
import { getBackend, kernels } from '../backend.js';
import { onesLike, tensor } from '../creation.js';
import { parseArgs, type PyArgs } from '../options.js';
import { formatShape } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { abs, add, div, gt, mul, ne, pow, sqrt, sub } from './elementwise.js';
import { where } from './indexing.js';
import { reshape, unsqueeze } from './movement.js';
import { max, min, sum } from './reduce.js';

export interface EmbeddingOptions {
  /** the id whose row gets no gradient (a negative one counts from the end); default none */
  paddingIdx?: number | null;
  /** PyTorch's max_norm: the looked-up rows whose norm exceeds it are scaled down to it, in place, before the lookup; default null (never) */
  maxNorm?: number | null;
  /** PyTorch's norm_type: the p of the p-norm maxNorm bounds (default 2; Infinity for the largest magnitude) */
  normType?: number;
  /** PyTorch's scale_grad_by_freq: only false */
  scaleGradByFreq?: boolean;
  /** PyTorch's sparse: only false (the gradient is a dense tensor) */
  sparse?: boolean;
}

const positional = { paddingIdx: 'integer|null', maxNorm: 'number|null', normType: 'number', scaleGradByFreq: 'boolean', sparse: 'boolean' } as const;

export type EmbeddingArgs = PyArgs<
  [],
  [paddingIdx: number | null | undefined, maxNorm: number | null | undefined, normType: number | undefined, scaleGradByFreq: boolean | undefined, sparse: boolean | undefined],
  EmbeddingOptions
>;

/** F.embedding(ids, weight, paddingIdx?): ids of any shape (a Tensor or nested arrays of integers), weight [numEmbeddings, dim]. */
export function embedding(input: Tensor | NestedArray, weight: Tensor, ...args: EmbeddingArgs): Tensor {
  const op = 'embedding';
  const o = parseArgs(op, args, positional) as EmbeddingOptions;
  const ids = input instanceof Tensor ? input : tensor(input as NestedArray);
  if (!(weight instanceof Tensor) || weight.ndim !== 2) {
    throw new RangeError(`${op}: weight must be a Tensor of shape [numEmbeddings, embeddingDim], got ${weight instanceof Tensor ? formatShape(weight.shape) : typeof weight}`);
  }
  if (o.maxNorm != null && (typeof o.maxNorm !== 'number' || Number.isNaN(o.maxNorm))) throw new RangeError(`${op}: maxNorm must be a number or null, got ${String(o.maxNorm)}`);
  if (o.normType !== undefined && (typeof o.normType !== 'number' || Number.isNaN(o.normType))) throw new RangeError(`${op}: normType must be a number, got ${String(o.normType)}`);
  if (o.scaleGradByFreq) throw new RangeError(`${op}: scaleGradByFreq true is not supported (only false)`);
  if (o.sparse) throw new RangeError(`${op}: sparse true is not supported (the gradient is dense)`);
  const [rows, dim] = weight.shape;
  const paddingIdx = o.paddingIdx == null ? null : checkedPaddingIdx(op, o.paddingIdx, rows);
  checkIds(op, ids, rows, weight.shape);
  const flat = reshape(ids.detach(), [ids.size]);
  if (o.maxNorm != null) renormLookedUp(weight, flat, o.maxNorm, o.normType ?? 2);
  const picked = kernels().indexSelect(weight, flat, { dim: 0, fill: 0 });
  // with maxNorm the lookup renormalises: another name, so that an ONNX export renormalises the rows it picks too
  const traced = o.maxNorm == null ? { op, attributes: { ids } } : { op: `${op} (maxNorm)`, attributes: { ids, maxNorm: o.maxNorm, normType: o.normType ?? 2 } };
  const out = record(picked, traced.op, [weight], (g) => [kernels().indexAdd(g, paddingIdx === null ? flat : withoutPadding(flat, paddingIdx), { dim: 0, size: rows })], traced.attributes);
  return reshape(out, [...ids.shape, dim]);
}

/**
 * PyTorch's embedding_renorm_: scales down, in place and without gradient, each row of weight that the
 * ids look up and whose p-norm exceeds maxNorm. Composed of tensor ops on the backend: every row's norm
 * and whether an id names it (a count by indexAdd, so a repeated id scales its row once), then the whole
 * table multiplied by the per-row factor (1 for the rows left alone, which stay exact) and copied back.
 */
function renormLookedUp(weight: Tensor, ids: Tensor, maxNorm: number, p: number): void {
  noGrad(() => {
    const rows = weight.shape[0];
    const looked = gt(kernels().indexAdd(onesLike(ids), ids, { dim: 0, size: rows }), 0);
    const norm = rowNorm(weight.detach(), p);
    const scale = div(maxNorm, add(norm, 1e-7));
    const factor = where(mul(looked, gt(norm, maxNorm)), scale, 1);
    weight.copy_(mul(weight.detach(), unsqueeze(factor, 1)));
  });
}

/** ‖row‖ₚ of each row of w [rows, dim], as torch.norm: p = ∞ the largest |x|, −∞ the smallest, 0 the count of non-zeros, else (Σ|x|ᵖ)^(1/p). */
function rowNorm(w: Tensor, p: number): Tensor {
  if (p === Infinity) return max(abs(w), 1);
  if (p === -Infinity) return min(abs(w), 1);
  if (p === 0) return sum(ne(w, 0), 1);
  if (p === 1) return sum(abs(w), 1);
  if (p === 2) return sqrt(sum(mul(w, w), 1));
  return pow(sum(pow(abs(w), p), 1), 1 / p);
}

/** paddingIdx in [−rows, rows), as a row number. */
export function checkedPaddingIdx(op: string, paddingIdx: number, rows: number): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx < -rows || paddingIdx >= rows) {
    throw new RangeError(`${op}: paddingIdx must be an integer in [${-rows}, ${rows}) for ${rows} embeddings, got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
}

/**
 * Every id an integer row number. Checked where the ids are on the CPU (where they are made from data);
 * ids a device backend computed are not read back for it, as a GPU's index kernels do not check either.
 */
function checkIds(op: string, ids: Tensor, rows: number, shape: readonly number[]): void {
  if (ids.deviceStorage(getBackend()) !== null) return;
  ids.data.forEach((id, k) => {
    if (!Number.isInteger(id) || id < 0 || id >= rows) {
      throw new RangeError(`${op}: id ${id} at position ${k} of ids ${formatShape(ids.shape)} is not a row of weight ${formatShape(shape)} (integers 0..${rows - 1})`);
    }
  });
}

/** The ids with paddingIdx replaced by −1, which indexAdd skips: (id + 1)·(id ≠ pad) − 1, on the backend. */
function withoutPadding(ids: Tensor, paddingIdx: number): Tensor {
  return sub(mul(add(ids, 1), ne(ids, paddingIdx)), 1);
}
