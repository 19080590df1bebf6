// The optimizer updates, one thread per element, step for step engine/backends/js/optim.ts.
// In place: the parameter and its state are bound read_write and updated where they are, rather than
// written into new buffers that the tensors adopt (adoptValues). Adam with amsgrad reads and writes four
// tensors besides the gradient: new buffers would need nine bindings, one past WebGPU's eight, and a
// second set of buffers per parameter. A tensor still on the CPU (a parameter or state before its first
// step) first moves to the device, adopting an upload of its values (resident below), and stays there.
// The variants (a momentum buffer or not, amsgrad, centered) are shaders of their own, so that each binds
// only the buffers it has; the per-step scalars (bias corrections …) are worked out here in float64.

import { adamScalars, type AdamParams, type AdamState, type Kernels, type RmspropParams, type RmspropState, type SgdParams } from '../engine/kernels.js';
import { adoptValues, type Tensor } from '../engine/tensor.js';
import { grid, perElementShader, WebGpuStorage, type ParamField, type Shader, type WebGpu } from './device.js';
import { jsMathWgsl } from './math.js';

/** The buffer of t on `gpu`, moving t there first (its storage adopts an upload: adoptValues). */
function resident(gpu: WebGpu, t: Tensor): GPUBuffer {
  const storage = t.deviceStorage('webgpu');
  if (storage instanceof WebGpuStorage && storage.gpu === gpu) return storage.buffer;
  const values = t.data;
  const onDevice = gpu.empty(t.shape);
  // a fresh buffer from the pool: no queued kernel uses it, so the write cannot overtake one
  gpu.device.queue.writeBuffer(gpu.bufferOf(onDevice), 0, values.buffer, values.byteOffset, values.byteLength);
  adoptValues(t, onDevice);
  return gpu.bufferOf(t);
}

/** WGSL of an update: `read` bindings read-only, `updated` read_write (in that order), Params `fields`, `body` per element i. */
const update = (name: string, read: string[], updated: string[], fields: string, body: string): Shader =>
  perElementShader(name, { read, write: updated, fields, helpers: [jsMathWgsl], body });

// sign: −1 descends, +1 ascends (maximize); the first step starts the buffer at d itself (no dampening)
const sgdFields = 'lr: f32, sign: f32, weightDecay: f32, momentum: f32, oneMinusDampening: f32, nesterov: u32, firstStep: u32,';
const sgd = (withMomentum: boolean) =>
  update(`sgdStep${withMomentum ? ' (momentum)' : ''}`, ['grad'], withMomentum ? ['param', 'buffer'] : ['param'], sgdFields, `
  var d = grad[i] + p.weightDecay * param[i];
  ${withMomentum ? `let b = select(p.momentum * buffer[i] + p.oneMinusDampening * d, d, p.firstStep != 0u);
  buffer[i] = b;
  d = select(b, d + p.momentum * b, p.nesterov != 0u);` : ''}
  param[i] += p.sign * p.lr * d;`);

// decay: AdamW's shrinking of the weight (1 for Adam); l2: Adam's decay added to the gradient (0 for AdamW)
const adamFields = 'decay: f32, l2: f32, gradSign: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, stepSize: f32, bc2Sqrt: f32, eps: f32,';
const adam = (amsgrad: boolean) =>
  update(`adamStep${amsgrad ? ' (amsgrad)' : ''}`, ['grad'], amsgrad ? ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['param', 'expAvg', 'expAvgSq'], adamFields, `
  let w = param[i] * p.decay;
  let g = p.gradSign * grad[i] + p.l2 * w;
  let m = p.beta1 * expAvg[i] + p.oneMinusBeta1 * g;
  let v = p.beta2 * expAvgSq[i] + p.oneMinusBeta2 * g * g;
  expAvg[i] = m;
  expAvgSq[i] = v;
  ${amsgrad ? 'let second = maxJs(maxExpAvgSq[i], v);\n  maxExpAvgSq[i] = second;' : 'let second = v;'}
  param[i] = w - p.stepSize * m / (sqrtJs(second) / p.bc2Sqrt + p.eps);`);

const rmspropFields = 'lr: f32, gradSign: f32, weightDecay: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, momentum: f32,';
const rmsprop = (centered: boolean, withMomentum: boolean) =>
  update(
    `rmspropStep${centered ? ' (centered)' : ''}${withMomentum ? ' (momentum)' : ''}`,
    ['grad'],
    ['param', 'squareAvg', ...(centered ? ['gradAvg'] : []), ...(withMomentum ? ['buffer'] : [])],
    rmspropFields,
    `
  let g = p.gradSign * grad[i] + p.weightDecay * param[i];
  let sq = p.alpha * squareAvg[i] + p.oneMinusAlpha * g * g;
  squareAvg[i] = sq;
  ${centered ? `let avg = p.alpha * gradAvg[i] + p.oneMinusAlpha * g;
  gradAvg[i] = avg;
  let denom = sqrtJs(sq - avg * avg) + p.eps;` : 'let denom = sqrtJs(sq) + p.eps;'}
  ${withMomentum ? `let b = p.momentum * buffer[i] + g / denom;
  buffer[i] = b;
  param[i] -= p.lr * b;` : 'param[i] -= p.lr * g / denom;'}`,
  );

const shaders = { sgd: [sgd(false), sgd(true)], adam: [adam(false), adam(true)], rmsprop: [rmsprop(false, false), rmsprop(false, true), rmsprop(true, false), rmsprop(true, true)] };

/** that every state tensor has param's size, or an error naming the kernel */
function checkSizes(kernel: string, param: Tensor, others: Record<string, Tensor | null>): void {
  for (const [name, t] of Object.entries(others)) {
    if (t && t.size !== param.size) throw new RangeError(`webgpu ${kernel}: ${name} has ${t.size} values [${t.shape}], the parameter ${param.size} [${param.shape}]`);
  }
}

export function optimKernels(gpu: WebGpu): Pick<Kernels, 'sgdStep' | 'adamStep' | 'rmspropStep'> {
  /** one dispatch over param: grad, then `updated` in place (moved to the device first) */
  const step = (shader: Shader, updated: Tensor[], grad: Tensor, fields: ParamField[]) => {
    const size = updated[0].size;
    if (size === 0) return;
    const buffers = [gpu.bufferOf(grad), ...updated.map((t) => resident(gpu, t))];
    gpu.run(shader, buffers, [size, ...fields], grid(size));
  };
  const f32 = (...values: number[]) => values.map((v) => ({ f32: v }));
  return {
    sgdStep(param, grad, momentumBuffer, o: SgdParams) {
      checkSizes('sgdStep', param, { grad, momentumBuffer });
      const fields = [...f32(o.lr, o.maximize ? 1 : -1, o.weightDecay, o.momentum, 1 - o.dampening), +o.nesterov, +o.firstStep];
      step(shaders.sgd[+!!momentumBuffer], momentumBuffer ? [param, momentumBuffer] : [param], grad, fields);
    },
    adamStep(param, grad, state: AdamState, o: AdamParams) {
      checkSizes('adamStep', param, { grad, ...state });
      const { decay, l2, stepSize, bc2Sqrt } = adamScalars(o);
      const fields = f32(decay, l2, o.maximize ? -1 : 1, o.beta1, 1 - o.beta1, o.beta2, 1 - o.beta2, stepSize, bc2Sqrt, o.eps);
      const updated = [param, state.expAvg, state.expAvgSq, ...(state.maxExpAvgSq ? [state.maxExpAvgSq] : [])];
      step(shaders.adam[+!!state.maxExpAvgSq], updated, grad, fields);
    },
    rmspropStep(param, grad, state: RmspropState, o: RmspropParams) {
      checkSizes('rmspropStep', param, { grad, ...state });
      const fields = f32(o.lr, o.maximize ? -1 : 1, o.weightDecay, o.alpha, 1 - o.alpha, o.eps, o.momentum);
      const updated = [param, state.squareAvg, ...(state.gradAvg ? [state.gradAvg] : []), ...(state.momentumBuffer ? [state.momentumBuffer] : [])];
      step(shaders.rmsprop[2 * +!!state.gradAvg + +!!state.momentumBuffer], updated, grad, fields);
    },
  };
}
