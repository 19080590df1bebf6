// Matrix products: matmul (with torch.matmul's 1-D and batch-broadcasting rules) and linear.
// Both call the backend's gemm, whose transpose flags let the gradients use Aᵀ and Bᵀ without copies:
//   C = A·B   ⇒   dA = dC·Bᵀ,   dB = Aᵀ·dC

import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { broadcastShapes, checkedSize, formatShape, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expand, reshape, squeeze, unsqueeze } from './movement.js';
import { sum } from './reduce.js';

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError('matmul: both operands must be Tensors');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`matmul: both operands need at least 1 dim, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} (use mul for scalars)`);
  }
  // a vector is a 1-row (left) or 1-column (right) matrix whose extra dim is dropped again at the end
  const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.ndim === 1 ? unsqueeze(b, 1) : b;
  const [m, k] = a2.shape.slice(-2);
  const [kb, n] = b2.shape.slice(-2);
  if (k !== kb) {
    throw new RangeError(`matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k} columns vs ${kb} rows)`);
  }
  const [batchOfA, batchOfB] = [a2.shape.slice(0, -2), b2.shape.slice(0, -2)];
  let batchShape: number[];
  try {
    batchShape = broadcastShapes(batchOfA, batchOfB, 'matmul');
  } catch {
    throw new RangeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied: their batch dims ${formatShape(batchOfA)} and ${formatShape(batchOfB)} do not broadcast`,
    );
  }
  checkedSize([...batchShape, m, n], 'matmul');
  const c = batchedGemm(fitBatch(a2, batchShape), fitBatch(b2, batchShape));
  let out = reshape(c, [...batchShape, m, n]);
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}

/** Views a [...batch, r, c] operand as [1 or batch, r, c]: one shared matrix is not copied per batch. */
function fitBatch(x: Tensor, batchShape: number[]): Tensor {
  const [r, c] = x.shape.slice(-2);
  const own = x.shape.slice(0, -2);
  if (sizeOf(own) === 1) return reshape(x, [1, r, c]);
  const full = sameShape(own, batchShape) ? x : expand(x, [...batchShape, r, c], 'matmul');
  return reshape(full, [sizeOf(batchShape), r, c]);
}

/** [bA, m, k] · [bB, k, n] → [batch, m, n], where bA and bB are each 1 or batch. */
function batchedGemm(a: Tensor, b: Tensor): Tensor {
  const [batchA, m, k] = a.shape;
  const [batchB, , n] = b.shape;
  const batch = Math.max(batchA, batchB);
  const out = kernels().gemm(a, b, { batch, m, n, k, transA: false, transB: false, batchA, batchB });
  return record(out, 'matmul', [a, b], (g) => {
    const sumShared = (grad: Tensor, own: number) => (own === 1 && batch > 1 ? sum(grad, 0, true) : grad);
    return [
      a.requiresGrad ? sumShared(kernels().gemm(g, b, { batch, m, n: k, k: n, transA: false, transB: true, batchA: batch, batchB }), batchA) : null,
      b.requiresGrad ? sumShared(kernels().gemm(a, g, { batch, m: k, n, k: m, transA: true, transB: false, batchA, batchB: batch }), batchB) : null,
    ];
  });
}

/** PyTorch's F.linear: x·Wᵀ + b for x [..., in], weight [out, in], bias [out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (!(x instanceof Tensor) || !(weight instanceof Tensor)) throw new TypeError('linear: input and weight must be Tensors');
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must have shape [outFeatures, inFeatures], got ${formatShape(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new RangeError(`linear: input has ${x.shape[x.ndim - 1] ?? 0} features in its last dim but weight expects ${inFeatures} (input ${formatShape(x.shape)}, weight ${formatShape(weight.shape)})`);
  }
  if (bias != null && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) {
    throw new RangeError(`linear: bias must have shape [${outFeatures}], got ${formatShape(bias.shape)}`);
  }
  const rows = x.size / inFeatures;
  checkedSize([...x.shape.slice(0, -1), outFeatures], 'linear');
  const x2 = reshape(x, [1, rows, inFeatures]);
  const y = kernels().gemm(x2, weight, { batch: 1, m: rows, n: outFeatures, k: inFeatures, transA: false, transB: true, batchA: 1, batchB: 1 });
  const recorded = record(y, 'linear', [x2, weight], (g) => [
    x2.requiresGrad ? kernels().gemm(g, weight, { batch: 1, m: rows, n: inFeatures, k: outFeatures, transA: false, transB: false, batchA: 1, batchB: 1 }) : null,
    weight.requiresGrad
      ? reshape(kernels().gemm(g, x2, { batch: 1, m: outFeatures, n: inFeatures, k: rows, transA: true, transB: false, batchA: 1, batchB: 1 }), [outFeatures, inFeatures])
      : null,
  ]);
  const out = reshape(recorded, [...x.shape.slice(0, -1), outFeatures]);
  if (bias == null) return out;
  // a kernel rather than a broadcasting add, so that a GPU backend keeps the layer on the device
  const p = { outer: rows, channels: outFeatures, inner: 1 };
  return record(kernels().biasAdd(out, bias, p), 'linear bias', [out, bias], (g) => [g, bias.requiresGrad ? biasGradient(g, p) : null]);
}

/** A bias's gradient: the output's gradient summed over all but the channel dim of [outer, channels, inner]. */
export function biasGradient(g: Tensor, p: { outer: number; channels: number; inner: number }): Tensor {
  return kernels().reduce(g.withShape([p.outer, p.channels, p.inner]), { op: 'sum', dims: [0, 2] }).withShape([p.channels]);
}
