// Strided walks over a contiguous buffer: the one loop behind permute, expand, slice, broadcasting
// and reductions. `strides[d]` says how far the source moves when output index d grows by one
// (0 repeats an element, which is how broadcasting and expand read).
// The last dim is walked by a plain inner loop; an odometer steps the outer dims between runs.

/**
 * For every index of `shape` in row-major order, calls run(i, j) where i is the output position of
 * the start of a last-dim run and j the source position of its first element.
 */
function forEachRun(shape: readonly number[], strides: readonly number[], offset: number, run: (i: number, j: number) => void): void {
  const ndim = shape.length;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 0) return;
  const inner = ndim === 0 ? 1 : shape[ndim - 1];
  const index = new Array<number>(Math.max(ndim - 1, 0)).fill(0);
  let j = offset;
  for (let i = 0; i < size; i += inner) {
    run(i, j);
    for (let d = ndim - 2; d >= 0; d--) {
      index[d]++;
      j += strides[d];
      if (index[d] < shape[d]) break;
      j -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

/** The stride of the last dim (what the inner loops step by). */
const innerOf = (shape: readonly number[], strides: readonly number[]) =>
  shape.length === 0 ? { inner: 1, step: 0 } : { inner: shape[shape.length - 1], step: strides[strides.length - 1] };

/** out[i] = src[offset + Σ index_d · strides_d] for every index of `shape`, row-major. */
export function stridedGather(src: Float32Array, shape: readonly number[], strides: readonly number[], offset = 0): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const { inner, step } = innerOf(shape, strides);
  forEachRun(shape, strides, offset, (i, j) => {
    for (let k = 0; k < inner; k++) out[i + k] = src[j + k * step];
  });
  return out;
}

/**
 * The reverse of stridedGather: dst[offset + Σ index_d · strides_d] += src[i]. With stride 0 along
 * some dims this is a reduction (sum) over them.
 */
export function stridedScatterAdd<T extends Float32Array | Float64Array>(dst: T, src: Float32Array, shape: readonly number[], strides: readonly number[], offset = 0): T {
  const { inner, step } = innerOf(shape, strides);
  forEachRun(shape, strides, offset, (i, j) => {
    if (step === 0) {
      let total = 0; // a run that all lands on one element: add it up first
      for (let k = 0; k < inner; k++) total += src[i + k];
      dst[j] += total;
    } else {
      for (let k = 0; k < inner; k++) dst[j + k * step] += src[i + k];
    }
  });
  return dst;
}

/** The source position of every index of `shape` (what stridedGather reads), as one array. */
export function stridedPositions(shape: readonly number[], strides: readonly number[], offset = 0): Int32Array {
  const out = new Int32Array(shape.reduce((a, b) => a * b, 1));
  const { inner, step } = innerOf(shape, strides);
  forEachRun(shape, strides, offset, (i, j) => {
    for (let k = 0; k < inner; k++) out[i + k] = j + k * step;
  });
  return out;
}
