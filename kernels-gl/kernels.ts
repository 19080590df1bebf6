// The Kernels interface on gpu.js, every kernel its own (none falls back to the JS backend). Each kernel
// call runs a shader from shaders.ts over the flat output (softmax two, an optimizer step one per tensor
// it updates). Results stay on the GPU as textures (gpu.js's `pipeline`) inside a DeviceStorage: the next
// GL kernel reads the texture directly, and only touching `.data` copies the values back (lazy readback).

import { adamScalars, asChannelSum, conv2dLayout, packParams, pool2dLayout, type Conv2dParams, type GemmParams, type Kernels, type Pool2dParams } from '../engine/kernels.js';
import { sizeOf, stridesOf } from '../engine/shape.js';
import { adoptValues, Tensor, type DeviceStorage } from '../engine/tensor.js';
import * as shaders from './shaders.js';

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

/**
 * A strided walk (shape, and one stride list per operand) over as few dims as walk the same offsets: dims
 * of size 1 go, and a dim merges into the one before it where every operand steps across both as one
 * (stride before = stride · size). The shaders divide once per dim and element, so a contiguous
 * operand costs one division, not one per dim.
 */
function coalesce(shape: readonly number[], strides: ReadonlyArray<readonly number[]>): { shape: number[]; strides: number[][] } {
  const merged: number[] = [];
  const mergedStrides: number[][] = strides.map(() => []);
  shape.forEach((size, d) => {
    if (size === 1) return;
    const last = merged.length - 1;
    if (last >= 0 && strides.every((s, k) => mergedStrides[k][last] === s[d] * size)) {
      merged[last] *= size;
      strides.forEach((s, k) => (mergedStrides[k][last] = s[d]));
    } else {
      merged.push(size);
      strides.forEach((s, k) => mergedStrides[k].push(s[d]));
    }
  });
  return { shape: merged, strides: mergedStrides };
}

/** A view as the shaders' S arrays hold it (shaders.ts): [dims, sizes…, each operand's strides…], coalesced. */
function viewParams(shape: readonly number[], strides: ReadonlyArray<readonly number[]>): number[] {
  const view = coalesce(shape, strides);
  return [view.shape.length, ...view.shape, ...view.strides.flat()];
}

/** Block size and count of the shaders' blocked sums over `count` terms (shaders.ts's blockedSum). */
function sumBlocks(count: number): [block: number, blocks: number] {
  const block = Math.max(1, Math.ceil(Math.sqrt(count)));
  return [block, Math.ceil(count / block)];
}

/** x seen around `dim` as [outer, length, inner]. */
function aroundDim(shape: readonly number[], dim: number) {
  return { outer: sizeOf(shape.slice(0, dim)), length: shape[dim] ?? 1, inner: sizeOf(shape.slice(dim + 1)) };
}

/** Kernels that run on `gpu`, a gpu.js GPU instance (webgl2, webgl or headlessgl mode). */
export function createGlKernels(gpu: GpuInstance, options: GlKernelOptions = {}): GlKernels {
  const maxTileElements = Math.min(options.maxTileElements ?? MAX_ELEMENTS, MAX_ELEMENTS);
  if (!(maxTileElements >= 1)) throw new RangeError(`gl backend: maxTileElements must be at least 1, got ${options.maxTileElements}`);
  // gpu.js compiles a kernel for the argument types of its first call (array or texture), and a later
  // call with the other type crashes webgl2: keep one compiled kernel per shader and argument types.
  const compiled = new Map<Shader, Map<string, GpuKernel>>();
  let self: GlKernels;
  /** an operand the shader never reads (an empty tensor, a state tensor an optimizer does not keep) */
  const absent = { value: new Float32Array(1), kind: 'a' };

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
    if (t.size === 0) return absent; // a shader reads nothing of an empty operand, and gpu.js takes no empty array
    const device = t.deviceStorage('gl');
    if (device instanceof GlStorage && device.owner === self) return { value: device.texture, kind: 't' };
    return { value: t.data, kind: 'a' };
  }

  /**
   * Runs `shader` over an output of `shape`: one run returning a texture-backed tensor when the output
   * fits in a tile, else tile by tile (each run writes elements offset … offset + tile − 1), read back.
   */
  function run(shader: Shader, shape: number[], inputs: { value: unknown; kind: string }[], scalarsAfterOffset: number[] = [], before: unknown[] = []): Tensor {
    const size = sizeOf(shape);
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
    // ---- the primitives ----
    unary(x, p) {
      const shader = shaders.unaryShaders[p.op];
      if (!shader) throw new RangeError(`gl backend: unary: unknown op '${p.op}'`);
      const H = packParams({ slope: p.negativeSlope ?? 0, lo: p.min ?? -Infinity, hi: p.max ?? Infinity, alpha: p.alpha ?? 1 }, shaders.unaryLayout);
      return run(shader, [...x.shape], [arg(x, `unary ${p.op} input`)], [], [params(H)]);
    },
    binary(a, b, p) {
      const shader = shaders.binaryShaders[p.op];
      if (!shader) throw new RangeError(`gl backend: binary: unknown op '${p.op}'`);
      const inputs = [arg(a, `binary ${p.op} a`), arg(b, `binary ${p.op} b`)];
      return run(shader, [...p.shape], inputs, [0], [params(viewParams(p.shape, [p.aStrides, p.bStrides]))]);
    },
    reduce(x, p) {
      const keptShape = x.shape.map((d, i) => (p.dims.includes(i) ? 1 : d));
      // a sum over all dims but one (a bias gradient) has its own shader, which needs no walk
      const c = asChannelSum(x.shape, p);
      if (c) return run(shaders.biasGradShader, keptShape, [arg(x, 'reduce input')], [c.outer, c.channels, c.inner]);
      const shader = shaders.reduceShaders[p.op];
      if (!shader) throw new RangeError(`gl backend: reduce: unknown op '${p.op}'`);
      const strides = stridesOf(x.shape);
      const part = (reduced: boolean) => {
        const dims = x.shape.map((_, i) => i).filter((i) => p.dims.includes(i) === reduced);
        return viewParams(dims.map((i) => x.shape[i]), [dims.map((i) => strides[i])]);
      };
      const [kept, cut] = [part(false), part(true)];
      const count = sizeOf(p.dims.map((i) => x.shape[i]));
      return run(shader, keptShape, [arg(x, `reduce ${p.op} input`)], [kept.length, count, ...sumBlocks(count)], [params([...kept, ...cut])]);
    },
    stridedCopy(x, p) {
      return run(shaders.stridedCopyShader, [...p.shape], [arg(x, 'stridedCopy input')], [p.offset], [params(viewParams(p.shape, [p.strides]))]);
    },
    indexSelect(x, index, { dim, fill }) {
      const { length, inner } = aroundDim(x.shape, dim);
      const shape = x.shape.map((d, i) => (i === dim ? index.size : d));
      return run(shaders.indexSelectShader, shape, [arg(x, 'indexSelect input'), arg(index, 'indexSelect index')], [length, inner, index.size, fill]);
    },
    indexAdd(src, index, { dim, size }) {
      const { length, inner } = aroundDim(src.shape, dim);
      const shape = src.shape.map((d, i) => (i === dim ? size : d));
      return run(shaders.indexAddShader, shape, [arg(src, 'indexAdd source'), arg(index, 'indexAdd index')], [length, inner, size]);
    },
    gather(x, index, { dim }) {
      const { length, inner } = aroundDim(x.shape, dim);
      return run(shaders.gatherShader, [...index.shape], [arg(x, 'gather input'), arg(index, 'gather index')], [length, inner, index.shape[dim]]);
    },
    scatterAdd(src, index, { dim, size }) {
      const { length, inner } = aroundDim(src.shape, dim);
      const shape = src.shape.map((d, i) => (i === dim ? size : d));
      return run(shaders.scatterAddShader, shape, [arg(src, 'scatterAdd source'), arg(index, 'scatterAdd index')], [length, inner, size]);
    },
    softmax(x, { dim, log }) {
      const { outer, length, inner } = aroundDim(x.shape, dim);
      const input = arg(x, 'softmax input');
      const logSumExp = run(shaders.logSumExpShader, [outer * inner], [input], [length, inner, ...sumBlocks(length)]);
      const shader = shaders.softmaxShaders[log ? 'log' : 'plain'];
      return run(shader, [...x.shape], [input, arg(logSumExp, 'softmax log-sum-exp')], [length, inner]);
    },
    softmaxBackward(gradOutput, output, { dim, log }) {
      const { outer, length, inner } = aroundDim(output.shape, dim);
      const inputs = [arg(gradOutput, 'softmax gradient'), arg(output, 'softmax output')];
      const which = log ? 'log' : 'plain';
      const sums = run(shaders.softmaxGradSumShaders[which], [outer * inner], inputs, [length, inner, ...sumBlocks(length)]);
      return run(shaders.softmaxBackwardShaders[which], [...output.shape], [...inputs, arg(sums, 'softmax gradient sums')], [length, inner]);
    },
    randomFill(p) {
      const [k0, k1] = p.key;
      const block = Math.floor(p.counter / 4);
      const R = packParams(
        {
          key0High: k0 >>> 16, key0Low: k0 & 0xffff, key1High: k1 >>> 16, key1Low: k1 & 0xffff,
          blockLow: block % 65536, blockHigh: Math.floor(block / 65536) % 65536, blockTop: Math.floor(block / 2 ** 32), phase: p.counter % 4,
          bernoulli: p.distribution === 'bernoulli', threshold: Math.ceil((p.p ?? 0) * 16777216), value: p.value ?? 1,
        },
        shaders.randomLayout,
      );
      return run(shaders.randomFillShader, [...p.shape], [], [], [params(R)]);
    },
    // The optimizer updates run their shader once per new tensor (each from the old values), then adopt
    // the new textures in place: adoptValues takes a device storage without reading it back.
    sgdStep(param, grad, momentumBuffer, o) {
      const H = packParams({ ...o, direction: o.maximize ? 1 : -1, hasBuffer: momentumBuffer !== null }, shaders.sgdLayout);
      const inputs = [arg(param, 'sgdStep parameter'), arg(grad, 'sgdStep gradient'), momentumBuffer ? arg(momentumBuffer, 'sgdStep momentum buffer') : absent];
      const part = (which: number) => run(shaders.sgdStepShader, [...param.shape], inputs, [which], [params(H)]);
      const buffer = momentumBuffer && part(1);
      const updated = part(0);
      if (momentumBuffer) adoptValues(momentumBuffer, buffer!);
      adoptValues(param, updated);
    },
    adamStep(param, grad, state, o) {
      const H = packParams(
        {
          ...o, ...adamScalars(o), oneMinusBeta1: 1 - o.beta1, oneMinusBeta2: 1 - o.beta2, gradSign: o.maximize ? -1 : 1,
        },
        shaders.adamLayout,
      );
      const inputs = [
        arg(param, 'adamStep parameter'), arg(grad, 'adamStep gradient'), arg(state.expAvg, 'adamStep expAvg'), arg(state.expAvgSq, 'adamStep expAvgSq'),
        state.maxExpAvgSq ? arg(state.maxExpAvgSq, 'adamStep maxExpAvgSq') : absent,
      ];
      const part = (which: number) => run(shaders.adamStepShader, [...param.shape], inputs, [which], [params(H)]);
      const [expAvg, expAvgSq, maxExpAvgSq, updated] = [part(1), part(2), state.maxExpAvgSq && part(3), part(0)];
      adoptValues(state.expAvg, expAvg);
      adoptValues(state.expAvgSq, expAvgSq);
      if (state.maxExpAvgSq) adoptValues(state.maxExpAvgSq, maxExpAvgSq!);
      adoptValues(param, updated);
    },
    rmspropStep(param, grad, state, o) {
      const H = packParams(
        { ...o, oneMinusAlpha: 1 - o.alpha, gradSign: o.maximize ? -1 : 1, centered: state.gradAvg !== null, hasMomentum: state.momentumBuffer !== null },
        shaders.rmspropLayout,
      );
      const inputs = [
        arg(param, 'rmspropStep parameter'), arg(grad, 'rmspropStep gradient'), arg(state.squareAvg, 'rmspropStep squareAvg'),
        state.gradAvg ? arg(state.gradAvg, 'rmspropStep gradAvg') : absent,
        state.momentumBuffer ? arg(state.momentumBuffer, 'rmspropStep momentumBuffer') : absent,
      ];
      const part = (which: number) => run(shaders.rmspropStepShader, [...param.shape], inputs, [which], [params(H)]);
      const [squareAvg, gradAvg, momentumBuffer, updated] = [part(1), state.gradAvg && part(2), state.momentumBuffer && part(3), part(0)];
      adoptValues(state.squareAvg, squareAvg);
      if (state.gradAvg) adoptValues(state.gradAvg, gradAvg!);
      if (state.momentumBuffer) adoptValues(state.momentumBuffer, momentumBuffer!);
      adoptValues(param, updated);
    },
    dispose() {
      for (const byKinds of compiled.values()) for (const kernel of byKinds.values()) kernel.destroy?.();
      compiled.clear();
    },
  };
  return self;
}
