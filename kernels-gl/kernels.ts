// The Kernels interface on gpu.js. Each kernel call runs one shader from shaders.ts over the flat
// output. Results stay on the GPU as textures (gpu.js's `pipeline`) inside a DeviceStorage: the next GL
// kernel reads the texture directly, and only touching `.data` copies the values back (lazy readback).

import { asChannelSum, conv2dLayout, packParams, pool2dLayout, type Conv2dParams, type GemmParams, type Kernels, type Pool2dParams } from '../engine/kernels.js';
import { Tensor, type DeviceStorage } from '../engine/tensor.js';
import * as shaders from './shaders.js';
import { jsKernels } from '../engine/backends/js/index.js';

/** The parts of gpu.js's API used here (gpu.js ships no types that fit NodeNext ESM). */
export interface GpuTexture {
  toArray(): ArrayLike<number>;
  delete(): void;
}
export interface GpuKernel {
  (...args: unknown[]): GpuTexture | ArrayLike<number>;
  setOutput(output: number[]): GpuKernel;
  readonly precision?: string;
  /** why gpu.js replaced this kernel with its CPU version, once it has */
  readonly fallbackReason?: string | null;
  destroy?(removeCanvasReferences?: boolean): void;
}
export interface GpuInstance {
  readonly mode: string;
  /** `source`: a kernel function's JavaScript text (shaders.ts says why text) */
  createKernel(source: string, settings: Record<string, unknown>): GpuKernel;
  destroy(): void | Promise<void>;
}

/** Float32 holds integers exactly only below 2^24; the shaders do their index arithmetic in float32. */
export const MAX_ELEMENTS = 1 << 24;

/** A tensor's values held in a gpu.js texture. */
class GlStorage implements DeviceStorage {
  readonly backend = 'gl';
  constructor(
    readonly texture: GpuTexture,
    readonly owner: GlKernels,
    private readonly size: number,
  ) {
    textures.register(this, texture, this);
  }

  read(): Float32Array {
    this.owner.readbacks++;
    // 1-D single-precision outputs come back as a Float32Array (a view into gpu.js's read buffer)
    const values = Float32Array.from(this.texture.toArray() as ArrayLike<number>).subarray(0, this.size);
    textures.unregister(this);
    this.texture.delete(); // the Tensor's Storage drops this object after read(): nothing else can use it
    return values;
  }
}

// Textures of tensors that are garbage-collected before anyone read them: free their GPU memory.
const textures = new FinalizationRegistry<GpuTexture>((texture) => {
  try {
    texture.delete();
  } catch {
    // its context is gone already, and the texture with it
  }
});

export interface GlKernelOptions {
  /**
   * the most output elements one shader run writes; larger outputs run as several tiles and come back
   * to the CPU. Default: the texture limit (maxTextureSize², gpu.js packs a flat output into a square)
   * capped at 2^24. Tests set it small to exercise tiling.
   */
  maxTileElements?: number;
}

export type GlKernels = Kernels & {
  readonly gpu: GpuInstance;
  readonly maxTileElements: number;
  /** how many tensors these kernels made were copied back to the CPU (reading `.data`): for tests and profiling */
  readbacks: number;
  /** frees the compiled kernels; tensors they made and nobody has read yet lose their values */
  dispose(): void;
};

const isTexture = (r: GpuTexture | ArrayLike<number>): r is GpuTexture => typeof (r as GpuTexture).toArray === 'function';

/** A kernel's source text, one of shaders.ts's: `function name(…) {…}`. */
type Shader = string;

const shaderName = (shader: Shader) => shader.slice('function '.length, shader.indexOf('('));

/** Kernels that run on `gpu`, a gpu.js GPU instance (webgl2, webgl or headlessgl mode). */
export function createGlKernels(gpu: GpuInstance, options: GlKernelOptions = {}): GlKernels {
  const maxTileElements = Math.min(options.maxTileElements ?? MAX_ELEMENTS, MAX_ELEMENTS);
  if (!(maxTileElements >= 1)) throw new RangeError(`gl backend: maxTileElements must be at least 1, got ${options.maxTileElements}`);
  // gpu.js compiles a kernel for the argument types of its first call (array or texture), and a later
  // call with the other type crashes webgl2: keep one compiled kernel per shader and argument types.
  const compiled = new Map<Shader, Map<string, GpuKernel>>();
  let self: GlKernels;

  function kernelFor(shader: Shader, kinds: string): GpuKernel {
    let byKinds = compiled.get(shader);
    if (!byKinds) compiled.set(shader, (byKinds = new Map()));
    let kernel = byKinds.get(kinds);
    if (!kernel) {
      kernel = gpu.createKernel(shader, {
        output: [1],
        precision: 'single', // float32 bit-exact; 'unsigned' packs floats into bytes and loses precision
        pipeline: true, // results stay textures on the GPU
        immutable: true, // each call gets a new texture instead of overwriting the previous result
        dynamicOutput: true,
        dynamicArguments: true,
        tactic: 'precision',
        loopMaxIterations: MAX_ELEMENTS, // loops with uniform bounds need a compile-time cap in GLSL
      });
      byKinds.set(kinds, kernel);
    }
    return kernel;
  }

  /** A tensor as a kernel argument: its texture if it already lives on this GPU, else its values. */
  function arg(t: Tensor, name: string): { value: unknown; kind: string } {
    if (t.size > MAX_ELEMENTS) {
      throw new RangeError(`gl backend: ${name} has ${t.size} elements; the GL kernels index in float32 and take at most 2^24 (${MAX_ELEMENTS}) per tensor`);
    }
    const device = t.deviceStorage('gl');
    if (device instanceof GlStorage && device.owner === self) return { value: device.texture, kind: 't' };
    return { value: t.data, kind: 'a' };
  }

  /**
   * Runs `shader` over an output of `shape`: one run returning a texture-backed tensor when the output
   * fits in a tile, else tile by tile (each run writes elements offset … offset + tile − 1), read back.
   */
  function run(shader: Shader, shape: number[], inputs: { value: unknown; kind: string }[], scalarsAfterOffset: number[] = [], before: unknown[] = []): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size > MAX_ELEMENTS) throw new RangeError(`gl backend: an output of ${size} elements is more than the 2^24 the GL kernels index exactly`);
    if (size === 0) return new Tensor(new Float32Array(0), shape);
    const kernel = kernelFor(shader, inputs.map((i) => i.kind).join(''));
    const runAt = (offset: number) => {
      const result = kernel(...inputs.map((i) => i.value), ...before, offset, ...scalarsAfterOffset);
      // gpu.js's 'cpu' mode (the Node tests of the shaders' logic) returns arrays; on a GPU, an array
      // means gpu.js quietly swapped in its CPU fallback, which 'gl' must never run on
      if (!isTexture(result) && gpu.mode !== 'cpu') {
        const reason = kernel.fallbackReason ? `: ${kernel.fallbackReason}` : '';
        throw new Error(`gl backend: gpu.js ran the ${shaderName(shader)} kernel on its CPU fallback instead of ${gpu.mode}${reason}`);
      }
      return result;
    };
    if (size <= maxTileElements) {
      kernel.setOutput([size]);
      const result = runAt(0);
      if (!isTexture(result)) return new Tensor(Float32Array.from(result), shape);
      return new Tensor(new GlStorage(result, self, size), shape);
    }
    const out = new Float32Array(size);
    for (let offset = 0; offset < size; offset += maxTileElements) {
      const length = Math.min(maxTileElements, size - offset);
      kernel.setOutput([length]);
      const result = runAt(offset);
      out.set(Float32Array.from(isTexture(result) ? result.toArray() : result).subarray(0, length), offset);
      if (isTexture(result)) result.delete();
    }
    return new Tensor(out, shape);
  }

  const convScalars = (p: Conv2dParams) => packParams(p, conv2dLayout);
  const poolScalars = (p: Pool2dParams) => packParams(p, pool2dLayout);
  // scalar arrays always go up as arrays (kind 'a'), so they need no entry in the kind key
  const params = (values: number[]) => Float32Array.from(values);
  const noBias = new Float32Array(1);

  self = {
    // the primitives and optimizer updates run as the JS backend's loops for now, reading GL results
    // back (issue 15 gives gl its own)
    ...jsKernels,
    gpu,
    maxTileElements,
    readbacks: 0,
    gemm(a, b, p: GemmParams) {
      return run(shaders.gemmShader, [p.batch, p.m, p.n], [arg(a, 'gemm A'), arg(b, 'gemm B')], [
        p.m, p.n, p.k, p.transA ? 1 : 0, p.transB ? 1 : 0, p.batchA === 1 ? 1 : 0, p.batchB === 1 ? 1 : 0,
      ]);
    },
    conv2d(x, weight, bias, p) {
      const b = bias ? arg(bias, 'conv2d bias') : { value: noBias, kind: 'a' };
      const shape = [p.batch, p.outChannels, p.outHeight, p.outWidth];
      return run(shaders.conv2dShader, shape, [arg(x, 'conv2d input'), arg(weight, 'conv2d weight'), b], [bias ? 1 : 0], [params(convScalars(p))]);
    },
    conv2dBackwardInput(gradOutput, weight, p) {
      const shape = [p.batch, p.inChannels, p.inHeight, p.inWidth];
      return run(shaders.conv2dBackwardInputShader, shape, [arg(gradOutput, 'conv2d gradient'), arg(weight, 'conv2d weight')], [], [params(convScalars(p))]);
    },
    conv2dBackwardWeight(gradOutput, x, p) {
      const shape = [p.outChannels, p.inChannels / p.groups, p.kernelHeight, p.kernelWidth];
      return run(shaders.conv2dBackwardWeightShader, shape, [arg(gradOutput, 'conv2d gradient'), arg(x, 'conv2d input')], [], [params(convScalars(p))]);
    },
    maxPool2d(x, p) {
      const shape = [p.batch, p.channels, p.outHeight, p.outWidth];
      const input = arg(x, 'maxPool2d input');
      const P = params(poolScalars(p));
      const indices = run(shaders.maxPoolIndexShader, shape, [input], [], [P]);
      // the value kernel reads the indices; when they were tiled back to the CPU it gets them as an array
      const output = run(shaders.maxPoolValueShader, shape, [input, arg(indices, 'maxPool2d indices')], [0], [P]);
      return { output, indices };
    },
    maxPool2dBackward(gradOutput, indices, p) {
      const shape = [p.batch, p.channels, p.inHeight, p.inWidth];
      return run(shaders.maxPoolBackwardShader, shape, [arg(gradOutput, 'maxPool2d gradient'), arg(indices, 'maxPool2d indices')], [], [params(poolScalars(p))]);
    },
    avgPool2d(x, p) {
      return run(shaders.avgPoolShader, [p.batch, p.channels, p.outHeight, p.outWidth], [arg(x, 'avgPool2d input')], [], [params(poolScalars(p))]);
    },
    avgPool2dBackward(gradOutput, p) {
      return run(shaders.avgPoolBackwardShader, [p.batch, p.channels, p.inHeight, p.inWidth], [arg(gradOutput, 'avgPool2d gradient')], [], [params(poolScalars(p))]);
    },
    relu(x) {
      return run(shaders.reluShader, [...x.shape], [arg(x, 'relu input')]);
    },
    reluBackward(gradOutput, output) {
      return run(shaders.reluBackwardShader, [...gradOutput.shape], [arg(gradOutput, 'relu gradient'), arg(output, 'relu output')]);
    },
    biasAdd(x, bias, p) {
      return run(shaders.biasAddShader, [...x.shape], [arg(x, 'biasAdd input'), arg(bias, 'biasAdd bias')], [p.channels, p.inner]);
    },
    reduce(x, p) {
      // a sum over all dims but one (a bias gradient) of a tensor on this GPU has its shader; the rest runs
      // as the JS backend's loops (a tensor on the CPU is summed there: no upload, no readback after)
      const c = asChannelSum(x.shape, p);
      const device = x.deviceStorage('gl');
      if (!c || !(device instanceof GlStorage && device.owner === self)) return jsKernels.reduce(x, p);
      const kept = x.shape.map((d, i) => (p.dims.includes(i) ? 1 : d));
      return run(shaders.biasGradShader, kept, [arg(x, 'reduce input')], [c.outer, c.channels, c.inner]);
    },
    batchNormStats(x, p) {
      const input = arg(x, 'batchNorm input');
      const mean = run(shaders.batchNormMeanShader, [p.channels], [input], [p.outer, p.channels, p.inner]);
      const variance = run(shaders.batchNormVarianceShader, [p.channels], [input, arg(mean, 'batchNorm mean')], [p.outer, p.channels, p.inner]);
      return { mean, variance };
    },
    batchNormForward(x, c, p) {
      const inputs = [arg(x, 'batchNorm input'), arg(c.mean, 'batchNorm mean'), arg(c.scale, 'batchNorm scale'), arg(c.shift, 'batchNorm shift')];
      return run(shaders.batchNormForwardShader, [...x.shape], inputs, [p.channels, p.inner]);
    },
    batchNormGradSums(gradOutput, x, mean, p) {
      const g = arg(gradOutput, 'batchNorm gradient');
      const sumGrad = run(shaders.biasGradShader, [p.channels], [g], [p.outer, p.channels, p.inner]);
      const sumGradCentered = run(shaders.batchNormCenteredSumShader, [p.channels], [g, arg(x, 'batchNorm input'), arg(mean, 'batchNorm mean')], [p.outer, p.channels, p.inner]);
      return { sumGrad, sumGradCentered };
    },
    batchNormBackward(gradOutput, x, c, p) {
      const inputs = [
        arg(gradOutput, 'batchNorm gradient'), arg(x, 'batchNorm input'), arg(c.mean, 'batchNorm mean'),
        arg(c.gradScale, 'batchNorm gradScale'), arg(c.inputScale, 'batchNorm inputScale'), arg(c.shift, 'batchNorm shift'),
      ];
      return run(shaders.batchNormBackwardShader, [...gradOutput.shape], inputs, [p.channels, p.inner]);
    },
    dispose() {
      for (const byKinds of compiled.values()) for (const kernel of byKinds.values()) kernel.destroy?.();
      compiled.clear();
    },
  };
  return self;
}
