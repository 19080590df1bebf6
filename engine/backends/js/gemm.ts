// Matrix multiply C = op(A)·op(B), batched. Two loop orders, both reading memory in order:
// for plain B, row i of C gathers rows of B scaled by A[i][p] (i-p-j order); for transposed B,
// each C[i][j] is a dot product of two contiguous rows.

import type { GemmParams } from '../../kernels.js';
import { Tensor } from '../../tensor.js';

export function gemm(a: Tensor, b: Tensor, p: GemmParams): Tensor {
  const { batch, m, n, k, transA, transB } = p;
  const A = a.data;
  const B = b.data;
  const C = new Float32Array(batch * m * n);
  const row = new Float64Array(n); // one row of C, accumulated in double precision
  for (let bi = 0; bi < batch; bi++) {
    const aBase = (p.batchA === 1 ? 0 : bi) * m * k;
    const bBase = (p.batchB === 1 ? 0 : bi) * k * n;
    const cBase = bi * m * n;
    for (let i = 0; i < m; i++) {
      if (transB) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let q = 0; q < k; q++) {
            const aiq = transA ? A[aBase + q * m + i] : A[aBase + i * k + q];
            dot += aiq * B[bBase + j * k + q];
          }
          C[cBase + i * n + j] = dot;
        }
      } else {
        row.fill(0);
        for (let q = 0; q < k; q++) {
          const aiq = transA ? A[aBase + q * m + i] : A[aBase + i * k + q];
          const bRow = bBase + q * n;
          for (let j = 0; j < n; j++) row[j] += aiq * B[bRow + j];
        }
        C.set(row, cBase + i * n);
      }
    }
  }
  return new Tensor(C, [batch, m, n]);
}
