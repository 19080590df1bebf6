// Strided walks over a contiguous buffer: the one loop behind permute, expand, slice and
// broadcasting. `strides[d]` says how far the source moves when output index d grows by one
// (0 repeats an element, which is how broadcasting and expand read).

/** out[i] = src[offset + Σ index_d · strides_d] for every index of `shape`, row-major. */
export function stridedGather(src: Float32Array, shape: readonly number[], strides: readonly number[], offset = 0): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  forEachStrided(shape, strides, offset, (i, j) => {
    out[i] = src[j];
  });
  return out;
}

/** The reverse of stridedGather: dst[offset + Σ index_d · strides_d] += src[i]. */
export function stridedScatterAdd(dst: Float32Array, src: Float32Array, shape: readonly number[], strides: readonly number[], offset = 0): Float32Array {
  forEachStrided(shape, strides, offset, (i, j) => {
    dst[j] += src[i];
  });
  return dst;
}

/** Calls visit(i, j) with the row-major output position i and the strided source position j. */
export function forEachStrided(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  visit: (i: number, j: number) => void,
): void {
  const ndim = shape.length;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const index = new Array<number>(ndim).fill(0);
  let j = offset;
  for (let i = 0; i < n; i++) {
    visit(i, j);
    // odometer: bump the last index, carrying into earlier dims
    for (let d = ndim - 1; d >= 0; d--) {
      index[d]++;
      j += strides[d];
      if (index[d] < shape[d]) break;
      j -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}
