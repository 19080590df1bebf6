// reduce: sum, mean, max, min, argmax, argmin over any dims. x is read as two strided walks (walk.ts):
// the kept dims, which find the start of an output's slice, and the reduced dims, which step through
// the slice; an output's elements are numbered r = 0 … length − 1 by the reduced walk.
// Two shapes of dispatch:
// - one thread per output, looping over its slice, for short reductions or many outputs (neighbouring
//   threads then read neighbouring kept positions: coalesced when the reduction is over outer dims);
// - one workgroup per output for long reductions: thread t takes r = t, t + 256, … (coalesced along a
//   contiguous reduced dim), then the 256 partial results meet in a tree in workgroup memory.
// js sums in float64; here every thread adds its values in blocks of 64 and then the block sums, so
// rounding grows with 64 + length/64 rather than with length, and the tree adds log2(256) more levels.
// The extremes carry (value, r) and keep the larger value, NaN counting as the largest, ties going to
// the smaller r: the first extreme, as js's argmax, whatever the order partial results meet in.

import type { Kernels, ReduceOp, ReduceParams } from '../engine/kernels.js';
import type { Tensor } from '../engine/tensor.js';
import { flatIndexWgsl, grid, WORKGROUP_SIZE, type Shader, type WebGpu } from './device.js';
import { jsMathWgsl } from './math.js';
import { simplifyWalk, walkFields, walkOffsets, walkParams, type Walk } from './walk.js';

/** values a thread adds up before adding the block into its total */
const BLOCK = 64;

/**
 * WGSL statements declaring `var ${total}: ${type}`, the sum of `expression` (of k) over this thread's
 * k = first, first + step, … < length, added in blocks of BLOCK values (the rounding argument above).
 */
export function blockSumWgsl(total: string, type: string, first: string, step: string, length: string, expression: string): string {
  return `var ${total} = ${type}();
  {
    var k = ${first};
    while (k < ${length}) {
      var block = ${type}();
      for (let end = min(k + ${BLOCK}u * ${step}, ${length}); k < end; k += ${step}) { block += ${expression}; }
      ${total} += block;
    }
  }`;
}

/**
 * WGSL: fn name(t: u32, v: type) -> type, the merge of every thread's v across a workgroup of
 * WORKGROUP_SIZE (t its local_invocation_index), as a tree in workgroup memory. Call it from uniform
 * control flow; calling it again (another tree after this one) is safe, it waits for every thread to
 * have read the last result before it writes.
 */
export function workgroupTreeWgsl(name: string, type: string, merge: (a: string, b: string) => string): string {
  const size = WORKGROUP_SIZE;
  return /* wgsl */ `
var<workgroup> ${name}Partial: array<${type}, ${size}>;
fn ${name}(t: u32, v: ${type}) -> ${type} {
  workgroupBarrier();
  ${name}Partial[t] = v;
  workgroupBarrier();
  for (var width = ${size / 2}u; width > 0u; width >>= 1u) {
    if (t < width) { ${name}Partial[t] = ${merge(`${name}Partial[t]`, `${name}Partial[t + width]`)}; }
    workgroupBarrier();
  }
  return ${name}Partial[0];
}`;
}

/** The accumulator of each op in WGSL: type Acc, empty(), leaf(v, r), merge(a, b), finish(a) -> f32. */
function accumulatorWgsl(op: ReduceOp): string {
  if (op === 'sum' || op === 'mean') {
    return /* wgsl */ `
alias Acc = f32;
fn empty() -> Acc { return 0.0; }
fn leaf(v: f32, r: u32) -> Acc { return v; }
fn merge(a: Acc, b: Acc) -> Acc { return a + b; }
fn finish(a: Acc) -> f32 { return ${op === 'mean' ? 'a / p.count' : 'a'}; }`;
  }
  const larger = op === 'max' || op === 'argmax' ? '>' : '<';
  const result = op.startsWith('arg') ? 'f32(select(a.index, 0u, a.index == NONE))' : 'select(a.value, nan(), a.index == NONE)';
  return /* wgsl */ `
struct Acc { value: f32, index: u32 }
const NONE = 0xffffffffu; // no element seen (an empty slice: NaN, or index 0, as js)
fn empty() -> Acc { return Acc(0.0, NONE); }
fn leaf(v: f32, r: u32) -> Acc { return Acc(v, r); }
fn merge(a: Acc, b: Acc) -> Acc {
  if (a.index == NONE) { return b; }
  if (b.index == NONE) { return a; }
  let aNan = isNan(a.value);
  let bNan = isNan(b.value);
  var bWins: bool;
  if (aNan || bNan) {
    bWins = bNan && (!aNan || b.index < a.index);
  } else if (a.value == b.value) {
    bWins = b.index < a.index;
  } else {
    bWins = b.value ${larger} a.value;
  }
  if (bWins) { return b; }
  return a;
}
fn finish(a: Acc) -> f32 { return ${result}; }`;
}

const header = (op: ReduceOp, kept: Walk, reduced: Walk) => /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct Params { outputs: u32, length: u32, count: f32, ${walkFields('kept', kept, ['slice'])} ${walkFields('reduced', reduced, ['element'])} }
@group(0) @binding(2) var<storage, read> p: Params;
${flatIndexWgsl}
${jsMathWgsl}
${accumulatorWgsl(op)}
fn element(sliceOffset: u32, r: u32) -> f32 {
  ${walkOffsets('reduced', reduced, ['element'], 'r')}
  return x[sliceOffset + elementOffset];
}`;

function threadPerOutput(op: ReduceOp, kept: Walk, reduced: Walk): Shader {
  return {
    name: `reduce ${op} (a thread per output)`,
    code: /* wgsl */ `${header(op, kept, reduced)}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let o = flatIndex(id, groups, ${WORKGROUP_SIZE}u);
  if (o >= p.outputs) { return; }
  ${walkOffsets('kept', kept, ['slice'], 'o')}
  var total = empty();
  var r = 0u;
  while (r < p.length) {
    var block = empty();
    for (let end = min(r + ${BLOCK}u, p.length); r < end; r++) { block = merge(block, leaf(element(sliceOffset, r), r)); }
    total = merge(total, block);
  }
  out[o] = finish(total);
}`,
  };
}

function workgroupPerOutput(op: ReduceOp, kept: Walk, reduced: Walk): Shader {
  const size = WORKGROUP_SIZE;
  return {
    name: `reduce ${op} (a workgroup per output)`,
    code: /* wgsl */ `${header(op, kept, reduced)}
${workgroupTreeWgsl('mergeAcross', 'Acc', (a, b) => `merge(${a}, ${b})`)}
@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) t: u32) {
  let o = flatIndex(group, groups, 1u);
  if (o >= p.outputs) { return; } // the same for the whole workgroup
  ${walkOffsets('kept', kept, ['slice'], 'o')}
  var total = empty();
  var r = t;
  while (r < p.length) {
    var block = empty();
    for (let end = min(r + ${BLOCK * size}u, p.length); r < end; r += ${size}u) { block = merge(block, leaf(element(sliceOffset, r), r)); }
    total = merge(total, block);
  }
  let result = mergeAcross(t, total);
  if (t == 0u) { out[o] = finish(result); }
}`,
  };
}

const shaders = new Map<string, Shader>();

/** A reduction (or a softmax row) is long when it is longer than a workgroup, or long enough to share and with too few outputs to fill a GPU. */
export const isLongReduction = (length: number, outputs: number) => length > WORKGROUP_SIZE || (length > 32 && outputs < 1024);

export function reduceKernels(gpu: WebGpu): Pick<Kernels, 'reduce'> {
  return {
    reduce(x: Tensor, p: ReduceParams) {
      if (!['sum', 'mean', 'max', 'min', 'argmax', 'argmin'].includes(p.op)) throw new RangeError(`webgpu reduce: unknown op '${p.op}' (expected sum, mean, max, min, argmax or argmin)`);
      for (const d of p.dims) {
        if (!Number.isInteger(d) || d < 0 || d >= Math.max(x.ndim, 1)) throw new RangeError(`webgpu reduce: dim ${d} is out of range for a tensor of shape [${x.shape}]`);
      }
      if (p.op.startsWith('arg') && p.dims.length !== 1) throw new RangeError(`webgpu reduce: ${p.op} takes exactly one dim, got [${p.dims}]`);
      const reducedDims = (d: number) => p.dims.includes(d);
      const xStrides = x.shape.map((_, d) => x.shape.slice(d + 1).reduce((a, b) => a * b, 1));
      const part = (keep: boolean) => {
        const dims = x.shape.map((_, d) => d).filter((d) => reducedDims(d) !== keep);
        return { shape: dims.map((d) => x.shape[d]), strides: dims.map((d) => xStrides[d]) };
      };
      const [keptPart, reducedPart] = [part(true), part(false)];
      const kept = simplifyWalk(keptPart.shape, [keptPart.strides], 'reduce');
      const reduced = simplifyWalk(reducedPart.shape, [reducedPart.strides], 'reduce');
      const outputs = keptPart.shape.reduce((a, b) => a * b, 1);
      const length = reducedPart.shape.reduce((a, b) => a * b, 1);

      const out = gpu.empty(x.shape.map((d, i) => (reducedDims(i) ? 1 : d)));
      if (outputs === 0) return out;
      const long = isLongReduction(length, outputs);
      const key = `${p.op} ${long} ${kept.shape.length} ${reduced.shape.length}`;
      let shader = shaders.get(key);
      if (!shader) shaders.set(key, (shader = (long ? workgroupPerOutput : threadPerOutput)(p.op, kept, reduced)));
      const params = [outputs, length, { f32: length }, ...walkParams(kept), ...walkParams(reduced)];
      gpu.run(shader, [gpu.bufferOf(x), gpu.bufferOf(out)], params, long ? grid(outputs, 1) : grid(outputs));
      return out;
    },
  };
}
