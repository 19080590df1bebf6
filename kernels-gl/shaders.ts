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

/** gb[c]: the gradient summed over outer and inner. */
export const biasGradShader = `function biasGrad(G, offset, outer, channels, inner) {
  const c = offset + this.thread.x;
  let sum = 0;
  for (let n = 0; n < outer; n++) {
    for (let i = 0; i < inner; i++) {
      sum += G[(n * channels + c) * inner + i];
    }
  }
  return sum;
}`;

// Batch normalization's passes (engine/ops/batchnorm.ts explains the coefficients, one [channels]
// array each). Σ g per channel is biasGradShader's sum.

/** Output [channels]: each channel's mean. */
export const batchNormMeanShader = `function batchNormMean(X, offset, outer, channels, inner) {
  const c = offset + this.thread.x;
  let sum = 0;
  for (let n = 0; n < outer; n++) {
    for (let i = 0; i < inner; i++) {
      sum += X[(n * channels + c) * inner + i];
    }
  }
  return sum / (outer * inner);
}`;

/** Output [channels]: each channel's biased variance around M. */
export const batchNormVarianceShader = `function batchNormVariance(X, M, offset, outer, channels, inner) {
  const c = offset + this.thread.x;
  let squares = 0;
  for (let n = 0; n < outer; n++) {
    for (let i = 0; i < inner; i++) {
      const d = X[(n * channels + c) * inner + i] - M[c];
      squares += d * d;
    }
  }
  return squares / (outer * inner);
}`;

/** (x − mean)·scale + shift. */
export const batchNormForwardShader = `function batchNormForward(X, M, S, B, offset, channels, inner) {
  const o = offset + this.thread.x;
  const q = Math.floor((o + 0.5) / inner);
  const c = q - Math.floor((q + 0.5) / channels) * channels;
  return (X[o] - M[c]) * S[c] + B[c];
}`;

/** Output [channels]: Σ g·(x − mean). */
export const batchNormCenteredSumShader = `function batchNormCenteredSum(G, X, M, offset, outer, channels, inner) {
  const c = offset + this.thread.x;
  let sum = 0;
  for (let n = 0; n < outer; n++) {
    for (let i = 0; i < inner; i++) {
      const at = (n * channels + c) * inner + i;
      sum += G[at] * (X[at] - M[c]);
    }
  }
  return sum;
}`;

/** g·gradScale + (x − mean)·inputScale + shift. */
export const batchNormBackwardShader = `function batchNormBackward(G, X, M, A, Bc, S, offset, channels, inner) {
  const o = offset + this.thread.x;
  const q = Math.floor((o + 0.5) / inner);
  const c = q - Math.floor((q + 0.5) / channels) * channels;
  return G[o] * A[c] + (X[o] - M[c]) * Bc[c] + S[c];
}`;
