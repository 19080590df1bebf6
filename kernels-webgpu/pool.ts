// Max and average pooling and their gradients in WGSL, one thread per element written, so that no two
// threads write the same place and no atomics are needed:
// - the forward passes: a thread per output scans its window, as engine/backends/js/pool.ts does, with
//   the same rules (the first maximum wins, a NaN is the maximum; −inf and index −1 for a window of
//   padding only; the average's divisor with or without the padding);
// - the gradients gather: a thread per input pixel visits the outputs whose windows can hold it (for
//   each kernel row, the one output row it can come from, when the stride divides the distance) and
//   sums what they pass back: max pooling's where the output's index names this pixel, average
//   pooling's share of every window that covers it.
// Windows are small (a kernel of a few taps), so a thread's loop is short and its neighbours read
// neighbouring pixels; workgroup memory would not pay here.

import { pool2dLayout, packParams, type Kernels, type Pool2dParams } from '../engine/kernels.js';
import type { Tensor } from '../engine/tensor.js';
import { grid, isNanWgsl, perElementShader, type Shader, type WebGpu } from './device.js';
import { expectSize } from './gemm.js';

/** A shader with one thread per element of the tensor it writes (p.size of them), Pool2dParams in its struct in pool2dLayout's order. */
const perElement = (name: string, read: string[], write: string[], body: string, extra = ''): Shader =>
  perElementShader(name, { read, write, fields: pool2dLayout.map((field) => `${field}: u32,`).join(' '), helpers: [isNanWgsl, extra], body, index: 'e' });

/** WGSL: the output and input pixels of a thread's element, by plane (batch·channels), row and column. */
const outputPixel = `
  let outPlane = p.outHeight * p.outWidth;
  let plane = e / outPlane;
  let oh = (e % outPlane) / p.outWidth;
  let ow = e % p.outWidth;`;
const inputPixel = `
  let inPlane = p.inHeight * p.inWidth;
  let plane = e / inPlane;
  let ih = (e % inPlane) / p.inWidth;
  let iw = e % p.inWidth;`;

const maxPool = perElement('maxPool2d', ['x'], ['out', 'indices'], `
  ${outputPixel}
  var negativeInfinity = 0xff800000u; // a var: a constant's bitcast to ±inf is rejected by the WGSL compiler
  var best = bitcast<f32>(negativeInfinity);
  var bestIndex = -1;
  for (var kh = 0u; kh < p.kernelHeight; kh++) {
    let ih = i32(oh * p.strideHeight + kh * p.dilationHeight) - i32(p.padHeight);
    if (ih < 0 || ih >= i32(p.inHeight)) { continue; }
    for (var kw = 0u; kw < p.kernelWidth; kw++) {
      let iw = i32(ow * p.strideWidth + kw * p.dilationWidth) - i32(p.padWidth);
      if (iw < 0 || iw >= i32(p.inWidth)) { continue; }
      let v = x[plane * p.inHeight * p.inWidth + u32(ih) * p.inWidth + u32(iw)];
      // the first maximum wins; a NaN is the maximum (PyTorch propagates it), and nothing beats it
      if (v > best || isNan(v) || bestIndex < 0) {
        best = v;
        bestIndex = ih * i32(p.inWidth) + iw;
        if (isNan(v)) { break; }
      }
    }
    if (isNan(best)) { break; }
  }
  out[e] = best;
  indices[e] = f32(bestIndex);`);

// the output rows that can hold input row ih: oh with oh·stride − pad + kh·dilation = ih for a kernel row kh
const maxPoolBackward = perElement('maxPool2dBackward', ['gy', 'indices'], ['out'], `
  ${inputPixel}
  let outPlane = p.outHeight * p.outWidth;
  let me = f32(ih * p.inWidth + iw);
  var sum = 0.0;
  for (var kh = 0u; kh < p.kernelHeight; kh++) {
    let th = i32(ih + p.padHeight) - i32(kh * p.dilationHeight);
    if (th < 0 || u32(th) % p.strideHeight != 0u || u32(th) / p.strideHeight >= p.outHeight) { continue; }
    let oh = u32(th) / p.strideHeight;
    for (var kw = 0u; kw < p.kernelWidth; kw++) {
      let tw = i32(iw + p.padWidth) - i32(kw * p.dilationWidth);
      if (tw < 0 || u32(tw) % p.strideWidth != 0u || u32(tw) / p.strideWidth >= p.outWidth) { continue; }
      let o = plane * outPlane + oh * p.outWidth + u32(tw) / p.strideWidth;
      if (indices[o] == me) { sum += gy[o]; }
    }
  }
  out[e] = sum;`);

/** WGSL: avgWindow of engine/backends/js/pool.ts, the in-image window of output (oh, ow) and its divisor. */
const avgWindow = /* wgsl */ `
struct Window { h0: i32, h1: i32, w0: i32, w1: i32, divisor: f32 }
fn avgWindow(oh: u32, ow: u32) -> Window {
  let h0 = i32(oh * p.strideHeight) - i32(p.padHeight);
  let w0 = i32(ow * p.strideWidth) - i32(p.padWidth);
  // the window may hang over the padding, but not past it (ceilMode's extra windows are cut there)
  let h1 = min(h0 + i32(p.kernelHeight), i32(p.inHeight + p.padHeight));
  let w1 = min(w0 + i32(p.kernelWidth), i32(p.inWidth + p.padWidth));
  let inside = Window(max(h0, 0), min(h1, i32(p.inHeight)), max(w0, 0), min(w1, i32(p.inWidth)), 0.0);
  let area = select((inside.h1 - inside.h0) * (inside.w1 - inside.w0), (h1 - h0) * (w1 - w0), p.countIncludePad != 0u);
  return Window(inside.h0, inside.h1, inside.w0, inside.w1, f32(area));
}`;

const avgPool = perElement('avgPool2d', ['x'], ['out'], `
  ${outputPixel}
  let window = avgWindow(oh, ow);
  var sum = 0.0;
  for (var ih = window.h0; ih < window.h1; ih++) {
    for (var iw = window.w0; iw < window.w1; iw++) {
      sum += x[plane * p.inHeight * p.inWidth + u32(ih) * p.inWidth + u32(iw)];
    }
  }
  out[e] = sum / window.divisor;`, avgWindow);

// the windows over input pixel (ih, iw): outputs oh with oh·stride − pad ≤ ih < oh·stride − pad + kernel
// (the cut at inHeight + pad never excludes an input pixel), each passing back its share
const avgPoolBackward = perElement('avgPool2dBackward', ['gy'], ['out'], `
  ${inputPixel}
  let outPlane = p.outHeight * p.outWidth;
  // oh from ceil((ih + pad − kernel + 1) / stride), at least 0, to floor((ih + pad) / stride), below outHeight
  let ohFirst = (max(i32(ih + p.padHeight) - i32(p.kernelHeight) + 1, 0) + i32(p.strideHeight) - 1) / i32(p.strideHeight);
  let ohEnd = min((ih + p.padHeight) / p.strideHeight + 1u, p.outHeight);
  let owFirst = (max(i32(iw + p.padWidth) - i32(p.kernelWidth) + 1, 0) + i32(p.strideWidth) - 1) / i32(p.strideWidth);
  let owEnd = min((iw + p.padWidth) / p.strideWidth + 1u, p.outWidth);
  var sum = 0.0;
  for (var oh = u32(ohFirst); oh < ohEnd; oh++) {
    for (var ow = u32(owFirst); ow < owEnd; ow++) {
      sum += gy[plane * outPlane + oh * p.outWidth + ow] / avgWindow(oh, ow).divisor;
    }
  }
  out[e] = sum;`, avgWindow);

export function poolKernels(gpu: WebGpu): Pick<Kernels, 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward'> {
  const inShape = (p: Pool2dParams) => [p.batch, p.channels, p.inHeight, p.inWidth];
  const outShape = (p: Pool2dParams) => [p.batch, p.channels, p.outHeight, p.outWidth];
  const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  /** one thread per element of `written`'s first tensor */
  const run = (shader: Shader, inputs: readonly Tensor[], written: readonly Tensor[], p: Pool2dParams) => {
    const size = written[0].size;
    gpu.run(shader, [...inputs, ...written].map((t) => gpu.bufferOf(t)), [size, ...packParams(p, pool2dLayout)], grid(size));
  };
  return {
    maxPool2d(x, p) {
      expectSize('maxPool2d', 'the input', x, count(inShape(p)));
      const [output, indices] = [gpu.empty(outShape(p)), gpu.empty(outShape(p))];
      run(maxPool, [x], [output, indices], p);
      return { output, indices };
    },
    maxPool2dBackward(gradOutput, indices, p) {
      expectSize('maxPool2dBackward', 'the output gradient', gradOutput, count(outShape(p)));
      expectSize('maxPool2dBackward', 'the indices', indices, count(outShape(p)));
      const out = gpu.empty(inShape(p));
      run(maxPoolBackward, [gradOutput, indices], [out], p);
      return out;
    },
    avgPool2d(x, p) {
      expectSize('avgPool2d', 'the input', x, count(inShape(p)));
      const out = gpu.empty(outShape(p));
      run(avgPool, [x], [out], p);
      return out;
    },
    avgPool2dBackward(gradOutput, p) {
      expectSize('avgPool2dBackward', 'the output gradient', gradOutput, count(outShape(p)));
      const out = gpu.empty(inShape(p));
      run(avgPoolBackward, [gradOutput], [out], p);
      return out;
    },
  };
}
