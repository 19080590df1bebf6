// softmax / logSoftmax along a dim and their gradient. x is [outer, length, inner] around the dim: a
// slice (o, j) is the elements base + k·inner, k < length. Like reduce, two shapes of dispatch, from one
// template: one thread per slice for short rows (neighbouring threads take neighbouring j: coalesced
// unless the dim is the last), or one workgroup per slice for long rows, whose threads take
// k = t, t + 256, … and meet in trees in workgroup memory (reduce.ts's workgroupTreeWgsl).
// softmax reads its row three times (max, Σ e^(x − max), write), which keeps every exponent <= 0.

import type { Kernels, SoftmaxParams } from '../engine/kernels.js';
import type { Tensor } from '../engine/tensor.js';
import { flatIndexWgsl, grid, WORKGROUP_SIZE, type Shader, type WebGpu } from './device.js';
import { jsMathWgsl } from './math.js';
import { blockSumWgsl, isLongReduction, workgroupTreeWgsl } from './reduce.js';

/**
 * A shader over slices: `inputs` bound first, then `out`, then the params; `body` sees the slice's
 * `base`, the loop header `each` (a `for` over this thread's k) and `sum(total, expression)`, which
 * declares `total`, the slice's block-summed total of an expression of k (the block sums of reduce.ts).
 * `maxAcross(t, v)` and `sumAcross(t, v)` combine the threads of a slice (the identity for a thread per slice).
 */
function sliceShader(name: string, long: boolean, inputs: string[], body: (each: string, sum: (total: string, expression: string) => string) => string): Shader {
  const [first, step] = long ? ['t', `${WORKGROUP_SIZE}u`] : ['0u', '1u'];
  const each = `for (var k = ${first}; k < p.length; k += ${step})`;
  const sum = (total: string, expression: string) => `${blockSumWgsl(total, 'f32', first, step, 'p.length', expression)}
  ${total} = sumAcross(t, ${total});`;
  const across = long
    ? `${workgroupTreeWgsl('maxAcross', 'f32', (a, b) => `maxJs(${a}, ${b})`)}\n${workgroupTreeWgsl('sumAcross', 'f32', (a, b) => `${a} + ${b}`)}`
    : 'fn maxAcross(t: u32, v: f32) -> f32 { return v; }\nfn sumAcross(t: u32, v: f32) -> f32 { return v; }';
  const entry = long
    ? `@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) t: u32`
    : `@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u`;
  return {
    name: `${name} (a ${long ? 'workgroup' : 'thread'} per slice)`,
    code: /* wgsl */ `
${inputs.map((input, i) => `@group(0) @binding(${i}) var<storage, read> ${input}: array<f32>;`).join('\n')}
@group(0) @binding(${inputs.length}) var<storage, read_write> out: array<f32>;
struct Params { slices: u32, length: u32, inner: u32 }
@group(0) @binding(${inputs.length + 1}) var<storage, read> p: Params;
${flatIndexWgsl}
${jsMathWgsl}
${across}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(${entry}) {
  ${long ? 'let s = flatIndex(group, groups, 1u);' : `let s = flatIndex(id, groups, ${WORKGROUP_SIZE}u);\n  let t = 0u;`}
  if (s >= p.slices) { return; }${long ? ' // the same for the whole workgroup' : ''}
  let base = (s / p.inner) * p.length * p.inner + s % p.inner;
  ${body(each, sum)}
}`,
  };
}

const softmaxBody = (log: boolean) => (each: string, sum: (total: string, expression: string) => string) => `
  var m = infinity(true);
  ${each} { m = maxJs(m, x[base + k * p.inner]); }
  m = maxAcross(t, m);
  ${sum('total', 'expJs(x[base + k * p.inner] - m)')}
  let logTotal = logJs(total);
  ${each} {
    let v = x[base + k * p.inner] - m;
    out[base + k * p.inner] = ${log ? 'v - logTotal' : 'expJs(v) / total'};
  }`;

// log: dx = dy − e^y·Σ dy; softmax: dx = y·(dy − Σ dy·y)
const backwardBody = (log: boolean) => (each: string, sum: (total: string, expression: string) => string) =>
  log
    ? `
  ${sum('total', 'gradOutput[base + k * p.inner]')}
  ${each} { let i = base + k * p.inner; out[i] = gradOutput[i] - expJs(output[i]) * total; }`
    : `
  ${sum('dot', 'gradOutput[base + k * p.inner] * output[base + k * p.inner]')}
  ${each} { let i = base + k * p.inner; out[i] = output[i] * (gradOutput[i] - dot); }`;

const shaders = new Map<string, Shader>();

function cached(key: string, make: () => Shader): Shader {
  let shader = shaders.get(key);
  if (!shader) shaders.set(key, (shader = make()));
  return shader;
}

/** The slices of `shape` along `dim`, or an error naming the kernel. */
function slicesOf(kernel: string, shape: readonly number[], dim: number) {
  if (!Number.isInteger(dim) || dim < 0 || dim >= Math.max(shape.length, 1)) throw new RangeError(`webgpu ${kernel}: dim ${dim} is out of range for a tensor of shape [${shape}]`);
  const length = shape[dim] ?? 1;
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const slices = shape.reduce((a, b) => a * b, 1) / (length || 1);
  return { slices, length, inner, long: isLongReduction(length, slices) };
}

export function softmaxKernels(gpu: WebGpu): Pick<Kernels, 'softmax' | 'softmaxBackward'> {
  const dispatch = (shader: Shader, inputs: Tensor[], out: Tensor, s: ReturnType<typeof slicesOf>) => {
    if (out.size === 0) return out;
    const buffers = [...inputs.map((t) => gpu.bufferOf(t)), gpu.bufferOf(out)];
    gpu.run(shader, buffers, [s.slices, s.length, s.inner], s.long ? grid(s.slices, 1) : grid(s.slices));
    return out;
  };
  return {
    softmax(x, { dim, log }: SoftmaxParams) {
      const s = slicesOf('softmax', x.shape, dim);
      const shader = cached(`softmax ${log} ${s.long}`, () => sliceShader(log ? 'logSoftmax' : 'softmax', s.long, ['x'], softmaxBody(log)));
      return dispatch(shader, [x], gpu.empty(x.shape), s);
    },
    softmaxBackward(gradOutput, output, { dim, log }: SoftmaxParams) {
      const s = slicesOf('softmaxBackward', output.shape, dim);
      const shader = cached(`backward ${log} ${s.long}`, () => sliceShader(log ? 'logSoftmaxBackward' : 'softmaxBackward', s.long, ['gradOutput', 'output'], backwardBody(log)));
      return dispatch(shader, [gradOutput, output], gpu.empty(output.shape), s);
    },
  };
}
