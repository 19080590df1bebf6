// 2-D convolution and its two gradients in WGSL, each one tiled product (gemm.ts) per group, the batch
// folded into the product's columns: implicit GEMM, where the tile copy works out which input pixel an
// im2col matrix would hold at (kk, col) and reads it from the tensor itself (zero in the padding), so
// that no im2col buffer is made. With the group as z, per group g (C/groups = inPerGroup, taps = kH·kW):
//
//   forward          y[b, oc, o]       = Σ_(ic, tap)  w[oc, ic, tap] · x[b, ic, o·stride − pad + tap·dilation]
//                    m = outPerGroup, n = batch·outH·outW, k = inPerGroup·taps; the bias added in the epilogue
//   backward input   gx[b, ic, i]      = Σ_(oc, tap)  w[oc, ic, tap] · gy[b, oc, (i + pad − tap·dilation) / stride]
//                    m = inPerGroup, n = batch·inH·inW, k = outPerGroup·taps; a tap whose output position
//                    is not a whole one (stride > 1) or falls outside gy reads a zero
//   backward weight  gw[oc, ic, tap]   = Σ_(b, o)     gy[b, oc, o] · x[b, ic, o·stride − pad + tap·dilation]
//                    m = outPerGroup, n = inPerGroup·taps, k = batch·outH·outW
//
// Sizes that the functions derive (channels per group, taps, planes) are worked out in WGSL from the
// Conv2dParams fields themselves, which the struct holds in engine/kernels.ts's conv2dLayout order.

import { conv2dLayout, packParams, type Conv2dParams, type Kernels } from '../engine/kernels.js';
import type { WebGpu } from './device.js';
import { expectSize, runTiledProduct, tiledProductShader, type TilingOptions } from './gemm.js';

/** Conv2dParams as WGSL struct fields (after the product's own). */
const params = conv2dLayout.map((field) => `${field}: u32,`).join(' ');

/** WGSL shared by the three: the sizes they derive. */
const sizes = /* wgsl */ `
fn inPerGroup() -> u32 { return p.inChannels / p.groups; }
fn outPerGroup() -> u32 { return p.outChannels / p.groups; }
fn taps() -> u32 { return p.kernelHeight * p.kernelWidth; }
fn outPlane() -> u32 { return p.outHeight * p.outWidth; }
fn inPlane() -> u32 { return p.inHeight * p.inWidth; }`;

/** WGSL for the two that read the input as im2col would hold it. */
const inputAt = /* wgsl */ `
${sizes}
/** x[b, channel, o·stride − pad + tap·dilation] for output pixel o and kernel tap \`tap\` (flat), or 0 in the padding */
fn inputAt(b: u32, channel: u32, o: u32, tap: u32) -> f32 {
  let ih = i32((o / p.outWidth) * p.strideHeight + (tap / p.kernelWidth) * p.dilationHeight) - i32(p.padTop);
  let iw = i32((o % p.outWidth) * p.strideWidth + (tap % p.kernelWidth) * p.dilationWidth) - i32(p.padLeft);
  if (ih < 0 || ih >= i32(p.inHeight) || iw < 0 || iw >= i32(p.inWidth)) { return 0.0; }
  return x[(b * p.inChannels + channel) * inPlane() + u32(ih) * p.inWidth + u32(iw)];
}`;

const forwardShader = (withBias: boolean) =>
  tiledProductShader({
    name: withBias ? 'conv2d (bias)' : 'conv2d',
    inputs: withBias ? ['x', 'w', 'bias'] : ['x', 'w'],
    params,
    extra: inputAt,
    // z: the group; row: its output channel; kk: (ic, tap); col: (b, o)
    readA: 'return w[(z * outPerGroup() + row) * p.k + kk];',
    aAlongK: true,
    readB: 'return inputAt(col / outPlane(), z * inPerGroup() + kk / taps(), col % outPlane(), kk % taps());',
    bAlongK: false,
    outIndex: 'return ((col / outPlane()) * p.outChannels + z * outPerGroup() + row) * outPlane() + col % outPlane();',
    epilogue: withBias ? 'return value + bias[z * outPerGroup() + row];' : undefined,
  });
const forward = { bias: forwardShader(true), none: forwardShader(false) };

const backwardInput = tiledProductShader({
  name: 'conv2dBackwardInput',
  inputs: ['gy', 'w'],
  params,
  extra: sizes,
  // z: the group; row: its input channel; kk: (oc, tap); col: (b, i)
  readA: 'return w[((z * outPerGroup() + kk / taps()) * inPerGroup() + row) * taps() + kk % taps()];',
  aAlongK: true,
  readB: `
    let tap = kk % taps();
    let b = col / inPlane();
    let i = col % inPlane();
    // the output pixel whose window puts this tap on input pixel i: (i + pad − tap·dilation) / stride, when whole and inside
    let th = i32(i / p.inWidth + p.padTop) - i32((tap / p.kernelWidth) * p.dilationHeight);
    let tw = i32(i % p.inWidth + p.padLeft) - i32((tap % p.kernelWidth) * p.dilationWidth);
    if (th < 0 || tw < 0 || u32(th) % p.strideHeight != 0u || u32(tw) % p.strideWidth != 0u) { return 0.0; }
    let oh = u32(th) / p.strideHeight;
    let ow = u32(tw) / p.strideWidth;
    if (oh >= p.outHeight || ow >= p.outWidth) { return 0.0; }
    return gy[((b * p.outChannels + z * outPerGroup() + kk / taps()) * p.outHeight + oh) * p.outWidth + ow];`,
  bAlongK: false,
  outIndex: 'return ((col / inPlane()) * p.inChannels + z * inPerGroup() + row) * inPlane() + col % inPlane();',
});

const backwardWeight = tiledProductShader({
  name: 'conv2dBackwardWeight',
  inputs: ['gy', 'x'],
  params,
  extra: inputAt,
  // z: the group; row: its output channel; kk: (b, o); col: (ic, tap)
  readA: 'return gy[((kk / outPlane()) * p.outChannels + z * outPerGroup() + row) * outPlane() + kk % outPlane()];',
  aAlongK: true,
  readB: 'return inputAt(kk / outPlane(), z * inPerGroup() + col / taps(), kk % outPlane(), col % taps());',
  bAlongK: true,
  // gw is [outChannels, inPerGroup·taps]: row oc of group z, column col
  outIndex: 'return (z * outPerGroup() + row) * p.n + col;',
});

export function convKernels(gpu: WebGpu, options: TilingOptions = {}): Pick<Kernels, 'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight'> {
  const counts = (p: Conv2dParams) => {
    const inPerGroup = p.inChannels / p.groups;
    const outPerGroup = p.outChannels / p.groups;
    const taps = p.kernelHeight * p.kernelWidth;
    return {
      inPerGroup, outPerGroup, taps,
      input: p.batch * p.inChannels * p.inHeight * p.inWidth,
      output: p.batch * p.outChannels * p.outHeight * p.outWidth,
      weight: p.outChannels * inPerGroup * taps,
      outPixels: p.batch * p.outHeight * p.outWidth,
    };
  };
  const packed = (p: Conv2dParams) => packParams(p, conv2dLayout);
  return {
    conv2d(x, weight, bias, p) {
      const s = counts(p);
      expectSize('conv2d', 'the input', x, s.input);
      expectSize('conv2d', 'the weight', weight, s.weight);
      if (bias) expectSize('conv2d', 'the bias', bias, p.outChannels);
      const out = gpu.empty([p.batch, p.outChannels, p.outHeight, p.outWidth]);
      const inputs = [x, weight, ...(bias ? [bias] : [])].map((t) => gpu.bufferOf(t));
      const size = { m: s.outPerGroup, n: s.outPixels, k: s.inPerGroup * s.taps, batches: p.groups };
      runTiledProduct(gpu, bias ? forward.bias : forward.none, inputs, out, size, packed(p), options);
      return out;
    },
    conv2dBackwardInput(gradOutput, weight, p) {
      const s = counts(p);
      expectSize('conv2dBackwardInput', 'the output gradient', gradOutput, s.output);
      expectSize('conv2dBackwardInput', 'the weight', weight, s.weight);
      const out = gpu.empty([p.batch, p.inChannels, p.inHeight, p.inWidth]);
      const size = { m: s.inPerGroup, n: p.batch * p.inHeight * p.inWidth, k: s.outPerGroup * s.taps, batches: p.groups };
      runTiledProduct(gpu, backwardInput, [gpu.bufferOf(gradOutput), gpu.bufferOf(weight)], out, size, packed(p), options);
      return out;
    },
    conv2dBackwardWeight(gradOutput, x, p) {
      const s = counts(p);
      expectSize('conv2dBackwardWeight', 'the output gradient', gradOutput, s.output);
      expectSize('conv2dBackwardWeight', 'the input', x, s.input);
      const out = gpu.empty([p.outChannels, s.inPerGroup, p.kernelHeight, p.kernelWidth]);
      const size = { m: s.outPerGroup, n: s.inPerGroup * s.taps, k: s.outPixels, batches: p.groups };
      runTiledProduct(gpu, backwardWeight, [gpu.bufferOf(gradOutput), gpu.bufferOf(x)], out, size, packed(p), options);
      return out;
    },
  };
}
