// BatchNorm2d with a hand-written forward and backward over [N, C, H, W] in one pass per channel.
// nn.BatchNorm2d composes broadcast ops (mean, var, sub, div, mul, add), which on this engine costs
// ~1 s per step of the default CNN; the fused loops cost a few ms. Same parameters, buffers, state-dict
// keys and running-stat rule, so a model trained here loads into nn.BatchNorm2d and vice versa.

import * as tg from '../index.js';

export class FusedBatchNorm2d extends tg.nn.BatchNorm2d {
  override forward(x: tg.Tensor): tg.Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.numFeatures || !this.affine || !this.trackRunningStats) return super.forward(x);
    const [n, c, h, w] = x.shape;
    const hw = h * w;
    const count = n * hw;
    const xd = x.data;
    const out = new Float32Array(xd.length);
    const gamma = this.weight!.data;
    const beta = this.bias!.data;
    const training = this.training;
    if (training && count <= 1) return super.forward(x); // let the library raise its error
    const xhat = training ? new Float32Array(xd.length) : null;
    const invStd = new Float32Array(c);
    if (training) this.num_batches_tracked!.data[0] += 1;
    const momentum = this.momentum ?? 1 / this.num_batches_tracked!.data[0];
    for (let ch = 0; ch < c; ch++) {
      let mean: number;
      let variance: number;
      if (training) {
        // float64 sums: the mean and variance of 50k values stay exact enough
        let s = 0;
        for (let b = 0; b < n; b++) for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) s += xd[i];
        mean = s / count;
        let v = 0;
        for (let b = 0; b < n; b++) {
          for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) {
            const d = xd[i] - mean;
            v += d * d;
          }
        }
        variance = v / count;
        const rm = this.running_mean!.data;
        const rv = this.running_var!.data;
        rm[ch] = (1 - momentum) * rm[ch] + momentum * mean;
        rv[ch] = (1 - momentum) * rv[ch] + momentum * ((variance * count) / (count - 1));
      } else {
        mean = this.running_mean!.data[ch];
        variance = this.running_var!.data[ch];
      }
      const is = 1 / Math.sqrt(variance + this.eps);
      invStd[ch] = is;
      const g = gamma[ch];
      const bt = beta[ch];
      for (let b = 0; b < n; b++) {
        const i0 = (b * c + ch) * hw;
        if (xhat) {
          for (let i = i0, e = i0 + hw; i < e; i++) {
            const xh = (xd[i] - mean) * is;
            xhat[i] = xh;
            out[i] = xh * g + bt;
          }
        } else {
          for (let i = i0, e = i0 + hw; i < e; i++) out[i] = (xd[i] - mean) * is * g + bt;
        }
      }
    }
    const y = new tg.Tensor(out, x.shape);
    const weight = this.weight!;
    return tg.record(y, 'batchNorm2d', [x, weight, this.bias], (gy) => {
      const gd = gy.data;
      const gx = new Float32Array(xd.length);
      const gGamma = new Float32Array(c);
      const gBeta = new Float32Array(c);
      // in eval mode xhat was not kept: recompute it from the running mean it used
      const xh = xhat ?? evalXhat(xd, n, c, hw, this.running_mean!.data, invStd);
      for (let ch = 0; ch < c; ch++) {
        let sg = 0;
        let sgx = 0;
        for (let b = 0; b < n; b++) {
          for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) {
            sg += gd[i];
            sgx += gd[i] * xh[i];
          }
        }
        gGamma[ch] = sgx;
        gBeta[ch] = sg;
        const k = weight.data[ch] * invStd[ch];
        if (xhat) {
          // d/dx of batch statistics: (g - mean(g) - xhat * mean(g * xhat)) * gamma / std
          const mg = sg / count;
          const mgx = sgx / count;
          for (let b = 0; b < n; b++) for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) gx[i] = k * (gd[i] - mg - xhat[i] * mgx);
        } else {
          for (let b = 0; b < n; b++) for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) gx[i] = k * gd[i];
        }
      }
      return [new tg.Tensor(gx, x.shape), new tg.Tensor(gGamma, [c]), new tg.Tensor(gBeta, [c])];
    });
  }
}

/** (x - mean[c]) * invStd[c] for every element of an [N, C, H, W] buffer. */
function evalXhat(xd: Float32Array, n: number, c: number, hw: number, mean: Float32Array, invStd: Float32Array): Float32Array {
  const out = new Float32Array(xd.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) out[i] = (xd[i] - mean[ch]) * invStd[ch];
  }
  return out;
}
