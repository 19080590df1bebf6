// The gpu.js kernels, as JavaScript source text. gpu.js parses a kernel's source and translates it to a
// GLSL fragment shader, so these are written in the small JavaScript subset it understands: no closures,
// no helper calls, numbers only. Every kernel writes a flat output: thread x (`this.thread.x`) computes
// output element `offset + x` (offset lets a large output run as several tiles), decomposed into
// (n, c, h, w) the same way as the JS backend's loops, and reads its inputs as flat arrays.
//
// Why strings and not functions: gpu.js would read a function's text with toString(), and that text is
// whatever the page's minifier made of it. Vite's and webpack's minifiers rename a loop variable to the
// name of a parameter it shadows (legal JavaScript, but gpu.js puts every name of a kernel in one GLSL
// scope) and fold ifs into `a && (b)` expressions, and the shader no longer compiles. A string reaches
// gpu.js exactly as written here, whatever bundles it. tests/browser/production-builds.spec.ts checks
// that in minified Vite, webpack and esbuild builds.
//
// Integer arithmetic happens in float32, exact below 2^24; kernels.ts refuses larger tensors. Divisions of
// non-negative integers use floor((a + 0.5) / b), which stays exact even if the GPU's division is off by
// an ulp.

import type { BinaryOp, ReduceOp, UnaryOp } from '../engine/kernels.js';

/** C[b] = op(A[b]) · op(B[b]); scalars follow GemmParams. */
export const gemmShader = `function gemm(A, B, offset, m, n, k, transA, transB, oneA, oneB) {
  const o = offset + this.thread.x;
  const bi = Math.floor((o + 0.5) / (m * n));
  const r = o - bi * m * n;
  const i = Math.floor((r + 0.5) / n);
  const j = r - i * n;
  const aBase = (1 - oneA) * bi * m * k;
  const bBase = (1 - oneB) * bi * k * n;
  let sum = 0;
  for (let q = 0; q < k; q++) {
    let a = 0;
    if (transA > 0.5) {
      a = A[aBase + q * m + i];
    } else {
      a = A[aBase + i * k + q];
    }
    let b = 0;
    if (transB > 0.5) {
      b = B[bBase + j * k + q];
    } else {
      b = B[bBase + q * n + j];
    }
    sum += a * b;
  }
  return sum;
}`;

// Convolution scalars travel in one small array (gpu.js gives each scalar argument its own uniform and
// caps kernels at a modest argument count), in conv2dLayout's order (engine/kernels.ts): P[i] is field
// i, and tests/engine/layouts.test.ts checks every `name = P[i]` below against it.

/** y[n, oc, oh, ow] = Σ x · w over the taps inside the image, plus the bias (hasBias 1). */
export const conv2dShader = `function conv2d(X, W, bias, P, offset, hasBias) {
  const o = offset + this.thread.x;
  const inC = P[1], inH = P[2], inW = P[3], outC = P[4], outH = P[5], outW = P[6];
  const kH = P[7], kW = P[8], sH = P[9], sW = P[10], pT = P[11], pL = P[12], dH = P[13], dW = P[14], groups = P[15];
  const inPerGroup = inC / groups;
  const outPerGroup = outC / groups;
  const nc = Math.floor((o + 0.5) / (outH * outW));
  const rest = o - nc * outH * outW;
  const oh = Math.floor((rest + 0.5) / outW);
  const ow = rest - oh * outW;
  const n = Math.floor((nc + 0.5) / outC);
  const oc = nc - n * outC;
  const g = Math.floor((oc + 0.5) / outPerGroup);
  let sum = 0;
  for (let ic = 0; ic < inPerGroup; ic++) {
    const c = g * inPerGroup + ic;
    for (let kh = 0; kh < kH; kh++) {
      const ih = oh * sH - pT + kh * dH;
      if (ih >= 0 && ih < inH) {
        for (let kw = 0; kw < kW; kw++) {
          const iw = ow * sW - pL + kw * dW;
          if (iw >= 0 && iw < inW) {
            sum += X[((n * inC + c) * inH + ih) * inW + iw] * W[((oc * inPerGroup + ic) * kH + kh) * kW + kw];
          }
        }
      }
    }
  }
  if (hasBias > 0.5) {
    sum += bias[oc];
  }
  return sum;
}`;

/**
 * gx[n, c, ih, iw]: the sum over the outputs that read this input. For tap (kh, kw) the output row is
 * (ih + padTop − kh·dH) / sH, which must be a whole number inside the output.
 */
export const conv2dBackwardInputShader = `function conv2dBackwardInput(G, W, P, offset) {
  const o = offset + this.thread.x;
  const inC = P[1], inH = P[2], inW = P[3], outC = P[4], outH = P[5], outW = P[6];
  const kH = P[7], kW = P[8], sH = P[9], sW = P[10], pT = P[11], pL = P[12], dH = P[13], dW = P[14], groups = P[15];
  const inPerGroup = inC / groups;
  const outPerGroup = outC / groups;
  const nc = Math.floor((o + 0.5) / (inH * inW));
  const rest = o - nc * inH * inW;
  const ih = Math.floor((rest + 0.5) / inW);
  const iw = rest - ih * inW;
  const n = Math.floor((nc + 0.5) / inC);
  const c = nc - n * inC;
  const g = Math.floor((c + 0.5) / inPerGroup);
  const ic = c - g * inPerGroup;
  let sum = 0;
  for (let kh = 0; kh < kH; kh++) {
    const th = ih + pT - kh * dH;
    const oh = Math.floor((th + 0.5) / sH);
    if (th >= 0 && oh * sH == th && oh < outH) {
      for (let kw = 0; kw < kW; kw++) {
        const tw = iw + pL - kw * dW;
        const ow = Math.floor((tw + 0.5) / sW);
        if (tw >= 0 && ow * sW == tw && ow < outW) {
          for (let j = 0; j < outPerGroup; j++) {
            const oc = g * outPerGroup + j;
            sum += G[((n * outC + oc) * outH + oh) * outW + ow] * W[((oc * inPerGroup + ic) * kH + kh) * kW + kw];
          }
        }
      }
    }
  }
  return sum;
}`;

/** gw[oc, ic, kh, kw] = Σ over batch and output pixels of gy · x at the tap. */
export const conv2dBackwardWeightShader = `function conv2dBackwardWeight(G, X, P, offset) {
  const o = offset + this.thread.x;
  const batch = P[0], inC = P[1], inH = P[2], inW = P[3], outC = P[4], outH = P[5], outW = P[6];
  const kH = P[7], kW = P[8], sH = P[9], sW = P[10], pT = P[11], pL = P[12], dH = P[13], dW = P[14], groups = P[15];
  const inPerGroup = inC / groups;
  const outPerGroup = outC / groups;
  const tap = kH * kW;
  const ocic = Math.floor((o + 0.5) / tap);
  const t = o - ocic * tap;
  const kh = Math.floor((t + 0.5) / kW);
  const kw = t - kh * kW;
  const oc = Math.floor((ocic + 0.5) / inPerGroup);
  const ic = ocic - oc * inPerGroup;
  const c = Math.floor((oc + 0.5) / outPerGroup) * inPerGroup + ic;
  let sum = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const ih = oh * sH - pT + kh * dH;
      if (ih >= 0 && ih < inH) {
        for (let ow = 0; ow < outW; ow++) {
          const iw = ow * sW - pL + kw * dW;
          if (iw >= 0 && iw < inW) {
            sum += G[((n * outC + oc) * outH + oh) * outW + ow] * X[((n * inC + c) * inH + ih) * inW + iw];
          }
        }
      }
    }
  }
  return sum;
}`;

// Pooling scalars travel the same way, in pool2dLayout's order (engine/kernels.ts): P[i] is field i, and
// tests/engine/layouts.test.ts checks every `name = P[i]` below against it.

/** The flat h·W + w index of the window's first maximum, or -1 when the window is all padding. */
export const maxPoolIndexShader = `function maxPoolIndex(X, P, offset) {
  const o = offset + this.thread.x;
  const inH = P[2], inW = P[3], outH = P[4], outW = P[5], kH = P[6], kW = P[7], sH = P[8], sW = P[9], pH = P[10], pW = P[11], dH = P[12], dW = P[13];
  const plane = Math.floor((o + 0.5) / (outH * outW));
  const rest = o - plane * outH * outW;
  const oh = Math.floor((rest + 0.5) / outW);
  const ow = rest - oh * outW;
  let best = 0;
  let bestIndex = -1;
  for (let kh = 0; kh < kH; kh++) {
    const ih = oh * sH - pH + kh * dH;
    if (ih >= 0 && ih < inH) {
      for (let kw = 0; kw < kW; kw++) {
        const iw = ow * sW - pW + kw * dW;
        if (iw >= 0 && iw < inW) {
          const v = X[plane * inH * inW + ih * inW + iw];
          if (bestIndex < 0 || v > best) {
            best = v;
            bestIndex = ih * inW + iw;
          }
        }
      }
    }
  }
  return bestIndex;
}`;

/** The maximum itself, gathered through its index; -inf (−1/0, zero being a uniform 0) for an all-padding window. */
export const maxPoolValueShader = `function maxPoolValue(X, I, P, offset, zero) {
  const o = offset + this.thread.x;
  const inH = P[2], inW = P[3], outH = P[4], outW = P[5];
  const plane = Math.floor((o + 0.5) / (outH * outW));
  const index = I[o];
  if (index < 0) {
    return -1 / zero;
  }
  return X[plane * inH * inW + index];
}`;

/** gx[plane, ih, iw]: the gradients of the outputs whose maximum was this input. */
export const maxPoolBackwardShader = `function maxPoolBackward(G, I, P, offset) {
  const o = offset + this.thread.x;
  const inH = P[2], inW = P[3], outH = P[4], outW = P[5], kH = P[6], kW = P[7], sH = P[8], sW = P[9], pH = P[10], pW = P[11], dH = P[12], dW = P[13];
  const plane = Math.floor((o + 0.5) / (inH * inW));
  const rest = o - plane * inH * inW;
  const ih = Math.floor((rest + 0.5) / inW);
  const iw = rest - ih * inW;
  let sum = 0;
  // an output reaches this input through at most one tap, so each output is counted once
  for (let kh = 0; kh < kH; kh++) {
    const th = ih + pH - kh * dH;
    const oh = Math.floor((th + 0.5) / sH);
    if (th >= 0 && oh * sH == th && oh < outH) {
      for (let kw = 0; kw < kW; kw++) {
        const tw = iw + pW - kw * dW;
        const ow = Math.floor((tw + 0.5) / sW);
        if (tw >= 0 && ow * sW == tw && ow < outW) {
          const out = plane * outH * outW + oh * outW + ow;
          if (I[out] == rest) {
            sum += G[out];
          }
        }
      }
    }
  }
  return sum;
}`;

/** The mean over the in-image part of the window, divided as the JS backend's avgWindow does. */
export const avgPoolShader = `function avgPool(X, P, offset) {
  const o = offset + this.thread.x;
  const inH = P[2], inW = P[3], outH = P[4], outW = P[5], kH = P[6], kW = P[7], sH = P[8], sW = P[9], pH = P[10], pW = P[11], includePad = P[14];
  const plane = Math.floor((o + 0.5) / (outH * outW));
  const rest = o - plane * outH * outW;
  const oh = Math.floor((rest + 0.5) / outW);
  const ow = rest - oh * outW;
  const h0 = oh * sH - pH;
  const w0 = ow * sW - pW;
  const h1 = Math.min(h0 + kH, inH + pH);
  const w1 = Math.min(w0 + kW, inW + pW);
  const ch0 = Math.max(h0, 0);
  const cw0 = Math.max(w0, 0);
  const ch1 = Math.min(h1, inH);
  const cw1 = Math.min(w1, inW);
  let divisor = (ch1 - ch0) * (cw1 - cw0);
  if (includePad > 0.5) {
    divisor = (h1 - h0) * (w1 - w0);
  }
  let sum = 0;
  for (let kh = 0; kh < kH; kh++) {
    const ih = h0 + kh;
    if (ih >= ch0 && ih < ch1) {
      for (let kw = 0; kw < kW; kw++) {
        const iw = w0 + kw;
        if (iw >= cw0 && iw < cw1) {
          sum += X[plane * inH * inW + ih * inW + iw];
        }
      }
    }
  }
  return sum / divisor;
}`;

/** gx[plane, ih, iw]: each output's gradient over its divisor, summed over the windows holding this input. */
export const avgPoolBackwardShader = `function avgPoolBackward(G, P, offset) {
  const o = offset + this.thread.x;
  const inH = P[2], inW = P[3], outH = P[4], outW = P[5], kH = P[6], kW = P[7], sH = P[8], sW = P[9], pH = P[10], pW = P[11], includePad = P[14];
  const plane = Math.floor((o + 0.5) / (inH * inW));
  const rest = o - plane * inH * inW;
  const ih = Math.floor((rest + 0.5) / inW);
  const iw = rest - ih * inW;
  let sum = 0;
  for (let kh = 0; kh < kH; kh++) {
    const th = ih + pH - kh;
    const oh = Math.floor((th + 0.5) / sH);
    if (th >= 0 && oh * sH == th && oh < outH) {
      for (let kw = 0; kw < kW; kw++) {
        const tw = iw + pW - kw;
        const ow = Math.floor((tw + 0.5) / sW);
        if (tw >= 0 && ow * sW == tw && ow < outW) {
          const h0 = oh * sH - pH;
          const w0 = ow * sW - pW;
          const h1 = Math.min(h0 + kH, inH + pH);
          const w1 = Math.min(w0 + kW, inW + pW);
          let divisor = (Math.min(h1, inH) - Math.max(h0, 0)) * (Math.min(w1, inW) - Math.max(w0, 0));
          if (includePad > 0.5) {
            divisor = (h1 - h0) * (w1 - w0);
          }
          sum += G[plane * outH * outW + oh * outW + ow] / divisor;
        }
      }
    }
  }
  return sum;
}`;

// ReLU and per-channel bias. GLSL promises nothing about NaN, so unlike the CPU backends a NaN input
// may come out of reluShader as 0.

/** max(x, 0). */
export const reluShader = `function relu(X, offset) {
  const v = X[offset + this.thread.x];
  if (v > 0) {
    return v;
  }
  return 0;
}`;

/** The gradient where the ReLU's output Y > 0, else 0. */
export const reluBackwardShader = `function reluBackward(G, Y, offset) {
  const o = offset + this.thread.x;
  if (Y[o] > 0) {
    return G[o];
  }
  return 0;
}`;

/** x [outer, channels, inner] + bias [channels]. */
export const biasAddShader = `function biasAdd(X, B, offset, channels, inner) {
  const o = offset + this.thread.x;
  const q = Math.floor((o + 0.5) / inner);
  const c = q - Math.floor((q + 0.5) / channels) * channels;
  return X[o] + B[c];
}`;

// The sums below run in float32 (GLSL has none wider, where the JS backend sums in float64), so they are
// compensated: partial sums of a few terms each, added up with Kahan's compensation.

/** Statements adding `partial` to `total`, keeping in `compensation` what float32 rounding lost. */
const kahanAdd = `const corrected = partial - compensation;
    const next = total + corrected;
    compensation = (next - total) - corrected;
    total = next;`;

/**
 * A per-channel sum over x [outer, channels, inner], one thread per channel c, of `term` (statements
 * declaring t for element `at`): each row's inner terms make a partial sum; the rows are Kahan-added.
 */
const channelSum = (name: string, inputs: string, term: string, result: string) => `function ${name}(${inputs}, offset, outer, channels, inner) {
  const c = offset + this.thread.x;
  let total = 0;
  let compensation = 0;
  for (let n = 0; n < outer; n++) {
    let partial = 0;
    for (let i = 0; i < inner; i++) {
      const at = (n * channels + c) * inner + i;
      ${term}
      partial += t;
    }
    ${kahanAdd}
  }
  return ${result};
}`;

/** gb[c]: the gradient summed over outer and inner. */
export const biasGradShader = channelSum('biasGrad', 'G', 'const t = G[at];', 'total');

// Batch normalization's passes (engine/ops/batchnorm.ts explains the coefficients, one [channels]
// array each). Σ g per channel is biasGradShader's sum.

/** Output [channels]: each channel's mean. */
export const batchNormMeanShader = channelSum('batchNormMean', 'X', 'const t = X[at];', 'total / (outer * inner)');

/** Output [channels]: each channel's biased variance around M. */
export const batchNormVarianceShader = channelSum('batchNormVariance', 'X, M', `const d = X[at] - M[c];
      const t = d * d;`, 'total / (outer * inner)');

/** (x − mean)·scale + shift. */
export const batchNormForwardShader = `function batchNormForward(X, M, S, B, offset, channels, inner) {
  const o = offset + this.thread.x;
  const q = Math.floor((o + 0.5) / inner);
  const c = q - Math.floor((q + 0.5) / channels) * channels;
  return (X[o] - M[c]) * S[c] + B[c];
}`;

/** Output [channels]: Σ g·(x − mean). */
export const batchNormCenteredSumShader = channelSum('batchNormCenteredSum', 'G, X, M', 'const t = G[at] * (X[at] - M[c]);', 'total');

/** g·gradScale + (x − mean)·inputScale + shift. */
export const batchNormBackwardShader = `function batchNormBackward(G, X, M, A, Bc, S, offset, channels, inner) {
  const o = offset + this.thread.x;
  const q = Math.floor((o + 0.5) / inner);
  const c = q - Math.floor((q + 0.5) / channels) * channels;
  return G[o] * A[c] + (X[o] - M[c]) * Bc[c] + S[c];
}`;

// ---- the primitives ----
//
// One source per op rather than one shader branching on an op code: the op's few lines are pasted into
// a shared frame (the functions below build the text), so each compiled shader holds only its own
// arithmetic. The frames walk strided views, sum in float32 with care, and so on, written once here.
//
// A strided view of up to any rank travels in a small array S, as the convolution scalars do in P:
// S = [dims, size_0 … size_{dims−1}, strides of operand 0 …, strides of operand 1 …] (kernels.ts packs it,
// with the dims merged that the walk can take as one). The walk turns a flat index into each operand's
// offset with one division per dim. The arrays are named S and H (never P) so that
// tests/engine/layouts.test.ts, which checks every `name = P[i]` against a conv or pool layout, skips them.

/**
 * Statements declaring a constant per field of `layout`, read from the array `from` in that order:
 * kernels.ts packs the array from the same layout (packParams), so the order is declared once, here.
 */
const unpack = (from: string, layout: readonly string[]) => layout.map((field, i) => `const ${field} = ${from}[${i}];`).join('\n  ');

/**
 * Statements adding, for each name of `offsets`, operand k's offset of flat index `index` in the view
 * whose dim count is `dims` and whose sizes start at S[first] (operand k's strides follow, k + 1 blocks
 * of `dims` later). `tag` keeps the walk's own names apart from another walk's in the same shader.
 */
function walk(tag: string, index: string, dims: string, first: string, offsets: string[]): string {
  const strideReads = offsets.map((name, k) => `${name} += ${tag}Index * S[${first} + ${dims} * ${k + 1} + ${tag}Dim];`);
  return `let ${tag}Rest = ${index};
  for (let ${tag}K = 0; ${tag}K < ${dims}; ${tag}K++) {
    const ${tag}Dim = ${dims} - 1 - ${tag}K;
    const ${tag}Size = S[${first} + ${tag}Dim];
    const ${tag}Next = Math.floor((${tag}Rest + 0.5) / ${tag}Size);
    const ${tag}Index = ${tag}Rest - ${tag}Next * ${tag}Size;
    ${strideReads.join('\n    ')}
    ${tag}Rest = ${tag}Next;
  }`;
}

/**
 * Statements that leave Σ t over r < count in `total`, where `term` is statements declaring `t` for r.
 * GLSL has only float32 where the JS backend sums in float64, so the sum runs in `blocks` blocks of
 * `block` terms (kernels.ts picks block ≈ √count): each block is summed plainly, and the block sums are
 * Kahan-added (kahanAdd). The error stays near √count·ε of the sum of |t| even where a compiler folds
 * the compensation away (it may: GLSL promises no IEEE evaluation order), instead of count·ε for one
 * running sum.
 */
function blockedSum(count: string, term: string): string {
  return `let total = 0;
  let compensation = 0;
  for (let b = 0; b < blocks; b++) {
    let partial = 0;
    for (let j = 0; j < block; j++) {
      const r = b * block + j;
      if (r < ${count}) {
        ${term}
        partial += t;
      }
    }
    ${kahanAdd}
  }`;
}

const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * Statements setting `out` (declared) to tanh(x): from e^(−2|x|), which cannot overflow (GLSL's tanh may,
 * as (e^2x − 1)/(e^2x + 1)), and below |x| = 1/4, where 1 − e^(−2|x|) would cancel, from its series
 * (the first term left out is below 4e-7 of the value).
 */
const tanhInto = (out: string, x: string) => `{
    const tanhX = ${x};
    const tanhA = Math.abs(tanhX);
    if (tanhA < 0.25) {
      const tanhS = tanhX * tanhX;
      ${out} = tanhX * (1 + tanhS * (${-1 / 3} + tanhS * (${2 / 15} + tanhS * ${-17 / 315})));
    } else {
      const tanhE = Math.exp(-2 * tanhA);
      ${out} = Math.sign(tanhX) * (1 - tanhE) / (1 + tanhE);
    }
  }`;

/**
 * Statements setting `out` (declared) to erf(x): Abramowitz and Stegun's 7.1.26, absolute error below
 * 1.5e-7, which float32 cannot much improve on (the JS backend's series is exact to 1e-15 in float64).
 */
const erfInto = (out: string, x: string) => `{
    const erfA = Math.abs(${x});
    const erfT = 1 / (1 + 0.3275911 * erfA);
    const erfPoly = erfT * (0.254829592 + erfT * (-0.284496736 + erfT * (1.421413741 + erfT * (-1.453152027 + erfT * 1.061405429))));
    ${out} = Math.sign(${x}) * (1 - erfPoly * Math.exp(-erfA * erfA));
  }`;

/** Statements setting `out` (declared) to σ(x), in the JS backend's two forms, each safe from overflow on its side. */
const sigmoidInto = (out: string, x: string) => `{
    const sigmoidX = ${x};
    if (sigmoidX >= 0) {
      ${out} = 1 / (1 + Math.exp(-sigmoidX));
    } else {
      const sigmoidE = Math.exp(sigmoidX);
      ${out} = sigmoidE / (1 + sigmoidE);
    }
  }`;

/** Statements setting `out` (declared) to tanh(softplus(x)), mish's factor. */
const tanhSoftplusInto = (out: string, x: string) => `{
    const softplusX = ${x};
    const softplusY = Math.max(softplusX, 0) + Math.log(1 + Math.exp(-Math.abs(softplusX)));
    ${tanhInto(out, 'softplusY')}
  }`;

/** UnaryParams' negativeSlope, min, max and alpha, as the unary shaders read them from H. */
export const unaryLayout = ['slope', 'lo', 'hi', 'alpha'] as const;

/** UnaryOp → statements setting y from v and unaryLayout's values. */
const unaryBodies: Record<UnaryOp, string> = {
  neg: 'y = -v;',
  exp: 'y = Math.exp(v);',
  log: 'y = Math.log(v);',
  sqrt: 'y = Math.sqrt(v);',
  rsqrt: 'y = 1 / Math.sqrt(v);',
  abs: 'y = Math.abs(v);',
  sign: 'y = Math.sign(v);',
  tanh: tanhInto('y', 'v'),
  // the two forms of the JS backend, each safe from overflow on its side
  sigmoid: `if (v >= 0) {
    y = 1 / (1 + Math.exp(-v));
  } else {
    const ev = Math.exp(v);
    y = ev / (1 + ev);
  }`,
  softplus: 'y = Math.max(v, 0) + Math.log(1 + Math.exp(-Math.abs(v)));',
  gelu: `let e = 0;
  ${erfInto('e', `v * ${Math.SQRT1_2}`)}
  y = 0.5 * v * (1 + e);`,
  geluTanh: `let t = 0;
  ${tanhInto('t', `${GELU_C} * (v + 0.044715 * v * v * v)`)}
  y = 0.5 * v * (1 + t);`,
  leakyRelu: `if (v > 0) {
    y = v;
  } else {
    y = v * slope;
  }`,
  clamp: 'y = Math.min(Math.max(v, lo), hi);',
  geluGrad: `let e = 0;
  ${erfInto('e', `v * ${Math.SQRT1_2}`)}
  y = 0.5 * (1 + e) + v * Math.exp(-0.5 * v * v) * ${1 / Math.sqrt(2 * Math.PI)};`,
  geluTanhGrad: `let t = 0;
  ${tanhInto('t', `${GELU_C} * (v + 0.044715 * v * v * v)`)}
  y = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * ${GELU_C} * (1 + ${3 * 0.044715} * v * v);`,
  leakyReluGrad: `if (v > 0) {
    y = 1;
  } else {
    y = slope;
  }`,
  clampGrad: `if (v >= lo && v <= hi) {
    y = 1;
  }`,
  silu: `let s = 0;
  ${sigmoidInto('s', 'v')}
  y = v * s;`,
  elu: `if (v <= 0) {
    y = alpha * (Math.exp(v) - 1);
  } else {
    y = v;
  }`,
  mish: `let t = 0;
  ${tanhSoftplusInto('t', 'v')}
  y = v * t;`,
  hardswish: 'y = v * Math.min(Math.max(v + 3, 0), 6) / 6;',
  hardsigmoid: 'y = Math.min(Math.max(v + 3, 0), 6) / 6;',
  siluGrad: `let s = 0;
  ${sigmoidInto('s', 'v')}
  y = s * (1 + v * (1 - s));`,
  eluGrad: `if (v <= 0) {
    y = alpha * Math.exp(v);
  } else {
    y = 1;
  }`,
  mishGrad: `let t = 0;
  ${tanhSoftplusInto('t', 'v')}
  let s = 0;
  ${sigmoidInto('s', 'v')}
  y = t + v * (1 - t * t) * s;`,
  hardswishGrad: `if (v < -3) {
    y = 0;
  } else if (v <= 3) {
    y = v / 3 + 0.5;
  } else {
    y = 1;
  }`,
  hardsigmoidGrad: `if (v > -3 && v < 3) {
    y = ${1 / 6};
  }`,
  erf: erfInto('y', 'v'),
};

const capitalized = (op: string) => op[0].toUpperCase() + op.slice(1);

/** y = op(x) elementwise, per UnaryOp; H: unaryLayout. */
export const unaryShaders = Object.fromEntries(
  Object.entries(unaryBodies).map(([op, body]) => [
    op,
    `function unary${capitalized(op)}(X, H, offset) {
  const v = X[offset + this.thread.x];
  ${unpack('H', unaryLayout)}
  let y = 0;
  ${body}
  return y;
}`,
  ]),
) as Record<UnaryOp, string>;

/**
 * Statements setting `out` (declared) to base^exponent as JavaScript's ** gives it: GLSL's pow is
 * undefined for a base <= 0, so 0 and negative bases (whole exponents only, else NaN) are taken apart.
 * `zero` is a uniform 0, so that 1/zero and 0/zero make ±Infinity and NaN at run time.
 */
const powInto = (out: string, base: string, exponent: string) => `if (${exponent} == 0) {
    ${out} = 1;
  } else if (${base} > 0) {
    ${out} = Math.pow(${base}, ${exponent});
  } else if (${base} == 0) {
    if (${exponent} > 0) {
      ${out} = 0;
    } else {
      ${out} = 1 / zero;
    }
  } else if (Math.floor(${exponent}) == ${exponent}) {
    ${out} = Math.pow(-${base}, ${exponent});
    if (${exponent} - 2 * Math.floor(${exponent} / 2) == 1) {
      ${out} = -${out};
    }
  } else {
    ${out} = 0 / zero;
  }`;

const comparison = (test: string) => `if (${test}) {
    y = 1;
  }`;

/** BinaryOp → statements setting y from a and b. */
const binaryBodies: Record<BinaryOp, string> = {
  add: 'y = a + b;',
  sub: 'y = a - b;',
  mul: 'y = a * b;',
  div: 'y = a / b;',
  pow: powInto('y', 'a', 'b'),
  maximum: `if (a >= b) {
    y = a;
  } else {
    y = b;
  }`,
  minimum: `if (a <= b) {
    y = a;
  } else {
    y = b;
  }`,
  eq: comparison('a == b'),
  ne: comparison('a != b'),
  gt: comparison('a > b'),
  ge: comparison('a >= b'),
  lt: comparison('a < b'),
  le: comparison('a <= b'),
  powGradBase: `if (b != 0) {
    let power = 0;
    ${powInto('power', 'a', 'b - 1')}
    y = b * power;
  }`,
  powGradExponent: `if (a != 0 || b < 0) {
    let power = 0;
    ${powInto('power', 'a', 'b')}
    y = power * Math.log(a);
  }`,
  maximumShare: `y = 0.5;
  if (a > b) {
    y = 1;
  }
  if (a < b) {
    y = 0;
  }`,
  minimumShare: `y = 0.5;
  if (a < b) {
    y = 1;
  }
  if (a > b) {
    y = 0;
  }`,
};

/** y = op(a, b) over a broadcast shape, per BinaryOp; S: the view with a's strides, then b's. */
export const binaryShaders = Object.fromEntries(
  Object.entries(binaryBodies).map(([op, body]) => [
    op,
    `function binary${capitalized(op)}(A, B, S, offset, zero) {
  const o = offset + this.thread.x;
  const dims = S[0];
  let aAt = 0;
  let bAt = 0;
  ${walk('out', 'o', 'dims', '1', ['aAt', 'bAt'])}
  const a = A[aAt];
  const b = B[bAt];
  let y = 0;
  ${body}
  return y;
}`,
  ]),
) as Record<BinaryOp, string>;

/** out[i] = X[start + the view's offset of i]; S: the view with x's strides. */
export const stridedCopyShader = `function stridedCopy(X, S, offset, start) {
  const o = offset + this.thread.x;
  const dims = S[0];
  let at = start;
  ${walk('out', 'o', 'dims', '1', ['at'])}
  return X[at];
}`;

/**
 * The reductions, one thread per output element. S holds two views of x: the kept dims (walked by the
 * output index, giving the slice's base) from S[0], and the reduced dims (walked by r < count) from
 * S[cutAt]. argmax / argmin reduce one dim, so r is the index along it.
 */
const reduceFrame = (name: string, body: string) => `function ${name}(X, S, offset, cutAt, count, block, blocks) {
  const o = offset + this.thread.x;
  const keptDims = S[0];
  const cutDims = S[cutAt];
  let base = 0;
  ${walk('kept', 'o', 'keptDims', '1', ['base'])}
  ${body}
}`;

/** Statements declaring `v`, x at reduced position r of this thread's slice. */
const reducedValue = `let at = base;
    ${walk('cut', 'r', 'cutDims', 'cutAt + 1', ['at'])}
    const v = X[at];`;

const sumBody = (then: string) => `${blockedSum('count', `${reducedValue}
        const t = v;`)}
  return ${then};`;

/** The first extreme wins: `better` compares v with best. */
const extremeBody = (better: string, result: string) => `let best = 0;
  let bestIndex = 0;
  for (let r = 0; r < count; r++) {
    ${reducedValue}
    if (r == 0 || ${better}) {
      best = v;
      bestIndex = r;
    }
  }
  return ${result};`;

/** Per ReduceOp. */
export const reduceShaders: Record<ReduceOp, string> = {
  sum: reduceFrame('reduceSum', sumBody('total')),
  mean: reduceFrame('reduceMean', sumBody('total / count')),
  max: reduceFrame('reduceMax', extremeBody('v > best', 'best')),
  min: reduceFrame('reduceMin', extremeBody('v < best', 'best')),
  argmax: reduceFrame('reduceArgmax', extremeBody('v > best', 'bestIndex')),
  argmin: reduceFrame('reduceArgmin', extremeBody('v < best', 'bestIndex')),
};

// The movement primitives see a tensor around one dim as [outer, length, inner] (as the JS backend's
// loops do): position k along the dim of slice (q, j) is element (q·length + k)·inner + j.

/** out[q, k, j] = X[q, I[k], j], or fill where I[k] is −1. */
export const indexSelectShader = `function indexSelect(X, I, offset, length, inner, picked, fill) {
  const o = offset + this.thread.x;
  const qk = Math.floor((o + 0.5) / inner);
  const j = o - qk * inner;
  const q = Math.floor((qk + 0.5) / picked);
  const k = qk - q * picked;
  const from = I[k];
  if (from < 0) {
    return fill;
  }
  return X[(q * length + from) * inner + j];
}`;

/** out[q, t, j] = Σ over the k with I[k] == t of src[q, k, j]: indexAdd gathered, no atomics. */
export const indexAddShader = `function indexAdd(X, I, offset, length, inner, size) {
  const o = offset + this.thread.x;
  const qt = Math.floor((o + 0.5) / inner);
  const j = o - qt * inner;
  const q = Math.floor((qt + 0.5) / size);
  const target = qt - q * size;
  let sum = 0;
  for (let k = 0; k < length; k++) {
    if (I[k] == target) {
      sum += X[(q * length + k) * inner + j];
    }
  }
  return sum;
}`;

/**
 * out[q, k, j] = X[q, I[q, k, j], j], out shaped as the index [outer, count, inner]; an entry that is no
 * position 0 … length − 1 gives 0/0: NaN as on the JS backend in gpu.js's cpu mode, unspecified in GLSL
 * (the ops check every index they can read; the ones they make on the device are positions).
 */
export const gatherShader = `function gather(X, I, offset, length, inner, count) {
  const o = offset + this.thread.x;
  const qk = Math.floor((o + 0.5) / inner);
  const j = o - qk * inner;
  const q = Math.floor((qk + 0.5) / count);
  const from = I[o];
  if (from < 0 || from >= length || Math.floor(from) != from) {
    return 0 / 0;
  }
  return X[(q * length + from) * inner + j];
}`;

/** out[q, t, j] = Σ over the k with I[q, k, j] == t of src[q, k, j]: scatterAdd gathered, no atomics. */
export const scatterAddShader = `function scatterAdd(X, I, offset, count, inner, size) {
  const o = offset + this.thread.x;
  const qt = Math.floor((o + 0.5) / inner);
  const j = o - qt * inner;
  const q = Math.floor((qt + 0.5) / size);
  const target = qt - q * size;
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const at = (q * count + k) * inner + j;
    if (I[at] == target) {
      sum += X[at];
    }
  }
  return sum;
}`;

// softmax runs in two passes: one thread per slice along the dim reduces it (its log Σ e^x, or the sum
// softmax's gradient needs), then one thread per element reads its slice's value. Slice s = q·inner + j
// holds the elements base + r·inner, r < length.

const sliceFrame = (name: string, inputs: string, body: string) => `function ${name}(${inputs}, offset, length, inner, block, blocks) {
  const s = offset + this.thread.x;
  const q = Math.floor((s + 0.5) / inner);
  const base = q * length * inner + (s - q * inner);
  ${body}
}`;

/** Per slice: log Σ e^x, as max + log Σ e^(x − max) (all −∞ gives NaN in the end, as on the CPU). */
export const logSumExpShader = sliceFrame('logSumExp', 'X', `let top = X[base];
  for (let r = 1; r < length; r++) {
    top = Math.max(top, X[base + r * inner]);
  }
  ${blockedSum('length', 'const t = Math.exp(X[base + r * inner] - top);')}
  return top + Math.log(total);`);

/** Per slice, what softmax's gradient subtracts: Σ dy (log) or Σ dy·y. */
export const softmaxGradSumShaders = {
  log: sliceFrame('logSoftmaxGradSum', 'G, Y', `${blockedSum('length', 'const t = G[base + r * inner];')}
  return total;`),
  plain: sliceFrame('softmaxGradSum', 'G, Y', `${blockedSum('length', 'const t = G[base + r * inner] * Y[base + r * inner];')}
  return total;`),
};

/** Element o's slice L[…] of a per-slice result, then `result`. */
const perElement = (name: string, inputs: string, result: string) => `function ${name}(${inputs}, offset, length, inner) {
  const o = offset + this.thread.x;
  const qr = Math.floor((o + 0.5) / inner);
  const q = Math.floor((qr + 0.5) / length);
  const slice = q * inner + (o - qr * inner);
  return ${result};
}`;

/** softmax or logSoftmax from x and its slices' log Σ e^x. */
export const softmaxShaders = {
  log: perElement('logSoftmax', 'X, L', 'X[o] - L[slice]'),
  plain: perElement('softmax', 'X, L', 'Math.exp(X[o] - L[slice])'),
};

/** The gradient from dy, y and the slices' sums: dy − e^y·Σ dy (log), y·(dy − Σ dy·y). */
export const softmaxBackwardShaders = {
  log: perElement('logSoftmaxBackward', 'G, Y, T', 'G[o] - Math.exp(Y[o]) * T[slice]'),
  plain: perElement('softmaxBackward', 'G, Y, T', 'Y[o] * (G[o] - T[slice])'),
};

// ---- counter-based random numbers: Philox4x32-10 (engine/backends/js/random.ts), bit for bit ----
//
// The generator needs uint32 words, their 64-bit products and xor; gpu.js gives a kernel only float32
// values (and GLSL's int conversions). So each 32-bit word is two 16-bit halves held exactly in floats;
// a product of two words is taken byte by byte (byte products below 2^16, column sums below 2^19: all
// exact in float32), and xor works on the halves (gpu.js's `^` goes through int, exact for them).

/** Statements declaring the halves of hi and lo, the 64-bit product M·x of the constant M and the word x (halves h, l). */
function mulHiLo(out: string, m: number, h: string, l: string): string {
  const mBytes = [m & 255, (m >>> 8) & 255, (m >>> 16) & 255, m >>> 24];
  const x = [0, 1, 2, 3].map((i) => `${out}X${i}`);
  const column = (k: number) => mBytes.flatMap((mb, j) => (k - j >= 0 && k - j < 4 && mb !== 0 ? [`${x[k - j]} * ${mb}`] : [])).join(' + ') || '0';
  const bytes = [0, 1, 2, 3, 4, 5, 6].map(
    (k) => `const ${out}S${k} = ${column(k)} + ${k === 0 ? '0' : `${out}C${k - 1}`};
    const ${out}C${k} = Math.floor((${out}S${k} + 0.5) / 256);
    const ${out}B${k} = ${out}S${k} - ${out}C${k} * 256;`,
  );
  return `const ${x[1]} = Math.floor((${l} + 0.5) / 256);
    const ${x[0]} = ${l} - ${x[1]} * 256;
    const ${x[3]} = Math.floor((${h} + 0.5) / 256);
    const ${x[2]} = ${h} - ${x[3]} * 256;
    ${bytes.join('\n    ')}
    const ${out}LoL = ${out}B0 + ${out}B1 * 256;
    const ${out}LoH = ${out}B2 + ${out}B3 * 256;
    const ${out}HiL = ${out}B4 + ${out}B5 * 256;
    const ${out}HiH = ${out}B6 + ${out}C6 * 256;`;
}

/** Statements adding the constant w to the word (h, l), mod 2^32. */
const addWord = (h: string, l: string, w: number) => `${l} += ${w & 0xffff};
    const ${l}Carry = Math.floor((${l} + 0.5) / 65536);
    ${l} -= ${l}Carry * 65536;
    ${h} += ${w >>> 16} + ${l}Carry;
    ${h} -= Math.floor((${h} + 0.5) / 65536) * 65536;`;

/**
 * What randomFill reads from R: the key's words as 16-bit halves, the first block's bits 0–15, 16–31
 * and 32 up, the first element's word in its block (counter % 4), bernoulli (1/0), its threshold
 * ceil(p·2^24) and value.
 */
export const randomLayout = ['key0High', 'key0Low', 'key1High', 'key1Low', 'blockLow', 'blockHigh', 'blockTop', 'phase', 'bernoulli', 'threshold', 'value'] as const;

/**
 * Element e of a fill is word (counter + e) % 4 of the block at (counter + e) / 4; R: randomLayout. A
 * uniform u = n / 2^24 (n: the word's top 24 bits) is below p exactly when n < ceil(p·2^24), so the
 * comparison is of integers and p's rounding to float32 cannot flip it.
 */
export const randomFillShader = `function randomFill(R, offset) {
  ${unpack('R', randomLayout)}
  const e = offset + this.thread.x;
  const position = phase + e;
  const j = Math.floor((position + 0.5) / 4);
  const word = position - j * 4;
  const jHigh = Math.floor((j + 0.5) / 65536);
  let c0l = blockLow + (j - jHigh * 65536);
  const c0lCarry = Math.floor((c0l + 0.5) / 65536);
  c0l -= c0lCarry * 65536;
  let c0h = blockHigh + jHigh + c0lCarry;
  const c0hCarry = Math.floor((c0h + 0.5) / 65536);
  c0h -= c0hCarry * 65536;
  const c1 = blockTop + c0hCarry;
  const c1High = Math.floor((c1 + 0.5) / 65536);
  let x0h = c0h;
  let x0l = c0l;
  let x1h = c1High;
  let x1l = c1 - c1High * 65536;
  let x2h = 0;
  let x2l = 0;
  let x3h = 0;
  let x3l = 0;
  let k0h = key0High;
  let k0l = key0Low;
  let k1h = key1High;
  let k1l = key1Low;
  for (let round = 0; round < 10; round++) {
    ${mulHiLo('p', 0xd2511f53, 'x0h', 'x0l')}
    ${mulHiLo('q', 0xcd9e8d57, 'x2h', 'x2l')}
    x0h = qHiH ^ x1h ^ k0h;
    x0l = qHiL ^ x1l ^ k0l;
    x1h = qLoH;
    x1l = qLoL;
    x2h = pHiH ^ x3h ^ k1h;
    x2l = pHiL ^ x3l ^ k1l;
    x3h = pLoH;
    x3l = pLoL;
    ${addWord('k0h', 'k0l', 0x9e3779b9)}
    ${addWord('k1h', 'k1l', 0xbb67ae85)}
  }
  let high = x0h;
  let low = x0l;
  if (word == 1) {
    high = x1h;
    low = x1l;
  }
  if (word == 2) {
    high = x2h;
    low = x2l;
  }
  if (word == 3) {
    high = x3h;
    low = x3l;
  }
  const bits = high * 256 + Math.floor((low + 0.5) / 256);
  if (bernoulli > 0.5) {
    if (bits < threshold) {
      return value;
    }
    return 0;
  }
  return bits / 16777216;
}`;

// ---- the optimizer updates ----
//
// One shader per optimizer computes every new value of an element; it runs once per output (the new
// parameter, each new state tensor), `part` saying which it returns, so that the update is written
// once and every run reads only the old values. H holds the hyperparameters in the optimizer's layout.

/** SGD's H: direction is +1 to maximize, else −1; hasBuffer 1 with momentum. */
export const sgdLayout = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'direction', 'firstStep', 'hasBuffer'] as const;

/** torch.optim.SGD; part 1: the momentum buffer, 0: the parameter. */
export const sgdStepShader = `function sgdStep(W, G, B, H, offset, part) {
  ${unpack('H', sgdLayout)}
  const o = offset + this.thread.x;
  const w = W[o];
  let d = G[o] + weightDecay * w;
  if (hasBuffer > 0.5) {
    let buffer = d;
    if (firstStep < 0.5) {
      buffer = momentum * B[o] + (1 - dampening) * d;
    }
    if (part > 0.5) {
      return buffer;
    }
    if (nesterov > 0.5) {
      d = d + momentum * buffer;
    } else {
      d = buffer;
    }
  }
  return w + direction * lr * d;
}`;

/**
 * Adam's H, worked out per step on the CPU (in float64): stepSize = lr / (1 − β1^step), bc2Sqrt =
 * √(1 − β2^step), decay = 1 − lr·weightDecay for AdamW (else 1), l2 = weightDecay for Adam (else 0),
 * gradSign −1 to maximize.
 */
export const adamLayout = ['stepSize', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'eps', 'bc2Sqrt', 'decay', 'l2', 'gradSign', 'amsgrad'] as const;

/** torch.optim.Adam / AdamW; part 1: expAvg, 2: expAvgSq, 3: maxExpAvgSq, 0: the parameter. */
export const adamStepShader = `function adamStep(W, G, M, V, Vmax, H, offset, part) {
  ${unpack('H', adamLayout)}
  const o = offset + this.thread.x;
  const w = W[o];
  const g = G[o] * gradSign + l2 * w;
  const m = beta1 * M[o] + oneMinusBeta1 * g;
  if (part == 1) {
    return m;
  }
  const v = beta2 * V[o] + oneMinusBeta2 * g * g;
  if (part == 2) {
    return v;
  }
  let second = v;
  if (amsgrad > 0.5) {
    second = Math.max(Vmax[o], v);
  }
  if (part == 3) {
    return second;
  }
  return w * decay - (stepSize * m) / (Math.sqrt(second) / bc2Sqrt + eps);
}`;

/** RMSprop's H: gradSign −1 to maximize; centered and hasMomentum 1/0. */
export const rmspropLayout = ['lr', 'alpha', 'oneMinusAlpha', 'eps', 'weightDecay', 'momentum', 'gradSign', 'centered', 'hasMomentum'] as const;

/** torch.optim.RMSprop; part 1: squareAvg, 2: gradAvg, 3: momentumBuffer, 0: the parameter. */
export const rmspropStepShader = `function rmspropStep(W, G, Q, A, B, H, offset, part) {
  ${unpack('H', rmspropLayout)}
  const o = offset + this.thread.x;
  const w = W[o];
  const g = G[o] * gradSign + weightDecay * w;
  const square = alpha * Q[o] + oneMinusAlpha * g * g;
  if (part == 1) {
    return square;
  }
  let denominator = Math.sqrt(square) + eps;
  if (centered > 0.5) {
    const average = alpha * A[o] + oneMinusAlpha * g;
    if (part == 2) {
      return average;
    }
    denominator = Math.sqrt(square - average * average) + eps;
  }
  if (hasMomentum > 0.5) {
    const buffer = momentum * B[o] + g / denominator;
    if (part == 3) {
      return buffer;
    }
    return w - lr * buffer;
  }
  return w - (lr * g) / denominator;
}`;
