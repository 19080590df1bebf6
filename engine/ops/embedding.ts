// embedding (PyTorch's F.embedding): rows of a weight table [numEmbeddings, dim] picked by integer ids.
//   out[k, :]     = weight[ids[k], :]                 indexSelect along dim 0, the ids flattened
//   dweight[j, :] = Σ over k with ids[k] = j of g[k, :]   its adjoint, indexAdd; the padding row gets none
// The ids are a float32 tensor of integer values (as typegrad's argmax gives them), exact below 2^24;
// any shape, the output is ids.shape + [dim]. PyTorch's max_norm and scale_grad_by_freq are left out.

import { record } from '../autograd.js';
import { getBackend, kernels } from '../backend.js';
import { tensor } from '../creation.js';
import { parseArgs, type PyArgs } from '../options.js';
import { formatShape } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { add, mul, ne, sub } from './elementwise.js';
import { reshape } from './movement.js';

export interface EmbeddingOptions {
  /** the id whose row gets no gradient (a negative one counts from the end); default none */
  paddingIdx?: number | null;
  /** PyTorch's max_norm: only null (rows are not renormalised) */
  maxNorm?: number | null;
  /** PyTorch's norm_type: accepted for its signature, used only with maxNorm */
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
  if (o.maxNorm != null) throw new RangeError(`${op}: maxNorm is not supported (only null: rows are not renormalised)`);
  if (o.scaleGradByFreq) throw new RangeError(`${op}: scaleGradByFreq true is not supported (only false)`);
  if (o.sparse) throw new RangeError(`${op}: sparse true is not supported (the gradient is dense)`);
  const [rows, dim] = weight.shape;
  const paddingIdx = o.paddingIdx == null ? null : checkedPaddingIdx(op, o.paddingIdx, rows);
  checkIds(op, ids, rows, weight.shape);
  const flat = reshape(ids.detach(), [ids.size]);
  const picked = kernels().indexSelect(weight, flat, { dim: 0, fill: 0 });
  const out = record(picked, op, [weight], (g) => [kernels().indexAdd(g, paddingIdx === null ? flat : withoutPadding(flat, paddingIdx), { dim: 0, size: rows })], { ids });
  return reshape(out, [...ids.shape, dim]);
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
