// The per-element kernels of a CNN layer around its convolution: ReLU, its gradient, and the bias.
// One thread per output element (device.ts's grid / flatIndex); NaN stays NaN through relu, as in js.

import type { ChannelParams, Kernels } from '../engine/kernels.js';
import { grid, isNanWgsl, perElementShader, type Shader, type WebGpu } from './device.js';

const elementwise = (name: string, read: string[], fields: string, body: string): Shader => perElementShader(name, { read, fields, helpers: [isNanWgsl], body });

// select(f, t, cond): x > 0 is false for NaN, so relu(NaN) would be 0; keep x where it is NaN (isNan)
const relu = elementwise('relu', ['x'], '', 'let v = x[i]; out[i] = select(0.0, v, v > 0.0 || isNan(v));');
const reluBackward = elementwise('reluBackward', ['gradOutput', 'output'], '', 'out[i] = select(0.0, gradOutput[i], output[i] > 0.0);');
// x is [outer, channels, inner]: element i belongs to channel (i / inner) % channels
const biasAdd = elementwise('biasAdd', ['x', 'bias'], 'channels: u32, inner: u32,', 'out[i] = x[i] + bias[(i / p.inner) % p.channels];');

export function channelKernels(gpu: WebGpu): Pick<Kernels, 'relu' | 'reluBackward' | 'biasAdd'> {
  return {
    relu(x) {
      const out = gpu.empty(x.shape);
      gpu.run(relu, [gpu.bufferOf(x), gpu.bufferOf(out)], [x.size], grid(x.size));
      return out;
    },
    reluBackward(gradOutput, output) {
      const out = gpu.empty(gradOutput.shape);
      gpu.run(reluBackward, [gpu.bufferOf(gradOutput), gpu.bufferOf(output), gpu.bufferOf(out)], [out.size], grid(out.size));
      return out;
    },
    biasAdd(x, bias, p: ChannelParams) {
      const out = gpu.empty(x.shape);
      gpu.run(biasAdd, [gpu.bufferOf(x), gpu.bufferOf(bias), gpu.bufferOf(out)], [out.size, p.channels, p.inner], grid(out.size));
      return out;
    },
  };
}
