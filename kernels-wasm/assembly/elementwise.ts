// The elementwise work of a CNN layer besides its convolution: ReLU and its gradient, adding a bias per
// channel and the bias gradient, over tensors seen as [outer, channels, inner] (NCHW: [N, C, H·W];
// a Linear layer's output: [N, features, 1]). Four floats per SIMD step, then a scalar tail.

import { addInto, copy } from './rows';

/** out = max(x, 0); NaN stays NaN (f32x4.max propagates it), −0 becomes +0. */
export function relu(x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, Mathf.max(load<f32>(x + o), 0));
  }
}

/** out = g where the ReLU's output y > 0, else 0 (g's bits kept by and-ing with the comparison mask). */
export function reluBackward(g: usize, y: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, v128.and(v128.load(g + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(y + o) > 0 ? load<f32>(g + o) : 0);
  }
}

/** out[o, c, i] = x[o, c, i] + bias[c]. */
export function biasAdd(x: usize, bias: usize, out: usize, outer: i32, channels: i32, inner: i32): void {
  let at: usize = 0;
  for (let o = 0; o < outer; o++) {
    if (inner == 1) {
      // one value per channel: add the bias vector to the row
      copy(out + at, x + at, channels);
      addInto(out + at, bias, channels);
      at += <usize>channels << 2;
      continue;
    }
    for (let c = 0; c < channels; c++) {
      const b = load<f32>(bias + (<usize>c << 2));
      const bv = f32x4.splat(b);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const p = at + (<usize>i << 2);
        v128.store(out + p, f32x4.add(v128.load(x + p), bv));
      }
      for (; i < inner; i++) {
        const p = at + (<usize>i << 2);
        store<f32>(out + p, load<f32>(x + p) + b);
      }
      at += <usize>inner << 2;
    }
  }
}

/** out[c] = the sum of g[o, c, i] over o and i. */
export function biasGrad(g: usize, out: usize, outer: i32, channels: i32, inner: i32): void {
  memory.fill(out, 0, <usize>channels << 2);
  let at: usize = 0;
  for (let o = 0; o < outer; o++) {
    if (inner == 1) {
      addInto(out, g + at, channels);
      at += <usize>channels << 2;
      continue;
    }
    for (let c = 0; c < channels; c++) {
      let acc = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= inner; i += 4) acc = f32x4.add(acc, v128.load(g + at + (<usize>i << 2)));
      let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (; i < inner; i++) s += load<f32>(g + at + (<usize>i << 2));
      const p = out + (<usize>c << 2);
      store<f32>(p, load<f32>(p) + s);
      at += <usize>inner << 2;
    }
  }
}

// Batch normalization's passes (engine/ops/batchnorm.ts explains the coefficients). `coef` points at
// a [rows, channels] block of per-channel coefficients; row r of channel c is at coef + 4·(r·channels + c).

/** out [2, channels]: each channel's mean and biased variance (two passes, float64 sums). */
export function batchNormStats(x: usize, out: usize, outer: i32, channels: i32, inner: i32): void {
  const count = <f64>outer * <f64>inner;
  for (let c = 0; c < channels; c++) {
    let sum: f64 = 0;
    for (let o = 0; o < outer; o++) sum += sumRun(x + ((<usize>(o * channels + c) * inner) << 2), inner, 0, false);
    const mean = sum / count;
    let squares: f64 = 0;
    for (let o = 0; o < outer; o++) squares += sumRun(x + ((<usize>(o * channels + c) * inner) << 2), inner, <f32>mean, true);
    store<f32>(out + (<usize>c << 2), <f32>mean);
    store<f32>(out + (<usize>(channels + c) << 2), <f32>(squares / count));
  }
}

/** Σ x[i] (or Σ (x[i] − mean)² when squared) over n floats, in float64 lanes. */
function sumRun(x: usize, n: i32, mean: f32, squared: bool): f64 {
  const m = f32x4.splat(mean);
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let v = v128.load(x + (<usize>i << 2));
    if (squared) {
      v = f32x4.sub(v, m);
      v = f32x4.mul(v, v);
    }
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  let s = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
  for (; i < n; i++) {
    let v = load<f32>(x + (<usize>i << 2));
    if (squared) v = (v - mean) * (v - mean);
    s += <f64>v;
  }
  return s;
}

/** out = (x − mean)·scale + shift; coefficient rows mean, scale, shift. */
export function batchNormForward(x: usize, coef: usize, out: usize, outer: i32, channels: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const mean = load<f32>(coef + (<usize>c << 2));
      const scale = load<f32>(coef + (<usize>(channels + c) << 2));
      const shift = load<f32>(coef + (<usize>(2 * channels + c) << 2));
      const m = f32x4.splat(mean), k = f32x4.splat(scale), t = f32x4.splat(shift);
      const at = (<usize>(o * channels + c) * inner) << 2;
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const p = at + (<usize>i << 2);
        v128.store(out + p, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + p), m), k), t));
      }
      for (; i < inner; i++) {
        const p = at + (<usize>i << 2);
        store<f32>(out + p, (load<f32>(x + p) - mean) * scale + shift);
      }
    }
  }
}

/** out [2, channels]: Σ g and Σ g·(x − mean) per channel (float32 lanes, then float64 across runs); coefficient row mean. */
export function batchNormGradSums(g: usize, x: usize, coef: usize, out: usize, outer: i32, channels: i32, inner: i32): void {
  for (let c = 0; c < channels; c++) {
    const mean = load<f32>(coef + (<usize>c << 2));
    const m = f32x4.splat(mean);
    let sumG: f64 = 0, sumGX: f64 = 0;
    for (let o = 0; o < outer; o++) {
      const at = (<usize>(o * channels + c) * inner) << 2;
      let a = f32x4.splat(0), b = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const p = at + (<usize>i << 2);
        const gv = v128.load(g + p);
        a = f32x4.add(a, gv);
        b = f32x4.add(b, f32x4.mul(gv, f32x4.sub(v128.load(x + p), m)));
      }
      let s1 = <f64>(f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
      let s2 = <f64>(f32x4.extract_lane(b, 0) + f32x4.extract_lane(b, 1) + f32x4.extract_lane(b, 2) + f32x4.extract_lane(b, 3));
      for (; i < inner; i++) {
        const p = at + (<usize>i << 2);
        const gi = load<f32>(g + p);
        s1 += <f64>gi;
        s2 += <f64>(gi * (load<f32>(x + p) - mean));
      }
      sumG += s1;
      sumGX += s2;
    }
    store<f32>(out + (<usize>c << 2), <f32>sumG);
    store<f32>(out + (<usize>(channels + c) << 2), <f32>sumGX);
  }
}

/** out = g·a + (x − mean)·b + shift; coefficient rows mean, a, b, shift. */
export function batchNormBackward(g: usize, x: usize, coef: usize, out: usize, outer: i32, channels: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const mean = load<f32>(coef + (<usize>c << 2));
      const a = load<f32>(coef + (<usize>(channels + c) << 2));
      const b = load<f32>(coef + (<usize>(2 * channels + c) << 2));
      const shift = load<f32>(coef + (<usize>(3 * channels + c) << 2));
      const mv = f32x4.splat(mean), av = f32x4.splat(a), bv = f32x4.splat(b), tv = f32x4.splat(shift);
      const at = (<usize>(o * channels + c) * inner) << 2;
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const p = at + (<usize>i << 2);
        const d = f32x4.sub(v128.load(x + p), mv);
        v128.store(out + p, f32x4.add(f32x4.add(f32x4.mul(v128.load(g + p), av), f32x4.mul(d, bv)), tv));
      }
      for (; i < inner; i++) {
        const p = at + (<usize>i << 2);
        store<f32>(out + p, load<f32>(g + p) * a + (load<f32>(x + p) - mean) * b + shift);
      }
    }
  }
}

// Arithmetic between two tensors of one shape, or a tensor and a scalar (a or b a single float, repeated):
// op 0 add, 1 sub, 2 mul, 3 div. IEEE float32 results, as JS's float64 result rounded to float32 is.

export function binaryArith(op: i32, a: usize, aScalar: bool, b: usize, bScalar: bool, out: usize, n: i32): void {
  const aStep: usize = aScalar ? 0 : 4, bStep: usize = bScalar ? 0 : 4;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const x = aScalar ? v128.load32_splat(a) : v128.load(a + o);
    const y = bScalar ? v128.load32_splat(b) : v128.load(b + o);
    v128.store(out + o, op == 0 ? f32x4.add(x, y) : op == 1 ? f32x4.sub(x, y) : op == 2 ? f32x4.mul(x, y) : f32x4.div(x, y));
  }
  for (; i < n; i++) {
    const x = load<f32>(a + <usize>i * aStep), y = load<f32>(b + <usize>i * bStep);
    store<f32>(out + (<usize>i << 2), op == 0 ? x + y : op == 1 ? x - y : op == 2 ? x * y : x / y);
  }
}
