// Batch normalization's passes over x [outer, channels, inner] (engine/ops/batchnorm.ts works out the
// per-channel coefficients between them). The two per-channel sums run a workgroup per channel: its
// threads take the channel's values r = t, t + 256, … (r = o·inner + j: coalesced along inner), add
// them in blocks (reduce.ts) and meet in a tree in workgroup memory. The statistics are two passes in
// one dispatch (the mean, then Σ (x − mean)², as js), the gradient's two sums one pass over vec2s.
// The affine maps are one thread per element, channel (i / inner) % channels.

import type { BatchNormBackwardCoefficients, BatchNormForwardCoefficients, ChannelParams, Kernels } from '../engine/kernels.js';
import type { Tensor } from '../engine/tensor.js';
import { flatIndexWgsl, grid, perElementShader, WORKGROUP_SIZE, type Shader, type WebGpu } from './device.js';
import { blockSumWgsl, workgroupTreeWgsl } from './reduce.js';

/** A workgroup-per-channel shader: read-only `inputs`, then the per-channel `outputs`, then the params. */
function perChannel(name: string, inputs: string[], outputs: string[], type: string, body: (sum: (total: string, expression: string) => string) => string): Shader {
  const sum = (total: string, expression: string) =>
    `${blockSumWgsl(total, type, 't', `${WORKGROUP_SIZE}u`, 'p.count', expression)}\n  ${total} = sumAcross(t, ${total});`;
  return {
    name,
    code: /* wgsl */ `
${inputs.map((input, i) => `@group(0) @binding(${i}) var<storage, read> ${input}: array<f32>;`).join('\n')}
${outputs.map((output, i) => `@group(0) @binding(${inputs.length + i}) var<storage, read_write> ${output}: array<f32>;`).join('\n')}
struct Params { channels: u32, inner: u32, count: u32 }
@group(0) @binding(${inputs.length + outputs.length}) var<storage, read> p: Params;
${flatIndexWgsl}
${workgroupTreeWgsl('sumAcross', type, (a, b) => `${a} + ${b}`)}
// the k-th value of channel c: k = o·inner + j
fn at(c: u32, k: u32) -> u32 {
  return ((k / p.inner) * p.channels + c) * p.inner + k % p.inner;
}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) t: u32) {
  let c = flatIndex(group, groups, 1u);
  if (c >= p.channels) { return; } // the same for the whole workgroup
  ${body(sum)}
}`,
  };
}

const stats = perChannel('batchNormStats', ['x'], ['mean', 'variance'], 'f32', (sum) => `
  ${sum('total', 'x[at(c, k)]')}
  let m = total / f32(p.count);
  ${sum('squares', '(x[at(c, k)] - m) * (x[at(c, k)] - m)')}
  if (t == 0u) { mean[c] = m; variance[c] = squares / f32(p.count); }`);

const gradSums = perChannel('batchNormGradSums', ['gradOutput', 'x', 'mean'], ['sumGrad', 'sumGradCentered'], 'vec2f', (sum) => `
  let m = mean[c];
  ${sum('sums', 'vec2f(gradOutput[at(c, k)], gradOutput[at(c, k)] * (x[at(c, k)] - m))')}
  if (t == 0u) { sumGrad[c] = sums.x; sumGradCentered[c] = sums.y; }`);

const affine = (name: string, read: string[], expression: string): Shader =>
  perElementShader(name, { read, fields: 'channels: u32, inner: u32', body: `let c = (i / p.inner) % p.channels;\n  out[i] = ${expression};` });

const forward = affine('batchNormForward', ['x', 'mean', 'scale', 'shift'], '(x[i] - mean[c]) * scale[c] + shift[c]');
const backward = affine('batchNormBackward', ['gradOutput', 'x', 'mean', 'gradScale', 'inputScale', 'shift'], 'gradOutput[i] * gradScale[c] + (x[i] - mean[c]) * inputScale[c] + shift[c]');

/** that x holds [outer, channels, inner] and every coefficient [channels], or an error naming the kernel */
function checkSizes(kernel: string, x: Tensor, p: ChannelParams, coefficients: Tensor[]): void {
  if (x.size !== p.outer * p.channels * p.inner) throw new RangeError(`webgpu ${kernel}: expected ${p.outer}·${p.channels}·${p.inner} values, got shape [${x.shape}]`);
  for (const t of coefficients) if (t.size !== p.channels) throw new RangeError(`webgpu ${kernel}: expected per-channel coefficients of ${p.channels} values, got shape [${t.shape}]`);
}

export function batchNormKernels(gpu: WebGpu): Pick<Kernels, 'batchNormStats' | 'batchNormForward' | 'batchNormGradSums' | 'batchNormBackward'> {
  const sums = (shader: Shader, inputs: Tensor[], p: ChannelParams): Tensor[] => {
    const outputs = [gpu.empty([p.channels]), gpu.empty([p.channels])];
    if (p.channels > 0) gpu.run(shader, [...inputs, ...outputs].map((t) => gpu.bufferOf(t)), [p.channels, p.inner, p.outer * p.inner], grid(p.channels, 1));
    return outputs;
  };
  const map = (shader: Shader, inputs: Tensor[], p: ChannelParams): Tensor => {
    const out = gpu.empty(inputs[0].shape);
    if (out.size > 0) gpu.run(shader, [...inputs, out].map((t) => gpu.bufferOf(t)), [out.size, p.channels, p.inner], grid(out.size));
    return out;
  };
  return {
    batchNormStats(x, p) {
      checkSizes('batchNormStats', x, p, []);
      const [mean, variance] = sums(stats, [x], p);
      return { mean, variance };
    },
    batchNormForward(x, k: BatchNormForwardCoefficients, p) {
      checkSizes('batchNormForward', x, p, [k.mean, k.scale, k.shift]);
      return map(forward, [x, k.mean, k.scale, k.shift], p);
    },
    batchNormGradSums(gradOutput, x, mean, p) {
      checkSizes('batchNormGradSums', x, p, [mean]);
      const [sumGrad, sumGradCentered] = sums(gradSums, [gradOutput, x, mean], p);
      return { sumGrad, sumGradCentered };
    },
    batchNormBackward(gradOutput, x, k: BatchNormBackwardCoefficients, p) {
      checkSizes('batchNormBackward', x, p, [k.mean, k.gradScale, k.inputScale, k.shift]);
      return map(backward, [gradOutput, x, k.mean, k.gradScale, k.inputScale, k.shift], p);
    },
  };
}
