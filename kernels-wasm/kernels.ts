// The Kernels interface on top of the WASM module: copy the operands into WASM memory, run, copy the
// result out into a fresh Float32Array. Sizes are checked here so that a wrong call fails with the
// kernel's name and the sizes instead of reading the wrong memory.
//
// With worker threads, each kernel is split into independent parts: convolution and pooling by images
// of the batch (the weight gradient sums one partial gradient per thread), GEMM by batch matrices or
// else by rows or columns of C.

import { Tensor, asChannelSum, conv2dLayout, packParams, pool2dLayout, type AdamParams, type AdamState, type BinaryParams, type RandomParams, type ReduceParams, type BatchNormBackwardCoefficients, type BatchNormForwardCoefficients, type ChannelParams, type Conv2dParams, type GemmParams, type Kernels, type Pool2dParams } from '../engine/index.js';
import { jsKernels } from '../engine/backends/js/index.js';
import { adamScalars } from '../engine/kernels.js';
import type { WasmInstance } from './loader.js';
import type { TaskExport } from './threads.js';

function expectSize(kernel: string, what: string, t: Tensor, expected: number, detail: string): void {
  if (t.size !== expected) {
    throw new RangeError(`wasm ${kernel}: ${what} has ${t.size} values (shape [${t.shape.join(',')}]) but ${detail} = ${expected}`);
  }
}

function describeConv(p: Conv2dParams): string {
  return `input [${p.batch},${p.inChannels},${p.inHeight},${p.inWidth}], weight [${p.outChannels},${p.inChannels / p.groups},${p.kernelHeight},${p.kernelWidth}], output [${p.batch},${p.outChannels},${p.outHeight},${p.outWidth}], groups ${p.groups}`;
}

function checkConv(kernel: string, p: Conv2dParams): void {
  const ints = conv2dLayout.every((f) => Number.isInteger(p[f]));
  if (!ints || p.groups < 1 || p.inChannels % p.groups !== 0 || p.outChannels % p.groups !== 0) {
    throw new RangeError(`wasm ${kernel}: inconsistent parameters (${describeConv(p)})`);
  }
}

/** Splits `total` items into at most `parts` contiguous [start, count] runs, multiples of `unit` but the last. */
function split(total: number, parts: number, unit = 1): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  const per = Math.ceil(total / parts / unit) * unit;
  for (let start = 0; start < total; start += per) runs.push([start, Math.min(per, total - start)]);
  return runs;
}

/** Below this many multiply-adds (or inputs, for pooling) a kernel runs on one thread: waking a worker costs microseconds. */
export const PARALLEL_MIN_WORK = 1 << 18;

export function createKernels(instance: WasmInstance, { parallelMinWork = PARALLEL_MIN_WORK } = {}): Kernels {
  const { exports: wasm, arena, pool } = instance;
  const threads = pool?.size ?? 1;
  const i32 = () => new Int32Array(wasm.memory.buffer);
  const exportsByName = wasm as unknown as Record<TaskExport, (...a: number[]) => void>;

  /** Runs the tasks, one per thread (the first on this one). */
  function run(what: string, tasks: Array<[TaskExport, number[]]>): void {
    if (pool && tasks.length > 1) pool.run(what, tasks);
    else for (const [name, args] of tasks) exportsByName[name](...args);
  }

  /** Writes the params as i32s in the field order the AssemblyScript classes declare. */
  function writeParams(ptr: number, values: readonly number[]): void {
    i32().set(values, ptr >> 2);
  }

  /**
   * One kernel call on WASM memory, the sequence every wrapper follows: from the arena's start, lay out
   * one params block per part (written at once, since the module sizes a part's scratch from them),
   * each part's scratch, the inputs (copied in) and the outputs; `body` runs the kernel on those pointers
   * (`runTasks`: one task per thread, as often as it needs); copy the outputs out.
   */
  function call(
    what: string,
    layout: { params?: number[][]; scratch?: (params: number) => number; inputs: Tensor[]; outputs: number[] },
    body: (at: { params: number[]; scratch: number[]; inputs: number[]; outputs: number[] }, runTasks: (tasks: Array<[TaskExport, number[]]>) => void) => void,
  ): Float32Array[] {
    arena.reset();
    const params = (layout.params ?? []).map((values) => arena.alloc(values.length));
    arena.commit(what);
    params.forEach((ptr, i) => writeParams(ptr, layout.params![i]));
    const scratch = layout.scratch ? params.map((ptr) => arena.alloc(layout.scratch!(ptr))) : [];
    const inputs = layout.inputs.map((t) => arena.alloc(t.size));
    const outputs = layout.outputs.map((size) => arena.alloc(size));
    const mem = arena.commit(what);
    layout.inputs.forEach((t, i) => mem.set(t.data, inputs[i] >> 2));
    body({ params, scratch, inputs, outputs }, (tasks) => run(what, tasks));
    return outputs.map((ptr, i) => mem.slice(ptr >> 2, (ptr >> 2) + layout.outputs[i]));
  }

  const gemm = (a: Tensor, b: Tensor, p: GemmParams): Tensor => {
    const { batch, m, n, k, transA, transB, batchA, batchB } = p;
    const shape = `(batch ${batch}, m ${m}, n ${n}, k ${k}, batchA ${batchA}, batchB ${batchB})`;
    if (![batch, m, n, k].every((v) => Number.isInteger(v) && v >= 0) || (batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) {
      throw new RangeError(`wasm gemm: inconsistent sizes ${shape}`);
    }
    expectSize('gemm', 'A', a, batchA * m * k, `batchA·m·k ${shape}`);
    expectSize('gemm', 'B', b, batchB * k * n, `batchB·k·n ${shape}`);
    const size = batch * m * n;
    if (size === 0) return new Tensor(new Float32Array(0), [batch, m, n]);
    const strideA = batchA === 1 ? 0 : m * k, strideB = batchB === 1 ? 0 : k * n;
    const tA = transA ? 1 : 0, tB = transB ? 1 : 0;
    const parts = batch * m * n * k < parallelMinWork ? 1 : threads;
    const [c] = call(`wasm gemm ${shape}`, { inputs: [a, b], outputs: [size] }, ({ inputs: [pa, pb], outputs: [pc] }, runTasks) => {
      if (parts === 1 || batch >= parts) {
        // whole matrices per thread
        runTasks(split(batch, parts).map(([b0, count]) => ['gemmBatched', [count, m, n, k, pa + 4 * b0 * strideA, strideA, tA, pb + 4 * b0 * strideB, strideB, tB, pc + 4 * b0 * m * n]]));
        return;
      }
      // fewer matrices than threads: split each C into row blocks (or column blocks when it is wide)
      const lda = transA ? m : k, ldb = transB ? k : n;
      for (let bi = 0; bi < batch; bi++) {
        const a0 = pa + 4 * bi * strideA, b0 = pb + 4 * bi * strideB, c0 = pc + 4 * bi * m * n;
        runTasks(m >= n
          ? split(m, parts, 4).map(([i0, rows]) => ['gemm', [rows, n, k, a0 + 4 * (transA ? i0 : i0 * k), lda, tA, b0, ldb, tB, c0 + 4 * i0 * n, n, 0]])
          : split(n, parts, 8).map(([j0, cols]) => ['gemm', [m, cols, k, a0, lda, tA, b0 + 4 * (transB ? j0 * k : j0), ldb, tB, c0 + 4 * j0, n, 0]]));
      }
    });
    return new Tensor(c, [batch, m, n]);
  };

  /** The batch split into one part per thread (one part for small convolutions): each part's first image and its params. */
  function convParts(p: Conv2dParams): { starts: number[]; params: number[][] } {
    const work = p.batch * p.outChannels * p.outHeight * p.outWidth * (p.inChannels / p.groups) * p.kernelHeight * p.kernelWidth;
    const runs = split(p.batch, work < parallelMinWork ? 1 : threads);
    return { starts: runs.map(([n0]) => n0), params: runs.map(([, count]) => packParams(p, conv2dLayout, { batch: count })) };
  }
  const inSize = (p: Conv2dParams) => p.batch * p.inChannels * p.inHeight * p.inWidth;
  const outSize = (p: Conv2dParams) => p.batch * p.outChannels * p.outHeight * p.outWidth;
  const weightSize = (p: Conv2dParams) => p.outChannels * (p.inChannels / p.groups) * p.kernelHeight * p.kernelWidth;
  /** bytes of one image of the input and of the output */
  const inImage = (p: Conv2dParams) => 4 * p.inChannels * p.inHeight * p.inWidth;
  const outImage = (p: Conv2dParams) => 4 * p.outChannels * p.outHeight * p.outWidth;
  /** each part's im2col scratch, as the module sizes it from the part's params */
  const colScratch = (params: number) => wasm.colFloats(params);

  const conv2d = (x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor => {
    checkConv('conv2d', p);
    expectSize('conv2d', 'input', x, inSize(p), `N·C·H·W (${describeConv(p)})`);
    expectSize('conv2d', 'weight', weight, weightSize(p), `outC·C/groups·kH·kW (${describeConv(p)})`);
    if (bias) expectSize('conv2d', 'bias', bias, p.outChannels, 'outChannels');
    const { starts, params } = convParts(p);
    const layout = { params, scratch: colScratch, inputs: bias ? [x, weight, bias] : [x, weight], outputs: [outSize(p)] };
    const [y] = call(`wasm conv2d (${describeConv(p)})`, layout, (at, runTasks) => {
      const [px, pw, pbias = 0] = at.inputs;
      runTasks(starts.map((n0, i) => ['conv2dForward', [at.params[i], px + n0 * inImage(p), pw, pbias, at.outputs[0] + n0 * outImage(p), at.scratch[i]]]));
    });
    return new Tensor(y, [p.batch, p.outChannels, p.outHeight, p.outWidth]);
  };

  const conv2dBackwardInput = (gradOutput: Tensor, weight: Tensor, p: Conv2dParams): Tensor => {
    checkConv('conv2dBackwardInput', p);
    expectSize('conv2dBackwardInput', 'gradOutput', gradOutput, outSize(p), `N·outC·outH·outW (${describeConv(p)})`);
    expectSize('conv2dBackwardInput', 'weight', weight, weightSize(p), `outC·C/groups·kH·kW (${describeConv(p)})`);
    const { starts, params } = convParts(p);
    const [gx] = call(`wasm conv2dBackwardInput (${describeConv(p)})`, { params, scratch: colScratch, inputs: [gradOutput, weight], outputs: [inSize(p)] }, (at, runTasks) => {
      const [pg, pw] = at.inputs;
      runTasks(starts.map((n0, i) => ['conv2dBackwardInput', [at.params[i], pg + n0 * outImage(p), pw, at.outputs[0] + n0 * inImage(p), at.scratch[i]]]));
    });
    return new Tensor(gx, [p.batch, p.inChannels, p.inHeight, p.inWidth]);
  };

  const conv2dBackwardWeight = (gradOutput: Tensor, x: Tensor, p: Conv2dParams): Tensor => {
    checkConv('conv2dBackwardWeight', p);
    expectSize('conv2dBackwardWeight', 'gradOutput', gradOutput, outSize(p), `N·outC·outH·outW (${describeConv(p)})`);
    expectSize('conv2dBackwardWeight', 'input', x, inSize(p), `N·C·H·W (${describeConv(p)})`);
    const shape = [p.outChannels, p.inChannels / p.groups, p.kernelHeight, p.kernelWidth];
    if (p.batch === 0) return new Tensor(new Float32Array(weightSize(p)), shape);
    const { starts, params } = convParts(p);
    // one partial gradient per part, summed here
    const layout = { params, scratch: colScratch, inputs: [gradOutput, x], outputs: params.map(() => weightSize(p)) };
    const [gw, ...partials] = call(`wasm conv2dBackwardWeight (${describeConv(p)})`, layout, (at, runTasks) => {
      const [pg, px] = at.inputs;
      runTasks(starts.map((n0, i) => ['conv2dBackwardWeight', [at.params[i], pg + n0 * outImage(p), px + n0 * inImage(p), at.outputs[i], at.scratch[i]]]));
    });
    for (const partial of partials) for (let j = 0; j < gw.length; j++) gw[j] += partial[j];
    return new Tensor(gw, shape);
  };

  const poolIn = (p: Pool2dParams) => p.batch * p.channels * p.inHeight * p.inWidth;
  const poolOut = (p: Pool2dParams) => p.batch * p.channels * p.outHeight * p.outWidth;
  const poolShape = (p: Pool2dParams) => [p.batch, p.channels, p.outHeight, p.outWidth];
  const inShape = (p: Pool2dParams) => [p.batch, p.channels, p.inHeight, p.inWidth];
  const describePool = (p: Pool2dParams) =>
    `input [${inShape(p).join(',')}], output [${poolShape(p).join(',')}], kernel [${p.kernelHeight},${p.kernelWidth}]`;

  /** The batch split into one part per thread (for big enough inputs): each part's first image and its params. */
  function poolParts(p: Pool2dParams): { starts: number[]; params: number[][] } {
    const runs = split(p.batch, poolIn(p) < parallelMinWork ? 1 : threads);
    return { starts: runs.map(([n0]) => n0), params: runs.map(([, count]) => packParams(p, pool2dLayout, { batch: count })) };
  }
  /** bytes of one image of the input and of the output */
  const inPlanes = (p: Pool2dParams) => 4 * p.channels * p.inHeight * p.inWidth;
  const outPlanes = (p: Pool2dParams) => 4 * p.channels * p.outHeight * p.outWidth;

  const maxPool2d = (x: Tensor, p: Pool2dParams): { output: Tensor; indices: Tensor } => {
    expectSize('maxPool2d', 'input', x, poolIn(p), `N·C·H·W (${describePool(p)})`);
    const { starts, params } = poolParts(p);
    const [output, indices] = call(`wasm maxPool2d (${describePool(p)})`, { params, inputs: [x], outputs: [poolOut(p), poolOut(p)] }, (at, runTasks) => {
      const [px] = at.inputs, [po, pi] = at.outputs;
      runTasks(starts.map((n0, i) => ['maxPool2d', [at.params[i], px + n0 * inPlanes(p), po + n0 * outPlanes(p), pi + n0 * outPlanes(p)]]));
    });
    return { output: new Tensor(output, poolShape(p)), indices: new Tensor(indices, poolShape(p)) };
  };

  const maxPool2dBackward = (gradOutput: Tensor, indices: Tensor, p: Pool2dParams): Tensor => {
    expectSize('maxPool2dBackward', 'gradOutput', gradOutput, poolOut(p), `N·C·outH·outW (${describePool(p)})`);
    expectSize('maxPool2dBackward', 'indices', indices, poolOut(p), `N·C·outH·outW (${describePool(p)})`);
    const { starts, params } = poolParts(p);
    const [gx] = call(`wasm maxPool2dBackward (${describePool(p)})`, { params, inputs: [gradOutput, indices], outputs: [poolIn(p)] }, (at, runTasks) => {
      const [pg, pi] = at.inputs;
      runTasks(starts.map((n0, i) => ['maxPool2dBackward', [at.params[i], pg + n0 * outPlanes(p), pi + n0 * outPlanes(p), at.outputs[0] + n0 * inPlanes(p)]]));
    });
    return new Tensor(gx, inShape(p));
  };

  const avgPool2d = (x: Tensor, p: Pool2dParams): Tensor => {
    expectSize('avgPool2d', 'input', x, poolIn(p), `N·C·H·W (${describePool(p)})`);
    const { starts, params } = poolParts(p);
    const [output] = call(`wasm avgPool2d (${describePool(p)})`, { params, inputs: [x], outputs: [poolOut(p)] }, (at, runTasks) => {
      runTasks(starts.map((n0, i) => ['avgPool2d', [at.params[i], at.inputs[0] + n0 * inPlanes(p), at.outputs[0] + n0 * outPlanes(p)]]));
    });
    return new Tensor(output, poolShape(p));
  };

  const avgPool2dBackward = (gradOutput: Tensor, p: Pool2dParams): Tensor => {
    expectSize('avgPool2dBackward', 'gradOutput', gradOutput, poolOut(p), `N·C·outH·outW (${describePool(p)})`);
    const { starts, params } = poolParts(p);
    const [gx] = call(`wasm avgPool2dBackward (${describePool(p)})`, { params, inputs: [gradOutput], outputs: [poolIn(p)] }, (at, runTasks) => {
      runTasks(starts.map((n0, i) => ['avgPool2dBackward', [at.params[i], at.inputs[0] + n0 * outPlanes(p), at.outputs[0] + n0 * inPlanes(p)]]));
    });
    return new Tensor(gx, inShape(p));
  };

  // ReLU, bias and batch normalization: memory-bound passes, so one thread; SIMD beats V8's scalar
  // loops even with the copies in and out.
  const describeChannels = ({ outer, channels, inner }: ChannelParams) => `[outer ${outer}, channels ${channels}, inner ${inner}]`;

  /** A one-thread kernel call: the inputs in, `body` with their pointers and the output's, the output out. */
  function simple(what: string, inputs: Tensor[], outShape: readonly number[], body: (ptrs: number[], out: number) => void): Tensor {
    const [out] = call(`wasm ${what}`, { inputs, outputs: [outShape.reduce((x, y) => x * y, 1)] }, (at) => body(at.inputs, at.outputs[0]));
    return new Tensor(out, outShape);
  }

  /** Checks x against the channel params (and coefficients against their rows) before a channel kernel. */
  function checkChannels(kernel: string, x: Tensor, p: ChannelParams, coefficients?: Tensor, rows?: number): void {
    expectSize(kernel, 'input', x, p.outer * p.channels * p.inner, `outer·channels·inner ${describeChannels(p)}`);
    if (coefficients) expectSize(kernel, 'coefficients', coefficients, rows! * p.channels, `${rows} rows · channels`);
  }

  const relu = (x: Tensor): Tensor => simple(`relu (${x.size} values)`, [x], x.shape, ([px], out) => wasm.relu(px, out, x.size));

  const reluBackward = (gradOutput: Tensor, output: Tensor): Tensor => {
    expectSize('reluBackward', 'gradOutput', gradOutput, output.size, "the output's size");
    return simple(`reluBackward (${output.size} values)`, [gradOutput, output], gradOutput.shape, ([pg, py], out) => wasm.reluBackward(pg, py, out, output.size));
  };

  const biasAdd = (x: Tensor, bias: Tensor, p: ChannelParams): Tensor => {
    checkChannels('biasAdd', x, p);
    expectSize('biasAdd', 'bias', bias, p.channels, 'channels');
    return simple(`biasAdd ${describeChannels(p)}`, [x, bias], x.shape, ([px, pb], out) => wasm.biasAdd(px, pb, out, p.outer, p.channels, p.inner));
  };

  // a sum over all dims but one (a bias gradient) has its SIMD loop; other reductions run as the JS backend's
  const reduce = (x: Tensor, p: ReduceParams): Tensor => {
    const c = asChannelSum(x.shape, p);
    if (!c) return jsKernels.reduce(x, p);
    const kept = x.shape.map((d, i) => (p.dims.includes(i) ? 1 : d));
    return simple(`reduce (channel sum ${describeChannels(c)})`, [x], kept, ([px], out) => wasm.biasGrad(px, out, c.outer, c.channels, c.inner));
  };

  /** The assembly reads per-channel coefficients as the rows of one [rows, channels] array. */
  const rows = (...perChannel: Tensor[]): Tensor => {
    const packed = new Float32Array(perChannel.length * perChannel[0].size);
    perChannel.forEach((t, r) => packed.set(t.data, r * t.size));
    return new Tensor(packed, [perChannel.length, perChannel[0].size]);
  };
  /** Splits a [2, channels] result into its two rows. */
  const split2 = (t: Tensor, channels: number): [Tensor, Tensor] => [
    new Tensor(t.data.slice(0, channels), [channels]),
    new Tensor(t.data.slice(channels), [channels]),
  ];

  const batchNormStats = (x: Tensor, p: ChannelParams): { mean: Tensor; variance: Tensor } => {
    checkChannels('batchNormStats', x, p);
    const stats = simple(`batchNormStats ${describeChannels(p)}`, [x], [2, p.channels], ([px], out) => wasm.batchNormStats(px, out, p.outer, p.channels, p.inner));
    const [mean, variance] = split2(stats, p.channels);
    return { mean, variance };
  };

  const batchNormForward = (x: Tensor, c: BatchNormForwardCoefficients, p: ChannelParams): Tensor => {
    const coefficients = rows(c.mean, c.scale, c.shift);
    checkChannels('batchNormForward', x, p, coefficients, 3);
    return simple(`batchNormForward ${describeChannels(p)}`, [x, coefficients], x.shape, ([px, pk], out) => wasm.batchNormForward(px, pk, out, p.outer, p.channels, p.inner));
  };

  const batchNormGradSums = (gradOutput: Tensor, x: Tensor, mean: Tensor, p: ChannelParams): { sumGrad: Tensor; sumGradCentered: Tensor } => {
    checkChannels('batchNormGradSums', x, p, mean, 1);
    expectSize('batchNormGradSums', 'gradOutput', gradOutput, x.size, "the input's size");
    const sums = simple(`batchNormGradSums ${describeChannels(p)}`, [gradOutput, x, mean], [2, p.channels], ([pg, px, pk], out) =>
      wasm.batchNormGradSums(pg, px, pk, out, p.outer, p.channels, p.inner));
    const [sumGrad, sumGradCentered] = split2(sums, p.channels);
    return { sumGrad, sumGradCentered };
  };

  const batchNormBackward = (gradOutput: Tensor, x: Tensor, c: BatchNormBackwardCoefficients, p: ChannelParams): Tensor => {
    const coefficients = rows(c.mean, c.gradScale, c.inputScale, c.shift);
    checkChannels('batchNormBackward', x, p, coefficients, 4);
    expectSize('batchNormBackward', 'gradOutput', gradOutput, x.size, "the input's size");
    return simple(`batchNormBackward ${describeChannels(p)}`, [gradOutput, x, coefficients], gradOutput.shape, ([pg, px, pk], out) =>
      wasm.batchNormBackward(pg, px, pk, out, p.outer, p.channels, p.inner));
  };

  // arithmetic of same-shape tensors or a tensor and a scalar (dropout's masks, gradients scaled by
  // them) in SIMD; other ops and broadcasts run as the JS backend's
  const arithmetic: Partial<Record<BinaryParams['op'], number>> = { add: 0, sub: 1, mul: 2, div: 3 };
  const binary = (a: Tensor, b: Tensor, p: BinaryParams): Tensor => {
    const op = arithmetic[p.op];
    const n = p.shape.reduce((x, y) => x * y, 1);
    const fits = (t: Tensor) => t.size === n || t.size === 1;
    if (op === undefined || !fits(a) || !fits(b)) return jsKernels.binary(a, b, p);
    return simple(`binary ${p.op} (${n} values)`, [a, b], p.shape, ([pa, pb], out) => wasm.binaryArith(op, pa, a.size < n, pb, b.size < n, out, n));
  };

  const randomFill = (p: RandomParams): Tensor => {
    const n = p.shape.reduce((x, y) => x * y, 1);
    const [out] = call(`wasm randomFill (${n} values)`, { inputs: [], outputs: [n] }, ({ outputs: [po] }) =>
      wasm.randomFill(po, n, p.key[0], p.key[1], p.counter, p.distribution === 'bernoulli', p.p ?? 0, p.value ?? 1));
    return new Tensor(out, p.shape);
  };

  /** An update in place: the operands in, `body` on their pointers, then the first `updated` copied back into their tensors. */
  function inPlace(what: string, operands: Tensor[], updated: number, body: (ptrs: number[]) => void): void {
    let ptrs: number[] = [];
    call(what, { inputs: operands, outputs: [] }, (at) => body((ptrs = at.inputs)));
    const mem = new Float32Array(wasm.memory.buffer);
    for (let i = 0; i < updated; i++) operands[i].data.set(mem.subarray(ptrs[i] >> 2, (ptrs[i] >> 2) + operands[i].size));
  }

  const adamStep = (param: Tensor, grad: Tensor, state: AdamState, o: AdamParams): void => {
    const moments = [state.expAvg, state.expAvgSq, ...(state.maxExpAvgSq ? [state.maxExpAvgSq] : [])];
    for (const [what, t] of [['grad', grad], ['expAvg', state.expAvg], ['expAvgSq', state.expAvgSq], ['maxExpAvgSq', state.maxExpAvgSq]] as const) {
      if (t) expectSize('adamStep', what, t, param.size, "the parameter's size");
    }
    const { stepSize, bc2Sqrt, decay, l2 } = adamScalars(o);
    inPlace(`wasm adamStep (${param.size} values)`, [param, ...moments, grad], 1 + moments.length, ([pp, pm, pv, ...rest]) => {
      const pMax = state.maxExpAvgSq ? rest[0] : 0;
      wasm.adamStep(pp, rest.at(-1)!, pm, pv, pMax, param.size, stepSize, bc2Sqrt, o.beta1, o.beta2, o.eps, decay, l2, o.maximize);
    });
  };

  // the other primitives and optimizer updates come from the JS backend: WASM tensors are plain
  // Float32Arrays, so its loops apply as they are
  return {
    ...jsKernels,
    gemm, conv2d, conv2dBackwardInput, conv2dBackwardWeight, maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
    relu, reluBackward, biasAdd, reduce, batchNormStats, batchNormForward, batchNormGradSums, batchNormBackward,
    binary, randomFill, adamStep,
  };
}
