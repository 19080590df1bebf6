// sort, argsort and topk along one dim, composed: every element's rank is counted from pairwise
// comparisons, the ranks place the positions (scatterAdd), and the values are gathered at them.
// Stable, as torch.sort(stable=True): equal values keep their order. NaN sorts as larger than every
// number (last ascending, first descending), as in PyTorch, and −0 equals 0.
//
//   rank(i) = #{ j : x_j comes before x_i } + #{ j < i : x_j ties with x_i }
//   indices[rank(i)] = i,     values = x gathered at indices,     dx = scatterAdd(dvalues, indices)
//
// Cost: the comparisons are n² per slice of length n, in time and memory (a few [..., n, n] tensors),
// which is what keeps every step one GPU dispatch with a thread per element and no data-dependent
// control flow; fine for the rows of a classifier or the keys of attention, not for sorting a million
// values in one dim. Indices are float32 positions (exact below 2^24), as argmax's.

import { noGrad, traced } from '../autograd.js';
import { kernels } from '../backend.js';
import { checkedSize, formatShape, normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { parseArgs, type PyArgs } from '../options.js';
import { add, eq, gt, lt, mul, ne, sub } from './elementwise.js';
import { gather } from './indexing.js';
import { clone, expand, reshape, slice, transpose, unsqueeze } from './movement.js';
import { sum, type ValuesAndIndices } from './reduce.js';

export type { ValuesAndIndices };

export interface SortOptions {
  dim?: number;
  descending?: boolean;
  /** accepted for PyTorch's signature: this sort is always stable */
  stable?: boolean;
}

export interface TopkOptions {
  dim?: number;
  /** the k largest (true) or smallest */
  largest?: boolean;
  /** accepted for PyTorch's signature: the values always come sorted */
  sorted?: boolean;
}

/** torch.sort(input, dim=-1, descending=False, *, stable): the values along dim in order, and their positions in input. */
export function sort(input: Tensor, ...args: PyArgs<[], [number, boolean], SortOptions>): ValuesAndIndices {
  const o = parseArgs('sort', args, { dim: 'integer', descending: 'boolean' }, ['stable']) as SortOptions;
  return sorted('sort', input, o.dim ?? -1, o.descending ?? false);
}

/** torch.argsort(input, dim=-1, descending=False, *, stable): sort's indices. */
export function argsort(input: Tensor, ...args: PyArgs<[], [number, boolean], SortOptions>): Tensor {
  const o = parseArgs('argsort', args, { dim: 'integer', descending: 'boolean' }, ['stable']) as SortOptions;
  return sorted('argsort', input, o.dim ?? -1, o.descending ?? false).indices;
}

/** torch.topk(input, k, dim=-1, largest=True, sorted=True): the k largest (or smallest) along dim, sorted, ties by position. */
export function topk(input: Tensor, k: number, ...args: PyArgs<[], [number, boolean, boolean], TopkOptions>): ValuesAndIndices {
  const o = parseArgs('topk', args, { dim: 'integer', largest: 'boolean', sorted: 'boolean' }) as TopkOptions;
  const dim = o.dim ?? -1;
  const d = input.ndim === 0 ? 0 : normDim(dim, input.ndim, 'topk', input.shape);
  const n = input.shape[d] ?? 1;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`topk: k must be an integer 0 … ${n} (the size of dim ${dim} of shape ${formatShape(input.shape)}), got ${k}`);
  const { values, indices } = sorted('topk', input, dim, o.largest ?? true);
  if (input.ndim === 0) return { values, indices };
  return reported(input, { values: slice(values, d, 0, k), indices: slice(indices, d, 0, k) }, d, o.largest ?? true, k);
}

/** Both results reported to an exporter as a sort (ONNX's TopK): the indices are computed without autograd, so no op would report them. */
function reported(input: Tensor, result: ValuesAndIndices, dim: number, descending: boolean, k: number): ValuesAndIndices {
  traced(result.values, 'sort', [input], { dim, descending, k, output: 0 });
  traced(result.indices, 'sort', [input], { dim, descending, k, output: 1 });
  return result;
}

function sorted(op: string, input: Tensor, dim: number, descending: boolean): ValuesAndIndices {
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${typeof input}`);
  if (input.ndim === 0) return { values: clone(input), indices: new Tensor(new Float32Array(1), []) };
  const d = normDim(dim, input.ndim, op, input.shape);
  const last = input.ndim - 1;
  const x = d === last ? input : transpose(input, d, last);
  const n = x.shape[last];
  checkedSize([...x.shape, n], `${op} (its pairwise comparisons)`); // said here, naming the op, rather than by the first comparison
  const indices = noGrad(() => {
    const positions = expand(new Tensor(Float32Array.from({ length: n }, (_, i) => i), [n]), x.shape);
    return x.size === 0 ? positions : kernels().scatterAdd(positions, ranks(x, descending), { dim: last, size: n });
  });
  const values = gather(x, last, indices);
  return reported(input, d === last ? { values, indices } : { values: transpose(values, d, last), indices: transpose(indices, d, last) }, d, descending, n);
}

/** Each element's place along the last dim in sorted order (see the header), by pairwise comparison. */
function ranks(x: Tensor, descending: boolean): Tensor {
  const n = x.shape[x.ndim - 1];
  const [a, b] = [unsqueeze(x, -1), unsqueeze(x, -2)]; // [..., i, 1] and [..., 1, j]
  const [nanA, nanB] = [ne(a, a), ne(b, b)];
  // the three cases are exclusive (a comparison with NaN is false), so their 0/1 sum is 0 or 1
  const ahead = descending ? gt(b, a) : lt(b, a);
  const nanAfter = descending ? mul(nanB, sub(1, nanA)) : mul(nanA, sub(1, nanB));
  const tie = add(eq(b, a), mul(nanA, nanB));
  const earlier = new Tensor(Float32Array.from({ length: n * n }, (_, k) => +(k % n < Math.floor(k / n))), [n, n]);
  const before = add(add(ahead, nanAfter), mul(tie, earlier));
  return reshape(sum(before, -1), x.shape);
}
