// The movement primitives, one thread per output element: stridedCopy reads any view through a
// strided walk (walk.ts: a permute is one walk, a plain copy a rank-1 walk); indexSelect and indexAdd
// see a tensor around one dim as [outer, length, inner], position k along the dim of slice (o, j)
// being element (o·length + k)·inner + j, with the index (float32 positions) in its own buffer.
// indexAdd gathers: the thread of out[o, s, j] adds src[o, k, j] for every k whose index is s, in
// order of k as js does, so it needs no atomics. Which k those are comes from the index inverted on
// the CPU (every index the ops make is a CPU tensor): per s, its k's, a counting sort of the index.
// An index that lives on this device cannot be read without waiting; then each thread scans the whole
// index for its s (a workgroup's threads read the same index[k]: one broadcast load), which costs a
// pass over the index per output element rather than one in all.
// gather and scatterAdd take a position per element: scatterAdd's thread of out[o, s, j] scans its own
// column index[o, ·, j] for s (the indices of sort are made on the device, so there is nothing to invert).

import type { GatherParams, IndexAddParams, IndexSelectParams, Kernels, ScatterAddParams, StridedCopyParams } from '../engine/kernels.js';
import { Tensor } from '../engine/tensor.js';
import { grid, perElementShader, type Shader, type WebGpu } from './device.js';
import { jsMathWgsl } from './math.js';
import { simplifyWalk, walkFields, walkOffsets, walkParams, walkReach, type Walk } from './walk.js';

/** read: names of array<f32> bindings, or `name: type`; preamble: WGSL functions the body calls */
const elementShader = (name: string, read: string[], fields: string, body: string, preamble = ''): Shader => perElementShader(name, { read, fields, helpers: [preamble], body });

const stridedCopyShaders = new Map<number, Shader>();

function stridedCopyShader(walk: Walk): Shader {
  const rank = walk.shape.length;
  let shader = stridedCopyShaders.get(rank);
  if (!shader) {
    shader = elementShader('stridedCopy', ['x'], `offset: u32, ${walkFields('view', walk, ['x'])}`, `${walkOffsets('view', walk, ['x'], 'i')}\n  out[i] = x[p.offset + xOffset];`);
    stridedCopyShaders.set(rank, shader);
  }
  return shader;
}

// (o, k, j) of output element i, for out [outer, count, inner]
const aroundDim = 'let j = i % p.inner; let k = (i / p.inner) % p.count; let o = i / (p.inner * p.count);';

// index −1 gives the fill (pad's constant mode)
const indexSelect = elementShader(
  'indexSelect',
  ['x', 'index'],
  'count: u32, inner: u32, length: u32, fill: f32,',
  `${aroundDim}
  let position = i32(index[k]);
  if (position < 0) { out[i] = p.fill; return; }
  out[i] = x[(o * p.length + u32(position)) * p.inner + j];`,
);

// out[o, s, j] (k of aroundDim is s here) = Σ over k' with index[k'] == s of src[o, k', j]; −1 names no position.
// inverse: offsets[0 … count] (s's k's are entries offsets[s] … offsets[s + 1] − 1), then the k's
const indexAddInverted = elementShader(
  'indexAdd',
  ['src', 'inverse: array<u32>'],
  'count: u32, inner: u32, length: u32,',
  `${aroundDim}
  var total = 0.0;
  for (var entry = inverse[k]; entry < inverse[k + 1u]; entry++) {
    total += src[(o * p.length + inverse[p.count + 1u + entry]) * p.inner + j];
  }
  out[i] = total;`,
);

const indexAddScanning = elementShader(
  'indexAdd (an index on the device)',
  ['src', 'index'],
  'count: u32, inner: u32, length: u32,',
  `${aroundDim}
  var total = 0.0;
  for (var position = 0u; position < p.length; position++) {
    if (i32(index[position]) == i32(k)) { total += src[(o * p.length + position) * p.inner + j]; }
  }
  out[i] = total;`,
);

// gather: out[o, k, j] = x[o, index[o, k, j], j] over out = index's shape [outer, count, inner]; an entry
// that is no position 0 … length − 1 gives NaN, as js (tested by bits: WGSL may assume floats are never NaN)
const gather = elementShader(
  'gather',
  ['x', 'index'],
  'count: u32, inner: u32, length: u32,',
  `${aroundDim}
  let position = index[i];
  if (isNan(position) || !(position >= 0.0 && position < f32(p.length) && floor(position) == position)) { out[i] = nan(); return; }
  out[i] = x[(o * p.length + u32(position)) * p.inner + j];`,
  jsMathWgsl,
);

// scatterAdd: out[o, s, j] (k of aroundDim is s here) = Σ over k' < length with index[o, k', j] == s of
// src[o, k', j], in order of k' as js; an entry that is no position names no s
const scatterAdd = elementShader(
  'scatterAdd',
  ['src', 'index'],
  'count: u32, inner: u32, length: u32,',
  `${aroundDim}
  var total = 0.0;
  for (var position = 0u; position < p.length; position++) {
    let at = (o * p.length + position) * p.inner + j;
    if (index[at] == f32(k)) { total += src[at]; }
  }
  out[i] = total;`,
);

/** indexAddInverted's inverse of `index` (targets 0 … size − 1; −1 skipped), its u32 words in a Float32Array for upload. */
function invert(index: Float32Array, size: number): Float32Array {
  const words = new Uint32Array(size + 1 + index.length);
  for (const s of index) {
    if (!Number.isInteger(s) || s < -1 || s >= size) throw new RangeError(`webgpu indexAdd: index entries must be positions 0 … ${size - 1} or −1, got ${s}`);
    if (s >= 0) words[s + 1]++;
  }
  for (let s = 0; s < size; s++) words[s + 1] += words[s];
  const next = words.slice(0, size);
  index.forEach((s, k) => {
    if (s >= 0) words[size + 1 + next[s]++] = k;
  });
  return new Float32Array(words.buffer);
}

/** the elements after `dim` per position along it, or an error naming the kernel */
function around(kernel: string, x: Tensor, dim: number, index: Tensor) {
  if (!Number.isInteger(dim) || dim < 0 || dim >= x.ndim) throw new RangeError(`webgpu ${kernel}: dim ${dim} is out of range for a tensor of shape [${x.shape}]`);
  if (index.ndim !== 1) throw new RangeError(`webgpu ${kernel}: expected a 1-d index, got shape [${index.shape}]`);
  return { inner: x.shape.slice(dim + 1).reduce((a, b) => a * b, 1) };
}

/** gather's and scatterAdd's x (or src) and index: the same rank, the same sizes but along `dim` (where `same` also there) */
function alongDim(kernel: string, x: Tensor, dim: number, index: Tensor, same: boolean) {
  if (!Number.isInteger(dim) || dim < 0 || dim >= x.ndim) throw new RangeError(`webgpu ${kernel}: dim ${dim} is out of range for a tensor of shape [${x.shape}]`);
  if (index.ndim !== x.ndim || index.shape.some((d, i) => d !== x.shape[i] && (same || i !== dim))) {
    throw new RangeError(`webgpu ${kernel}: expected an index of shape [${x.shape}]${same ? '' : ` but along dim ${dim}`}, got [${index.shape}]`);
  }
  return { inner: x.shape.slice(dim + 1).reduce((a, b) => a * b, 1) };
}

export function movementKernels(gpu: WebGpu): Pick<Kernels, 'stridedCopy' | 'indexSelect' | 'indexAdd' | 'gather' | 'scatterAdd'> {
  return {
    stridedCopy(x, p: StridedCopyParams) {
      if (!Number.isInteger(p.offset) || p.offset < 0) throw new RangeError(`webgpu stridedCopy: offset must be a non-negative integer, got ${p.offset}`);
      const walk = simplifyWalk(p.shape, [p.strides], 'stridedCopy');
      const reach = walkReach(walk, 0, p.offset);
      if (reach > x.size) throw new RangeError(`webgpu stridedCopy: x has ${x.size} values [${x.shape}], the view (shape [${p.shape}], strides [${p.strides}], offset ${p.offset}) reads ${reach}`);
      const out = gpu.empty(p.shape);
      if (out.size === 0) return out;
      gpu.run(stridedCopyShader(walk), [gpu.bufferOf(x), gpu.bufferOf(out)], [out.size, p.offset, ...walkParams(walk)], grid(out.size));
      return out;
    },
    indexSelect(x, index, { dim, fill }: IndexSelectParams) {
      const { inner } = around('indexSelect', x, dim, index);
      const out = gpu.empty(x.shape.map((d, i) => (i === dim ? index.size : d)));
      if (out.size === 0) return out;
      gpu.run(indexSelect, [gpu.bufferOf(x), gpu.bufferOf(index), gpu.bufferOf(out)], [out.size, index.size, inner, x.shape[dim], { f32: fill }], grid(out.size));
      return out;
    },
    indexAdd(src, index, { dim, size }: IndexAddParams) {
      const { inner } = around('indexAdd', src, dim, index);
      if (index.size !== src.shape[dim]) throw new RangeError(`webgpu indexAdd: expected an index of ${src.shape[dim]} positions (src's dim ${dim}), got ${index.size}`);
      const out = gpu.empty(src.shape.map((d, i) => (i === dim ? size : d)));
      if (out.size === 0) return out;
      const onDevice = index.deviceStorage('webgpu') !== null;
      const [shader, lookup] = onDevice ? [indexAddScanning, index] : [indexAddInverted, new Tensor(invert(index.data, size), [size + 1 + index.size])];
      gpu.run(shader, [gpu.bufferOf(src), gpu.bufferOf(lookup), gpu.bufferOf(out)], [out.size, size, inner, index.size], grid(out.size));
      return out;
    },
    gather(x, index, { dim }: GatherParams) {
      const { inner } = alongDim('gather', x, dim, index, false);
      const out = gpu.empty(index.shape);
      if (out.size === 0) return out;
      gpu.run(gather, [gpu.bufferOf(x), gpu.bufferOf(index), gpu.bufferOf(out)], [out.size, index.shape[dim], inner, x.shape[dim]], grid(out.size));
      return out;
    },
    scatterAdd(src, index, { dim, size }: ScatterAddParams) {
      const { inner } = alongDim('scatterAdd', src, dim, index, true);
      const out = gpu.empty(src.shape.map((d, i) => (i === dim ? size : d)));
      if (out.size === 0) return out;
      gpu.run(scatterAdd, [gpu.bufferOf(src), gpu.bufferOf(index), gpu.bufferOf(out)], [out.size, size, inner, src.shape[dim]], grid(out.size));
      return out;
    },
  };
}
